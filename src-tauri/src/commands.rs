//! The commands the front end calls through `invoke`. Each one is a thin call into a core
//! crate or the saved wizard state. build.rs lists them, so that the window's capability can
//! grant each by name.

use std::ffi::OsString;

use course::{Environment, NamespaceCheck, Region, StepId};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::choice::Target;
use crate::error::CommandError;
use crate::exercise::{AttemptRecord, ExerciseLog, ExerciseMode, ExerciseTarget, SchemaExercise};
use crate::overview::WorkshopOverview;
use crate::plan_view::{self, AttendeeChoice, ExportFormat, StepPlan};
use crate::progress::ProgressEvent;
use crate::provision::{ResultsFor, StepResult};
use crate::secrets_view::{SecretSource, SecretView};
use crate::state::{Choices, LoadedState, Page};
use crate::AppState;

/// Returns the steps, teams, environments and regions that the first pages show.
#[tauri::command]
pub(crate) fn workshop_overview() -> WorkshopOverview {
    WorkshopOverview::from_course()
}

/// Returns the namespace from `AZURE_UNIQUE_NAMESPACE`, so the field starts filled in for an
/// attendee who set it for the original course, or `None` when it is unset or blank.
#[tauri::command]
pub(crate) fn initial_namespace() -> Option<String> {
    namespace_from_variable(std::env::var_os(course::NAMESPACE_VARIABLE))
}

/// Checks `namespace` against every name the plan builds from it in this environment and region.
#[tauri::command]
pub(crate) fn check_namespace(
    namespace: String,
    environment: Environment,
    region_name: String,
    region_code: String,
) -> Result<NamespaceCheck, CommandError> {
    let region = Region::new(&region_name, &region_code)?;
    let check = course::check_namespace(&namespace, environment, &region);
    tracing::debug!(
        namespace = %check.namespace,
        environment = %environment,
        region = %region.name,
        valid = check.valid,
        problems = check.problems.len(),
        "checked namespace"
    );
    Ok(check)
}

/// Returns the saved progress as the app found it at start, or a new workshop.
#[tauri::command]
pub(crate) fn load_wizard(app: State<'_, AppState>) -> LoadedState {
    app.store.loaded()
}

/// Saves the page shown and the attendee's choices, so the next start resumes there.
#[tauri::command]
pub(crate) fn save_wizard(
    app: State<'_, AppState>,
    page: Page,
    choices: Choices,
) -> Result<(), CommandError> {
    app.store.update(|state| {
        state.page = page;
        state.choices = choices;
    })
}

/// Returns the plan of one step for the attendee's choices.
#[tauri::command]
pub(crate) fn step_plan(attendee: AttendeeChoice, step: StepId) -> Result<StepPlan, CommandError> {
    Ok(plan_view::step_plan(&attendee.attendee()?, step))
}

/// Returns one step as Bicep or as Azure CLI commands for the attendee's choices.
#[tauri::command]
pub(crate) fn step_export(
    attendee: AttendeeChoice,
    step: StepId,
    format: ExportFormat,
) -> Result<String, CommandError> {
    Ok(plan_view::step_export(&attendee.attendee()?, step, format))
}

/// Applies one step on the chosen target, sending each resource's state on `progress` while it
/// runs, and records the result for its page.
#[tauri::command]
pub(crate) async fn apply_step(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    step: StepId,
    progress: Channel<ProgressEvent>,
) -> Result<StepResult, CommandError> {
    let attendee = attendee.attendee()?;
    let choices = app.store.current().choices;
    let report = |event| send_progress(&progress, event);
    let applied = match choices.target {
        Target::Local => app.local.apply(&attendee, step, report).await?,
        Target::Azure => {
            app.azure
                .apply(&choices.azure, &attendee, step, report)
                .await?
        }
    };
    record_step(&app, choices.target, &attendee, step, |result| {
        result.applied = Some(applied)
    })
}

