//! The `azeventhubs` transport against the local broker on a free port of 127.0.0.1: events
//! with their properties, start positions, owner levels, and the whole flow.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use broker::entity::{HubSettings, KeyKind, RuleScope, DEFAULT_RULE_NAME};
use broker::secret::Secret;
use broker::server::BrokerHandle;
use common::{deflate, start_registry, MemoryTransport};
use course::flow::PARKED_HUB;
use course::Team;
use flow::checkpoint::CheckpointStore;
use flow::events::CustomerCreated;
use flow::generator::generate_customer;
use flow::metrics::Metrics;
use flow::outbox::{enqueue, OutboxEntry, OutboxPublisher};
use flow::runtime::park::read_parked;
use flow::runtime::{
    ConsumerRuntime, ConsumerSpec, EventHandler, Exhausted, FailurePolicy, HandlerError,
    PartitionExit, ReadOptions,
};
use flow::store::TeamStore;
use flow::transport::azeventhubs::local_broker::{
    lead_capture_folder, start_local_broker, LocalBrokerSettings,
};
use flow::transport::azeventhubs::{AzEventHubsTransport, HubConnections};
use flow::transport::{
    EventTransport, HubRuntime, OutgoingEvent, PartitionReader, Properties, PropertyValue,
    PublishAck, PublishBatch, ReaderRequest, ReceivedEvent, StartPosition, TransportError,
};
use flow::{run_flow, FlowConfig, FlowEvent, FlowReport};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The shortest capture window Azure allows, which bounds how long a flow run takes here.
const CAPTURE_WINDOW_SECONDS: u32 = 60;

/// How long a test waits for events it expects.
const RECEIVE_DEADLINE: Duration = Duration::from_secs(15);

struct Live {
    broker: BrokerHandle,
    transport: Arc<AzEventHubsTransport>,
    folder: tempfile::TempDir,
}

async fn start_live() -> Live {
    let folder = tempfile::tempdir().unwrap();
    let settings = LocalBrokerSettings {
        namespace: "eda-flow-live".to_owned(),
        data_dir: folder.path().join("broker"),
        capture_container: folder.path().join("capture"),
        capture_window_seconds: CAPTURE_WINDOW_SECONDS,
    };
    let (broker, connections) = start_local_broker(&settings).await.unwrap();
    assert_eq!(connections.len(), course::flow::HUBS.len());
    let transport = Arc::new(AzEventHubsTransport::new(connections));
    Live {
        broker,
        transport,
        folder,
    }
}

fn event(index: usize) -> OutgoingEvent {
    let mut properties = Properties::new();
    properties.insert(
        "ce_specversion".to_owned(),
        PropertyValue::String("1.0".to_owned()),
    );
    properties.insert(
        "ce_id".to_owned(),
        PropertyValue::String(format!("event-{index}")),
    );
    properties.insert("attempt".to_owned(), PropertyValue::Long(index as i64 - 3));
    properties.insert("score".to_owned(), PropertyValue::Double(0.25));
    properties.insert(
        "replayed".to_owned(),
        PropertyValue::Bool(index.is_multiple_of(2)),
    );
    properties.insert("digest".to_owned(), PropertyValue::Bytes(vec![0, 7, 255]));
    properties.insert(
        "ce_time".to_owned(),
        PropertyValue::Timestamp(1_796_378_400_000 + index as i64),
    );
    OutgoingEvent {
        body: format!("body-{index}").into_bytes(),
        content_type: Some("avro/binary+0123456789abcdef0123456789abcdef".to_owned()),
        properties,
    }
}

fn reader_request(hub: &str, group: &str, partition: &str, start: StartPosition) -> ReaderRequest {
    ReaderRequest {
        hub: hub.to_owned(),
        consumer_group: group.to_owned(),
        partition_id: partition.to_owned(),
        start,
        owner_level: Some(1),
        prefetch: None,
    }
}

/// Publishes `count` events one batch each with partition key `key` and returns the partition
/// they landed on.
async fn publish_keyed(
    transport: &AzEventHubsTransport,
    hub: &str,
    key: &str,
    count: usize,
) -> String {
    for index in 0..count {
        let ack = transport
            .publish(PublishBatch {
                hub: hub.to_owned(),
                partition_key: Some(key.to_owned()),
                partition_id: None,
                events: vec![event(index)],
            })
            .await
            .unwrap();
        assert_eq!(ack.events, 1);
    }
    let runtime = transport.hub_runtime(hub).await.unwrap();
    let used: Vec<&str> = runtime
        .partitions
        .iter()
        .filter(|partition| !partition.is_empty)
        .map(|partition| partition.partition_id.as_str())
        .collect();
    assert_eq!(used.len(), 1, "one key, one partition: {runtime:?}");
    used[0].to_owned()
}

