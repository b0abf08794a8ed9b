//! Rates over a few seconds for the live flow page. The flow's metrics compute each rate over
//! one snapshot interval of 100 ms, so at the course's pace a lane shows 10/s for a tenth of a
//! second and 0/s otherwise. The page shows the change of the counts over [`RATE_WINDOW`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::live_update::FlowUpdate;

/// The time the page's rates average over.
pub(crate) const RATE_WINDOW: Duration = Duration::from_secs(5);

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
        // Keeps the newest update that is at least a window old, as the base of the rates.
        while self.history.len() > 1
            && now.saturating_duration_since(self.history[1].0) >= RATE_WINDOW
        {
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
            pace_ms: 1000.0,
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
