/// A failure of the event log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// An event's body exceeds 1 MB.
    #[error("event {index} of the batch has a body of {size} bytes, over the limit of {limit} bytes (1 MB): split or shrink it")]
    EventTooLarge {
        /// The event's position in its batch, counting from 0.
        index: usize,
        /// The body size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// An event's body fits in 1 MB, but its body, properties and partition key together do
    /// not.
    #[error("{}", describe_oversized(*.index, *.body, *.properties, *.partition_key, *.total, *.limit))]
    EventWithPropertiesTooLarge {
        /// The event's position in its batch, counting from 0.
        index: usize,
        /// The body size in bytes.
        body: usize,
        /// The encoded size of the application and message properties in bytes.
        properties: usize,
        /// The length of the partition key in bytes, 0 without one.
        partition_key: usize,
        /// The body, properties and partition key together, in bytes.
        total: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A batch's events, each within 1 MB, exceed together what a batch may hold.
    #[error(
        "the batch of {events} events has {size} bytes of bodies and properties in all, over \
         the {limit} bytes a batch may hold (the producer link's maximum message size): send \
         fewer events per batch"
    )]
    BatchTooLarge {
        /// The number of events in the batch.
        events: usize,
        /// The sizes of the events' bodies and properties, summed, and the partition key once,
        /// in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// SQLite failed; the message carries SQLite's own text and the database path.
    #[error("event log `{path}` failed: {message}")]
    Storage {
        /// The database file.
        path: String,
        /// SQLite's message.
        message: String,
    },
    /// The writer thread has stopped, because the log was closed or failed to start.
    #[error("event log `{path}` is closed: open it again")]
    Closed {
        /// The database file.
        path: String,
    },
}

/// Describes an event over the 1 MB limit, naming the partition key only when it has one.
fn describe_oversized(
    index: usize,
    body: usize,
    properties: usize,
    partition_key: usize,
    total: usize,
    limit: usize,
) -> String {
    let (parts, fix) = if partition_key == 0 {
        (
            format!("a body of {body} bytes and properties of {properties} bytes"),
            "send smaller properties or a smaller body",
        )
    } else {
        (
            format!(
                "a body of {body} bytes, properties of {properties} bytes and a partition key \
                 of {partition_key} bytes"
            ),
            "send a shorter partition key, smaller properties or a smaller body",
        )
    };
    format!(
        "event {index} of the batch has {parts}, {total} bytes in all, over the limit of {limit} \
         bytes (1 MB): {fix}"
    )
}
