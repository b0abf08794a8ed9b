//! Errors the commands return to the front end.

use std::path::PathBuf;

use serde::{Serialize, Serializer};

/// A command failure the attendee can act on. It crosses IPC as its message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// The region name or short code cannot be used in resource names.
    #[error(transparent)]
    InvalidRegion(#[from] course::RegionError),
    /// The namespace breaks the naming rule of at least one planned resource.
    #[error("{0}. Go back to the Namespace page to change it")]
    InvalidNamespace(#[from] course::NamespaceError),
    /// The wizard state could not be written.
    #[error("saving the workshop's progress to {path} failed: {source}. Check that the folder is writable")]
    SaveState {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The exercise has no attempt with this number.
    #[error("the exercise has no attempt {0}: use 1 to 5")]
    NoSuchAttempt(usize),
    /// An attempt was requested before the ones that come first.
    #[error("attempt {attempt} comes later: register attempt {next} first")]
    AttemptOutOfOrder {
        /// The attempt requested.
        attempt: usize,
        /// The attempt that comes next.
        next: usize,
    },
    /// Every attempt of the mode is registered.
    #[error(
        "all five attempts in {0} mode are registered: start the exercise over to repeat them"
    )]
    ExerciseComplete(&'static str),
    /// The attendee's schema is not valid Avro.
    #[error("the schema is not valid Avro: {0}")]
    InvalidSchema(String),
    /// The attendee's schema has no record name to register under.
    #[error("the schema has no record name to register under: give the top-level record a `name`")]
    UnnamedSchema,
    /// The local schema registry failed to start or to respond.
    #[error("the local schema registry failed: {0}")]
    Registry(String),
    /// The OS keychain, where the Local target keeps its keys, cannot be opened.
    #[error("{0}")]
    Keychain(String),
    /// The local Resource Manager failed to start or to respond.
    #[error("the local Resource Manager failed: {0}")]
    Provisioning(String),
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
