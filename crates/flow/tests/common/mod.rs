//! Helpers shared by the integration tests: an in-memory Event Hubs transport that also writes
//! capture files, and a local schema registry with a codec over it.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apache_avro::types::Value;
use apache_avro::{Codec, DeflateSettings, Schema, Writer};
use async_trait::async_trait;
use flow::transport::{
    EventTransport, HubRuntime, PartitionReader, PartitionRuntime, PropertyValue, PublishAck,
    PublishBatch, ReaderRequest, ReceivedEvent, StartPosition, TransportError,
};
use flow::EventCodec;
use registry::client::RegistryClient;
use registry::serializer::Serializer;
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use registry::CompatibilityMode;
use tokio::sync::Notify;

/// Azure's capture schema, as the broker's capture writer declares it.
pub(crate) const CAPTURE_SCHEMA: &str = r#"{
    "type": "record",
    "name": "EventData",
    "namespace": "Microsoft.ServiceBus.Messaging",
    "fields": [
        {"name": "SequenceNumber", "type": "long"},
        {"name": "Offset", "type": "string"},
        {"name": "EnqueuedTimeUtc", "type": "string"},
        {"name": "SystemProperties", "type": {"type": "map", "values": ["long", "double", "string", "bytes"]}},
        {"name": "Properties", "type": {"type": "map", "values": ["long", "double", "string", "bytes"]}},
        {"name": "Body", "type": ["null", "bytes"]}
    ]
}"#;

/// The namespace name capture files carry in their names.
pub(crate) const NAMESPACE: &str = "eda-local";

/// Starts an in-memory registry with a plain-HTTP listener and the course's schema group.
pub(crate) async fn start_registry() -> (RegistryHandle, EventCodec) {
    let config = RegistryConfig {
        http_port: Some(0),
        ..RegistryConfig::in_memory()
    };
    let handle = LocalRegistry::start(config).await.expect("registry starts");
    handle
        .put_group(course::flow::SCHEMA_GROUP, CompatibilityMode::Backward)
        .expect("schema group is created");
    let address = handle.http_addr().expect("plain listener").to_string();
    let client =
        RegistryClient::local_plain(&address, handle.issue_token(Duration::from_secs(3600)))
            .expect("client builds");
    let serializer = Serializer::new(client, course::flow::SCHEMA_GROUP);
    (handle, EventCodec::new(Arc::new(serializer)))
}

/// What a publish fault does once it triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublishFault {
    /// The publish never returns and stores nothing, as if the process died before sending.
    HangBeforeStoring,
    /// The events are stored but the acknowledgement never arrives.
    HangAfterStoring,
}

#[derive(Debug)]
struct Partition {
    events: Vec<ReceivedEvent>,
    /// How many of the oldest events retention removed; their sequence numbers stay taken.
    removed: usize,
    owners: HashMap<String, i64>,
}

#[derive(Debug)]
struct Hub {
    created_at_ms: i64,
    partitions: Vec<Partition>,
    next_round_robin: usize,
}

#[derive(Debug, Default)]
struct State {
    hubs: BTreeMap<String, Hub>,
    clock_ms: i64,
    capture_files: i64,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    arrived: Notify,
    capture: Option<(PathBuf, Vec<String>, Codec)>,
    fault: Mutex<Option<(String, usize, PublishFault)>>,
    fault_triggered: AtomicBool,
    publishes: AtomicUsize,
    /// How long each publish waits before it stores its events, as a slow broker would.
    publish_delay: Mutex<Duration>,
}

/// An Event Hubs stand-in in memory: partitions, sequence numbers, string offsets, owner levels,
/// and capture files for the hubs that have capture on.
#[derive(Debug, Clone)]
pub(crate) struct MemoryTransport {
    inner: Arc<Inner>,
}

/// The clock's start: 2026-12-04T10:00:00Z in milliseconds.
const CLOCK_START_MS: i64 = 1_796_378_400_000;

impl MemoryTransport {
    /// Creates every hub of the flow with `partitions` partitions and no capture.
    pub(crate) fn new(partitions: usize) -> Self {
        Self::build(partitions, None)
    }

    /// Creates every hub of the flow; `hubs` write capture files under `capture_root/{hub}`.
    pub(crate) fn with_capture(
        partitions: usize,
        capture_root: &Path,
        hubs: &[&str],
        codec: Codec,
    ) -> Self {
        let hubs = hubs.iter().map(|hub| hub.to_string()).collect();
        Self::build(partitions, Some((capture_root.to_path_buf(), hubs, codec)))
    }

