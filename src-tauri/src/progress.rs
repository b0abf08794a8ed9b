//! Per-resource progress of an Apply or a Teardown, as the window shows it while the operation
//! runs. The control crate reports each resource's state changes. This module turns them into
//! the states a row shows, and the commands send those to the window on a
//! [`tauri::ipc::Channel`].

use std::collections::HashSet;

use control::progress::{Event, State};
use serde::Serialize;

/// The state a resource's row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RowState {
    /// Waiting its turn.
    Queued,
    /// Being created, changed or deleted.
    InProgress,
    /// Created.
    Created,
    /// Changed to match the plan.
    Updated,
    /// Already as planned.
    Unchanged,
    /// Left out.
    Skipped,
    /// Never tried because an earlier failure stopped the Apply.
    NotAttempted,
    /// Deleted by a teardown.
    Deleted,
    /// Failed.
    Failed,
}

/// One change of one resource's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ProgressEvent {
    /// The resource's ARM id below the subscription.
    pub(crate) id: String,
    /// The resource's role, such as "hub `customer`".
    pub(crate) title: String,
    /// The row's new state.
    pub(crate) state: RowState,
    /// The current action, the changes made, the reason for a skip, or the failure.
    pub(crate) detail: Option<String>,
}

/// Turns the control crate's events of one operation into row states. A resource that went
/// through `Updating` ends as `Updated`, and one in a teardown ends as `Deleted`.
#[derive(Debug, Default)]
pub(crate) struct ProgressRows {
    updating: HashSet<String>,
    deleting: HashSet<String>,
}

impl ProgressRows {
    /// Returns the row change that `event` makes.
    pub(crate) fn row(&mut self, event: &Event) -> ProgressEvent {
        let (state, detail) = match &event.state {
            State::Queued => (RowState::Queued, None),
            State::Creating => (RowState::InProgress, Some("creating".to_string())),
            State::Updating { changes } => {
                self.updating.insert(event.id.clone());
                (RowState::InProgress, Some(changes.join("; ")))
            }
            State::Deleting => {
                self.deleting.insert(event.id.clone());
                (RowState::InProgress, Some("deleting".to_string()))
            }
            State::Done if self.deleting.contains(&event.id) => (RowState::Deleted, None),
            State::Done if self.updating.contains(&event.id) => (RowState::Updated, None),
            State::Done => (RowState::Created, None),
            State::Unchanged => (RowState::Unchanged, None),
            State::Skipped { reason } => (RowState::Skipped, Some(reason.clone())),
            State::NotAttempted { reason } => (RowState::NotAttempted, Some(reason.clone())),
            State::Failed { reason } => (RowState::Failed, Some(reason.clone())),
        };
        ProgressEvent {
            id: event.id.clone(),
            title: event.title.clone(),
            state,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, state: State) -> Event {
        Event {
            step: None,
            id: id.to_string(),
            title: format!("hub `{id}`"),
            state,
        }
    }

    #[test]
    fn rows_follow_each_resource() {
        let mut rows = ProgressRows::default();
        let states: Vec<RowState> = [
            event("a", State::Queued),
            event("a", State::Creating),
            event("a", State::Done),
            event(
                "b",
                State::Updating {
                    changes: vec!["partitions differ".to_string()],
                },
            ),
            event("b", State::Done),
            event("c", State::Deleting),
            event("c", State::Done),
        ]
        .iter()
        .map(|event| rows.row(event).state)
        .collect();

        assert_eq!(
            states,
            [
                RowState::Queued,
                RowState::InProgress,
                RowState::Created,
                RowState::InProgress,
                RowState::Updated,
                RowState::InProgress,
                RowState::Deleted,
            ]
        );
    }

    #[test]
    fn not_attempted_keeps_reason() {
        let mut rows = ProgressRows::default();
        let row = rows.row(&event(
            "a",
            State::NotAttempted {
                reason: "apply stopped when hub `b` failed".to_string(),
            },
        ));
        assert_eq!(row.state, RowState::NotAttempted);
        assert_eq!(
            row.detail.as_deref(),
            Some("apply stopped when hub `b` failed")
        );
        assert_eq!(
            serde_json::to_value(row.state).unwrap(),
            serde_json::json!("not_attempted")
        );
    }

    #[test]
    fn failure_keeps_reason() {
        let mut rows = ProgressRows::default();
        let row = rows.row(&event(
            "a",
            State::Failed {
                reason: "quota exceeded".to_string(),
            },
        ));
        assert_eq!(row.state, RowState::Failed);
        assert_eq!(row.detail.as_deref(), Some("quota exceeded"));
        assert_eq!(
            serde_json::to_value(&row).unwrap()["state"],
            serde_json::json!("failed")
        );
    }
}
