//! The live flow page's commands. Each one is a thin call into [`crate::live_flow::LiveFlow`];
//! the ones that need the attendee's namespace prepare it from the running Local target.

use course::flow::{HubDefinition, HUBS};
use course::Team;
use flow::local_target::{
    local_flow, FlowTiming, LocalFlow, DEMO_CAPTURE_WINDOW, DEMO_PARTNER_INTERVAL,
};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::cleanup_commands::local_only;
use crate::live_details::EventDetails;
use crate::live_error::LiveFlowError;
use crate::live_flow::pace_from_ms;
use crate::live_pace::{DEFAULT_PACE_MS, MAX_PACE_MS, MIN_PACE_MS};
use crate::live_sample::EventKey;
use crate::live_update::{FlowStatus, FlowUpdate};
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
#[tauri::command]
pub(crate) async fn live_flow_open(
    app: State<'_, AppState>,
    updates: Channel<FlowUpdate>,
) -> Result<LiveFlowView, LiveFlowError> {
    Ok(LiveFlowView {
        status: app.live.attach(updates).await,
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
