//! The schema registry step: the course's compatibility exercise against the registry of the
//! live Local target, in the schema group that step 3 of the plan creates.
//!
//! Each registration goes through the registry crate's REST client over HTTPS, exactly as the
//! command-line tool does it, and is recorded in the wizard state with its verdict, reasons and
//! warnings.

use std::time::Duration;

use course::{Attendee, Compatibility, ResourceKind};
use registry::client::RegistryClient;
use registry::compat::Direction;
use registry::course_schemas::{BACKWARD_ATTEMPTS, COURSE_GROUP, FORWARD_ATTEMPTS};
use registry::exercise::{run_exercise, AttemptReport};
use registry::{CompatibilityMode, ParsedSchema};
use serde::{Deserialize, Serialize};

use crate::azure::AzureTarget;
use crate::choice::AzureChoice;
use crate::error::CommandError;
use crate::provision::LocalTarget;

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

    /// Returns the mode as the plan's schema group spells it.
    fn course_mode(self) -> Compatibility {
        match self {
            ExerciseMode::Backward => Compatibility::Backward,
            ExerciseMode::Forward => Compatibility::Forward,
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

/// A problem that does not reject a version: a default that the Avro specification rejects,
/// or a field whose logical type differs from the compared version's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WarningRecord {
    /// The field's name or dotted path, such as `optional_field` or `payment.created_at`.
    pub(crate) field: String,
    /// The problem and why it matters.
    pub(crate) message: String,
    /// How to change the schema.
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

/// The registry the exercise runs against.
#[derive(Debug)]
pub(crate) enum ExerciseTarget<'a> {
    /// The schema registry of the live Local target.
    Local(&'a LocalTarget),
    /// The schema registry namespace of step 2 in the chosen Azure subscription.
    Azure(&'a AzureTarget, AzureChoice),
}

/// The exercise for one attendee, run against the registry of the Local or the Azure target.
///
/// The schema group `myschemagroup` is a resource of step 3 in that attendee's plan. Each
/// registration first applies it through the Resource Manager in the mode the attempt needs, as
/// Azure changes a group's compatibility mode. So the Resource Manager and the registry agree,
/// and Teardown deletes the group with its versions.
#[derive(Debug)]
pub(crate) struct SchemaExercise<'a> {
    target: ExerciseTarget<'a>,
    attendee: Attendee,
}

impl<'a> SchemaExercise<'a> {
    /// Prepares the exercise of `attendee` on `target`.
    pub(crate) fn new(target: ExerciseTarget<'a>, attendee: Attendee) -> Self {
        SchemaExercise { target, attendee }
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
        check_json(text)?;
        let parsed = ParsedSchema::parse(text)
            .map_err(|error| CommandError::InvalidSchema(error.to_string()))?;
        if parsed.root_name().is_none() {
            return Err(CommandError::UnnamedSchema);
        }
        self.register(mode, text, None).await
    }

    /// Deletes the exercise's schema group with every version in it through the Resource
    /// Manager, so both modes start from an empty group again. The next registration applies
    /// the group anew.
    pub(crate) async fn reset(&self) -> Result<(), CommandError> {
        match &self.target {
            ExerciseTarget::Local(local) => local.delete_schema_group(&self.attendee).await,
            ExerciseTarget::Azure(azure, choice) => {
                azure.delete_schema_group(choice, &self.attendee).await
            }
        }
    }

    /// Puts the schema group into `mode` and returns a client of the registry it lives in.
    async fn prepare(&self, mode: ExerciseMode) -> Result<RegistryClient, CommandError> {
        let failed =
            |error: registry::client::ClientError| CommandError::Registry(error.to_string());
        match &self.target {
            ExerciseTarget::Local(local) => {
                local
                    .put_schema_group(&self.attendee, mode.course_mode())
                    .await?;
                let stack = local.service().stack().await?;
                let handle = stack.registry();
                RegistryClient::local(
                    &handle.endpoint(),
                    handle.ca_certificate_pem(),
                    handle.issue_token(TOKEN_LIFETIME),
                )
                .map_err(failed)
            }
            ExerciseTarget::Azure(azure, choice) => {
                azure
                    .put_schema_group(choice, &self.attendee, mode.course_mode())
                    .await?;
                let credential = azure.credential(choice).await?;
                let host = format!(
                    "{}.servicebus.windows.net",
                    registry_namespace(&self.attendee)
                );
                RegistryClient::azure(&host, credential).map_err(failed)
            }
        }
    }

    async fn register(
        &self,
        mode: ExerciseMode,
        text: &str,
        attempt: Option<usize>,
    ) -> Result<AttemptRecord, CommandError> {
        let client = self.prepare(mode).await?;
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
}

/// Checks that `text` is JSON, so a syntax error is reported as one, with its position, before
/// the Avro parser reports it as an invalid schema.
fn check_json(text: &str) -> Result<(), CommandError> {
    if text.trim().is_empty() {
        return Err(CommandError::EmptySchema);
    }
    let error = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    // serde_json's message ends with the position, which the error states on its own.
    let message = error.to_string();
    let reason = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(reason, _)| reason)
        .to_string();
    Err(CommandError::SchemaNotJson {
        reason,
        line: error.line(),
        column: error.column(),
    })
}

/// Returns the name of the Event Hubs namespace of the attendee's schema group: the
/// parent in the group's ARM id.
fn registry_namespace(attendee: &Attendee) -> String {
    course::plan(attendee)
        .resources()
        .find(|resource| resource.kind() == ResourceKind::SchemaGroup)
        .and_then(|group| {
            let (_, after) = group.id.split_once("/namespaces/")?;
            after.split('/').next().map(str::to_string)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use course::{Environment, Region, StepId};

    /// Starts a Local target over `folder` and applies steps 1 and 2, which the schema group
    /// needs.
    fn target(folder: &std::path::Path) -> LocalTarget {
        let target = LocalTarget::with_memory_keychain(folder);
        tauri::async_runtime::block_on(async {
            for step in [StepId::ResourceGroups, StepId::SharedPlatform] {
                let applied = target.apply(&dgrf(), step, |_| {}).await.unwrap();
                assert_eq!(applied.failure, None, "{step}");
            }
        });
        target
    }

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

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
    fn schema_group_lives_in_registry_namespace() {
        assert_eq!(
            registry_namespace(&dgrf()),
            "dv-schemaregistry-ehns-eun-dgrf"
        );
    }

    #[test]
    fn backward_accepts_one_two_four() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());

        assert_eq!(
            verdicts(&exercise, ExerciseMode::Backward),
            [true, true, false, true, false]
        );
        tauri::async_runtime::block_on(local.stop());
    }

    #[test]
    fn forward_accepts_one_two_three() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());

        assert_eq!(
            verdicts(&exercise, ExerciseMode::Forward),
            [true, true, true, false, false]
        );
        tauri::async_runtime::block_on(local.stop());
    }

    #[test]
    fn rejection_names_field_and_direction() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());
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
        tauri::async_runtime::block_on(local.stop());
    }

    #[test]
    fn attempt_out_of_order_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());

        let error =
            tauri::async_runtime::block_on(exercise.register_attempt(ExerciseMode::Forward, 3, 1))
                .unwrap_err();

        assert_eq!(
            error.to_string(),
            "attempt 3 comes later: register attempt 1 first"
        );
    }

    fn own_schema_error(text: &str) -> String {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());
        tauri::async_runtime::block_on(exercise.register_own(ExerciseMode::Backward, text))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn own_schema_must_be_valid_avro() {
        let error = own_schema_error(
            r#"{"type":"record","name":"A","fields":[{"name":"f","type":"strng"}]}"#,
        );

        assert!(error.starts_with("the schema is not valid Avro"), "{error}");
    }

    #[test]
    fn own_schema_json_error_names_position() {
        let error = own_schema_error("{\"type\":\"record\",\n \"fields\":[");

        assert_eq!(
            error,
            "the schema has a JSON syntax error at line 2, column 11: EOF while parsing a list. \
             Fix the JSON there, such as a missing bracket, quote or comma"
        );
    }

    #[test]
    fn own_schema_empty_is_named() {
        let error = own_schema_error(" \n\t ");

        assert_eq!(
            error,
            "the schema is empty: write or paste an Avro schema, such as the next attempt"
        );
    }

    #[test]
    fn reset_empties_the_group() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());
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
            local.stop().await;
        });
    }

    #[test]
    fn exercise_before_step_two_names_the_fix() {
        let folder = tempfile::tempdir().unwrap();
        let local = LocalTarget::with_memory_keychain(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());

        let error =
            tauri::async_runtime::block_on(exercise.register_attempt(ExerciseMode::Backward, 1, 1))
                .unwrap_err();

        assert!(matches!(error, CommandError::SchemaGroup { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("Apply the Resource groups and Shared platform steps first"),
            "{error}"
        );
        tauri::async_runtime::block_on(local.stop());
    }

    #[test]
    fn forward_attempt_sets_group_mode_in_resource_manager() {
        let folder = tempfile::tempdir().unwrap();
        let local = target(folder.path());
        let exercise = SchemaExercise::new(ExerciseTarget::Local(&local), dgrf());
        tauri::async_runtime::block_on(async {
            exercise
                .register_attempt(ExerciseMode::Forward, 1, 1)
                .await
                .unwrap();
            let verified = local.verify(&dgrf(), StepId::SchemaRegistry).await.unwrap();
            assert_eq!(verified.checked, 1);
            assert_eq!(verified.findings.len(), 1, "{:?}", verified.findings);
            assert!(
                verified.findings[0].message.contains("Forward"),
                "{:?}",
                verified.findings
            );
            local.stop().await;
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
