//! The handler a consumer runs for each event.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::transport::ReceivedEvent;

/// A failure to handle one event. The runtime retries it and, when the failure policy calls
/// for it, parks the event with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl HandlerError {
    /// Wraps any error's message.
    pub fn from_error(error: &dyn std::error::Error) -> Self {
        HandlerError(error.to_string())
    }
}

/// A team service's reaction to the events of one consumer group.
///
/// The runtime may deliver an event again after a crash between handling and checkpointing,
/// so a handler must be idempotent: a repeated event id changes nothing.
#[async_trait]
pub trait EventHandler: Send + Sync + Debug {
    /// Handles one event; an error makes the runtime retry it.
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError>;
}
