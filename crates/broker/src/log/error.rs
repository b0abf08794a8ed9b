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