/// Receives until `count` events arrived, failing after [`RECEIVE_DEADLINE`].
async fn receive(reader: &mut Box<dyn PartitionReader>, count: usize) -> Vec<ReceivedEvent> {
    let started = Instant::now();
    let mut events = Vec::new();
    while events.len() < count {
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "only {} events",
            events.len()
        );
        let batch = reader
            .receive(count - events.len(), Duration::from_millis(200))
            .await
            .unwrap();
        events.extend(batch);
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn properties_and_content_type_round_trip() {
    let live = start_live().await;
    let partition = publish_keyed(&live.transport, "customer", "customer-42", 3).await;

    let request = reader_request("customer", "lead", &partition, StartPosition::Earliest);
    let mut reader = live.transport.open_reader(request).await.unwrap();
    let events = receive(&mut reader, 3).await;

    for (index, received) in events.iter().enumerate() {
        let sent = event(index);
        assert_eq!(received.partition_id, partition);
        assert_eq!(received.sequence_number, index as i64);
        assert_eq!(received.body, sent.body);
        assert_eq!(received.content_type, sent.content_type);
        assert_eq!(received.properties, sent.properties);
        assert_eq!(received.partition_key.as_deref(), Some("customer-42"));
        assert!(!received.offset.is_empty());
        assert!(received.enqueued_time_ms > 1_700_000_000_000);
    }
    assert_ne!(events[0].offset, events[1].offset);

    let runtime = live.transport.hub_runtime("customer").await.unwrap();
    let ids: Vec<&str> = runtime
        .partitions
        .iter()
        .map(|p| p.partition_id.as_str())
        .collect();
    assert_eq!(ids, ["0", "1", "2", "3"]);
    let used = runtime.partition(&partition).unwrap();
    assert_eq!(used.beginning_sequence_number, 0);
    assert_eq!(used.last_enqueued_sequence_number, 2);
    assert!(runtime.created_at_ms.is_some());
    drop(reader);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_after_sequence_number_is_exclusive() {
    let live = start_live().await;
    let partition = publish_keyed(&live.transport, "lead", "lead-7", 5).await;

    let start = StartPosition::AfterSequenceNumber(1);
    let request = reader_request("lead", "customer", &partition, start);
    let mut reader = live.transport.open_reader(request).await.unwrap();
    let events = receive(&mut reader, 3).await;
    let numbers: Vec<i64> = events.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, [2, 3, 4]);
    let quiet = reader
        .receive(10, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(quiet.is_empty(), "{quiet:?}");
    drop(reader);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_skips_earlier_events() {
    let live = start_live().await;
    let partition = publish_keyed(&live.transport, "lead", "lead-7", 5).await;

    let request = ReaderRequest {
        prefetch: Some(2),
        ..reader_request("lead", "customer", &partition, StartPosition::Latest)
    };
    let mut reader = live.transport.open_reader(request).await.unwrap();
    let quiet = reader
        .receive(10, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(quiet.is_empty(), "{quiet:?}");
    publish_keyed(&live.transport, "lead", "lead-7", 4).await;
    let events = receive(&mut reader, 4).await;
    let numbers: Vec<i64> = events.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, [5, 6, 7, 8]);
    drop(reader);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueued_time_start_skips_older_events() {
    let live = start_live().await;
    let partition = publish_keyed(&live.transport, "lead", "lead-9", 3).await;
    // The broker stamps enqueued times in milliseconds, so the pauses keep the boundary clear.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let boundary = chrono::Utc::now().timestamp_millis();
    tokio::time::sleep(Duration::from_millis(20)).await;
    publish_keyed(&live.transport, "lead", "lead-9", 2).await;

    let request = reader_request(
        "lead",
        "customer",
        &partition,
        StartPosition::EnqueuedAfter(boundary),
    );
    let mut reader = live.transport.open_reader(request).await.unwrap();
    let events = receive(&mut reader, 2).await;
    let numbers: Vec<i64> = events.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, [3, 4]);
    assert!(events.iter().all(|event| event.enqueued_time_ms > boundary));
    let rest = reader
        .receive(10, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(rest.is_empty(), "{rest:?}");
    drop(reader);
    live.broker.shutdown().await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn higher_owner_level_takes_partition() {
    let live = start_live().await;
    let request = reader_request("sale", "purchase", "0", StartPosition::Earliest);
    let mut first = live.transport.open_reader(request.clone()).await.unwrap();
    let second = live
        .transport
        .open_reader(ReaderRequest {
            owner_level: Some(2),
            ..request.clone()
        })
        .await
        .unwrap();

    let started = Instant::now();
    let error = loop {
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "the first reader kept the partition"
        );
        match first.receive(10, Duration::from_millis(200)).await {
            Ok(events) => assert!(events.is_empty()),
            Err(error) => break error,
        }
    };
    assert_eq!(
        error,
        TransportError::OwnershipLost {
            hub: "sale".to_owned(),
            consumer_group: "purchase".to_owned(),
            partition_id: "0".to_owned(),
            mine: Some(1),
            current: 2,
            rejected_on_open: false,
        }
    );

    // A reader with the old owner level is now rejected when it opens.
    let late = live.transport.open_reader(request).await.unwrap_err();
    assert!(
        matches!(
            late,
            TransportError::OwnershipLost {
                mine: Some(1),
                current: 2,
                rejected_on_open: true,
                ..
            }
        ),
        "{late:?}"
    );
    drop(second);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_without_owner_level_rejected() {
    let live = start_live().await;
    let request = reader_request("sale", "purchase", "1", StartPosition::Earliest);
    let owner = live.transport.open_reader(request.clone()).await.unwrap();

    let plain = ReaderRequest {
        owner_level: None,
        ..request
    };
    let error = live.transport.open_reader(plain).await.unwrap_err();

    assert_eq!(
        error,
        TransportError::OwnershipLost {
            hub: "sale".to_owned(),
            consumer_group: "purchase".to_owned(),
            partition_id: "1".to_owned(),
            mine: None,
            current: 1,
            rejected_on_open: true,
        }
    );
    drop(owner);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_batch_stays_on_one_partition() {
    let live = start_live().await;
    let ack = live
        .transport
        .publish(PublishBatch {
            hub: "lead_abandoned".to_owned(),
            partition_key: None,
            partition_id: None,
            events: (0..4).map(event).collect(),
        })
        .await
        .unwrap();
    assert_eq!(ack.events, 4);
    let partition = ack
        .partition_id
        .expect("a keyless batch names its partition");
    let runtime = live.transport.hub_runtime("lead_abandoned").await.unwrap();
    for described in &runtime.partitions {
        let expected = if described.partition_id == partition {
            3
        } else {
            -1
        };
        assert_eq!(
            described.last_enqueued_sequence_number, expected,
            "{described:?}"
        );
    }
    live.broker.shutdown().await;
}

/// Returns a transport with its own connection to `hub`, through the namespace's root rule.
fn second_transport(broker: &BrokerHandle, hub: &str) -> AzEventHubsTransport {
    let root = broker
        .connection_string(DEFAULT_RULE_NAME, Some(hub))
        .unwrap();
    let connections = HubConnections {
        send: root.clone(),
        listen: root,
    };
    AzEventHubsTransport::new(BTreeMap::from([(hub.to_owned(), connections)]))
}

/// Readers and the management client go through `azeventhubs`, which matches part names
/// case-sensitively, so the transport must hand it the parser's canonical form of the string.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_names_in_any_case_read() {
    let live = start_live().await;
    let root = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, Some("lead"))
        .unwrap();
    let renamed: Vec<String> = root
        .expose()
        .split(';')
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap();
            format!("{}={value}", name.to_ascii_lowercase())
        })
        .collect();
    let renamed = broker::secret::Secret::new(renamed.join(" ; "));
    let connections = HubConnections {
        send: renamed.clone(),
        listen: renamed,
    };
    let transport = AzEventHubsTransport::new(BTreeMap::from([("lead".to_owned(), connections)]));

    let partition = publish_keyed(&transport, "lead", "lead-7", 2).await;
    let request = reader_request("lead", "customer", &partition, StartPosition::Earliest);
    let mut reader = transport.open_reader(request).await.unwrap();
    let events = receive(&mut reader, 2).await;
    let numbers: Vec<i64> = events.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, [0, 1]);
    drop(reader);
    live.broker.shutdown().await;
}

fn batch_to_partition(hub: &str, partition: &str, events: Vec<OutgoingEvent>) -> PublishBatch {
    PublishBatch {
        hub: hub.to_owned(),
        partition_key: None,
        partition_id: Some(partition.to_owned()),
        events,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_with_oversized_event_stores_nothing() {
    let live = start_live().await;
    let mut oversized = event(1);
    oversized.body = vec![b'x'; 1_048_577];
    let events = vec![event(0), oversized, event(2)];

    let error = live
        .transport
        .publish(batch_to_partition("lead_abandoned", "2", events))
        .await
        .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("event 1 of the batch"), "{message}");
    assert!(message.contains("1048577 bytes"), "{message}");
    let runtime = live.transport.hub_runtime("lead_abandoned").await.unwrap();
    let partition = runtime.partition("2").unwrap();
    assert_eq!(partition.last_enqueued_sequence_number, -1);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_stay_consecutive() {
    const PRODUCERS: usize = 4;
    const BATCH: usize = 250;
    let live = start_live().await;
    let mut sends = JoinSet::new();
    for producer in 0..PRODUCERS {
        let transport = second_transport(&live.broker, "lead_abandoned");
        let events = (producer * BATCH..(producer + 1) * BATCH)
            .map(event)
            .collect();
        sends.spawn(async move {
            transport
                .publish(batch_to_partition("lead_abandoned", "1", events))
                .await
        });
    }
    while let Some(sent) = sends.join_next().await {
        assert_eq!(sent.unwrap().unwrap().events, BATCH);
    }

    let request = reader_request("lead_abandoned", "$Default", "1", StartPosition::Earliest);
    let mut reader = live.transport.open_reader(request).await.unwrap();
    let received = receive(&mut reader, PRODUCERS * BATCH).await;
    // Each batch's events follow one another: the event at sequence number s has the body
    // body-(s + shift), with one shift for all events of a batch.
    let shifts: Vec<i64> = received
        .iter()
        .map(|event| {
            let body = String::from_utf8_lossy(&event.body);
            let index: i64 = body.strip_prefix("body-").unwrap().parse().unwrap();
            index - event.sequence_number
        })
        .collect();
    for batch in shifts.chunks(BATCH) {
        assert!(batch.iter().all(|shift| *shift == batch[0]), "{shifts:?}");
    }
    live.broker.shutdown().await;
}

/// Records the partition and sequence number of every event it handles, and fails every time
/// on the event at `fail_on`.
#[derive(Debug, Default)]
struct RecordingHandler {
    handled: Mutex<Vec<(String, i64)>>,
    fail_on: Option<(&'static str, i64)>,
}

#[async_trait]
impl EventHandler for RecordingHandler {
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError> {
        let position = (event.partition_id.clone(), event.sequence_number);
        if let Some((partition, sequence)) = self.fail_on {
            if position == (partition.to_owned(), sequence) {
                return Err(HandlerError(format!("event {sequence} cannot be handled")));
            }
        }
        self.handled.lock().unwrap().push(position);
        Ok(())
    }
}

/// Publishes `count` events to a partition of the `customer` hub, trying each publish twice,
/// because the first publish after the hub was deleted fails on the producer it had.
async fn publish_to_customer(transport: &AzEventHubsTransport, partition: &str, count: usize) {
    for index in 0..count {
        let batch = batch_to_partition("customer", partition, vec![event(index)]);
        if transport.publish(batch.clone()).await.is_err() {
            transport.publish(batch).await.unwrap();
        }
    }
}

/// Polls until `handler` handled `count` events, failing after [`RECEIVE_DEADLINE`].
async fn wait_for_handled(handler: &RecordingHandler, count: usize) {
    let started = Instant::now();
    while handler.handled.lock().unwrap().len() < count {
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "handled only {:?}",
            handler.handled.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Deletes `hub` with its events.
async fn delete_hub(broker: &BrokerHandle, hub: &str) {
    broker
        .update_namespace(|namespace| namespace.delete_hub(hub))
        .unwrap();
    broker.event_log().delete_hub(hub).await.unwrap();
}

/// Creates `hub` with `partition_count` partitions and the consumer group `lead`.
fn create_hub(broker: &BrokerHandle, hub: &str, partition_count: u32) {
    broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count,
            retention_days: 7,
        };
        let now = chrono::Utc::now().timestamp_millis();
        namespace.create_hub(hub, settings, now).unwrap();
        let created = namespace.hub_mut(hub).unwrap();
        created.create_consumer_group("lead").unwrap();
    });
}

/// Returns the consumer runtime of the tests below, reading with the default policy, and the
/// specification of consumer group `lead` on `customer` with `handler`.
fn customer_consumer(
    transport: Arc<dyn EventTransport>,
    checkpoints: &Arc<CheckpointStore>,
    metrics: &Arc<Metrics>,
    handler: Arc<RecordingHandler>,
) -> (ConsumerRuntime, ConsumerSpec) {
    let runtime = ConsumerRuntime::new(transport, checkpoints.clone(), metrics.clone());
    let spec = ConsumerSpec {
        hub: "customer".to_owned(),
        consumer_group: "lead".to_owned(),
        team: Team::Conversions,
        handler,
    };
    (runtime, spec)
}

/// Returns the partition, sequence number and partition count of each checkpoint of group
/// `lead` on `customer`.
fn customer_checkpoints(checkpoints: &CheckpointStore) -> Vec<(String, i64, u32)> {
    checkpoints
        .load("customer", "lead")
        .unwrap()
        .into_iter()
        .map(|saved| {
            (
                saved.partition_id,
                saved.sequence_number,
                saved.partition_count,
            )
        })
        .collect()
}

/// Returns every pair of a partition among `partitions` and a sequence number below `count`,
/// in order.
fn positions(partitions: &[&str], count: i64) -> Vec<(String, i64)> {
    partitions
        .iter()
        .flat_map(|partition| (0..count).map(|sequence| (partition.to_string(), sequence)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recreated_hub_resets_running_readers() {
    let live = start_live().await;
    // The namespace's root rule outlives the hub, whose own rules go when it is deleted.
    let transport = Arc::new(second_transport(&live.broker, "customer"));
    for partition in ["0", "1", "2", "3"] {
        publish_to_customer(&transport, partition, 5).await;
    }
    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let handler = Arc::new(RecordingHandler::default());
    let runtime = ConsumerRuntime::new(transport.clone(), checkpoints.clone(), metrics.clone());
    let spec = ConsumerSpec {
        hub: "customer".to_owned(),
        consumer_group: "lead".to_owned(),
        team: Team::Conversions,
        handler: handler.clone(),
    };
    let mut tasks = JoinSet::new();
    runtime.start(spec, &mut tasks).await.unwrap();
    wait_for_handled(&handler, 20).await;
    handler.handled.lock().unwrap().clear();

    live.broker
        .update_namespace(|namespace| namespace.delete_hub("customer"))
        .unwrap();
    live.broker
        .event_log()
        .delete_hub("customer")
        .await
        .unwrap();
    live.broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count: 2,
            retention_days: 7,
        };
        let now = chrono::Utc::now().timestamp_millis();
        namespace.create_hub("customer", settings, now).unwrap();
        let hub = namespace.hub_mut("customer").unwrap();
        hub.create_consumer_group("lead").unwrap();
    });
    publish_to_customer(&transport, "0", 3).await;
    publish_to_customer(&transport, "1", 3).await;
    wait_for_handled(&handler, 6).await;
    tasks.shutdown().await;

    let mut handled = handler.handled.lock().unwrap().clone();
    handled.sort();
    let expected: Vec<(String, i64)> = ["0", "1"]
        .iter()
        .flat_map(|partition| (0..3).map(|sequence| (partition.to_string(), sequence)))
        .collect();
    assert_eq!(handled, expected);
    let saved: Vec<(String, i64, u32)> = checkpoints
        .load("customer", "lead")
        .unwrap()
        .into_iter()
        .map(|saved| {
            (
                saved.partition_id,
                saved.sequence_number,
                saved.partition_count,
            )
        })
        .collect();
    assert_eq!(saved, [("0".to_owned(), 2, 2), ("1".to_owned(), 2, 2)]);
    let mut notices = metrics.counts().notices;
    notices.sort();
    let stale = |partition: &str, outcome: &str| {
        format!(
            "checkpoint of consumer group `lead` on partition `{partition}` of `customer` \
             (sequence number 4) is stale because the hub had 4 partitions and now has 2: \
             {outcome}"
        )
    };
    let reset = "it was reset to read from the earliest event";
    let removed = "it was removed, and no reader reads the partition";
    assert_eq!(
        notices,
        [
            stale("0", reset),
            stale("1", reset),
            stale("2", removed),
            stale("3", removed)
        ]
    );
    assert!(runtime.exits().is_empty());
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_recreated_with_more_partitions_read() {
    let live = start_live().await;
    let transport = Arc::new(second_transport(&live.broker, "customer"));
    for partition in ["0", "1", "2", "3"] {
        publish_to_customer(&transport, partition, 5).await;
    }
    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let handler = Arc::new(RecordingHandler::default());
    let (runtime, spec) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, handler.clone());
    let mut tasks = JoinSet::new();
    let started = runtime.start(spec, &mut tasks).await.unwrap();
    assert_eq!(started.partitions, ["0", "1", "2", "3"]);
    wait_for_handled(&handler, 20).await;
    handler.handled.lock().unwrap().clear();

    delete_hub(&live.broker, "customer").await;
    create_hub(&live.broker, "customer", 6);
    for partition in ["0", "1", "2", "3", "4", "5"] {
        publish_to_customer(&transport, partition, 3).await;
    }
    wait_for_handled(&handler, 18).await;
    tasks.shutdown().await;

    let mut handled = handler.handled.lock().unwrap().clone();
    handled.sort();
    assert_eq!(handled, positions(&["0", "1", "2", "3", "4", "5"], 3));
    let expected: Vec<(String, i64, u32)> = ["0", "1", "2", "3", "4", "5"]
        .iter()
        .map(|partition| (partition.to_string(), 2, 6))
        .collect();
    assert_eq!(customer_checkpoints(&checkpoints), expected);
    let mut notices = metrics.counts().notices;
    notices.sort();
    let reset = |partition: &str| {
        format!(
            "checkpoint of consumer group `lead` on partition `{partition}` of `customer` \
             (sequence number 4) is stale because the hub had 4 partitions and now has 6: it was \
             reset to read from the earliest event"
        )
    };
    assert_eq!(
        notices,
        [
            reset("0"),
            reset("1"),
            reset("2"),
            reset("3"),
            "consumer group `lead` started readers for partitions 4, 5 of `customer`, which has \
             6 partitions now"
                .to_owned(),
        ]
    );
    assert!(runtime.exits().is_empty());
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_created_after_readers_stopped_read() {
    let live = start_live().await;
    let transport = Arc::new(second_transport(&live.broker, "customer"));
    publish_to_customer(&transport, "0", 2).await;
    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let handler = Arc::new(RecordingHandler::default());
    let (runtime, spec) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, handler.clone());
    let mut tasks = JoinSet::new();
    runtime.start(spec, &mut tasks).await.unwrap();
    wait_for_handled(&handler, 2).await;
    handler.handled.lock().unwrap().clear();

    // Without the hub, every reader stops with a notice.
    delete_hub(&live.broker, "customer").await;
    let missing = "event hub `customer` does not exist: provision it before starting the flow";
    let started = Instant::now();
    while metrics.counts().notices.len() < 4 {
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "notices: {:?}",
            metrics.counts().notices
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(metrics.counts().notices, [missing; 4]);

    create_hub(&live.broker, "customer", 4);
    for partition in ["0", "1", "2", "3"] {
        publish_to_customer(&transport, partition, 3).await;
    }
    wait_for_handled(&handler, 12).await;
    tasks.shutdown().await;

    let mut handled = handler.handled.lock().unwrap().clone();
    handled.sort();
    assert_eq!(handled, positions(&["0", "1", "2", "3"], 3));
    let expected: Vec<(String, i64, u32)> = ["0", "1", "2", "3"]
        .iter()
        .map(|partition| (partition.to_string(), 2, 4))
        .collect();
    assert_eq!(customer_checkpoints(&checkpoints), expected);
    let notices = metrics.counts().notices;
    assert_eq!(
        notices[4..],
        [
            "checkpoint of consumer group `lead` on partition `0` of `customer` (sequence \
             number 1) is stale because the hub was deleted and created again: it was reset to \
             read from the earliest event",
            "consumer group `lead` started readers for partitions 0, 1, 2, 3 of `customer`, \
             which has 4 partitions now"
        ]
    );
    assert!(runtime.exits().is_empty());
    live.broker.shutdown().await;
}

/// A partition that stopped at a failing event reads again once the hub is created anew, and
/// no longer counts among the stopped partitions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_partition_cleared_after_hub_recreated() {
    let live = start_live().await;
    let transport = Arc::new(second_transport(&live.broker, "customer"));
    publish_to_customer(&transport, "0", 3).await;
    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let failing = Arc::new(RecordingHandler {
        fail_on: Some(("0", 1)),
        ..RecordingHandler::default()
    });
    let (runtime, spec) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, failing.clone());
    let runtime = runtime.with_policy(FailurePolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(5),
        exhausted: Exhausted::StopPartition,
    });
    let mut tasks = JoinSet::new();
    runtime.start(spec, &mut tasks).await.unwrap();
    let started = Instant::now();
    while runtime.exits().is_empty() {
        assert!(
            started.elapsed() < RECEIVE_DEADLINE,
            "partition 0 did not stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopped = runtime.exits();
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].partition(), ("customer", "lead", "0"));

    delete_hub(&live.broker, "customer").await;
    create_hub(&live.broker, "customer", 4);
    // The new hub's first event on partition 0 has sequence number 0, which the handler takes.
    publish_to_customer(&transport, "0", 1).await;
    wait_for_handled(&failing, 2).await;
    tasks.shutdown().await;

    assert_eq!(
        *failing.handled.lock().unwrap(),
        [("0".to_owned(), 0), ("0".to_owned(), 0)]
    );
    assert_eq!(runtime.exits(), []);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unparkable_event_stops_partition() {
    let live = start_live().await;
    let root = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, None)
        .unwrap();
    let transport = transport_with(&root);
    publish_to_customer(&transport, "0", 3).await;
    delete_hub(&live.broker, PARKED_HUB).await;

    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let policy = FailurePolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(5),
        exhausted: Exhausted::Park,
    };
    let failing = Arc::new(RecordingHandler {
        fail_on: Some(("0", 1)),
        ..RecordingHandler::default()
    });
    let (runtime, spec) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, failing.clone());
    let runtime = runtime.with_policy(policy);
    let mut tasks = JoinSet::new();
    runtime.start(spec.clone(), &mut tasks).await.unwrap();
    // Six attempts to park, 0.5 s to 8 s apart, take about 16 s.
    let started = Instant::now();
    while runtime.exits().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the partition kept trying to park: {:?}",
            metrics.counts().notices
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tasks.shutdown().await;

    let missing = "event hub `parked` does not exist: provision it before starting the flow";
    assert_eq!(
        runtime.exits(),
        [PartitionExit::Stopped {
            hub: "customer".to_owned(),
            consumer_group: "lead".to_owned(),
            partition_id: "0".to_owned(),
            sequence_number: 1,
            error: missing.to_owned(),
        }]
    );
    assert_eq!(*failing.handled.lock().unwrap(), [("0".to_owned(), 0)]);
    assert_eq!(customer_checkpoints(&checkpoints), [("0".to_owned(), 0, 4)]);
    assert_eq!(
        metrics.counts().notices,
        [
            format!(
                "consumer group `lead` cannot park the event at sequence number 1 of partition \
                 `0` of `customer` yet, so its checkpoint stays before it: {missing}. It tries 5 \
                 more times, waiting longer each time, then stops reading the partition"
            ),
            format!(
                "consumer group `lead` stopped reading partition `0` of `customer` at sequence \
                 number 1, because the `parked` hub did not accept the event's copy in 6 \
                 attempts: {missing}. The checkpoint stays before the event, so no later event is \
                 skipped. To go on, create the `parked` hub again (Apply on the Publishers step, \
                 or `eda-workshop apply`), then start the flow again, which delivers the event \
                 again"
            ),
        ]
    );

    // The fix the notice gives: with the hub back, the next start parks the event and reads on.
    create_hub(&live.broker, PARKED_HUB, 1);
    let (runtime, _) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, failing.clone());
    let runtime = runtime.with_policy(policy);
    let mut tasks = JoinSet::new();
    runtime.start(spec, &mut tasks).await.unwrap();
    wait_for_handled(&failing, 2).await;
    tasks.shutdown().await;

    assert_eq!(
        *failing.handled.lock().unwrap(),
        [("0".to_owned(), 0), ("0".to_owned(), 2)]
    );
    assert_eq!(customer_checkpoints(&checkpoints), [("0".to_owned(), 2, 4)]);
    assert!(runtime.exits().is_empty());
    let request = reader_request(PARKED_HUB, "lead", "0", StartPosition::Earliest);
    let mut parked = transport.open_reader(request).await.unwrap();
    let copies = receive(&mut parked, 1).await;
    let info = read_parked(&copies[0]).expect("parking properties are present");
    assert_eq!(
        (
            info.hub.as_str(),
            info.partition_id.as_str(),
            info.sequence_number
        ),
        ("customer", "0", 1)
    );
    assert_eq!(info.error, "event 1 cannot be handled");
    drop(parked);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_hub_maps_to_hub_not_found() {
    let live = start_live().await;
    let root = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, Some("nohub"))
        .unwrap();
    let mut hubs = BTreeMap::new();
    hubs.insert(
        "nohub".to_owned(),
        HubConnections {
            send: root.clone(),
            listen: root,
        },
    );
    let transport = AzEventHubsTransport::new(hubs);
    let expected = TransportError::HubNotFound {
        hub: "nohub".to_owned(),
    };
    assert_eq!(transport.hub_runtime("nohub").await.unwrap_err(), expected);
    let request = reader_request("nohub", "$Default", "0", StartPosition::Earliest);
    assert_eq!(transport.open_reader(request).await.unwrap_err(), expected);
    let unknown = transport.hub_runtime("customer").await.unwrap_err();
    assert_eq!(
        unknown,
        TransportError::HubNotFound {
            hub: "customer".to_owned()
        }
    );
    live.broker.shutdown().await;
}

