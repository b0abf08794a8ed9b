//! The commands of the last two pages: the data lake's files, and the teardown of a namespace.

use tauri::ipc::Channel;
use tauri::State;

use crate::commands::send_progress;
use crate::data_lake::{self, FileRecords, FileSource, LakeOverview};
use crate::error::CommandError;
use crate::plan_view::AttendeeChoice;
use crate::progress::ProgressEvent;
use crate::teardown::{TeardownPreview, TeardownRecord};
use crate::AppState;

/// Lists each hub's capture and lake files for the attendee's namespace.
#[tauri::command]
pub(crate) fn lake_overview(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<LakeOverview, CommandError> {
    let attendee = attendee.attendee()?;
    Ok(data_lake::overview(
        app.local.service().data_dir(),
        &attendee,
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

/// Lists everything a teardown of the attendee's namespace deletes.
#[tauri::command]
pub(crate) async fn teardown_preview(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<TeardownPreview, CommandError> {
    let attendee = attendee.attendee()?;
    app.local.teardown_preview(&attendee).await
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
    // The flow's team stores lie in the namespace's folder that teardown removes.
    app.live.stop().await;
    let record = app
        .local
        .teardown(&attendee, &confirmation, |event| {
            send_progress(&progress, event)
        })
        .await?;
    if record.failures.is_empty() {
        app.store.update(|state| {
            state.steps.clear();
            state.exercise.attempts.clear();
        })?;
    }
    Ok(record)
}
