//! The flow's timers on the Local target: the course's, or a demo timing that shows sales and
//! purchased leads within seconds.
//!
//! A sale comes from a partner's leads-sold file, which the partner builds from the capture
//! files of `lead`. With the course's timers the first sale waits for capture to close its
//! first 300 s window and for the partner's next look, 30 s at most. Demo timing shortens
//! both on the local broker only: the hubs in the Resource Manager keep the plan's windows
//! (Azure accepts 60 to 900 s), so `eda-workshop verify` reports no drift for it.

use std::time::Duration;

use broker::capture::DemoInterval;
use local::LocalStack;

use super::{LocalFlow, LocalTargetError};

/// The capture time window of every hub of the namespace under demo timing.
pub const DEMO_CAPTURE_WINDOW: Duration = Duration::from_secs(5);

/// The time between two looks of the partner at new capture files under demo timing.
pub const DEMO_PARTNER_INTERVAL: Duration = Duration::from_secs(2);

/// The timers of a flow on the Local target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FlowTiming {
    /// The course's timers: the capture windows the hubs' `captureDescription` sets (300 s in
    /// the plan) and the partner's look every 30 s.
    #[default]
    Course,
    /// The local broker closes every hub's capture windows every [`DEMO_CAPTURE_WINDOW`] and
    /// the partner looks every [`DEMO_PARTNER_INTERVAL`]. The first sale then follows the
    /// first lead by at most one window, the broker's 1 s capture tick and one look: about
    /// 8 s, an estimate that leaves out the time the services take.
    Demo,
}

/// Applies `timing` to a flow prepared with [`super::local_flow`] and not started yet.
///
/// Demo timing gives the namespace's broker a demo capture window and sets the flow's
/// capture window and partner interval to match. The course's timing takes the demo window
/// off the broker again and leaves the flow's timers as [`super::local_flow`] read them. The
/// broker restarts each capture with the new window and keeps its connections open. The
/// flow reads its timers only at start, so call this before the flow starts. The broker keeps
/// the window until the next call or until the Local target stops; nothing is written to the
/// Resource Manager.
pub async fn apply_timing(
    stack: &LocalStack,
    prepared: &mut LocalFlow,
    timing: FlowTiming,
) -> Result<(), LocalTargetError> {
    let demo = match timing {
        FlowTiming::Course => None,
        FlowTiming::Demo => Some(demo_interval()),
    };
    let changed = stack
        .set_demo_capture_window(&prepared.namespace, demo)
        .await?;
    if timing == FlowTiming::Demo {
        prepared.config.capture_window = DEMO_CAPTURE_WINDOW;
        prepared.config.partner_interval = DEMO_PARTNER_INTERVAL;
    }
    prepared.config.demo_timing = timing == FlowTiming::Demo;
    tracing::info!(
        namespace = %prepared.namespace,
        ?timing,
        window_changed = changed,
        capture_window_seconds = prepared.config.capture_window.as_secs(),
        partner_interval_seconds = prepared.config.partner_interval.as_secs(),
        "applied the flow's timing"
    );
    Ok(())
}

/// Returns [`DEMO_CAPTURE_WINDOW`] as the broker's demo window.
fn demo_interval() -> DemoInterval {
    let seconds = u32::try_from(DEMO_CAPTURE_WINDOW.as_secs()).unwrap_or(u32::MAX);
    DemoInterval::from_seconds(seconds).expect("the demo capture window is within 1 to 900 s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_window_is_valid_demo_interval() {
        assert_eq!(demo_interval().seconds(), 5);
    }

    #[test]
    fn demo_timers_shorter_than_course() {
        let course = crate::FlowConfig::new("d".into(), "l".into(), "c".into());
        assert!(DEMO_CAPTURE_WINDOW < course.capture_window);
        assert!(DEMO_PARTNER_INTERVAL < course.partner_interval);
    }
}
