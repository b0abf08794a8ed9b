//! Progress of apply and teardown, one event per resource and state, sent on a channel that
//! the CLI prints and the desktop app forwards to its window.

use course::StepId;
use serde::Serialize;

/// The state of one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Waiting its turn.
    Queued,
    /// Being created.
    Creating,
    /// Being changed to match the plan; the changes in plain words.
    Updating {
        /// Each difference from the plan.
        changes: Vec<String>,
    },
    /// Being deleted.
    Deleting,
    /// Created, changed or deleted.
    Done,
    /// Already as planned.
    Unchanged,
    /// Left out, with the reason.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Never tried because an earlier failure stopped the apply, with that failure.
    NotAttempted {
        /// The failure that stopped the apply.
        reason: String,
    },
    /// Failed, with the reason.
    Failed {
        /// Why, in ARM's words where ARM gave them.
        reason: String,
    },
}

/// One progress event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The step the resource belongs to; `None` for teardown.
    pub step: Option<StepId>,
    /// The resource's ARM id below the subscription.
    pub id: String,
    /// The resource's title, such as "hub `customer`".
    pub title: String,
    /// Its new state.
    pub state: State,
}

/// The sending side of a progress channel.
pub type Sender = tokio::sync::mpsc::UnboundedSender<Event>;

/// Sends an event if there is a receiver. A closed channel only means no one watches, so it
/// is not an error.
pub(crate) fn emit(
    sender: Option<&Sender>,
    step: Option<StepId>,
    id: &str,
    title: &str,
    state: State,
) {
    if let Some(sender) = sender {
        let _ = sender.send(Event {
            step,
            id: id.to_string(),
            title: title.to_string(),
            state,
        });
    }
}
