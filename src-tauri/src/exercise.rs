//! The schema registry step: the course's compatibility exercise against the local registry,
//! which the shell starts in-process the first time the page needs it.
//!
//! Each registration goes through the registry crate's REST client over HTTPS, exactly as the
//! command-line tool does it, and is recorded in the wizard state with its verdict, reasons and
//! warnings.

use std::path::PathBuf;
use std::time::Duration;

use registry::client::RegistryClient;
use registry::compat::Direction;
use registry::course_schemas::{BACKWARD_ATTEMPTS, COURSE_GROUP, FORWARD_ATTEMPTS};
use registry::exercise::{run_exercise, AttemptReport};
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use registry::{CompatibilityMode, ParsedSchema};
use serde::{Deserialize, Serialize};
use tauri::async_runtime::Mutex;

use crate::error::CommandError;

/// Lifetime of the token issued for each registration; one request needs only seconds.
const TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// The two modes the exercise runs in, each with its own schema name and five attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExerciseMode {
    /// New readers must read old data.
    #[default]
    Backward,
    /// Old readers must read new data.
    Forward,
}

impl ExerciseMode {
    fn registry_mode(self) -> CompatibilityMode {
        match self {
            ExerciseMode::Backward => CompatibilityMode::Backward,
            ExerciseMode::Forward => CompatibilityMode::Forward,
        }
    }

    /// Returns the course's attempt files for this mode, in order.
    pub(crate) fn attempts(self) -> &'static [&'static str; 5] {
        match self {
            ExerciseMode::Backward => &BACKWARD_ATTEMPTS,
            ExerciseMode::Forward => &FORWARD_ATTEMPTS,
        }
    }
}

/// One field that breaks compatibility, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReasonRecord {
    /// Dotted field path, such as `mandatory_field`.
    pub(crate) field: String,
    /// `backward` (new reader, old data) or `forward` (old reader, new data).
    pub(crate) direction: String,
    /// A sentence naming the field, the direction and why it breaks.
    pub(crate) reason: String,
    /// The change that would make the version acceptable.
    pub(crate) fix: String,
}

/// A default that Azure accepts although the Avro specification rejects it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WarningRecord {
    /// Dotted field path, such as `optional_field`.
    pub(crate) field: String,
    /// The rule and why it matters.
    pub(crate) message: String,
    /// How to follow the specification.
    pub(crate) fix: String,
}

/// One registration and the registry's verdict, as the wizard state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AttemptRecord {
    /// The course's attempt number (1 to 5), or `None` for a schema the attendee wrote.
    pub(crate) attempt: Option<usize>,
    /// The compatibility mode the schema group was in.
    pub(crate) mode: ExerciseMode,
    /// The schema name registered under: the record's full name.
    pub(crate) schema_name: String,
    /// Whether the registry accepted the version.
    pub(crate) accepted: bool,
    /// The registered version number, when accepted.
    pub(crate) version: Option<u32>,
    /// The schema id the registry assigned, when accepted.
    pub(crate) schema_id: Option<String>,
    /// The version that the new one was checked against: the latest at the time.
    pub(crate) compared_with_version: Option<u32>,
    /// A description of what was compared with what.
    pub(crate) explanation: String,
    /// Every broken field, when rejected.
    pub(crate) reasons: Vec<ReasonRecord>,
    /// Specification problems with the schema's defaults.
    pub(crate) warnings: Vec<WarningRecord>,
    /// The registry's own message for a rejection.
    pub(crate) registry_detail: Option<String>,
}

impl AttemptRecord {
    fn from_report(report: AttemptReport, attempt: Option<usize>, mode: ExerciseMode) -> Self {
        let accepted = report.accepted();
        AttemptRecord {
            attempt,
            mode,
            schema_name: report.schema_name,
            accepted,
            version: report
                .registered
                .as_ref()
                .map(|properties| properties.version),
            schema_id: report
                .registered
                .as_ref()
                .map(|properties| properties.id.as_str().to_string()),
            compared_with_version: report.compared_with_version,
            explanation: report.explanation,
            reasons: report
                .reasons
                .into_iter()
                .map(|reason| ReasonRecord {
                    field: reason.field,
                    direction: direction_name(reason.direction).to_string(),
                    reason: reason.reason,
                    fix: reason.fix,
                })
                .collect(),
            warnings: report
                .warnings
                .into_iter()
                .map(|warning| WarningRecord {
                    field: warning.field,
                    message: warning.message,
                    fix: warning.fix,
                })
                .collect(),
            registry_detail: report.registry_detail,
        }
    }
}

fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Backward => "backward",
        Direction::Forward => "forward",
    }
}

