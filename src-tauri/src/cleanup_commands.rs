//! The commands of the last two pages: the data lake's files, and the teardown of a namespace
//! on the chosen target.

use tauri::ipc::Channel;
use tauri::State;

use crate::choice::Target;
use crate::commands::send_progress;
use crate::data_lake::{self, FileRecords, FileSource, LakeOverview};
use crate::error::CommandError;
use crate::plan_view::AttendeeChoice;
use crate::progress::ProgressEvent;
use crate::teardown::{TeardownPreview, TeardownRecord};
use crate::AppState;

/// Lists each hub's capture and lake files for the attendee's namespace.
#[tauri::command]
pub(crate) async fn lake_overview(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<LakeOverview, CommandError> {
    let attendee = attendee.attendee()?;
    local_only(&app, "The data lake page")?;
    let flow_window = app
        .live
        .status()
        .await
        .sales
        .map(|sales| sales.capture_window_seconds);
    Ok(data_lake::overview(
        app.local.service().data_dir(),
        &attendee,
        flow_window,
    ))
}

/// Decodes the first records of one capture or lake file of `hub`.
#[tauri::command]
pub(crate) async fn lake_file(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    hub: String,
    source: FileSource,
    path: String,
) -> Result<FileRecords, CommandError> {
    let attendee = attendee.attendee()?;
    local_only(&app, "The data lake page")?;
    let local_dir = app.local.service().data_dir().to_path_buf();
    let requested = std::path::PathBuf::from(&path);
    // Decoding reads the whole file to count its records, so it runs off the async threads.
    tauri::async_runtime::spawn_blocking(move || {
        data_lake::read_file(&local_dir, &attendee, &hub, source, &path)
    })
    .await
    .map_err(|error| CommandError::UnreadableLakeFile {
        path: requested,
        reason: error.to_string(),
    })?
}

/// Refuses a page that reads the Local target's files when the target is Azure.
pub(crate) fn local_only(app: &AppState, page: &'static str) -> Result<(), CommandError> {
    match app.store.current().choices.target {
        Target::Local => Ok(()),
        Target::Azure => Err(CommandError::LocalOnly(page)),
    }
}

/// Lists everything a teardown of the attendee's namespace deletes.
#[tauri::command]
pub(crate) async fn teardown_preview(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<TeardownPreview, CommandError> {
    let attendee = attendee.attendee()?;
    let choices = app.store.current().choices;
    match choices.target {
        Target::Local => app.local.teardown_preview(&attendee).await,
        Target::Azure => app.azure.teardown_preview(&choices.azure, &attendee).await,
    }
}

/// Deletes everything of the attendee's namespace after `confirmation` matched it, sending
/// each resource's state on `progress`. When every removal succeeded, the saved results and
/// the exercise's verdicts, whose schema group is gone, are cleared, so the wizard can start
/// again from an empty target.
#[tauri::command]
pub(crate) async fn run_teardown(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    confirmation: String,
    progress: Channel<ProgressEvent>,
) -> Result<TeardownRecord, CommandError> {
    let attendee = attendee.attendee()?;
    // The exercise's schema group is among the resources deleted, so no registration may run
    // meanwhile.
    let _turn = app.exercise_turn.lock().await;
    let choices = app.store.current().choices;
    let report = |event| send_progress(&progress, event);
    let record = match choices.target {
        Target::Local => {
            // The flow's team stores lie in the namespace's folder that teardown removes.
            app.live.stop().await;
            app.local.teardown(&attendee, &confirmation, report).await?
        }
        Target::Azure => {
            app.azure
                .teardown(&choices.azure, &attendee, &confirmation, report)
                .await?
        }
    };
    if record.failures.is_empty() {
        app.store.update(|state| {
            state.steps.clear();
            state.exercise.attempts.clear();
        })?;
    }
    Ok(record)
}
