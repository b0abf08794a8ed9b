//! Throughput of the event log alone, without AMQP: durable appends with many batches in
//! flight, and reads of committed events from SQLite and from the in-memory tail.
//!
//! Run with `cargo bench -p broker --bench event_log`. Each append loop runs for 3 s or until
//! 2,000,000 events are appended, whichever comes first. Each read loop reads at most the
//! events appended before it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::log::{EventLog, NewEvent};
use futures_util::stream::{FuturesUnordered, StreamExt as _};

/// The size of every event body, in bytes.
const EVENT_SIZE: usize = 1024;
/// How long each append loop runs.
const BUDGET: Duration = Duration::from_secs(3);
/// Events appended at most per loop.
const MAX_EVENTS: u64 = 2_000_000;

fn event() -> NewEvent {
    let message = amqp::Message::with_data(vec![7u8; EVENT_SIZE]).encode();
    NewEvent {
        message,
        body_size: EVENT_SIZE,
        properties_size: 0,
        partition_key: None,
    }
}

/// Keeps `in_flight` appends of `batch` events each queued on `partitions` partitions in turn
/// and returns the events appended and the time taken.
async fn append_loop(
    log: &EventLog,
    partitions: u32,
    batch: usize,
    in_flight: usize,
) -> (u64, Duration) {
    let template = event();
    let started = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut appended = 0u64;
    let mut next_partition = 0u32;
    while started.elapsed() < BUDGET && appended < MAX_EVENTS {
        while pending.len() < in_flight {
            let events = vec![template.clone(); batch];
            let queued = log
                .begin_append("bench", next_partition, events)
                .expect("queueing an append failed");
            pending.push(queued.committed());
            next_partition = (next_partition + 1) % partitions;
        }
        if let Some(result) = pending.next().await {
            appended += result.expect("an append failed").len() as u64;
        }
    }
    while let Some(result) = pending.next().await {
        appended += result.expect("an append failed").len() as u64;
    }
    (appended, started.elapsed())
}

fn read_all(log: &EventLog, partitions: u32) -> (u64, Duration) {
    let started = Instant::now();
    let mut read = 0u64;
    for partition in 0..partitions {
        let mut from = 0;
        loop {
            let events = log
                .read("bench", partition, from, 64)
                .expect("reading failed");
            let Some(last) = events.last() else {
                break;
            };
            from = last.sequence_number + 1;
            read += events.len() as u64;
        }
    }
    (read, started.elapsed())
}

/// Returns the CPU time this process used so far, user and system, from `/proc/self/stat`;
/// `None` off Linux. Its unit is the kernel's clock tick, 10 ms on every common Linux build.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces, so count fields after its closing bracket.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

/// Runs `work` and returns its events, the time it took and the CPU time the process used.
fn timed(work: impl FnOnce() -> (u64, Duration)) -> (u64, Duration, Option<Duration>) {
    let before = process_cpu();
    let (events, elapsed) = work();
    let cpu = process_cpu()
        .zip(before)
        .map(|(after, before)| after - before);
    (events, elapsed, cpu)
}

fn report(label: &str, (events, elapsed, cpu): (u64, Duration, Option<Duration>)) {
    let per_second = events as f64 / elapsed.as_secs_f64();
    let cpu_per_event = match cpu {
        Some(cpu) => format!(
            "{:.1} µs CPU each",
            cpu.as_secs_f64() * 1e6 / events.max(1) as f64
        ),
        None => "CPU time unknown".to_owned(),
    };
    println!("{label:<52} {per_second:>9.0} events/s, {cpu_per_event} ({events} events)");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building the runtime failed");
    for (partitions, batch, in_flight) in [(1, 1, 100), (1, 100, 100), (4, 1, 100), (4, 100, 100)] {
        let dir = tempfile::tempdir().expect("creating a temporary folder failed");
        let log = Arc::new(EventLog::open(&dir.path().join("bench.db")).expect("opening failed"));
        let before = log.stats();
        let appended = timed(|| runtime.block_on(append_loop(&log, partitions, batch, in_flight)));
        let after = log.stats();
        report(
            &format!("append, {partitions} partitions, batches of {batch}, {in_flight} in flight"),
            appended,
        );
        let commits = after.commits - before.commits;
        let requests = after.requests - before.requests;
        let syncs = after.syncs - before.syncs;
        println!(
            "{:<52} {commits} commits of {:.1} requests, {syncs} syncs",
            "",
            requests as f64 / commits.max(1) as f64
        );
        report("read back", timed(|| read_all(&log, partitions)));
    }
}
