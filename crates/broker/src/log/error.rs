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
    /// An event's body fits in 1 MB, but its body and properties together do not.
    #[error(
        "event {index} of the batch has a body of {body} bytes and properties of {properties} \
         bytes, {total} bytes in all, over the limit of {limit} bytes (1 MB): send smaller \
         properties or a smaller body"
    )]
    EventWithPropertiesTooLarge {
        /// The event's position in its batch, counting from 0.
        index: usize,
        /// The body size in bytes.
        body: usize,
        /// The encoded size of the application and message properties in bytes.
        properties: usize,
        /// The body and properties together, in bytes.
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
        /// The sizes of the events' bodies and properties, summed, in bytes.
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
