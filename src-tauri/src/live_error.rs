//! Errors of the live flow commands, sent to the page as their message.

use course::StepId;
use flow::controls::ControlError;
use flow::local_target::{LocalTargetError, RunRecordError};
use flow::FlowError;
use serde::{Serialize, Serializer};

use crate::error::CommandError;
use crate::live_pace::{MAX_PACE_MS, MIN_PACE_MS};

/// A live flow command that failed, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LiveFlowError {
    /// A control needs a running flow.
    #[error("the live flow is not running: press Start first")]
    NotRunning,
    /// A flow for another namespace is running.
    #[error(
        "the live flow runs for namespace `{running}`: stop it before starting one for \
         `{requested}`"
    )]
    OtherNamespace {
        /// The running flow's broker namespace.
        running: String,
        /// The broker namespace requested.
        requested: String,
    },
    /// The pace is outside the range the page offers.
    #[error(
        "a pace of {pace_ms} ms between two customers is out of range: use {min} to {max} ms",
        min = MIN_PACE_MS,
        max = MAX_PACE_MS
    )]
    PaceOutOfRange {
        /// The pace requested, in milliseconds.
        pace_ms: f64,
    },
    /// The event is no longer among the ones the page keeps.
    #[error(
        "event {sequence_number} of partition {partition_id} of `{hub}` is no longer kept: the \
         page keeps the last {kept} events it read, so pick a newer one"
    )]
    EventNotKept {
        /// The hub.
        hub: String,
        /// The partition id.
        partition_id: String,
        /// The sequence number.
        sequence_number: i64,
        /// How many events the page keeps.
        kept: usize,
    },
    /// The attendee's namespace is not applied far enough for the flow.
    #[error(transparent)]
    NotReady(#[from] LocalTargetError),
    /// The flow's state was created with other settings.
    #[error("{0}; on this page, Reset does the same")]
    RunRecord(#[from] RunRecordError),
    /// The flow failed to start or to reset.
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// A control could not be carried out, such as a poison event the broker rejected.
    #[error(transparent)]
    Control(#[from] ControlError),
    /// The attendee's choices are invalid or the local services failed to start.
    #[error(transparent)]
    Command(#[from] CommandError),
}

impl LiveFlowError {
    /// Returns the course step to apply when the failure is a resource not applied yet.
    pub(crate) fn missing_step(&self) -> Option<StepId> {
        self.missing_steps().first().copied()
    }

    /// Returns every course step, in course order, that misses a resource the flow uses, or
    /// none when the failure is of another kind.
    pub(crate) fn missing_steps(&self) -> Vec<StepId> {
        match self {
            LiveFlowError::NotReady(LocalTargetError::NotApplied { missing_steps, .. }) => {
                missing_steps.clone()
            }
            LiveFlowError::NotReady(
                LocalTargetError::NoCapture { .. } | LocalTargetError::RuleKeys { .. },
            ) => vec![StepId::Publishers],
            _ => Vec::new(),
        }
    }

    /// Returns the message for the page. A missing resource is named with the page that
    /// applies it, and without the command line that the command-line tool prints, because
    /// the page offers to apply it.
    pub(crate) fn page_message(&self) -> String {
        match self {
            LiveFlowError::NotReady(LocalTargetError::NotApplied { resource, step, .. }) => {
                format!(
                    "the {resource} does not exist yet, because {} is not applied",
                    step.title()
                )
            }
            LiveFlowError::NotReady(LocalTargetError::NoCapture { hub, reason, .. }) => format!(
                "hub `{hub}` does not capture into a storage container ({reason}), so no lead \
                 can be sold: apply {} again",
                StepId::Publishers.title()
            ),
            LiveFlowError::NotReady(LocalTargetError::RuleKeys {
                hub,
                rule,
                status,
                message,
                ..
            }) => format!(
                "reading the keys of rule `{rule}` of hub `{hub}` failed ({status}: {message}): \
                 apply {} again, which stores the keys in this computer's keychain",
                StepId::Publishers.title()
            ),
            _ => self.to_string(),
        }
    }
}

/// The error as the page receives it: the message, and the step to apply, so that the page can
/// offer to apply it.
#[derive(Serialize)]
struct ErrorView {
    message: String,
    missing_step: Option<StepId>,
    missing_steps: Vec<StepId>,
}

impl Serialize for LiveFlowError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorView {
            message: self.page_message(),
            missing_step: self.missing_step(),
            missing_steps: self.missing_steps(),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_step_to_apply() {
        let error = LiveFlowError::NotReady(LocalTargetError::NotApplied {
            resource: "schema group `myschemagroup`".to_string(),
            step: StepId::SchemaRegistry,
            missing_steps: vec![StepId::SchemaRegistry, StepId::Consumers],
            command: "eda-workshop apply --namespace dgrf --step schema-registry".to_string(),
        });
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["missing_step"], "schema_registry");
        assert_eq!(
            value["missing_steps"],
            serde_json::json!(["schema_registry", "consumers"])
        );
        assert_eq!(
            value["message"],
            "the schema group `myschemagroup` does not exist yet, because Schema registry is \
             not applied"
        );
        assert!(!value["message"].as_str().unwrap().contains("eda-workshop"));
    }

    #[test]
    fn other_errors_name_no_step() {
        let value = serde_json::to_value(LiveFlowError::NotRunning).unwrap();
        assert_eq!(value["missing_step"], serde_json::Value::Null);
        assert_eq!(value["missing_steps"], serde_json::json!([]));
        assert_eq!(
            value["message"],
            "the live flow is not running: press Start first"
        );
    }

    #[test]
    fn capture_error_offers_publishers_without_command() {
        let error = LiveFlowError::NotReady(LocalTargetError::NoCapture {
            hub: "lead".to_string(),
            reason: "capture is off".to_string(),
            command: "eda-workshop apply --namespace dgrf --step publishers".to_string(),
        });
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["missing_step"], "publishers");
        assert_eq!(value["missing_steps"], serde_json::json!(["publishers"]));
        assert_eq!(
            value["message"],
            "hub `lead` does not capture into a storage container (capture is off), so no lead \
             can be sold: apply Publishers again"
        );
    }
}
