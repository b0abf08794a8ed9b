//! The seam between the flow and an Event Hubs client.
//!
//! The flow needs three things from Event Hubs: publishing a batch to a hub, reading one
//! partition through a consumer group from a position, and a hub's runtime information. The
//! trait mirrors what the `azeventhubs` client offers (`EventHubProducerClient::send_batch`,
//! `EventHubConsumerClient::read_events_from_partition` with `ReadEventOptions::owner_level`,
//! `get_event_hub_properties` and `get_partition_properties`), so the product implementation is
//! a thin adapter over that client.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

pub mod azeventhubs;

/// A value of an AMQP application property, in the types the flow uses.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// An AMQP `string`.
    String(String),
    /// An AMQP `long`; narrower integers are widened to it.
    Long(i64),
    /// An AMQP `double`.
    Double(f64),
    /// An AMQP `boolean`.
    Bool(bool),
    /// An AMQP `binary`.
    Bytes(Vec<u8>),
    /// An AMQP `timestamp`, in milliseconds since the Unix epoch.
    Timestamp(i64),
    /// An AMQP `null`.
    Null,
    /// An AMQP `ulong` above `i64::MAX`; smaller ones read as [`PropertyValue::Long`].
    Ulong(u64),
    /// An AMQP `float` (32 bits).
    Float(f32),
    /// An AMQP `char`.
    Char(char),
    /// An AMQP `uuid`.
    Uuid(uuid::Uuid),
    /// An AMQP `symbol`.
    Symbol(String),
    /// An AMQP `decimal32`, `decimal64` or `decimal128`, as decimal text such as `1.5`, because
    /// Rust has no decimal type. It is sent back as a string.
    Decimal(String),
}

impl PropertyValue {
    /// Returns the value as text when it is a string or a symbol.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PropertyValue::String(text) | PropertyValue::Symbol(text) => Some(text),
            _ => None,
        }
    }
}

/// Application properties of an event, by name.
pub type Properties = BTreeMap<String, PropertyValue>;

/// An event to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    /// The body, sent as one AMQP data section.
    pub body: Vec<u8>,
    /// The AMQP `content-type` property.
    pub content_type: Option<String>,
    /// The application properties, CloudEvents attributes included (see
    /// [`crate::cloudevents`]).
    pub properties: Properties,
}

/// A batch of events for one hub. Event Hubs sends a batch to one partition, chosen by the
/// partition key when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishBatch {
    /// The hub.
    pub hub: String,
    /// The partition key shared by every event of the batch.
    pub partition_key: Option<String>,
    /// The partition to send to, for a batch without a partition key. A batch with neither
    /// goes to a partition the transport chooses.
    pub partition_id: Option<String>,
    /// The events, in order.
    pub events: Vec<OutgoingEvent>,
}

/// The broker's acknowledgement of a published batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishAck {
    /// The partition the batch went to, when the transport reports it.
    pub partition_id: Option<String>,
    /// The number of events accepted.
    pub events: usize,
}

/// The position a reader starts from in a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// The oldest event still retained.
    Earliest,
    /// The event after the one with this sequence number (exclusive).
    AfterSequenceNumber(i64),
    /// The event with this sequence number (inclusive), so that a broker that rejects the
    /// position quotes this number.
    FromSequenceNumber(i64),
    /// The first event enqueued after the reader opens.
    Latest,
    /// The first event enqueued after this time, in milliseconds since the Unix epoch. The
    /// reader asks for events whose `x-opt-enqueued-time` is greater, as Event Hubs clients do.
    EnqueuedAfter(i64),
}

/// A request to read one partition through a consumer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderRequest {
    /// The hub.
    pub hub: String,
    /// The consumer group.
    pub consumer_group: String,
    /// The partition id.
    pub partition_id: String,
    /// The first position to read.
    pub start: StartPosition,
    /// The owner level (epoch): a reader with a higher level takes the partition from readers
    /// with a lower one, which then fail with [`TransportError::OwnershipLost`]. `None` reads
    /// without one, beside up to four other such readers, unless a reader with an owner level has the partition.
    pub owner_level: Option<i64>,
    /// The maximum number of events the transport reads ahead of [`PartitionReader::receive`],
    /// or `None` for the client's default. A reader that stops after a few events sets it low,
    /// so that few events cross the network for nothing.
    pub prefetch: Option<u32>,
}

/// An event read from a partition.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    /// The partition it was read from.
    pub partition_id: String,
    /// Its sequence number in the partition.
    pub sequence_number: i64,
    /// Its offset, opaque to the flow (Azure sends offsets as strings).
    pub offset: String,
    /// When the broker enqueued it, in milliseconds since the Unix epoch.
    pub enqueued_time_ms: i64,
    /// Its partition key.
    pub partition_key: Option<String>,
    /// The AMQP `content-type` property.
    pub content_type: Option<String>,
    /// The AMQP `message-id` property as text, set by the sender.
    pub message_id: Option<String>,
    /// The AMQP `correlation-id` property as text, set by the sender.
    pub correlation_id: Option<String>,
    /// The application properties.
    pub properties: Properties,
    /// The body: the data sections joined, or empty for a value or sequence body.
    pub body: Vec<u8>,
    /// The kind of body section the event carried.
    pub body_type: BodyType,
}

/// The kind of an AMQP message body. The flow publishes one data section per event, but other
/// clients may send several data sections, an AMQP value or AMQP sequences.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyType {
    /// Data sections, joined in [`ReceivedEvent::body`].
    Data {
        /// The number of data sections.
        sections: usize,
    },
    /// An AMQP value section, rendered as JSON where its type maps.
    Value(serde_json::Value),
    /// AMQP sequence sections, each rendered as a JSON array.
    Sequence(Vec<serde_json::Value>),
}