    fn build(partitions: usize, capture: Option<(PathBuf, Vec<String>, Codec)>) -> Self {
        let transport = MemoryTransport {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    clock_ms: CLOCK_START_MS,
                    ..State::default()
                }),
                arrived: Notify::new(),
                capture,
                fault: Mutex::new(None),
                fault_triggered: AtomicBool::new(false),
                publishes: AtomicUsize::new(0),
                publish_delay: Mutex::new(Duration::ZERO),
            }),
        };
        for hub in course::flow::HUBS.iter() {
            transport.recreate_hub(hub.name, partitions);
        }
        transport
    }

    /// Deletes a hub with its events and creates it again with `partitions` partitions.
    pub(crate) fn recreate_hub(&self, hub: &str, partitions: usize) {
        let mut state = self.inner.state.lock().unwrap();
        state.clock_ms += 1000;
        let created_at_ms = state.clock_ms;
        state.hubs.insert(
            hub.to_string(),
            Hub {
                created_at_ms,
                partitions: (0..partitions)
                    .map(|_| Partition {
                        events: Vec::new(),
                        removed: 0,
                        owners: HashMap::new(),
                    })
                    .collect(),
                next_round_robin: 0,
            },
        );
    }

    /// Removes the oldest `count` events of a partition, as retention does: readers no longer
    /// receive them and the partition begins after them.
    pub(crate) fn remove_oldest(&self, hub: &str, partition: usize, count: usize) {
        let mut state = self.inner.state.lock().unwrap();
        let partition = &mut state.hubs.get_mut(hub).unwrap().partitions[partition];
        partition.removed = count.min(partition.events.len());
    }

    /// Makes the publish to `hub` after `after` successful ones to it trigger `fault`.
    pub(crate) fn set_fault(&self, hub: &str, after: usize, fault: PublishFault) {
        *self.inner.fault.lock().unwrap() = Some((hub.to_string(), after, fault));
    }

    /// Returns whether the fault has triggered.
    pub(crate) fn fault_triggered(&self) -> bool {
        self.inner.fault_triggered.load(Ordering::SeqCst)
    }

    /// Makes every later publish wait `delay` before it stores its events.
    pub(crate) fn set_publish_delay(&self, delay: Duration) {
        *self.inner.publish_delay.lock().unwrap() = delay;
    }

    /// Removes the fault, as a restarted process would find a healthy broker.
    pub(crate) fn clear_fault(&self) {
        *self.inner.fault.lock().unwrap() = None;
    }

    /// Returns every event of a hub, partition by partition.
    pub(crate) fn events(&self, hub: &str) -> Vec<ReceivedEvent> {
        let state = self.inner.state.lock().unwrap();
        state.hubs[hub]
            .partitions
            .iter()
            .flat_map(|partition| partition.events.clone())
            .collect()
    }

    fn take_fault(&self, hub: &str) -> Option<PublishFault> {
        let mut fault = self.inner.fault.lock().unwrap();
        match fault.as_mut() {
            Some((fault_hub, after, kind)) if fault_hub == hub => {
                if *after == 0 {
                    self.inner.fault_triggered.store(true, Ordering::SeqCst);
                    Some(*kind)
                } else {
                    *after -= 1;
                    None
                }
            }
            _ => None,
        }
    }

    fn store(&self, batch: &PublishBatch) -> Result<(String, Vec<ReceivedEvent>), TransportError> {
        let mut state = self.inner.state.lock().unwrap();
        state.clock_ms += 10;
        let now = state.clock_ms;
        let hub = state
            .hubs
            .get_mut(&batch.hub)
            .ok_or_else(|| TransportError::HubNotFound {
                hub: batch.hub.clone(),
            })?;
        let count = hub.partitions.len();
        let index = match (&batch.partition_key, &batch.partition_id) {
            (Some(key), _) => (fnv(key) % count as u64) as usize,
            (None, Some(id)) => id
                .parse::<usize>()
                .ok()
                .filter(|index| *index < count)
                .ok_or_else(|| TransportError::PartitionNotFound {
                    hub: batch.hub.clone(),
                    partition_id: id.clone(),
                })?,
            (None, None) => {
                hub.next_round_robin = (hub.next_round_robin + 1) % count;
                hub.next_round_robin
            }
        };
        let partition = &mut hub.partitions[index];
        let mut stored = Vec::new();
        for event in &batch.events {
            let sequence_number = partition.events.len() as i64;
            let received = ReceivedEvent {
                partition_id: index.to_string(),
                sequence_number,
                // Offsets differ from sequence numbers, as byte positions do in Event Hubs.
                offset: (sequence_number * 1024 + 7).to_string(),
                enqueued_time_ms: now,
                partition_key: batch.partition_key.clone(),
                content_type: event.content_type.clone(),
                message_id: None,
                correlation_id: None,
                properties: event.properties.clone(),
                body: event.body.clone(),
                body_type: Default::default(),
            };
            partition.events.push(received.clone());
            stored.push(received);
        }
        Ok((index.to_string(), stored))
    }

    fn write_capture(&self, hub: &str, partition: &str, events: &[ReceivedEvent]) {
        let Some((root, hubs, codec)) = &self.inner.capture else {
            return;
        };
        if !hubs.iter().any(|name| name == hub) {
            return;
        }
        let window_start_ms = {
            let mut state = self.inner.state.lock().unwrap();
            state.capture_files += 1;
            CLOCK_START_MS + state.capture_files * 1000
        };
        let path = root.join(capture_path(hub, partition, window_start_ms));
        write_capture_file(&path, events, *codec);
    }
}

