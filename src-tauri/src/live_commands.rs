//! The live flow page's commands. Each one is a thin call into [`crate::live_flow::LiveFlow`];
//! the ones that need the attendee's namespace prepare it from the running Local target.

use std::path::Path;

use course::flow::{HubDefinition, HUBS};
use course::{StepId, Team};
use flow::local_target::{
    local_flow, FlowTiming, LocalFlow, LocalTargetError, DEMO_CAPTURE_WINDOW, DEMO_PARTNER_INTERVAL,
};
use flow::services::datalake;
use flow::services::parked::{list_parked, ParkedEvent};
use flow::StoreError;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::cleanup_commands::local_only;
use crate::live_details::EventDetails;
use crate::live_error::LiveFlowError;
use crate::live_flow::pace_from_ms;
use crate::live_pace::{DEFAULT_PACE_MS, MAX_PACE_MS, MIN_PACE_MS};
use crate::live_sample::EventKey;
use crate::live_update::{FlowStatus, FlowUpdate, MAX_PARKED_SHOWN};
use crate::plan_view::AttendeeChoice;
use crate::AppState;

/// The page's first view, before any update: the status, the flow's hubs and teams, and the
/// range of paces.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LiveFlowView {
    /// Whether the flow runs, and its settings.
    status: FlowStatus,
    /// The teams, in the order the page shows their lanes.
    teams: [Team; 4],
    /// The hubs in the order events travel through them, each with its publisher and
    /// consumer groups.
    hubs: &'static [HubDefinition],
    /// The course's pace, in milliseconds.
    default_pace_ms: f64,
    /// The minimum time between two new customers, in milliseconds.
    min_pace_ms: f64,
    /// The maximum time between two new customers, in milliseconds.
    max_pace_ms: f64,
    /// The timers a start with demo timing sets.
    demo_timing: DemoTimingView,
    /// While the flow is stopped and the page named its attendee: whether a start can run and
    /// the events parked in earlier runs.
    stopped: Option<StoppedFlow>,
}

/// The page's view of a stopped flow before any update arrives.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct StoppedFlow {
    /// The first course step whose resources do not exist yet, or none when the flow can start.
    missing_step: Option<StepId>,
    /// Every course step, in course order, that misses a resource the flow uses.
    missing_steps: Vec<StepId>,
    /// The resource of that step found missing, such as "hub `lead`".
    missing_resource: Option<String>,
    /// The reason the namespace could not be checked, such as a keychain that rejects a read.
    problem: Option<String>,
    /// The newest events parked in earlier runs, oldest first, at most [`MAX_PARKED_SHOWN`].
    parked: Vec<ParkedEvent>,
    /// How many events are parked in all.
    parked_total: usize,
}

/// The Platform team's store in a flow state folder, as `flow::FlowStores` names it.
const PLATFORM_STORE_FILE: &str = "platform.sqlite";

/// Lists the events parked in the flow state folder `data_folder`, oldest first. A folder
/// without a Platform store has none, and it is not created.
pub(crate) fn stored_parked(data_folder: &Path) -> Result<Vec<ParkedEvent>, StoreError> {
    let path = data_folder.join(PLATFORM_STORE_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    list_parked(&datalake::open_store(&path)?)
}

/// Checks whether the attendee's namespace is applied far enough for the flow, and reads the
/// events parked in earlier runs on it.
async fn check_stopped(app: &AppState, attendee: &AttendeeChoice) -> StoppedFlow {
    let prepared = match prepare(app, attendee).await {
        Ok(prepared) => prepared,
        Err(LiveFlowError::NotReady(LocalTargetError::NotApplied {
            resource,
            step,
            missing_steps,
            ..
        })) => {
            return StoppedFlow {
                missing_step: Some(step),
                missing_steps,
                missing_resource: Some(resource),
                ..StoppedFlow::default()
            };
        }
        Err(error) => {
            return StoppedFlow {
                problem: Some(error.to_string()),
                ..StoppedFlow::default()
            };
        }
    };
    let parked = stored_parked(&prepared.config.data_folder).unwrap_or_else(|error| {
        tracing::warn!(%error, "reading the parked events of earlier runs failed");
        Vec::new()
    });
    let skipped = parked.len().saturating_sub(MAX_PARKED_SHOWN);
    StoppedFlow {
        parked_total: parked.len(),
        parked: parked[skipped..].to_vec(),
        ..StoppedFlow::default()
    }
}

/// The timers of demo timing and Azure's range of capture windows, for the page to describe
/// before the flow starts.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct DemoTimingView {
    /// The local broker's capture time window of every hub, in seconds.
    capture_window_seconds: u64,
    /// The time between two looks of the partner at new capture files, in seconds.
    partner_interval_seconds: u64,
    /// Azure's shortest capture time window, in seconds.
    azure_min_capture_window_seconds: u32,
    /// Azure's longest capture time window, in seconds.
    azure_max_capture_window_seconds: u32,
}

