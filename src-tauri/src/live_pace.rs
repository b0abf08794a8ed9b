//! The range of paces the live flow page offers: the time between two new customers, in
//! milliseconds. Paces under 10 ms create several customers every 10 ms.

use std::time::Duration;

/// The course's pace: one new customer every 10 s.
pub(crate) const DEFAULT_PACE_MS: f64 = 10_000.0;

/// The minimum time between two new customers that the page offers: 10,000 customers per
/// second.
pub(crate) const MIN_PACE_MS: f64 = 0.1;

/// The maximum time between two new customers that the page offers, in milliseconds.
pub(crate) const MAX_PACE_MS: f64 = 60_000.0;

/// Returns a pace in milliseconds, to the microsecond.
pub(crate) fn pace_ms_of(pace: Duration) -> f64 {
    pace.as_micros() as f64 / 1000.0
}
