//! Durability across SIGKILL: a child process runs the broker and a producer that sends
//! batches over AMQP with the app's Rust client. The test kills it at random points, restarts
//! it over the same data folder, and checks the event log after every restart.
//!
//! The child is this test binary again, running the ignored `crash_child` test. It prints
//! `ack {partition} {sequence number} {body}` for each event of each acknowledged batch, after
//! the acknowledgement and before it sends the next batch. It is the only producer, so it
//! derives each sequence number from the log's state when it started and the events acknowledged
//! since, without reading the log again.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azeventhubs::producer::{
    CreateBatchOptions, EventHubProducerClient, EventHubProducerClientOptions, SendEventOptions,
};
use broker::entity::{HubSettings, Namespace};
use broker::log::EventLog;
use broker::server::{Broker, BrokerConfig};

const HUB: &str = "orders";
const PARTITIONS: u32 = 4;
const EVENTS_PER_BATCH: usize = 5;
const RESTARTS: u32 = 20;
/// Range of the delay before each kill, in milliseconds.
const KILL_DELAY_MS: std::ops::Range<u64> = 50..800;
/// Seed of the kill delays. `CRASH_SEED` overrides it to explore other schedules.
const DEFAULT_SEED: u64 = 0x5eed_cafe;
/// Bound of the whole test, restarts and checks included.
const TEST_TIMEOUT: Duration = Duration::from_secs(180);
/// Bound of one child's sending, in case a kill never comes.
const CHILD_RUNTIME: Duration = Duration::from_secs(30);

const DATA_DIR_VAR: &str = "CRASH_DATA_DIR";
const RUN_VAR: &str = "CRASH_RUN";

/// One acknowledged event as the child printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    partition: u32,
    sequence_number: i64,
    body: String,
}

/// SplitMix64, enough to spread kill delays reproducibly without a dependency.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn in_range(&mut self, range: std::ops::Range<u64>) -> u64 {
        range.start + self.next() % (range.end - range.start)
    }
}

fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("eda-local.db")
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut fields = line.strip_prefix("ack ")?.split(' ');
    let partition = fields.next()?.parse().ok()?;
    let sequence_number = fields.next()?.parse().ok()?;
    let body = fields.next()?.to_owned();
    Some(Ack {
        partition,
        sequence_number,
        body,
    })
}

/// Returns the body of a stored event, whose message has one data section.
fn stored_body(message: &[u8]) -> String {
    let message = amqp::Message::decode(message).expect("a stored event decodes");
    let amqp::Body::Data(sections) = message.body else {
        panic!("a stored event has no data section: {:?}", message.body);
    };
    String::from_utf8(sections.concat()).expect("bodies are UTF-8")
}

/// Starts the child and returns the acknowledgements it printed before it was killed.
fn run_child_until_killed(data_dir: &Path, run: u32, delay: Duration) -> Vec<Ack> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(DATA_DIR_VAR, data_dir)
        .env(RUN_VAR, run.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the test binary starts again as the child");
    let stdout = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let collected = Arc::clone(&lines);
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // The loop ends when the pipe closes, at the latest when the child dies.
        while stdout
            .read_line(&mut line)
            .map(|read| read > 0)
            .unwrap_or(false)
        {
            // A line cut off by the kill has no newline and was never complete.
            if let Some(complete) = line.strip_suffix('\n') {
                if let Some(ack) = parse_ack(complete) {
                    collected.lock().unwrap().push(ack);
                }
            }
            line.clear();
        }
    });

    std::thread::sleep(delay);
    let early_exit = child.try_wait().unwrap();
    assert!(
        early_exit.is_none(),
        "run {run}: the child exited before the kill with {early_exit:?}"
    );
    // `Child::kill` sends SIGKILL to the child's PID on Unix.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "run {run}: the child was not killed");
    reader.join().unwrap();
    let acks = lines.lock().unwrap().clone();
    acks
}

/// Checks that every acknowledged event is stored with its sequence number and body, and that
/// each partition contains the sequence numbers 0 to n without gaps.
fn check_log(data_dir: &Path, acks: &[Ack], run: u32) {
    let log = EventLog::open(&log_path(data_dir)).unwrap();
    let mut stored = BTreeMap::new();
    for partition in 0..PARTITIONS {
        let events = log.read(HUB, partition, 0, usize::MAX).unwrap();
        for (index, event) in events.iter().enumerate() {
            assert_eq!(
                event.sequence_number, index as i64,
                "run {run}: partition {partition} has a gap before sequence number {}",
                event.sequence_number
            );
            stored.insert(
                (partition, event.sequence_number),
                stored_body(&event.message),
            );
        }
    }
    for ack in acks {
        let body = stored.get(&(ack.partition, ack.sequence_number));
        assert_eq!(
            body,
            Some(&ack.body),
            "run {run}: acknowledged event {ack:?} is not in the log as acknowledged"
        );
    }
}