#[test]
fn connection_strings_are_redacted() {
    let connections = HubConnections {
        send: broker::secret::Secret::new("SharedAccessKey=c2VjcmV0".to_owned()),
        listen: broker::secret::Secret::new("SharedAccessKey=c2VjcmV0".to_owned()),
    };
    let printed = format!("{connections:?}");
    assert!(!printed.contains("c2VjcmV0"), "{printed}");
}

fn flow_config(folder: &Path, capture_folder: std::path::PathBuf, window: Duration) -> FlowConfig {
    let mut config = FlowConfig::new(folder.join("data"), folder.join("lake"), capture_folder);
    config.seed = 42;
    config.customers = Some(30);
    config.pace = Duration::from_millis(5);
    config.capture_window = window;
    config.policy = FailurePolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        exhausted: Exhausted::Park,
    };
    config.read = ReadOptions {
        max_batch: 20,
        max_wait: Duration::from_millis(20),
    };
    config.partner_interval = Duration::from_millis(200);
    config.lake_interval = Duration::from_millis(50);
    config.timeout = Duration::from_secs(180);
    config
}

fn counts(report: &FlowReport) -> [u64; 10] {
    [
        report.customers,
        report.leads,
        report.abandoned,
        report.leads_sold,
        report.sales,
        report.purchases,
        report.customer_leads,
        report.customer_sales,
        report.customer_purchases,
        report.product_purchases,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_over_broker_matches_memory_run() {
    let (_registry, codec) = start_registry().await;
    let live = start_live().await;
    let window = Duration::from_secs(u64::from(CAPTURE_WINDOW_SECONDS));
    let capture = lead_capture_folder(&live.folder.path().join("capture"));
    let config = flow_config(live.folder.path(), capture, window);
    let report = run_flow(config, live.transport.clone(), codec.clone())
        .await
        .unwrap();
    live.broker.shutdown().await;

    for check in &report.checks {
        assert!(check.passed, "{}: {}", check.name, check.detail);
    }
    assert!(!report.timed_out);
    assert_eq!(report.customers, 30);
    assert_eq!(report.parked_source_events(), 0);
    assert!(
        report.lags.iter().all(|lag| lag.lag == 0),
        "{:?}",
        report.lags
    );

    let memory_folder = tempfile::tempdir().unwrap();
    let memory = MemoryTransport::with_capture(
        4,
        &memory_folder.path().join("capture"),
        &["lead"],
        deflate(),
    );
    let memory_config = flow_config(
        memory_folder.path(),
        memory_folder.path().join("capture").join("lead"),
        window,
    );
    let expected = run_flow(memory_config, Arc::new(memory), codec)
        .await
        .unwrap();
    assert!(expected.accounted_for());
    assert_eq!(counts(&report), counts(&expected));
    assert_eq!(report.leads, 9);
}

/// A key that signs nothing on the broker.
const WRONG_KEY: &str = "d3Jvbmcga2V5IG9mIG5vIHJ1bGUgb24gdGhpcyBicm9rZXI=";

/// Returns `connection_string` with its SharedAccessKey replaced by `key`.
fn with_key(connection_string: &str, key: &str) -> Secret<String> {
    let parts: Vec<String> = connection_string
        .split(';')
        .map(|part| match part.strip_prefix("SharedAccessKey=") {
            Some(_) => format!("SharedAccessKey={key}"),
            None => part.to_owned(),
        })
        .collect();
    Secret::new(parts.join(";"))
}

/// Returns a transport that uses `connection_string` for `customer` and the parked hub.
fn transport_with(connection_string: &Secret<String>) -> Arc<AzEventHubsTransport> {
    let connections = HubConnections {
        send: connection_string.clone(),
        listen: connection_string.clone(),
    };
    let hubs = ["customer", PARKED_HUB].map(|hub| (hub.to_owned(), connections.clone()));
    Arc::new(AzEventHubsTransport::new(BTreeMap::from(hubs)))
}

/// A transport whose connection strings a test replaces while the flow runs, as after the
/// attendee gives the flow the rule's current key. It counts the attempts to publish and to open
/// readers.
#[derive(Debug)]
struct Rekeyed {
    current: Mutex<Arc<AzEventHubsTransport>>,
    attempts: AtomicUsize,
}

impl Rekeyed {
    fn new(transport: Arc<AzEventHubsTransport>) -> Self {
        Rekeyed {
            current: Mutex::new(transport),
            attempts: AtomicUsize::new(0),
        }
    }

    fn replace(&self, transport: Arc<AzEventHubsTransport>) {
        *self.current.lock().unwrap() = transport;
    }

    fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// Counts an attempt and returns the transport to make it with.
    fn attempt(&self) -> Arc<AzEventHubsTransport> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        self.current.lock().unwrap().clone()
    }
}

#[async_trait]
impl EventTransport for Rekeyed {
    async fn publish(&self, batch: PublishBatch) -> Result<PublishAck, TransportError> {
        self.attempt().publish(batch).await
    }

    async fn publish_all(
        &self,
        batches: Vec<PublishBatch>,
    ) -> Vec<Result<PublishAck, TransportError>> {
        self.attempt().publish_all(batches).await
    }

    async fn open_reader(
        &self,
        request: ReaderRequest,
    ) -> Result<Box<dyn PartitionReader>, TransportError> {
        self.attempt().open_reader(request).await
    }

    async fn hub_runtime(&self, hub: &str) -> Result<HubRuntime, TransportError> {
        let transport = self.current.lock().unwrap().clone();
        transport.hub_runtime(hub).await
    }
}

/// Polls until `metrics` contains `count` notices and returns them, failing after `deadline`.
async fn wait_for_notices(metrics: &Metrics, count: usize, deadline: Duration) -> Vec<String> {
    let started = Instant::now();
    loop {
        let notices = metrics.counts().notices;
        if notices.len() >= count {
            return notices;
        }
        assert!(
            started.elapsed() < deadline,
            "{} notices after {deadline:?}: {notices:?}",
            notices.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Stores `count` new customers' events in the Customer team's outbox.
fn enqueue_customers(store: &TeamStore, count: u64) {
    store
        .transaction(|transaction| {
            for number in 0..count {
                let customer = generate_customer(7, number);
                let id = customer.id.to_string();
                let date = "2026-12-06T14:00:00Z".to_owned();
                let entry = OutboxEntry {
                    event_id: format!("customer-created-{number}"),
                    partition_key: Some(id.clone()),
                    event: FlowEvent::CustomerCreated(CustomerCreated {
                        id,
                        date: date.clone(),
                        email: customer.email,
                    }),
                    time: date,
                };
                enqueue(transaction, &entry)?;
            }
            Ok(())
        })
        .unwrap();
}

/// An outbox whose key no longer signs for its rule gives a notice within 5 s, waits longer
/// between attempts instead of trying every 200 ms, and publishes every waiting event once,
/// in order, when the key is right again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_wrong_key_notice_and_recovery() {
    let live = start_live().await;
    let (_registry, codec) = start_registry().await;
    let right = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, None)
        .unwrap();
    let transport = Arc::new(Rekeyed::new(transport_with(&with_key(
        right.expose(),
        WRONG_KEY,
    ))));
    let store = Arc::new(
        TeamStore::open(
            &live.folder.path().join("customer.sqlite"),
            Team::Customer,
            "",
        )
        .unwrap(),
    );
    enqueue_customers(&store, 3);
    let metrics = Metrics::new();
    let publisher = OutboxPublisher::new(store.clone(), codec, transport.clone(), metrics.clone());
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let publishing = tokio::spawn(publisher.run(stopped));

    let notices = wait_for_notices(&metrics, 1, Duration::from_secs(5)).await;
    let expected_start = "The Customer team's events wait in its outbox: publishing outbox event \
                          `customer-created-0` failed: ";
    assert!(notices[0].starts_with(expected_start), "{}", notices[0]);
    assert!(
        notices[0].contains("signature does not match either key of rule"),
        "{}",
        notices[0]
    );
    assert!(!notices[0].contains(WRONG_KEY), "{}", notices[0]);
    assert!(!notices[0].contains(right.expose()), "{}", notices[0]);
    // Waits of 0.2, 0.4, 0.8, 1.6 and 3.2 s fit in the first 8 s: six attempts, where a fixed
    // wait of 0.2 s makes about forty.
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(started.elapsed())).await;
    let attempts = transport.attempts();
    assert!((5..=7).contains(&attempts), "{attempts} attempts in 8 s");
    assert_eq!(metrics.counts().notices.len(), 1);
    assert_eq!(store.count("outbox").unwrap(), 3);

    transport.replace(transport_with(&right));
    let notices = wait_for_notices(&metrics, 2, Duration::from_secs(10)).await;
    assert!(
        notices[1].starts_with("The Customer team's outbox publishes again, after "),
        "{}",
        notices[1]
    );
    let pending = store
        .read(|connection| {
            connection.query_row(
                "SELECT COUNT(*) FROM outbox WHERE published = 0",
                [],
                |row| row.get::<_, i64>(0),
            )
        })
        .unwrap();
    assert_eq!(pending, 0);
    let runtime = live.transport.hub_runtime("customer").await.unwrap();
    let stored: i64 = runtime
        .partitions
        .iter()
        .filter(|partition| !partition.is_empty)
        .map(|partition| {
            partition.last_enqueued_sequence_number - partition.beginning_sequence_number + 1
        })
        .sum();
    assert_eq!(stored, 3, "{runtime:?}");
    stop.send(true).unwrap();
    publishing.await.unwrap();
    live.broker.shutdown().await;
}

/// Readers whose rule's key was regenerated under them give one notice within 5 s, try again
/// with growing waits, and read on from their checkpoints once they have the current key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_regenerated_key_one_notice() {
    let live = start_live().await;
    let old = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, None)
        .unwrap();
    let writer = transport_with(&old);
    publish_to_customer(&writer, "0", 2).await;
    let transport = Arc::new(Rekeyed::new(transport_with(&old)));
    let checkpoints =
        Arc::new(CheckpointStore::open(&live.folder.path().join("checkpoints.sqlite")).unwrap());
    let metrics = Metrics::new();
    let handler = Arc::new(RecordingHandler::default());
    let (runtime, spec) =
        customer_consumer(transport.clone(), &checkpoints, &metrics, handler.clone());
    let mut tasks = JoinSet::new();
    runtime.start(spec, &mut tasks).await.unwrap();
    wait_for_handled(&handler, 2).await;

    live.broker.update_namespace(|namespace| {
        namespace
            .regenerate_key(&RuleScope::Namespace, DEFAULT_RULE_NAME, KeyKind::Primary)
            .unwrap();
    });
    let regenerated = Instant::now();
    let attempts_before = transport.attempts();
    let notices = wait_for_notices(&metrics, 1, Duration::from_secs(5)).await;
    assert!(
        notices[0].starts_with("consumer group `lead` cannot read partition `"),
        "{}",
        notices[0]
    );
    assert!(notices[0].contains("of `customer`: "), "{}", notices[0]);
    assert!(!notices[0].contains(old.expose()), "{}", notices[0]);
    // Each of the hub's 4 readers waits 0.5, 1, 2 and 4 s between attempts in the first 8 s.
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(regenerated.elapsed())).await;
    let attempts = transport.attempts() - attempts_before;
    assert!(
        attempts <= 4 * 6,
        "{attempts} attempts to open readers in 8 s"
    );
    // All 4 readers fail for the same cause, and one notice covers them.
    assert_eq!(metrics.counts().notices.len(), 1, "{:?}", metrics.counts());

    let current = live
        .broker
        .connection_string(DEFAULT_RULE_NAME, None)
        .unwrap();
    transport.replace(transport_with(&current));
    publish_to_customer(&transport_with(&current), "0", 1).await;
    wait_for_handled(&handler, 3).await;
    // The reader that gave the notice may wait up to 10 s before it tries again.
    wait_for_notices(&metrics, 2, Duration::from_secs(15)).await;
    tasks.shutdown().await;
    assert_eq!(
        *handler.handled.lock().unwrap(),
        [
            ("0".to_owned(), 0),
            ("0".to_owned(), 1),
            ("0".to_owned(), 2)
        ]
    );
    // The reader that gave the notice gives another when it reads again. The others give none.
    let notices = metrics.counts().notices;
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices[1].starts_with("consumer group `lead` reads partition `"),
        "{notices:?}"
    );
    assert!(
        notices[1].contains("of `customer` again, after "),
        "{notices:?}"
    );
    live.broker.shutdown().await;
}