impl DemoTimingView {
    fn new() -> Self {
        let azure = flow::local_target::CAPTURE_WINDOW_SECONDS;
        DemoTimingView {
            capture_window_seconds: DEMO_CAPTURE_WINDOW.as_secs(),
            partner_interval_seconds: DEMO_PARTNER_INTERVAL.as_secs(),
            azure_min_capture_window_seconds: *azure.start(),
            azure_max_capture_window_seconds: *azure.end(),
        }
    }
}

/// The page's name in the message that it needs the Local target.
const LIVE_FLOW: &str = "The live flow";

/// Prepares the attendee's applied broker namespace on the running Local target. The stack is
/// held only while the flow's connections are read.
async fn prepare(app: &AppState, attendee: &AttendeeChoice) -> Result<LocalFlow, LiveFlowError> {
    let attendee = attendee.attendee()?;
    local_only(app, LIVE_FLOW)?;
    let stack = app.stack().await?;
    Ok(local_flow(&stack, &attendee).await?)
}

/// Sends the page's updates to `updates` from now on and returns what the page shows first.
/// While the flow is stopped, the view also reports whether `attendee`'s namespace can start it
/// and lists the events parked in earlier runs.
#[tauri::command]
pub(crate) async fn live_flow_open(
    app: State<'_, AppState>,
    updates: Channel<FlowUpdate>,
    attendee: Option<AttendeeChoice>,
) -> Result<LiveFlowView, LiveFlowError> {
    let status = app.live.attach(updates).await;
    let stopped = match (&attendee, status.running) {
        (Some(attendee), false) => Some(check_stopped(&app, attendee).await),
        _ => None,
    };
    Ok(LiveFlowView {
        status,
        stopped,
        teams: Team::ALL,
        hubs: &HUBS,
        default_pace_ms: DEFAULT_PACE_MS,
        min_pace_ms: MIN_PACE_MS,
        max_pace_ms: MAX_PACE_MS,
        demo_timing: DemoTimingView::new(),
    })
}

/// Stops sending updates to the page, which closed; the flow keeps running.
#[tauri::command]
pub(crate) fn live_flow_close(app: State<'_, AppState>) {
    app.live.detach();
}

/// Starts the flow on the attendee's applied namespace with one new customer every `pace_ms`,
/// with the Local target's demo timing when `demo_timing` is set and the course's timers
/// otherwise.
#[tauri::command]
pub(crate) async fn live_flow_start(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
    pace_ms: f64,
    demo_timing: bool,
) -> Result<FlowStatus, LiveFlowError> {
    let pace = pace_from_ms(pace_ms)?;
    let timing = if demo_timing {
        FlowTiming::Demo
    } else {
        FlowTiming::Course
    };
    let attendee = attendee.attendee()?;
    local_only(&app, LIVE_FLOW)?;
    // The stack stays held until the flow runs, because the timing is applied to its broker.
    let stack = app.stack().await?;
    let prepared = local_flow(&stack, &attendee).await?;
    app.live.start(&stack, prepared, pace, timing).await
}

/// Stops the flow.
#[tauri::command]
pub(crate) async fn live_flow_stop(app: State<'_, AppState>) -> Result<FlowStatus, LiveFlowError> {
    Ok(app.live.stop().await)
}

/// Pauses customer creation and every team's readers.
#[tauri::command]
pub(crate) async fn live_flow_pause(app: State<'_, AppState>) -> Result<FlowStatus, LiveFlowError> {
    app.live.pause().await
}

/// Resumes after a pause.
#[tauri::command]
pub(crate) async fn live_flow_resume(
    app: State<'_, AppState>,
) -> Result<FlowStatus, LiveFlowError> {
    app.live.resume().await
}

/// Sets the time between two new customers.
#[tauri::command]
pub(crate) async fn live_flow_set_pace(
    app: State<'_, AppState>,
    pace_ms: f64,
) -> Result<FlowStatus, LiveFlowError> {
    app.live.set_pace(pace_from_ms(pace_ms)?).await
}

/// Publishes a poison event to `hub` and returns its CloudEvents id.
#[tauri::command]
pub(crate) async fn live_flow_inject_poison(
    app: State<'_, AppState>,
    hub: String,
) -> Result<String, LiveFlowError> {
    app.live.inject_poison(&hub).await
}

/// Deletes the flow's state and moves every consumer group to the end of its hub; a running
/// flow starts again afterwards.
#[tauri::command]
pub(crate) async fn live_flow_reset(
    app: State<'_, AppState>,
    attendee: AttendeeChoice,
) -> Result<FlowStatus, LiveFlowError> {
    let prepared = prepare(&app, &attendee).await?;
    app.live.reset(prepared).await
}

/// Returns the details of a sampled event.
#[tauri::command]
pub(crate) async fn live_flow_event(
    app: State<'_, AppState>,
    hub: String,
    partition_id: String,
    sequence_number: i64,
) -> Result<EventDetails, LiveFlowError> {
    let key = EventKey {
        hub,
        partition_id,
        sequence_number,
    };
    app.live.event_details(&key).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_without_store_has_no_parked_events() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("flow-never-started");
        assert_eq!(stored_parked(&missing).unwrap(), Vec::new());
        assert!(
            !missing.exists(),
            "listing must not create the state folder"
        );
    }
}