/// Every registration of the exercise, in the order made, and the mode the page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExerciseLog {
    /// The mode chosen on the page.
    pub(crate) mode: ExerciseMode,
    /// The registrations, oldest first, in both modes.
    pub(crate) attempts: Vec<AttemptRecord>,
}

impl ExerciseLog {
    /// Returns the number of the course's next attempt in `mode`, one after the last one made.
    pub(crate) fn next_attempt(&self, mode: ExerciseMode) -> usize {
        self.attempts
            .iter()
            .filter(|record| record.mode == mode)
            .filter_map(|record| record.attempt)
            .max()
            .unwrap_or(0)
            + 1
    }
}

/// The local schema registry, started on first use and kept running until the app exits.
#[derive(Debug)]
pub(crate) struct SchemaExercise {
    data_dir: PathBuf,
    registry: Mutex<Option<RegistryHandle>>,
}

impl SchemaExercise {
    /// Prepares a registry whose database and CA certificate live in `data_dir`.
    pub(crate) fn new(data_dir: PathBuf) -> Self {
        SchemaExercise {
            data_dir,
            registry: Mutex::new(None),
        }
    }

    /// Registers the course's attempt `attempt` (1 to 5) in `mode`, with the schema group set
    /// to that mode first. `next` is the attempt the log expects, so attempts go in order.
    pub(crate) async fn register_attempt(
        &self,
        mode: ExerciseMode,
        attempt: usize,
        next: usize,
    ) -> Result<AttemptRecord, CommandError> {
        let attempts = mode.attempts();
        if attempt == 0 || attempt > attempts.len() {
            return Err(CommandError::NoSuchAttempt(attempt));
        }
        if next > attempts.len() {
            return Err(CommandError::ExerciseComplete(
                mode.registry_mode().as_str(),
            ));
        }
        if attempt != next {
            return Err(CommandError::AttemptOutOfOrder { attempt, next });
        }
        let text = attempts[attempt - 1];
        self.register(mode, text, Some(attempt)).await
    }

    /// Registers a schema the attendee wrote, in `mode`, under its record's full name.
    pub(crate) async fn register_own(
        &self,
        mode: ExerciseMode,
        text: &str,
    ) -> Result<AttemptRecord, CommandError> {
        let parsed = ParsedSchema::parse(text)
            .map_err(|error| CommandError::InvalidSchema(error.to_string()))?;
        if parsed.root_name().is_none() {
            return Err(CommandError::UnnamedSchema);
        }
        self.register(mode, text, None).await
    }

    /// Deletes the exercise's schema group with every version in it, so both modes start from
    /// an empty group again.
    pub(crate) async fn reset(&self) -> Result<(), CommandError> {
        let mut registry = self.registry.lock().await;
        let handle = self.started(&mut registry).await?;
        match handle.delete_group(COURSE_GROUP) {
            Ok(()) | Err(registry::StoreError::GroupNotFound(_)) => Ok(()),
            Err(error) => Err(CommandError::Registry(error.to_string())),
        }
    }

    /// Stops the registry if it runs.
    pub(crate) async fn stop(&self) {
        if let Some(handle) = self.registry.lock().await.take() {
            handle.stop().await;
        }
    }

    async fn register(
        &self,
        mode: ExerciseMode,
        text: &str,
        attempt: Option<usize>,
    ) -> Result<AttemptRecord, CommandError> {
        // The lock is held for the whole registration, so two clicks cannot interleave their
        // mode change and their registration.
        let mut registry = self.registry.lock().await;
        let handle = self.started(&mut registry).await?;
        handle
            .put_group(COURSE_GROUP, mode.registry_mode())
            .map_err(|error| CommandError::Registry(error.to_string()))?;
        let client = RegistryClient::local(
            &handle.endpoint(),
            handle.ca_certificate_pem(),
            handle.issue_token(TOKEN_LIFETIME),
        )
        .map_err(|error| CommandError::Registry(error.to_string()))?;

        let mut reports = run_exercise(&client, COURSE_GROUP, mode.registry_mode(), &[text])
            .await
            .map_err(|error| CommandError::Registry(error.to_string()))?;
        let report = reports.pop().ok_or_else(|| {
            CommandError::Registry("the registry returned no verdict".to_string())
        })?;
        let record = AttemptRecord::from_report(report, attempt, mode);
        tracing::info!(
            mode = ?mode,
            attempt = ?attempt,
            schema = %record.schema_name,
            accepted = record.accepted,
            version = ?record.version,
            "registered an exercise schema"
        );
        Ok(record)
    }