/// Compares one step with the chosen target and records the result for its page.
#[tauri::command]
pub(crate) async fn verify_step(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    step: StepId,
) -> Result<StepResult, CommandError> {
    let attendee = attendee.attendee()?;
    let choices = app.store.current().choices;
    let verified = match choices.target {
        Target::Local => app.local.verify(&attendee, step).await?,
        Target::Azure => app.azure.verify(&choices.azure, &attendee, step).await?,
    };
    record_step(&app, choices.target, &attendee, step, |result| {
        result.verified = Some(verified)
    })
}

/// Sends one progress event to the window. A window that closed or reloaded no longer
/// listens, which does not stop the operation.
pub(crate) fn send_progress(channel: &Channel<ProgressEvent>, event: ProgressEvent) {
    if let Err(error) = channel.send(event) {
        tracing::debug!(%error, "a progress event was not delivered to the window");
    }
}

/// Stores a step's new result. Results made for other choices are replaced, because they
/// describe resources with other names or on another target.
fn record_step(
    app: &AppState,
    target: Target,
    attendee: &course::Attendee,
    step: StepId,
    change: impl FnOnce(&mut StepResult),
) -> Result<StepResult, CommandError> {
    let key = ResultsFor::of(target, attendee);
    app.store.update(|state| {
        let fresh = || StepResult {
            attendee: key.clone(),
            applied: None,
            verified: None,
        };
        let result = state.steps.entry(step).or_insert_with(fresh);
        if result.attendee != key {
            *result = fresh();
        }
        change(result);
        result.clone()
    })
}

/// Lists the plan's key vault secrets with their values masked, for the Publishers page.
#[tauri::command]
pub(crate) async fn secret_list(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<Vec<SecretView>, CommandError> {
    let attendee = attendee.attendee()?;
    let choices = app.store.current().choices;
    secret_source(&app, &choices).list(&attendee).await
}

/// Returns the whole value of one secret. The window calls it only when the attendee presses
/// Show for that secret.
#[tauri::command]
pub(crate) async fn secret_reveal(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    name: String,
) -> Result<String, CommandError> {
    let attendee = attendee.attendee()?;
    let choices = app.store.current().choices;
    let secret = secret_source(&app, &choices)
        .reveal(&attendee, &name)
        .await?;
    Ok(secret.expose().to_string())
}

/// Returns where the saved target keeps its secrets.
fn secret_source<'a>(app: &'a AppState, choices: &Choices) -> SecretSource<'a> {
    match choices.target {
        Target::Local => SecretSource::Local(&app.local),
        Target::Azure => SecretSource::Azure(&app.azure, choices.azure.clone()),
    }
}

/// The course's five attempt files per mode, for the page to show and pre-fill the editor.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ExerciseSchemas {
    /// The schema group the exercise registers in.
    group: &'static str,
    /// The Backward attempts, in order.
    backward: &'static [&'static str; 5],
    /// The Forward attempts, in order.
    forward: &'static [&'static str; 5],
}

/// Returns the text of every attempt of the exercise.
#[tauri::command]
pub(crate) fn exercise_schemas() -> ExerciseSchemas {
    ExerciseSchemas {
        group: registry::course_schemas::COURSE_GROUP,
        backward: ExerciseMode::Backward.attempts(),
        forward: ExerciseMode::Forward.attempts(),
    }
}

/// Saves the mode the exercise page shows.
#[tauri::command]
pub(crate) fn choose_exercise_mode(
    app: State<'_, AppState>,
    mode: ExerciseMode,
) -> Result<ExerciseLog, CommandError> {
    app.store.update(|state| {
        state.exercise.mode = mode;
        state.exercise.clone()
    })
}

/// Registers the course's next attempt in `mode` with the Local target's registry and records
/// the verdict. Attempts go in order: `attempt` must be the next one.
#[tauri::command]
pub(crate) async fn register_attempt(
    app: State<'_, AppState>,
    mode: ExerciseMode,
    attempt: usize,
) -> Result<ExerciseLog, CommandError> {
    // Held until the verdict is recorded, so two clicks cannot both claim the same next attempt.
    let _turn = app.exercise_turn.lock().await;
    let saved = app.store.current();
    let exercise = SchemaExercise::new(
        exercise_target(&app, &saved.choices),
        saved_attendee(&saved.choices)?,
    );
    let next = saved.exercise.next_attempt(mode);
    let record = exercise.register_attempt(mode, attempt, next).await?;
    record_attempt(&app, record)
}

