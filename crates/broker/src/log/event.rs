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

/// The message bytes one read of the log may return. The first event always fits, so a read
/// always moves on, and each later one only while the total stays within the bound.
#[derive(Debug)]
pub(super) struct ReadBudget {
    max_bytes: usize,
    used: usize,
    exceeded: bool,
}

impl ReadBudget {
    /// Starts a budget of `max_bytes`.
    pub(super) fn new(max_bytes: usize) -> Self {
        ReadBudget {
            max_bytes,
            used: 0,
            exceeded: false,
        }
    }

    /// Counts `event` against the budget and returns whether it fits. A read stops at the first
    /// event that does not.
    pub(super) fn admit(&mut self, event: &StoredEvent) -> bool {
        let first = self.used == 0;
        self.used = self.used.saturating_add(event.message.len().max(1));
        let fits = first || self.used <= self.max_bytes;
        self.exceeded |= !fits;
        fits
    }

    /// Returns true once an event did not fit, so the read stopped before the events ran out.
    pub(super) fn exceeded(&self) -> bool {
        self.exceeded
    }
}
