//! Summaries of repeated runs.

/// Returns the nearest-rank percentile `p` (0 to 100) of values sorted in ascending order,
/// `None` when there are none.
pub(crate) fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    Some(sorted[index])
}

/// The minimum, median and maximum of repeated runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spread {
    /// The lowest value.
    pub(crate) min: f64,
    /// The middle value, or the mean of the two middle ones for an even count.
    pub(crate) median: f64,
    /// The highest value.
    pub(crate) max: f64,
}

impl Spread {
    /// Summarizes values, `None` when there are none.
    pub(crate) fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        } else {
            sorted[middle]
        };
        Some(Self {
            min: sorted[0],
            median,
            max: sorted[sorted.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_uses_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), Some(50));
        assert_eq!(percentile(&values, 99.0), Some(99));
        assert_eq!(percentile(&values, 100.0), Some(100));
        assert_eq!(percentile(&values, 0.0), Some(1));
    }

    #[test]
    fn percentile_of_few_values_is_highest() {
        assert_eq!(percentile(&[3, 7, 9], 99.0), Some(9));
    }

    #[test]
    fn percentile_of_nothing_is_none() {
        assert_eq!(percentile(&[], 99.0), None);
    }

    #[test]
    fn spread_of_odd_count() {
        let spread = Spread::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!(spread.min, 1.0);
        assert_eq!(spread.median, 3.0);
        assert_eq!(spread.max, 5.0);
    }

    #[test]
    fn spread_of_even_count_averages_middle() {
        let spread = Spread::of(&[4.0, 1.0, 2.0, 8.0]).unwrap();
        assert_eq!(spread.median, 3.0);
    }

    #[test]
    fn spread_of_nothing_is_none() {
        assert_eq!(Spread::of(&[]), None);
    }
}
