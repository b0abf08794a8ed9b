//! Rates over a few seconds for the live flow page. The flow's metrics compute each rate over
//! one snapshot interval of 100 ms, so at the course's pace a lane shows 10/s for a tenth of a
//! second and 0/s otherwise. The page shows the change of the counts over [`RATE_WINDOW`], or
//! over two intervals between new customers when the pace is slower.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::live_update::FlowUpdate;

/// The time the page's rates average over at fast paces.
pub(crate) const RATE_WINDOW: Duration = Duration::from_secs(5);

/// The maximum time the page's rates average over, reached at the slowest paces.
const MAX_RATE_WINDOW: Duration = Duration::from_secs(60);

/// Returns the time to average over at a pace of one new customer every `pace_ms`, at least two
/// intervals. At the course's pace of 10 s a lane then shows about 0.1/s, instead of 0.2/s for
/// 5 s and 0/s for the next 5.
fn window_for(pace_ms: f64) -> Duration {
    Duration::try_from_secs_f64(pace_ms * 2.0 / 1000.0)
        .unwrap_or(RATE_WINDOW)
        .clamp(RATE_WINDOW, MAX_RATE_WINDOW)
}

/// The published and consumed counts of every lane and hub of one update, in update order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counts {
    lanes: Vec<(u64, u64)>,
    hubs: Vec<(u64, u64)>,
}

impl Counts {
    fn of(update: &FlowUpdate) -> Self {
        Counts {
            lanes: update
                .lanes
                .iter()
                .map(|lane| (lane.published, lane.consumed))
                .collect(),
            hubs: update
                .hubs
                .iter()
                .map(|hub| (hub.published, hub.consumed))
                .collect(),
        }
    }
}

/// The counts of the updates of the last [`RATE_WINDOW`], oldest first.
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    history: VecDeque<(Instant, Counts)>,
}

impl RateWindow {
    /// Replaces the rates of `update`, made at `now`, with the change of its counts since the
    /// oldest update of the window, per second, and records its counts. A count that went down,
    /// as after a reset, gives a rate of zero.
    pub(crate) fn apply(&mut self, update: &mut FlowUpdate, now: Instant) {
        let current = Counts::of(update);
        let window = window_for(update.status.pace_ms);
        // Keeps the newest update that is at least a window old, as the base of the rates.
        while self.history.len() > 1 && now.saturating_duration_since(self.history[1].0) >= window {
            self.history.pop_front();
        }
        let base = self.history.front().cloned();
        self.history.push_back((now, current.clone()));

        // Without an older update there is no change to measure yet, so every rate is zero.
        let (seconds, before) = match base {
            Some((then, before)) => (now.saturating_duration_since(then).as_secs_f64(), before),
            None => (0.0, current),
        };
        let rate = |now: u64, then: Option<u64>| match then {
            Some(then) if seconds > 0.0 => now.saturating_sub(then) as f64 / seconds,
            _ => 0.0,
        };
        for (index, lane) in update.lanes.iter_mut().enumerate() {
            let old = before.lanes.get(index);
            lane.published_per_second = rate(lane.published, old.map(|counts| counts.0));
            lane.consumed_per_second = rate(lane.consumed, old.map(|counts| counts.1));
        }
        for (index, hub) in update.hubs.iter_mut().enumerate() {
            let old = before.hubs.get(index);
            hub.published_per_second = rate(hub.published, old.map(|counts| counts.0));
            hub.consumed_per_second = rate(hub.consumed, old.map(|counts| counts.1));
        }
    }
}

#[cfg(test)]
mod tests {
    use flow::metrics::{LaneCounts, LaneMetrics, MetricsSnapshot};

    use super::*;
    use crate::live_sample::TakenSamples;
    use crate::live_update::{build_update, FlowStatus};

    fn update(customers: u64) -> FlowUpdate {
        update_at_pace(customers, 1000.0)
    }

