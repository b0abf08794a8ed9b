//! Retries of work that keeps failing: waits that double up to a maximum, and one report per
//! series of failures instead of one per attempt.
//!
//! The flow retries what fails, because a broker that restarts or a registry that returns a
//! moment later should not stop it. A failure that only a person can fix, such as a key that
//! no longer matches its rule, fails every attempt. The series then gives the attendee one
//! notice with the cause and its fix, and the growing waits keep the retries from flooding the
//! broker and the log.

use std::time::{Duration, Instant};

/// The interval at which a failure that keeps repeating is logged again.
pub(crate) const REPEAT_AFTER: Duration = Duration::from_secs(30);

/// The shortest time between two notices of one series whose cause changed.
const CHANGED_CAUSE_AFTER: Duration = Duration::from_secs(5);

/// The failures in a row after which a series gives a notice. A single failure that the next
/// attempt overcomes is only logged.
const NOTICE_FROM: u64 = 2;

/// The wait between attempts: the first wait, doubled after each failure up to a maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) const fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// Returns the wait before the next attempt, and doubles the one after it.
    pub(crate) fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        wait
    }

    /// Starts again from the first wait, after an attempt that worked.
    pub(crate) fn reset(&mut self) {
        self.next = self.first;
    }
}

/// The report of one failure of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    /// The failures in the series so far, this one included.
    pub(crate) failures: u64,
    /// True when the failure goes to the attendee as a notice, not only to the log.
    pub(crate) notice: bool,
}

/// The failures in a row of one operation.
#[derive(Debug, Default)]
pub(crate) struct FailureSeries {
    failures: u64,
    logged_at: Option<Instant>,
    /// The cause of the last notice, and when it was given.
    noticed: Option<(String, Instant)>,
}

impl FailureSeries {
    /// Counts a failure with `cause`, and returns what to report, or `None` for a failure that
    /// only counts. A series is logged at its first failure, again with each notice, and at
    /// least [`REPEAT_AFTER`] apart otherwise. It gives a notice at its second failure, and again
    /// when its cause changed, at most one every [`CHANGED_CAUSE_AFTER`].
    pub(crate) fn failed(&mut self, now: Instant, cause: &str) -> Option<Report> {
        self.failed_with_gate(now, cause, || true)
    }

    /// Counts a failure as [`FailureSeries::failed`] does, but gives a notice only when
    /// `may_notify` returns true, for example when no other series gave a notice of the same
    /// cause. A series whose notice was held back tries again at its next failure.
    pub(crate) fn failed_with_gate(
        &mut self,
        now: Instant,
        cause: &str,
        may_notify: impl FnOnce() -> bool,
    ) -> Option<Report> {
        self.failures += 1;
        let cause = cause_key(cause);
        let due = self.failures >= NOTICE_FROM
            && match &self.noticed {
                None => true,
                Some((noticed, at)) => {
                    noticed != cause && now.saturating_duration_since(*at) >= CHANGED_CAUSE_AFTER
                }
            };
        let notice = due && may_notify();
        if notice {
            self.noticed = Some((cause.to_owned(), now));
        }
        let log = self.failures == 1 || notice || !recently(self.logged_at, now);
        if !log {
            return None;
        }
        self.logged_at = Some(now);
        Some(Report {
            failures: self.failures,
            notice,
        })
    }

    /// Ends the series after an attempt that worked. Returns the number of failures and whether
    /// the series gave a notice, or `None` when nothing had failed.
    pub(crate) fn succeeded(&mut self) -> Option<(u64, bool)> {
        let ended = (self.failures > 0).then_some((self.failures, self.noticed.is_some()));
        *self = FailureSeries::default();
        ended
    }
}

/// Returns the part of a failure's description that names its cause. Azure ends its error
/// descriptions with a suffix that differs on every attempt and partition
/// (`TrackingId:..., SystemTracker:..., Timestamp:...`), which is left out, so that repeated
/// failures with one cause compare equal.
pub(crate) fn cause_key(description: &str) -> &str {
    match description.find("TrackingId:") {
        Some(cut) => description[..cut].trim_end_matches([' ', ',', '.']),
        None => description,
    }
}

/// Returns whether `then` is less than [`REPEAT_AFTER`] before `now`.
pub(crate) fn recently(then: Option<Instant>, now: Instant) -> bool {
    then.is_some_and(|then| now.saturating_duration_since(then) < REPEAT_AFTER)
}

