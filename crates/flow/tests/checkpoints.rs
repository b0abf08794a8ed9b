//! Checkpoints and failing handlers, through the consumer runtime over the in-memory transport.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use common::MemoryTransport;
use course::Team;
use flow::checkpoint::{CheckpointStore, StaleReason};
use flow::metrics::Metrics;
use flow::runtime::park::{self, read_parked};
use flow::runtime::{
    BatchFailure, ConsumerRuntime, ConsumerSpec, EventHandler, Exhausted, FailurePolicy,
    HandlerError, PartitionExit, ReadOptions, StartedConsumer,
};
use flow::services::datalake;
use flow::services::parked::ParkedList;
use flow::store::{first_delivery, TeamStore};
use flow::transport::{
    EventTransport, OutgoingEvent, Properties, PropertyValue, PublishBatch, ReceivedEvent,
};
use rusqlite::params;
use tokio::task::JoinSet;

const HUB: &str = "customer";
const GROUP: &str = "lead";

/// Records every delivery; fails every time on one sequence number.
#[derive(Debug, Default)]
struct RecordingHandler {
    attempts: Mutex<Vec<i64>>,
    handled: Mutex<Vec<i64>>,
    fail_on: Option<i64>,
}

#[async_trait]
impl EventHandler for RecordingHandler {
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError> {
        self.attempts.lock().unwrap().push(event.sequence_number);
        if Some(event.sequence_number) == self.fail_on {
            return Err(HandlerError(format!(
                "event {} cannot be handled",
                event.sequence_number
            )));
        }
        self.handled.lock().unwrap().push(event.sequence_number);
        Ok(())
    }
}

/// Handles a receive as one unit that fails whole when any of its events fails, as a handler
/// with one transaction per receive does, and records the receives it was given.
#[derive(Debug, Default)]
struct AllOrNothingHandler {
    single: RecordingHandler,
    batches: Mutex<Vec<Vec<i64>>>,
}

#[async_trait]
impl EventHandler for AllOrNothingHandler {
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError> {
        self.single.handle(event).await
    }

    async fn handle_batch(&self, events: &[ReceivedEvent]) -> Result<(), BatchFailure> {
        let sequences: Vec<i64> = events.iter().map(|event| event.sequence_number).collect();
        self.batches.lock().unwrap().push(sequences.clone());
        if let Some(failing) = sequences.iter().find(|s| Some(**s) == self.single.fail_on) {
            return Err(BatchFailure::Whole(HandlerError(format!(
                "event {failing} cannot be handled"
            ))));
        }
        self.single.handled.lock().unwrap().extend(sequences);
        Ok(())
    }
}

fn policy(exhausted: Exhausted) -> FailurePolicy {
    FailurePolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        exhausted,
    }
}

fn read_options() -> ReadOptions {
    ReadOptions {
        max_batch: 8,
        max_wait: Duration::from_millis(20),
    }
}

async fn publish_numbered(transport: &MemoryTransport, hub: &str, count: usize, key: Option<&str>) {
    for number in 0..count {
        let mut properties = Properties::new();
        properties.insert(
            "cloudEvents:id".to_string(),
            PropertyValue::String(format!("event-{number}")),
        );
        transport
            .publish(PublishBatch {
                hub: hub.to_string(),
                partition_key: key.map(str::to_string),
                partition_id: None,
                events: vec![OutgoingEvent {
                    body: format!("body {number}").into_bytes(),
                    content_type: Some("text/plain".to_string()),
                    properties,
                }],
            })
            .await
            .unwrap();
    }
}

fn runtime(
    transport: &MemoryTransport,
    checkpoints: &Arc<CheckpointStore>,
    metrics: &Arc<Metrics>,
    exhausted: Exhausted,
) -> ConsumerRuntime {
    ConsumerRuntime::new(
        Arc::new(transport.clone()),
        checkpoints.clone(),
        metrics.clone(),
    )
    .with_policy(policy(exhausted))
    .with_read_options(read_options())
}

fn spec(hub: &str, group: &str, handler: Arc<dyn EventHandler>) -> ConsumerSpec {
    ConsumerSpec {
        hub: hub.to_string(),
        consumer_group: group.to_string(),
        team: Team::Conversions,
        handler,
    }
}

/// Polls `condition` every 10 ms for at most 10 s.
async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn checkpoint_at(store: &CheckpointStore, hub: &str, group: &str, partition: &str) -> Option<i64> {
    store
        .load(hub, group)
        .unwrap()
        .into_iter()
        .find(|checkpoint| checkpoint.partition_id == partition)
        .map(|checkpoint| checkpoint.sequence_number)
}