/// Renders the course's archive name for a window start.
pub(crate) fn capture_path(hub: &str, partition: &str, window_start_ms: i64) -> String {
    let time = chrono::DateTime::from_timestamp_millis(window_start_ms).unwrap();
    let stamp = time.format("%Y/%m/%d/%H").to_string();
    let name = time.format("%Y_%m_%d_%H_%M_%S").to_string();
    format!("{hub}/{stamp}/{hub}_{name}_{partition}_{NAMESPACE}.avro")
}

/// Writes an Avro container file in Azure's capture schema, the content type under
/// `content-type` in SystemProperties.
pub(crate) fn write_capture_file(path: &Path, events: &[ReceivedEvent], codec: Codec) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let schema = Schema::parse_str(CAPTURE_SCHEMA).unwrap();
    let file = File::create(path).unwrap();
    let mut writer = Writer::with_codec(&schema, file, codec);
    for event in events {
        let mut system = HashMap::new();
        system.insert(
            "x-opt-sequence-number".to_string(),
            Value::Union(0, Box::new(Value::Long(event.sequence_number))),
        );
        if let Some(content_type) = &event.content_type {
            system.insert(
                "content-type".to_string(),
                Value::Union(2, Box::new(Value::String(content_type.clone()))),
            );
        }
        let properties: HashMap<String, Value> = event
            .properties
            .iter()
            .filter_map(|(name, value)| match value {
                PropertyValue::String(text) => Some((
                    name.clone(),
                    Value::Union(2, Box::new(Value::String(text.clone()))),
                )),
                PropertyValue::Long(number) => Some((
                    name.clone(),
                    Value::Union(0, Box::new(Value::Long(*number))),
                )),
                _ => None,
            })
            .collect();
        let time = chrono::DateTime::from_timestamp_millis(event.enqueued_time_ms).unwrap();
        writer
            .append(Value::Record(vec![
                (
                    "SequenceNumber".to_string(),
                    Value::Long(event.sequence_number),
                ),
                ("Offset".to_string(), Value::String(event.offset.clone())),
                (
                    "EnqueuedTimeUtc".to_string(),
                    Value::String(format!("{}0000Z", time.format("%Y-%m-%dT%H:%M:%S%.3f"))),
                ),
                ("SystemProperties".to_string(), Value::Map(system)),
                ("Properties".to_string(), Value::Map(properties)),
                (
                    "Body".to_string(),
                    Value::Union(1, Box::new(Value::Bytes(event.body.clone()))),
                ),
            ]))
            .unwrap();
    }
    writer.flush().unwrap();
}

/// Returns the deflate codec the broker's capture writer uses.
pub(crate) fn deflate() -> Codec {
    Codec::Deflate(DeflateSettings::default())
}

fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[async_trait]
impl EventTransport for MemoryTransport {
    async fn publish(&self, batch: PublishBatch) -> Result<PublishAck, TransportError> {
        let delay = *self.inner.publish_delay.lock().unwrap();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match self.take_fault(&batch.hub) {
            Some(PublishFault::HangBeforeStoring) => std::future::pending::<()>().await,
            Some(PublishFault::HangAfterStoring) => {
                let (partition, stored) = self.store(&batch)?;
                self.write_capture(&batch.hub, &partition, &stored);
                self.inner.arrived.notify_waiters();
                std::future::pending::<()>().await;
            }
            None => {}
        }
        let (partition, stored) = self.store(&batch)?;
        self.write_capture(&batch.hub, &partition, &stored);
        self.inner.publishes.fetch_add(1, Ordering::SeqCst);
        self.inner.arrived.notify_waiters();
        Ok(PublishAck {
            partition_id: Some(partition),
            events: stored.len(),
        })
    }