    async fn started<'a>(
        &self,
        registry: &'a mut Option<RegistryHandle>,
    ) -> Result<&'a RegistryHandle, CommandError> {
        if registry.is_none() {
            let handle = LocalRegistry::start(RegistryConfig::with_data_dir(&self.data_dir))
                .await
                .map_err(|error| CommandError::Registry(error.to_string()))?;
            tracing::info!(
                endpoint = %handle.endpoint(),
                data_dir = %self.data_dir.display(),
                "started the local schema registry"
            );
            *registry = Some(handle);
        }
        Ok(registry.as_ref().expect("the registry was started above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(exercise: &SchemaExercise, mode: ExerciseMode) -> Vec<bool> {
        tauri::async_runtime::block_on(async {
            let mut verdicts = Vec::new();
            for attempt in 1..=5 {
                let record = exercise
                    .register_attempt(mode, attempt, attempt)
                    .await
                    .unwrap();
                verdicts.push(record.accepted);
            }
            verdicts
        })
    }

    #[test]
    fn backward_accepts_one_two_four() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());

        assert_eq!(
            verdicts(&exercise, ExerciseMode::Backward),
            [true, true, false, true, false]
        );
        tauri::async_runtime::block_on(exercise.stop());
    }

    #[test]
    fn forward_accepts_one_two_three() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());

        assert_eq!(
            verdicts(&exercise, ExerciseMode::Forward),
            [true, true, true, false, false]
        );
        tauri::async_runtime::block_on(exercise.stop());
    }

    #[test]
    fn rejection_names_field_and_direction() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());
        let third = tauri::async_runtime::block_on(async {
            exercise
                .register_attempt(ExerciseMode::Backward, 1, 1)
                .await
                .unwrap();
            let second = exercise
                .register_attempt(ExerciseMode::Backward, 2, 2)
                .await
                .unwrap();
            assert_eq!(second.version, Some(2));
            assert_eq!(second.warnings.len(), 1);
            assert_eq!(second.warnings[0].field, "optional_field");
            exercise
                .register_attempt(ExerciseMode::Backward, 3, 3)
                .await
                .unwrap()
        });

        assert!(!third.accepted);
        assert_eq!(third.compared_with_version, Some(2));
        assert_eq!(third.reasons.len(), 1);
        assert_eq!(third.reasons[0].field, "mandatory_field");
        assert_eq!(third.reasons[0].direction, "backward");
        tauri::async_runtime::block_on(exercise.stop());
    }

    #[test]
    fn attempt_out_of_order_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());

        let error =
            tauri::async_runtime::block_on(exercise.register_attempt(ExerciseMode::Forward, 3, 1))
                .unwrap_err();

        assert_eq!(
            error.to_string(),
            "attempt 3 comes later: register attempt 1 first"
        );
    }

    #[test]
    fn own_schema_must_be_valid_avro() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());

        let error = tauri::async_runtime::block_on(
            exercise.register_own(ExerciseMode::Backward, "{\"type\": "),
        )
        .unwrap_err();

        assert!(
            error
                .to_string()
                .starts_with("the schema is not valid Avro"),
            "{error}"
        );
    }

    #[test]
    fn reset_empties_the_group() {
        let folder = tempfile::tempdir().unwrap();
        let exercise = SchemaExercise::new(folder.path().to_path_buf());
        tauri::async_runtime::block_on(async {
            exercise
                .register_attempt(ExerciseMode::Backward, 1, 1)
                .await
                .unwrap();
            exercise.reset().await.unwrap();
            // An empty group has no version to compare with, so the first attempt is version 1.
            let again = exercise
                .register_attempt(ExerciseMode::Backward, 1, 1)
                .await
                .unwrap();
            assert_eq!(again.version, Some(1));
            assert_eq!(again.compared_with_version, None);
            exercise.stop().await;
        });
    }

    #[test]
    fn next_attempt_counts_course_attempts_per_mode() {
        let record = |attempt, mode| AttemptRecord {
            attempt,
            mode,
            schema_name: String::new(),
            accepted: true,
            version: None,
            schema_id: None,
            compared_with_version: None,
            explanation: String::new(),
            reasons: Vec::new(),
            warnings: Vec::new(),
            registry_detail: None,
        };
        let log = ExerciseLog {
            mode: ExerciseMode::Backward,
            attempts: vec![
                record(Some(1), ExerciseMode::Backward),
                record(None, ExerciseMode::Backward),
                record(Some(2), ExerciseMode::Backward),
                record(Some(1), ExerciseMode::Forward),
            ],
        };

        assert_eq!(log.next_attempt(ExerciseMode::Backward), 3);
        assert_eq!(log.next_attempt(ExerciseMode::Forward), 2);
    }
}
