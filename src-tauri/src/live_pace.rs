//! The range of paces the live flow page offers: the time between two new customers.

/// The course's pace: one new customer every 10 s.
pub(crate) const DEFAULT_PACE_MS: u64 = 10_000;

/// The minimum time between two new customers that the page offers, in milliseconds.
pub(crate) const MIN_PACE_MS: u64 = 100;

/// The maximum time between two new customers that the page offers, in milliseconds.
pub(crate) const MAX_PACE_MS: u64 = 60_000;
