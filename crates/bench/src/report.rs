//! The results of a benchmark run as Markdown tables.

use std::fmt::Write as _;
use std::time::Duration;

use crate::latency::Latency;
use crate::send::SendMode;
use crate::stats::Spread;
use crate::throughput::Throughput;

/// The throughput runs of one broker set-up.
#[derive(Debug)]
pub(crate) struct ThroughputRow {
    /// The broker's name.
    pub(crate) broker: &'static str,
    /// The hub's partition count, `None` for a queue.
    pub(crate) partitions: Option<u32>,
    /// The packing of events into transfers.
    pub(crate) mode: SendMode,
    /// One entry per run.
    pub(crate) runs: Vec<Throughput>,
}

/// The latency runs of one broker set-up.
#[derive(Debug)]
pub(crate) struct LatencyRow {
    /// The broker's name.
    pub(crate) broker: &'static str,
    /// The hub's partition count, `None` for a queue.
    pub(crate) partitions: Option<u32>,
    /// One entry per run.
    pub(crate) runs: Vec<Latency>,
}

/// Writes the throughput table. Its last column compares each row's median received rate with
/// the first row of `peer`.
pub(crate) fn throughput_table(rows: &[ThroughputRow], peer: &str) -> String {
    let baseline = rows
        .iter()
        .find(|row| row.broker == peer)
        .and_then(|row| received(row).map(|spread| spread.median));
    let mut table = String::new();
    table.push_str(
        "| broker | partitions | transfers | events/s received (min / median / max) \
         | events/s accepted (median) | outcomes lost by the client (all runs) \
         | received vs RabbitMQ (median) |\n",
    );
    table.push_str("|---|---:|---|---:|---:|---:|---:|\n");
    for row in rows {
        let received = received(row);
        let accepted = Spread::of(
            &row.runs
                .iter()
                .map(|run| run.accepted_per_second)
                .collect::<Vec<_>>(),
        );
        let ratio = match (received, baseline) {
            (Some(received), Some(baseline)) if baseline > 0.0 => {
                format!("{:.2}x", received.median / baseline)
            }
            _ => "n/a".to_owned(),
        };
        let lost: u64 = row.runs.iter().map(|run| run.lost_outcomes).sum();
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {lost} | {ratio} |",
            row.broker,
            partitions(row.partitions),
            row.mode.label(),
            received.map_or("n/a".to_owned(), |spread| format!(
                "{} / {} / {}",
                rate(spread.min),
                rate(spread.median),
                rate(spread.max)
            )),
            accepted.map_or("n/a".to_owned(), |spread| rate(spread.median)),
        );
    }
    table
}

/// Writes the latency table. Its last column compares each row's median p99 with the first
/// row of `peer`.
pub(crate) fn latency_table(rows: &[LatencyRow], peer: &str) -> String {
    let baseline = rows
        .iter()
        .find(|row| row.broker == peer)
        .and_then(|row| p99(row).map(|spread| spread.median));
    let mut table = String::new();
    table.push_str(
        "| broker | partitions | events measured (min of runs) | p50 (median) \
         | p99 (min / median / max) | max (median) | lost (all runs) | unsettled (all runs) \
         | p99 vs RabbitMQ (median) |\n",
    );
    table.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows {
        let p99 = p99(row);
        let p50 = spread_of(row, |run| run.p50);
        let max = spread_of(row, |run| run.max);
        let events = row.runs.iter().map(|run| run.events).min().unwrap_or(0);
        let lost: u64 = row.runs.iter().map(|run| run.lost).sum();
        let unsettled: usize = row.runs.iter().map(|run| run.unsettled).sum();
        let ratio = match (p99, baseline) {
            (Some(p99), Some(baseline)) if baseline > 0.0 => {
                format!("{:.2}x", p99.median / baseline)
            }
            _ => "n/a".to_owned(),
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {lost} | {unsettled} | {ratio} |",
            row.broker,
            partitions(row.partitions),
            rate(events as f64),
            p50.map_or("n/a".to_owned(), |spread| millis(spread.median)),
            p99.map_or("n/a".to_owned(), |spread| format!(
                "{} / {} / {}",
                millis(spread.min),
                millis(spread.median),
                millis(spread.max)
            )),
            max.map_or("n/a".to_owned(), |spread| millis(spread.median)),
        );
    }
    table
}

fn received(row: &ThroughputRow) -> Option<Spread> {
    Spread::of(
        &row.runs
            .iter()
            .map(|run| run.received_per_second)
            .collect::<Vec<_>>(),
    )
}

fn p99(row: &LatencyRow) -> Option<Spread> {
    spread_of(row, |run| run.p99)
}

/// Summarizes one latency statistic over the runs, in milliseconds.
fn spread_of(row: &LatencyRow, statistic: impl Fn(&Latency) -> Duration) -> Option<Spread> {
    let values: Vec<f64> = row
        .runs
        .iter()
        .map(|run| statistic(run).as_secs_f64() * 1000.0)
        .collect();
    Spread::of(&values)
}

fn partitions(count: Option<u32>) -> String {
    count.map_or("queue".to_owned(), |count| count.to_string())
}

/// Formats a rate with thousands separators, rounded to whole events.
fn rate(value: f64) -> String {
    let whole = value.round() as u64;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn millis(value: f64) -> String {
    format!("{value:.2} ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_groups_thousands() {
        assert_eq!(rate(0.4), "0");
        assert_eq!(rate(999.0), "999");
        assert_eq!(rate(7_630.2), "7,630");
        assert_eq!(rate(1_234_567.0), "1,234,567");
    }

    #[test]
    fn throughput_ratio_against_first_peer_row() {
        let run = |received| Throughput {
            accepted_per_second: received,
            received_per_second: received,
            lost_outcomes: 0,
        };
        let rows = vec![
            ThroughputRow {
                broker: "RabbitMQ",
                partitions: None,
                mode: SendMode::Single,
                runs: vec![run(1_000.0), run(2_000.0), run(3_000.0)],
            },
            ThroughputRow {
                broker: "broker",
                partitions: Some(4),
                mode: SendMode::Batch(100),
                runs: vec![run(30_000.0)],
            },
        ];
        let table = throughput_table(&rows, "RabbitMQ");
        assert!(
            table.contains(
                "| RabbitMQ | queue | single events | 1,000 / 2,000 / 3,000 | 2,000 | 0 | 1.00x |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| broker | 4 | batches of 100 | 30,000 / 30,000 / 30,000 | 30,000 | 0 | 15.00x |"
            ),
            "{table}"
        );
    }
}
