//! Start positions: the first event a receiver reads from a partition.

/// A start position, as a receiver's filter expresses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// The first event still retained.
    Earliest,
    /// Only events enqueued after the receiver opens.
    Latest,
    /// Events after (or, when inclusive, at) an offset.
    Offset {
        /// The offset as a number; `-1` is the position before the first event.
        offset: i64,
        /// Whether the event at the offset itself is included.
        inclusive: bool,
    },
    /// Events after (or, when inclusive, at) a sequence number.
    SequenceNumber {
        /// The sequence number.
        sequence_number: i64,
        /// Whether the event with that number itself is included.
        inclusive: bool,
    },
    /// Events enqueued strictly after a time, in milliseconds since the Unix epoch.
    EnqueuedAfter {
        /// The time in milliseconds since the Unix epoch (UTC).
        time_ms: i64,
    },
}

/// A start position resolved against a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartPoint {
    /// The sequence number of the first event to deliver; it may not exist yet.
    pub sequence_number: i64,
    /// Events that retention has removed from the partition so far. A reader that asked for
    /// an event older than the first retained one starts at the first retained one instead,
    /// and this count is the number of events it cannot read.
    pub removed_by_retention: u64,
    /// Whether retention moved the start forward: the position named an event already removed.
    pub moved_by_retention: bool,
    /// The sequence number the next event to arrive gets, read with the start.
    pub next_sequence_number: i64,
}