/// Registers a schema the attendee wrote, in `mode`, and records the verdict.
#[tauri::command]
pub(crate) async fn register_own_schema(
    app: State<'_, AppState>,
    mode: ExerciseMode,
    schema: String,
) -> Result<ExerciseLog, CommandError> {
    let _turn = app.exercise_turn.lock().await;
    let choices = app.store.current().choices;
    let record = SchemaExercise::new(exercise_target(&app, &choices), saved_attendee(&choices)?)
        .register_own(mode, &schema)
        .await?;
    record_attempt(&app, record)
}

/// Deletes the exercise's schema group and every recorded verdict, so both modes start over.
#[tauri::command]
pub(crate) async fn reset_exercise(app: State<'_, AppState>) -> Result<ExerciseLog, CommandError> {
    let _turn = app.exercise_turn.lock().await;
    let choices = app.store.current().choices;
    SchemaExercise::new(exercise_target(&app, &choices), saved_attendee(&choices)?)
        .reset()
        .await?;
    app.store.update(|state| {
        state.exercise.attempts.clear();
        state.exercise.clone()
    })
}

/// Returns the registry of the saved target.
fn exercise_target<'a>(app: &'a AppState, choices: &Choices) -> ExerciseTarget<'a> {
    match choices.target {
        Target::Local => ExerciseTarget::Local(&app.local),
        Target::Azure => ExerciseTarget::Azure(&app.azure, choices.azure.clone()),
    }
}

/// Returns the attendee of the saved choices, whose plan names the exercise's schema group.
/// The window saves the choices after every change, so they are those the page shows.
fn saved_attendee(choices: &Choices) -> Result<course::Attendee, CommandError> {
    Ok(course::Attendee::new(
        &choices.namespace,
        choices.environment,
        choices.region.clone(),
    )?)
}

fn record_attempt(app: &AppState, record: AttemptRecord) -> Result<ExerciseLog, CommandError> {
    app.store.update(|state| {
        state.exercise.mode = record.mode;
        state.exercise.attempts.push(record);
        state.exercise.clone()
    })
}

/// Turns the variable's value into the field's starting text. The text is kept as typed, because
/// the check that follows reports the lower-casing and trimming to the attendee.
fn namespace_from_variable(value: Option<OsString>) -> Option<String> {
    let text = value?.to_string_lossy().into_owned();
    if text.trim().is_empty() {
        None
    } else {
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_value_fills_namespace_as_typed() {
        assert_eq!(
            namespace_from_variable(Some("DGRF".into())),
            Some("DGRF".to_string())
        );
    }

    #[test]
    fn unset_or_blank_variable_fills_nothing() {
        assert_eq!(namespace_from_variable(None), None);
        assert_eq!(namespace_from_variable(Some("".into())), None);
        assert_eq!(namespace_from_variable(Some("  ".into())), None);
    }

    #[test]
    fn check_builds_names_for_chosen_region() {
        let check = check_namespace(
            "dgrf".to_string(),
            Environment::Dv,
            "northeurope".to_string(),
            "eun".to_string(),
        )
        .unwrap();
        assert!(check.valid);
        assert!(check
            .names
            .iter()
            .any(|planned| planned.name == "dv-events001-ehns-eun-dgrf"));
    }

    #[test]
    fn check_rejects_invalid_region_code_with_its_fix() {
        let error = check_namespace(
            "dgrf".to_string(),
            Environment::Dv,
            "northeurope".to_string(),
            "e-un".to_string(),
        )
        .unwrap_err();
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            "region code `e-un` is invalid: use 2 to 5 lower-case letters or digits, such as `eun`"
        );
    }
}