    fn update_at_pace(customers: u64, pace_ms: f64) -> FlowUpdate {
        let snapshot = MetricsSnapshot {
            lanes: vec![LaneMetrics {
                team: course::Team::Customer,
                hub: "customer".to_string(),
                counts: LaneCounts {
                    published: customers,
                    consumed: 0,
                    parked: 0,
                },
                // The flow's own rate over 100 ms, which the window replaces.
                published_per_second: 10.0,
                consumed_per_second: 0.0,
            }],
            lags: Vec::new(),
            notices: Vec::new(),
            first_notice: 0,
            run: 1,
        };
        let status = FlowStatus {
            running: true,
            paused: false,
            pace_ms,
            sales: None,
        };
        let taken = TakenSamples {
            samples: Vec::new(),
            seen: 0,
        };
        build_update(status, &snapshot, &[], taken)
    }

    fn customer_rate(update: &FlowUpdate) -> f64 {
        update.lanes[1].published_per_second
    }

    #[test]
    fn first_update_keeps_zero_rates() {
        let mut window = RateWindow::default();
        let mut first = update(3);
        window.apply(&mut first, Instant::now());
        assert_eq!(customer_rate(&first), 0.0);
        assert_eq!(first.hubs[0].published_per_second, 0.0);
    }

    #[test]
    fn rate_is_change_over_window() {
        let mut window = RateWindow::default();
        let start = Instant::now();
        // One customer a second for 10 s, one update every 100 ms.
        let mut last = update(0);
        for tenth in 0..=100u64 {
            last = update(tenth / 10);
            window.apply(&mut last, start + Duration::from_millis(tenth * 100));
        }
        let rate = customer_rate(&last);
        assert!((rate - 1.0).abs() < 0.05, "rate {rate}");
        assert!((last.hubs[0].published_per_second - 1.0).abs() < 0.05);
    }

    #[test]
    fn course_pace_rate_stays_above_zero() {
        let mut window = RateWindow::default();
        let start = Instant::now();
        // One customer every 10 s for 2 minutes, one update every 100 ms.
        for tenth in 0..=1200u64 {
            let mut next = update_at_pace(tenth / 100, 10_000.0);
            window.apply(&mut next, start + Duration::from_millis(tenth * 100));
            if tenth >= 300 {
                let rate = customer_rate(&next);
                assert!(
                    (0.05..=0.15).contains(&rate),
                    "rate {rate} at {tenth} tenths"
                );
            }
        }
    }

    #[test]
    fn window_grows_with_pace_within_bounds() {
        assert_eq!(window_for(100.0), RATE_WINDOW);
        assert_eq!(window_for(10_000.0), Duration::from_secs(20));
        assert_eq!(window_for(3_600_000.0), MAX_RATE_WINDOW);
        assert_eq!(window_for(f64::NAN), RATE_WINDOW);
        assert_eq!(window_for(-5.0), RATE_WINDOW);
    }

    #[test]
    fn window_forgets_old_bursts() {
        let mut window = RateWindow::default();
        let start = Instant::now();
        let mut burst = update(0);
        window.apply(&mut burst, start);
        let mut after_burst = update(50);
        window.apply(&mut after_burst, start + Duration::from_secs(1));
        assert!(customer_rate(&after_burst) > 40.0);

        let mut quiet = update(50);
        window.apply(&mut quiet, start + Duration::from_secs(8));
        let mut later = update(50);
        window.apply(&mut later, start + Duration::from_secs(14));
        assert_eq!(customer_rate(&later), 0.0);
    }

    #[test]
    fn lower_count_after_reset_gives_zero() {
        let mut window = RateWindow::default();
        let start = Instant::now();
        let mut before = update(40);
        window.apply(&mut before, start);
        let mut after = update(2);
        window.apply(&mut after, start + Duration::from_secs(1));
        assert_eq!(customer_rate(&after), 0.0);
    }
}
