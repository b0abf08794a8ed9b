//! Commands of instructor mode: saving whether it is on with its autoplay pause, so both
//! survive a restart, and rewinding the wizard to its start for the next group.
//!
//! Rewinding touches only the saved wizard state, so resources on the target stay. The schema
//! exercise's verdicts stay too, because they describe schema versions that are still
//! registered in the local registry. The exercise page's own reset deletes those.

use tauri::State;

use crate::error::CommandError;
use crate::state::{Page, WizardState};
use crate::AppState;

/// The shortest and longest pause per page that autoplay offers, in seconds. The front end
/// offers a fixed list within this range (`PAUSE_CHOICES` in `ui/src/lib/instructor.ts`).
const AUTOPLAY_SECONDS: std::ops::RangeInclusive<u32> = 5..=600;

/// Saves whether instructor mode is on and autoplay's pause per page. A pause outside the
/// offered range is brought to its nearest end, so a saved file always contains a usable value.
#[tauri::command]
pub(crate) fn save_instructor(
    app: State<'_, AppState>,
    on: bool,
    autoplay_seconds: u32,
) -> Result<(), CommandError> {
    let seconds = autoplay_seconds.clamp(*AUTOPLAY_SECONDS.start(), *AUTOPLAY_SECONDS.end());
    app.store
        .update(|state| set_instructor(state, on, seconds))?;
    tracing::info!(on, autoplay_seconds = seconds, "saved instructor mode");
    Ok(())
}

/// Rewinds the wizard to the welcome page and clears every step's Apply and Verify results.
/// It deletes no resource: Teardown does that.
#[tauri::command]
pub(crate) fn reset_progress(app: State<'_, AppState>) -> Result<(), CommandError> {
    let forgotten = app.store.update(rewind)?;
    tracing::info!(
        steps = forgotten,
        "rewound the wizard to the start; resources are kept"
    );
    Ok(())
}

fn set_instructor(state: &mut WizardState, on: bool, seconds: u32) {
    state.instructor_mode = on;
    state.autoplay_seconds = Some(seconds);
}

/// Rewinds `state` and returns the number of steps whose results it cleared.
fn rewind(state: &mut WizardState) -> usize {
    let forgotten = state.steps.len();
    state.page = Page::Target;
    state.steps.clear();
    forgotten
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use course::StepId;

    use super::*;
    use crate::provision::{ResultsFor, StepResult};
    use crate::state::Choices;

    fn state_on_consumers() -> WizardState {
        let choices = Choices {
            namespace: "dgrf".to_string(),
            ..Choices::default()
        };
        let result = StepResult {
            attendee: ResultsFor {
                target: choices.target,
                namespace: choices.namespace.clone(),
                environment: choices.environment,
                region_code: choices.region.code.clone(),
            },
            applied: None,
            verified: None,
        };
        WizardState {
            page: Page::Consumers,
            choices,
            steps: BTreeMap::from([(StepId::ResourceGroups, result)]),
            ..WizardState::default()
        }
    }

    #[test]
    fn rewind_opens_welcome_page_without_results() {
        let mut state = state_on_consumers();

        let forgotten = rewind(&mut state);

        assert_eq!(forgotten, 1);
        assert_eq!(state.page, Page::Target);
        assert!(state.steps.is_empty());
    }

    #[test]
    fn rewind_keeps_choices_and_instructor_mode() {
        let mut state = state_on_consumers();
        set_instructor(&mut state, true, 45);
        let before = state.clone();

        rewind(&mut state);

        assert_eq!(state.choices, before.choices);
        assert_eq!(state.exercise, before.exercise);
        assert!(state.instructor_mode);
        assert_eq!(state.autoplay_seconds, Some(45));
    }

    #[test]
    fn state_without_instructor_fields_loads_as_off() {
        let mut value = serde_json::to_value(WizardState::default()).unwrap();
        let fields = value.as_object_mut().unwrap();
        fields.remove("instructor_mode");
        fields.remove("autoplay_seconds");

        let state: WizardState = serde_json::from_value(value).unwrap();

        assert!(!state.instructor_mode);
        assert_eq!(state.autoplay_seconds, None);
    }
}
