//! Events as the log stores them.

/// An event to append: the encoded AMQP message exactly as a producer sent it.
///
/// The log never decodes the message, so what a client sent is what a client gets back. The
/// server adds the broker's annotations (sequence number, offset, enqueued time) to the
/// message-annotations section when it delivers the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The encoded message: every section, byte for byte as received.
    pub message: Vec<u8>,
    /// The size in bytes of the event body.
    pub body_size: usize,
    /// The encoded size in bytes of the properties the sender set: application properties and
    /// message properties (message id, content type and the rest). Annotations do not count.
    pub properties_size: usize,
    /// The partition key, stored to be delivered as `x-opt-partition-key`.
    pub partition_key: Option<String>,
}

impl NewEvent {
    /// Returns the size the 1 MB limit applies to: the body, the properties and the partition
    /// key together, because the broker stores and delivers all three.
    pub fn size(&self) -> usize {
        self.content_size()
            .saturating_add(self.partition_key_size())
    }

    /// Returns the size of the body and the properties together.
    pub fn content_size(&self) -> usize {
        self.body_size.saturating_add(self.properties_size)
    }

    /// Returns the length of the partition key in bytes, 0 without one.
    pub fn partition_key_size(&self) -> usize {
        self.partition_key.as_ref().map_or(0, String::len)
    }
}

/// The sequence number, offset and enqueued time the log assigned to an appended event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedEvent {
    /// The sequence number within the partition.
    pub sequence_number: i64,
    /// The offset, an opaque string.
    pub offset: String,
    /// The enqueued time in milliseconds since the Unix epoch (UTC).
    pub enqueued_time_ms: i64,
}

/// An event read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The sequence number within the partition.
    pub sequence_number: i64,
    /// The offset, an opaque string.
    pub offset: String,
    /// The enqueued time in milliseconds since the Unix epoch (UTC).
    pub enqueued_time_ms: i64,
    /// The partition key the event was sent with.
    pub partition_key: Option<String>,
    /// The encoded message as received.
    pub message: Vec<u8>,
}