    async fn open_reader(
        &self,
        request: ReaderRequest,
    ) -> Result<Box<dyn PartitionReader>, TransportError> {
        let mut state = self.inner.state.lock().unwrap();
        let hub = state
            .hubs
            .get_mut(&request.hub)
            .ok_or_else(|| TransportError::HubNotFound {
                hub: request.hub.clone(),
            })?;
        let index: usize = request.partition_id.parse().unwrap_or(usize::MAX);
        let partition =
            hub.partitions
                .get_mut(index)
                .ok_or_else(|| TransportError::PartitionNotFound {
                    hub: request.hub.clone(),
                    partition_id: request.partition_id.clone(),
                })?;
        let current = partition
            .owners
            .get(&request.consumer_group)
            .copied()
            .unwrap_or(i64::MIN);
        if current > request.owner_level.unwrap_or_default() {
            return Err(TransportError::OwnershipLost {
                hub: request.hub.clone(),
                consumer_group: request.consumer_group.clone(),
                partition_id: request.partition_id.clone(),
                mine: request.owner_level,
                current,
                rejected_on_open: true,
            });
        }
        partition.owners.insert(
            request.consumer_group.clone(),
            request.owner_level.unwrap_or_default(),
        );
        let next = match request.start {
            StartPosition::Earliest => 0,
            StartPosition::AfterSequenceNumber(sequence_number) => (sequence_number + 1) as usize,
            StartPosition::FromSequenceNumber(sequence_number) => sequence_number as usize,
            StartPosition::Latest => partition.events.len(),
            StartPosition::EnqueuedAfter(time_ms) => partition
                .events
                .iter()
                .position(|event| event.enqueued_time_ms > time_ms)
                .unwrap_or(partition.events.len()),
        };
        Ok(Box::new(MemoryReader {
            transport: self.clone(),
            request,
            index,
            next,
        }))
    }

    async fn hub_runtime(&self, hub: &str) -> Result<HubRuntime, TransportError> {
        let state = self.inner.state.lock().unwrap();
        let definition = state
            .hubs
            .get(hub)
            .ok_or_else(|| TransportError::HubNotFound {
                hub: hub.to_string(),
            })?;
        Ok(HubRuntime {
            hub: hub.to_string(),
            created_at_ms: Some(definition.created_at_ms),
            partitions: definition
                .partitions
                .iter()
                .enumerate()
                .map(|(index, partition)| PartitionRuntime {
                    partition_id: index.to_string(),
                    beginning_sequence_number: partition.removed as i64,
                    last_enqueued_sequence_number: partition.events.len() as i64 - 1,
                    is_empty: partition.events.len() == partition.removed,
                })
                .collect(),
        })
    }
}

#[derive(Debug)]
struct MemoryReader {
    transport: MemoryTransport,
    request: ReaderRequest,
    index: usize,
    next: usize,
}

impl MemoryReader {
    fn take(&mut self, max_events: usize) -> Result<Vec<ReceivedEvent>, TransportError> {
        let state = self.transport.inner.state.lock().unwrap();
        let lost = |current| TransportError::OwnershipLost {
            hub: self.request.hub.clone(),
            consumer_group: self.request.consumer_group.clone(),
            partition_id: self.request.partition_id.clone(),
            mine: self.request.owner_level,
            current,
            rejected_on_open: false,
        };
        let Some(partition) = state
            .hubs
            .get(&self.request.hub)
            .and_then(|hub| hub.partitions.get(self.index))
        else {
            return Err(TransportError::PartitionNotFound {
                hub: self.request.hub.clone(),
                partition_id: self.request.partition_id.clone(),
            });
        };
        let current = partition.owners.get(&self.request.consumer_group).copied();
        if current != Some(self.request.owner_level.unwrap_or_default()) {
            return Err(lost(current.unwrap_or(i64::MIN)));
        }
        let events: Vec<ReceivedEvent> = partition
            .events
            .iter()
            .skip(self.next.max(partition.removed))
            .take(max_events)
            .cloned()
            .collect();
        self.next = self.next.max(partition.removed) + events.len();
        Ok(events)
    }
}

#[async_trait]
impl PartitionReader for MemoryReader {
    async fn receive(
        &mut self,
        max_events: usize,
        max_wait: Duration,
    ) -> Result<Vec<ReceivedEvent>, TransportError> {
        let inner = self.transport.inner.clone();
        let notified = inner.arrived.notified();
        let events = self.take(max_events)?;
        if !events.is_empty() {
            return Ok(events);
        }
        let _ = tokio::time::timeout(max_wait, notified).await;
        self.take(max_events)
    }
}