#[test]
fn acknowledged_events_survive_sigkill() {
    let started = Instant::now();
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let mut random = SplitMix(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut acks = Vec::new();
    let mut runs_with_acks = 0;

    for run in 0..RESTARTS {
        let delay = Duration::from_millis(random.in_range(KILL_DELAY_MS));
        let new_acks = run_child_until_killed(dir.path(), run, delay);
        if !new_acks.is_empty() {
            runs_with_acks += 1;
        }
        acks.extend(new_acks);
        check_log(dir.path(), &acks, run);
        assert!(
            started.elapsed() < TEST_TIMEOUT,
            "seed {seed}: {} restarts took over {TEST_TIMEOUT:?}",
            run + 1
        );
    }

    // Kills that all land before the first acknowledgement would prove nothing. The bound is
    // low because a slow start of the child on a busy machine uses up short delays.
    assert!(
        runs_with_acks >= RESTARTS / 4,
        "seed {seed}: only {runs_with_acks} of {RESTARTS} runs acknowledged any event"
    );
    assert!(
        acks.len() >= 100,
        "seed {seed}: only {} events acknowledged",
        acks.len()
    );
    println!(
        "seed {seed}: {} events acknowledged in {runs_with_acks} of {RESTARTS} runs, {:?}",
        acks.len(),
        started.elapsed()
    );
}

/// Runs the child process: a broker over the data folder of `CRASH_DATA_DIR` and a producer
/// that sends batches to it until it is killed (at most [`CHILD_RUNTIME`]).
#[test]
#[ignore = "runs only as the child process of acknowledged_events_survive_sigkill"]
fn crash_child() {
    let data_dir = PathBuf::from(std::env::var(DATA_DIR_VAR).expect("CRASH_DATA_DIR is set"));
    let run: u32 = std::env::var(RUN_VAR).unwrap().parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(send_until_killed(data_dir, run));
}

async fn send_until_killed(data_dir: PathBuf, run: u32) {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: PARTITIONS,
        retention_days: 7,
    };
    namespace
        .create_hub(HUB, settings, 1_700_000_000_000)
        .unwrap();
    let broker = Broker::start(BrokerConfig::new(namespace, data_dir))
        .await
        .unwrap();
    let root = broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap()
        .expose()
        .clone();
    let mut client = EventHubProducerClient::new_from_connection_string(
        &root,
        HUB.to_owned(),
        EventHubProducerClientOptions::default(),
    )
    .await
    .unwrap();

    let mut next_sequence = Vec::new();
    for partition in 0..PARTITIONS {
        let info = broker.event_log().partition_info(HUB, partition).unwrap();
        let next = if info.is_empty {
            0
        } else {
            info.last_enqueued_sequence_number + 1
        };
        next_sequence.push(next);
    }

    let started = Instant::now();
    let mut stdout = std::io::stdout();
    let mut batch_index = 0u32;
    while started.elapsed() < CHILD_RUNTIME {
        let partition = batch_index % PARTITIONS;
        let bodies: Vec<String> = (0..EVENTS_PER_BATCH)
            .map(|event| format!("r{run}-b{batch_index}-e{event}"))
            .collect();
        let mut batch = client
            .create_batch(CreateBatchOptions::default())
            .await
            .unwrap();
        for body in &bodies {
            batch.try_add(body.clone()).unwrap();
        }
        let options = SendEventOptions::new().with_partition_id(partition.to_string());
        tokio::time::timeout(Duration::from_secs(10), client.send_batch(batch, options))
            .await
            .expect("a batch is acknowledged within 10 seconds")
            .unwrap();

        // The producer is the only writer, so the broker numbers its events one after another
        // from where the log stood when the child started.
        let mut lines = String::new();
        for body in &bodies {
            let sequence_number = next_sequence[partition as usize];
            next_sequence[partition as usize] += 1;
            lines.push_str(&format!("ack {partition} {sequence_number} {body}\n"));
        }
        stdout.write_all(lines.as_bytes()).unwrap();
        stdout.flush().unwrap();
        batch_index += 1;
    }
    panic!("run {run}: the child was not killed within {CHILD_RUNTIME:?}");
}
