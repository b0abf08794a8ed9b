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

/// A failure of [`EventHandler::handle_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchFailure {
    /// One event failed after the events before it took effect. Its error counts as its
    /// first failed attempt.
    Event {
        /// How many events, from the first, took effect: the index of the failed event.
        handled: usize,
        /// The failed event's error.
        error: HandlerError,
    },
    /// The batch failed as a whole, for example in its transaction, and none of its events
    /// took effect.
    Whole(HandlerError),
}

/// A team service's reaction to the events of one consumer group.
///
/// The runtime may deliver an event again after a crash between handling and checkpointing,
/// so a handler must be idempotent: a repeated event id changes nothing.
#[async_trait]
pub trait EventHandler: Send + Sync + Debug {
    /// Handles one event; an error makes the runtime retry it.
    async fn handle(&self, event: &ReceivedEvent) -> Result<(), HandlerError>;

    /// Handles the events of one receive, in order. After a failure the runtime checkpoints
    /// past the events that took effect and handles the rest one at a time with
    /// [`EventHandler::handle`] under the failure policy, so an event that fails is retried
    /// and parked without holding up the others. The default calls `handle` for each event.
    /// A handler that can store many events in one transaction should override it.
    async fn handle_batch(&self, events: &[ReceivedEvent]) -> Result<(), BatchFailure> {
        for (index, event) in events.iter().enumerate() {
            self.handle(event)
                .await
                .map_err(|error| BatchFailure::Event {
                    handled: index,
                    error,
                })?;
        }
        Ok(())
    }
}