/// Formats a wait for a message, such as "0.5 s" or "8 s".
pub(crate) fn seconds(wait: Duration) -> String {
    let millis = wait.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", wait.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_max_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(1));
        let waits: Vec<u128> = (0..5).map(|_| backoff.next_wait().as_millis()).collect();
        assert_eq!(waits, [200, 400, 800, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.next_wait(), Duration::from_millis(200));
    }

    #[test]
    fn series_notice_and_log_throttle() {
        let start = Instant::now();
        let mut series = FailureSeries::default();
        let at = |millis| start + Duration::from_millis(millis);
        let quiet = Report {
            failures: 1,
            notice: false,
        };
        assert_eq!(series.failed(at(0), "unauthorized"), Some(quiet));
        let noticed = Report {
            failures: 2,
            notice: true,
        };
        assert_eq!(series.failed(at(200), "unauthorized"), Some(noticed));
        for millis in (400..29_000).step_by(400) {
            assert_eq!(series.failed(at(millis), "unauthorized"), None);
        }
        let repeated = series.failed(at(30_200), "unauthorized").unwrap();
        assert!(!repeated.notice);
        assert_eq!(series.succeeded(), Some((repeated.failures, true)));
        assert_eq!(series.succeeded(), None);
    }

    #[test]
    fn changed_cause_notice_interval() {
        let start = Instant::now();
        let mut series = FailureSeries::default();
        let at = |secs| start + Duration::from_secs(secs);
        series.failed(at(0), "broker unreachable");
        assert!(series.failed(at(1), "broker unreachable").unwrap().notice);
        assert_eq!(series.failed(at(2), "unauthorized"), None);
        assert!(series.failed(at(6), "unauthorized").unwrap().notice);
        assert_eq!(series.failed(at(12), "unauthorized"), None);
    }

    #[test]
    fn gated_notice_retried_next_failure() {
        let start = Instant::now();
        let mut series = FailureSeries::default();
        series.failed(start, "unauthorized");
        // Held back and logged less than 30 s ago: nothing to report.
        assert_eq!(
            series.failed_with_gate(start, "unauthorized", || false),
            None
        );
        let notified = series.failed_with_gate(start, "unauthorized", || true);
        assert!(notified.unwrap().notice);
        assert_eq!(series.succeeded(), Some((3, true)));
    }

    #[test]
    fn azure_tracking_suffix_ignored() {
        let start = Instant::now();
        let mut series = FailureSeries::default();
        let failure = |tracking: &str| {
            format!(
                "Put token failed. status-code: 401, status-description: InvalidSignature: The \
                 token has an invalid signature. TrackingId:{tracking}, \
                 SystemTracker:ns.servicebus.windows.net:customer, Timestamp:2026-12-06T14:0{tracking}"
            )
        };
        assert_eq!(
            cause_key(&failure("1")),
            "Put token failed. status-code: 401, status-description: InvalidSignature: The token \
             has an invalid signature"
        );
        series.failed(start, &failure("1"));
        assert!(series.failed(start, &failure("2")).unwrap().notice);
        for (seconds, tracking) in [(6, "3"), (12, "4"), (18, "5")] {
            let later = start + Duration::from_secs(seconds);
            assert_eq!(series.failed(later, &failure(tracking)), None);
        }
    }

    #[test]
    fn never_notifying_series_logs_every_interval() {
        let start = Instant::now();
        let mut series = FailureSeries::default();
        let logged = |series: &mut FailureSeries, after: Duration| {
            series.failed_with_gate(start + after, "database is locked", || false)
        };
        assert!(logged(&mut series, Duration::ZERO).is_some());
        assert_eq!(logged(&mut series, Duration::from_millis(10)), None);
        assert_eq!(logged(&mut series, Duration::from_secs(29)), None);
        let repeated = logged(&mut series, Duration::from_secs(30)).unwrap();
        assert!(!repeated.notice);
        assert_eq!(series.succeeded(), Some((4, false)));
    }

    #[test]
    fn single_failure_ends_without_notice() {
        let mut series = FailureSeries::default();
        series.failed(Instant::now(), "connection reset");
        assert_eq!(series.succeeded(), Some((1, false)));
    }

    #[test]
    fn waits_read_as_seconds() {
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
        assert_eq!(seconds(Duration::from_secs(8)), "8 s");
    }
}
