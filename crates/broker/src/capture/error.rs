/// A capture setting, file or folder that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The time window is outside 60 to 900 seconds.
    #[error("capture time window of {seconds} s is out of range: use 60 to 900 seconds")]
    IntervalOutOfRange {
        /// The requested window in seconds.
        seconds: u32,
    },
    /// A demo time window is outside 1 to 900 seconds.
    #[error("demo capture time window of {seconds} s is out of range: use 1 to 900 seconds")]
    DemoIntervalOutOfRange {
        /// The requested window in seconds.
        seconds: u32,
    },
    /// The size window is outside 10 to 500 MB.
    #[error("capture size window of {megabytes} MB is out of range: use 10 to 500 MB")]
    SizeOutOfRange {
        /// The requested window in megabytes.
        megabytes: u32,
    },
    /// The archive name format lacks a required token or has an unknown one.
    #[error("archive name format `{format}` is invalid: {reason}")]
    InvalidNameFormat {
        /// The format as given.
        format: String,
        /// The reason.
        reason: String,
    },
    /// Writing or reading an Avro file failed.
    #[error("capture file `{path}` failed: {message}")]
    Avro {
        /// The file.
        path: String,
        /// The Avro library's message.
        message: String,
    },
    /// A file system operation failed.
    #[error("capture folder operation on `{path}` failed: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}
