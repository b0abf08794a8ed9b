//! The failure policy: how often a failing event is retried and what happens after.

use std::time::Duration;

/// The fate of an event whose handler failed on every attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exhausted {
    /// Park it on the parked hub and checkpoint past it, so the partition moves on.
    Park,
    /// Stop reading the partition, leaving the checkpoint before the event, so that the next
    /// start delivers it again.
    StopPartition,
}

/// Retries with exponential backoff, then [`Exhausted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailurePolicy {
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// The wait before the second attempt; it doubles for each further one.
    pub initial_backoff: Duration,
    /// The maximum wait between attempts.
    pub max_backoff: Duration,
    /// The step after the last failed attempt.
    pub exhausted: Exhausted,
}

impl Default for FailurePolicy {
    /// Three attempts, 100 ms then 200 ms apart, then park.
    fn default() -> Self {
        FailurePolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            exhausted: Exhausted::Park,
        }
    }
}

impl FailurePolicy {
    /// Returns the wait after failed attempt number `attempt` (1 for the first).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_maximum() {
        let policy = FailurePolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            exhausted: Exhausted::Park,
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(350));
        assert_eq!(policy.backoff(40), Duration::from_millis(350));
    }
}