/// Runs group [`GROUP`] on `hub` until its handler has handled `count` events, then stops it.
/// Returns the handler and what starting the group reported.
async fn run_until_handled(
    transport: &MemoryTransport,
    checkpoints: &Arc<CheckpointStore>,
    metrics: &Arc<Metrics>,
    hub: &str,
    count: usize,
) -> (Arc<RecordingHandler>, StartedConsumer) {
    let handler = Arc::new(RecordingHandler::default());
    let consumers = runtime(transport, checkpoints, metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    let started = consumers
        .start(spec(hub, GROUP, handler.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for(&format!("{count} events handled"), || {
        handler.handled.lock().unwrap().len() == count
    })
    .await;
    tasks.shutdown().await;
    (handler, started)
}

#[tokio::test]
async fn failing_event_is_delivered_again_after_restart() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 20, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    let failing = Arc::new(RecordingHandler {
        fail_on: Some(10),
        ..RecordingHandler::default()
    });
    let first = runtime(&transport, &checkpoints, &metrics, Exhausted::StopPartition);
    let mut tasks = JoinSet::new();
    first
        .start(spec(HUB, GROUP, failing.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the partition to stop", || !first.exits().is_empty()).await;
    tasks.shutdown().await;

    assert_eq!(
        first.exits(),
        [PartitionExit::Stopped {
            hub: HUB.to_string(),
            consumer_group: GROUP.to_string(),
            partition_id: "0".to_string(),
            sequence_number: 10,
            error: "event 10 cannot be handled".to_string(),
        }]
    );
    assert_eq!(checkpoint_at(&checkpoints, HUB, GROUP, "0"), Some(9));
    assert_eq!(
        *failing.handled.lock().unwrap(),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(
        failing
            .attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|s| **s == 10)
            .count(),
        3
    );

    let healthy = Arc::new(RecordingHandler::default());
    let second = runtime(&transport, &checkpoints, &metrics, Exhausted::StopPartition);
    let mut tasks = JoinSet::new();
    second
        .start(spec(HUB, GROUP, healthy.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the checkpoint at the 20th event", || {
        checkpoint_at(&checkpoints, HUB, GROUP, "0") == Some(19)
    })
    .await;
    tasks.shutdown().await;

    assert_eq!(
        *healthy.handled.lock().unwrap(),
        (10..20).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn failing_event_is_parked_and_the_rest_handled() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 20, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    let handler = Arc::new(RecordingHandler {
        fail_on: Some(10),
        ..RecordingHandler::default()
    });
    let consumers = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    consumers
        .start(spec(HUB, GROUP, handler.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the checkpoint at the 20th event", || {
        checkpoint_at(&checkpoints, HUB, GROUP, "0") == Some(19)
    })
    .await;

    let expected: Vec<i64> = (0..20).filter(|sequence| *sequence != 10).collect();
    assert_eq!(*handler.handled.lock().unwrap(), expected);
    assert!(consumers.exits().is_empty());

    let parked = transport.events(course::flow::PARKED_HUB);
    assert_eq!(parked.len(), 1);
    let info = read_parked(&parked[0]).expect("parking properties are present");
    assert_eq!(info.hub, HUB);
    assert_eq!(info.consumer_group, GROUP);
    assert_eq!(info.partition_id, "0");
    assert_eq!(info.sequence_number, 10);
    assert_eq!(info.offset, (10 * 1024 + 7).to_string());
    assert_eq!(info.attempts, 3);
    assert_eq!(info.error, "event 10 cannot be handled");
    assert_eq!(parked[0].properties[park::ATTEMPTS], PropertyValue::Long(3));
    assert_eq!(parked[0].body, b"body 10");
    assert_eq!(metrics.counts().counts(Team::Conversions, HUB).parked, 1);
    assert_eq!(metrics.counts().counts(Team::Conversions, HUB).consumed, 19);

    // The parked-events list, as the app shows it, contains the event with its reason.
    let platform = Arc::new(datalake::open_store(&folder.path().join("platform.sqlite")).unwrap());
    let list = Arc::new(ParkedList::new(platform));
    consumers
        .start(
            spec(course::flow::PARKED_HUB, "platform", list.clone()),
            &mut tasks,
        )
        .await
        .unwrap();
    wait_for("the parked event in the list", || {
        !list.events().unwrap().is_empty()
    })
    .await;
    tasks.shutdown().await;
    let listed = list.events().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].sequence_number, 10);
    assert_eq!(listed[0].error, "event 10 cannot be handled");
    assert_eq!(listed[0].attempts, 3);
    assert_eq!(listed[0].event_id.as_deref(), Some("event-10"));
}

/// Applies each event to a team store once, by event id. After committing the event with
/// sequence number `stall_after` it never returns, so the runtime cannot checkpoint it.
#[tokio::test]
async fn failed_batch_is_handled_one_by_one() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 20, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    let handler = Arc::new(AllOrNothingHandler {
        single: RecordingHandler {
            fail_on: Some(10),
            ..RecordingHandler::default()
        },
        ..AllOrNothingHandler::default()
    });
    let consumers = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    consumers
        .start(spec(HUB, GROUP, handler.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the checkpoint at the 20th event", || {
        checkpoint_at(&checkpoints, HUB, GROUP, "0") == Some(19)
    })
    .await;
    tasks.shutdown().await;

    // Every event but the failing one took effect exactly once, in order, although the
    // receive that contained event 10 failed whole and was handled again one by one.
    let expected: Vec<i64> = (0..20).filter(|sequence| *sequence != 10).collect();
    assert_eq!(*handler.single.handled.lock().unwrap(), expected);
    let failing_attempts = handler
        .single
        .attempts
        .lock()
        .unwrap()
        .iter()
        .filter(|s| **s == 10)
        .count();
    // A receive that failed whole counts against none of its events.
    assert_eq!(failing_attempts, 3);
    let batches = handler.batches.lock().unwrap().clone();
    assert!(
        batches
            .iter()
            .any(|batch| batch.contains(&10) && batch.len() > 1),
        "event 10 came in a receive of several events: {batches:?}"
    );

    let parked = transport.events(course::flow::PARKED_HUB);
    assert_eq!(parked.len(), 1);
    let info = read_parked(&parked[0]).expect("parking properties are present");
    assert_eq!(info.sequence_number, 10);
    assert_eq!(info.attempts, 3);
    assert_eq!(metrics.counts().counts(Team::Conversions, HUB).consumed, 19);
}

#[derive(Debug)]
struct StoringHandler {
    store: Arc<TeamStore>,
    stall_after: Option<i64>,
    stalled: AtomicBool,
    deliveries: Mutex<Vec<i64>>,
}

#[async_trait]
impl EventHandler for StoringHandler {
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError> {
        self.deliveries.lock().unwrap().push(event.sequence_number);
        let event_id = event.properties["cloudEvents:id"]
            .as_str()
            .unwrap()
            .to_string();
        self.store
            .transaction(|transaction| {
                if first_delivery(transaction, GROUP, &event_id)? {
                    transaction.execute(
                        "INSERT INTO applied (event_id) VALUES (?1)",
                        params![event_id],
                    )?;
                }
                Ok(())
            })
            .map_err(|error| HandlerError(error.to_string()))?;
        if Some(event.sequence_number) == self.stall_after {
            self.stalled.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn crash_between_handling_and_checkpoint_applies_once() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 20, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();
    let store = Arc::new(
        TeamStore::open(
            &folder.path().join("team.sqlite"),
            Team::Conversions,
            "CREATE TABLE IF NOT EXISTS applied (event_id TEXT NOT NULL);",
        )
        .unwrap(),
    );

    let stalling = Arc::new(StoringHandler {
        store: store.clone(),
        stall_after: Some(4),
        stalled: AtomicBool::new(false),
        deliveries: Mutex::new(Vec::new()),
    });
    let first = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    first
        .start(spec(HUB, GROUP, stalling.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the handler to stall", || {
        stalling.stalled.load(Ordering::SeqCst)
    })
    .await;
    // Dropping the tasks is the crash. Events 0 to 7 came in one receive, which checkpoints
    // after its last event, so events 0 to 4 are stored and none is checkpointed.
    drop(tasks);
    assert_eq!(checkpoint_at(&checkpoints, HUB, GROUP, "0"), None);
    assert_eq!(store.count("applied").unwrap(), 5);

    let resumed = Arc::new(StoringHandler {
        store: store.clone(),
        stall_after: None,
        stalled: AtomicBool::new(false),
        deliveries: Mutex::new(Vec::new()),
    });
    let second = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    second
        .start(spec(HUB, GROUP, resumed.clone()), &mut tasks)
        .await
        .unwrap();
    wait_for("the checkpoint at the 20th event", || {
        checkpoint_at(&checkpoints, HUB, GROUP, "0") == Some(19)
    })
    .await;
    tasks.shutdown().await;

    assert_eq!(resumed.deliveries.lock().unwrap()[0], 0);
    assert_eq!(store.count("applied").unwrap(), 20);
    assert_eq!(store.count("handled_events").unwrap(), 20);
}

#[tokio::test]
async fn recreated_hub_resets_stale_checkpoints() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(4);
    publish_numbered(&transport, HUB, 12, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    run_until_handled(&transport, &checkpoints, &metrics, HUB, 12).await;
    assert_eq!(checkpoints.load(HUB, GROUP).unwrap().len(), 4);

    transport.recreate_hub(HUB, 2);
    publish_numbered(&transport, HUB, 3, None).await;

    let (_, started) = run_until_handled(&transport, &checkpoints, &metrics, HUB, 3).await;

    assert_eq!(started.partitions, ["0", "1"]);
    assert_eq!(started.reset.len(), 4);
    assert!(started
        .reset
        .iter()
        .all(|stale| stale.reason == StaleReason::PartitionCountChanged { was: 4, now: 2 }));
    // One notice for the group, naming every partition and the reason.
    let notices = metrics.counts().notices;
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].starts_with("4 stale checkpoints of consumer group"),
        "{}",
        notices[0]
    );
    assert!(
        notices[0].contains(
            "on `customer` (partitions 0, 1, 2, 3: the hub had 4 partitions and now has 2)"
        ),
        "{}",
        notices[0]
    );
    assert!(
        notices[0].contains("reads each partition the hub has now from its earliest event"),
        "{}",
        notices[0]
    );
    let partitions: Vec<String> = checkpoints
        .load(HUB, GROUP)
        .unwrap()
        .into_iter()
        .map(|checkpoint| checkpoint.partition_id)
        .collect();
    assert!(
        partitions.iter().all(|id| id == "0" || id == "1"),
        "{partitions:?}"
    );
    // The run records the change, so its report can name the hub whose old events are gone.
    assert_eq!(metrics.changed_hubs(), [HUB]);
}

#[tokio::test]
async fn events_removed_by_retention_counted() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 3, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    run_until_handled(&transport, &checkpoints, &metrics, HUB, 3).await;
    assert!(metrics.counts().notices.is_empty());

    // While the group is stopped, four more events arrive and retention removes the oldest
    // five: sequence numbers 3 and 4 were never read by the group.
    publish_numbered(&transport, HUB, 4, None).await;
    transport.remove_oldest(HUB, 0, 5);

    let (second_handler, _) = run_until_handled(&transport, &checkpoints, &metrics, HUB, 2).await;

    assert_eq!(*second_handler.handled.lock().unwrap(), [5, 6]);
    assert_eq!(
        metrics.counts().notices,
        [
            "retention removed events 3 to 4 (2 events) of partition 0 of event hub `customer` \
             before consumer group `lead` read them, so the group starts at the first retained \
             event, 5. An event hub keeps events only for its retention time"
        ]
    );
}

#[tokio::test]
async fn newer_owner_level_takes_the_partition() {
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(1);
    publish_numbered(&transport, HUB, 5, None).await;
    let checkpoints = Arc::new(CheckpointStore::open(&folder.path().join("c.sqlite")).unwrap());
    let metrics = Metrics::new();

    let old = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let new = runtime(&transport, &checkpoints, &metrics, Exhausted::Park);
    let mut tasks = JoinSet::new();
    old.start(
        spec(HUB, GROUP, Arc::new(RecordingHandler::default())),
        &mut tasks,
    )
    .await
    .unwrap();
    wait_for("the checkpoint at the 5th event", || {
        checkpoint_at(&checkpoints, HUB, GROUP, "0") == Some(4)
    })
    .await;
    let handler = Arc::new(RecordingHandler::default());
    new.start(spec(HUB, GROUP, handler.clone()), &mut tasks)
        .await
        .unwrap();
    publish_numbered(&transport, HUB, 2, None).await;
    wait_for("the old reader to stop", || !old.exits().is_empty()).await;
    wait_for("the new reader to handle the new events", || {
        handler.handled.lock().unwrap().len() == 2
    })
    .await;
    tasks.shutdown().await;

    assert_eq!(
        old.exits(),
        [PartitionExit::OwnershipLost {
            hub: HUB.to_string(),
            consumer_group: GROUP.to_string(),
            partition_id: "0".to_string(),
        }]
    );
    assert!(new.exits().is_empty());
    assert_eq!(*handler.handled.lock().unwrap(), [5, 6]);
}