impl Default for BodyType {
    /// Returns one data section, as the flow publishes.
    fn default() -> Self {
        BodyType::Data { sections: 1 }
    }
}

/// The runtime information of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRuntime {
    /// The partition id.
    pub partition_id: String,
    /// The sequence number of the oldest retained event.
    pub beginning_sequence_number: i64,
    /// The sequence number of the newest event; -1 when nothing was ever enqueued.
    pub last_enqueued_sequence_number: i64,
    /// Whether the partition contains no events.
    pub is_empty: bool,
}

/// The runtime information of a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRuntime {
    /// The hub.
    pub hub: String,
    /// When the hub was created, in milliseconds since the Unix epoch, when the transport
    /// reports it. A hub recreated under the same name has a new creation time.
    pub created_at_ms: Option<i64>,
    /// Its partitions, in id order.
    pub partitions: Vec<PartitionRuntime>,
}

impl HubRuntime {
    /// Finds a partition by id.
    pub fn partition(&self, partition_id: &str) -> Option<&PartitionRuntime> {
        self.partitions
            .iter()
            .find(|partition| partition.partition_id == partition_id)
    }
}

/// A failure of the transport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The hub does not exist.
    #[error("event hub `{hub}` does not exist: provision it before starting the flow")]
    HubNotFound {
        /// The hub.
        hub: String,
    },
    /// The partition does not exist on the hub.
    #[error("partition `{partition_id}` does not exist on event hub `{hub}`")]
    PartitionNotFound {
        /// The hub.
        hub: String,
        /// The partition id.
        partition_id: String,
    },
    /// A reader with an owner level took the partition, or held it when this reader opened.
    #[error("{}", ownership_lost_message(self))]
    OwnershipLost {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition_id: String,
        /// This reader's owner level, `None` for a reader without one.
        mine: Option<i64>,
        /// The owner level now holding the partition.
        current: i64,
        /// True when the broker rejected this reader as it opened, because the other reader
        /// held the partition already. False when the other reader took it later.
        rejected_on_open: bool,
    },
    /// The broker rejected a reader's start position, such as a sequence number past the
    /// partition's end. A retry fails the same way.
    #[error(
        "the start position is invalid for partition `{partition_id}` of event hub `{hub}`: \
         {description}"
    )]
    InvalidStartPosition {
        /// The hub.
        hub: String,
        /// The partition id.
        partition_id: String,
        /// The broker's reason, which quotes the rejected position.
        description: String,
    },
    /// The broker could not be reached or dropped the link; the operation may be retried.
    #[error("the event hubs connection failed: {0}")]
    Unavailable(String),
    /// The broker rejected the operation for another reason.
    #[error("the event hubs operation was rejected: {0}")]
    Rejected(String),
}

/// Describes [`TransportError::OwnershipLost`]. A reader without an owner level is named as
/// such, because Azure treats it differently from one with owner level 0.
fn ownership_lost_message(error: &TransportError) -> String {
    let TransportError::OwnershipLost {
        hub,
        consumer_group,
        partition_id,
        mine,
        current,
        rejected_on_open,
    } = error
    else {
        return error.to_string();
    };
    let own = match mine {
        Some(level) => format!("owner level {level}"),
        None => "no owner level".to_owned(),
    };
    if *rejected_on_open {
        format!(
            "a reader with owner level {current} holds partition `{partition_id}` of `{hub}` in \
             consumer group `{consumer_group}`, so this reader ({own}) was rejected: close that \
             reader, read through another consumer group, or open with an owner level of at \
             least {current}"
        )
    } else {
        format!(
            "another reader with owner level {current} took partition `{partition_id}` of \
             `{hub}` in consumer group `{consumer_group}` from this one ({own})"
        )
    }
}

/// A reader of one partition through one consumer group.
#[async_trait]
pub trait PartitionReader: Send + Debug {
    /// Receives up to `max_events` events, waiting at most `max_wait` for the first one; an
    /// empty batch means none arrived in time.
    async fn receive(
        &mut self,
        max_events: usize,
        max_wait: Duration,
    ) -> Result<Vec<ReceivedEvent>, TransportError>;
}

/// What the flow needs from an Event Hubs client.
#[async_trait]
pub trait EventTransport: Send + Sync + Debug {
    /// Publishes a batch and returns when the broker has accepted it.
    async fn publish(&self, batch: PublishBatch) -> Result<PublishAck, TransportError>;

    /// Publishes several batches and returns one result per batch, in the given order. Batches
    /// to the same hub keep their order. A transport may keep several batches in flight at
    /// once, so after a failure the later batches may still have been accepted, and only their
    /// own results tell. The default publishes one batch at a time.
    async fn publish_all(
        &self,
        batches: Vec<PublishBatch>,
    ) -> Vec<Result<PublishAck, TransportError>> {
        let mut results = Vec::with_capacity(batches.len());
        for batch in batches {
            results.push(self.publish(batch).await);
        }
        results
    }

    /// Opens a reader on one partition through a consumer group.
    async fn open_reader(
        &self,
        request: ReaderRequest,
    ) -> Result<Box<dyn PartitionReader>, TransportError>;

    /// Returns a hub's partitions with their sequence numbers.
    async fn hub_runtime(&self, hub: &str) -> Result<HubRuntime, TransportError>;
}
