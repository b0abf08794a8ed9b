//! Lane metrics: per team and hub, the events published, consumed and parked, their rates,
//! and the lag of every consumer group on every partition.
//!
//! Services count into [`Metrics`] as events pass. A publisher task turns the counters into
//! a [`MetricsSnapshot`] about ten times a second and sends it on a `watch` channel, so a
//! front end receives at most ten updates a second however fast events flow.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use course::Team;
use serde::Serialize;
use tokio::sync::watch;

use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::services::partner::SkippedRecord;
use crate::transport::{EventTransport, HubRuntime, PartitionRuntime};

/// How often the publisher sends a snapshot.
pub const SNAPSHOT_INTERVAL: Duration = Duration::from_millis(100);

/// How many snapshots pass between two lag computations, which ask the broker for every hub's
/// runtime information.
const LAG_EVERY: u32 = 5;

/// The maximum number of notices a snapshot carries. Older ones are dropped.
const MAX_NOTICES: usize = 50;

/// The log target of every log line whose message the flow also adds as a notice
/// ([`Metrics::notice`]). A program that prints the notices turns this target off so that
/// each one shows once, and `RUST_LOG` can still show it.
pub const NOTICE_LOG_TARGET: &str = "flow::notice";

/// The log target of a handler's failed attempts at an event before the failure policy
/// applies. The attempts that fail for good end in a notice that parks the event or stops its
/// partition, so a program that prints the notices may turn this target off.
pub const RETRY_LOG_TARGET: &str = "flow::retry";

/// Counts of one lane on one hub.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LaneCounts {
    /// Events the team published to the hub.
    pub published: u64,
    /// Events the team handled from the hub.
    pub consumed: u64,
    /// Events from the hub the team parked after its retries.
    pub parked: u64,
}

/// One lane's counts and rates on one hub.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaneMetrics {
    /// The team.
    pub team: Team,
    /// The hub.
    pub hub: String,
    /// The counts since the flow started.
    pub counts: LaneCounts,
    /// Events published per second over the last snapshot interval.
    pub published_per_second: f64,
    /// Events consumed per second over the last snapshot interval.
    pub consumed_per_second: f64,
}

/// The lag of a consumer group on one partition, in events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionLag {
    /// The hub.
    pub hub: String,
    /// The consumer group.
    pub consumer_group: String,
    /// The partition id.
    pub partition_id: String,
    /// The partition's last enqueued sequence number.
    pub last_enqueued_sequence_number: i64,
    /// The group's checkpointed sequence number, if it has one.
    pub checkpoint_sequence_number: Option<i64>,
    /// Events enqueued but not checkpointed.
    pub lag: i64,
}

/// Computes a consumer group's lag on a partition from sequence numbers: the last enqueued
/// minus the last checkpointed. Offsets are never used because they are opaque and not
/// contiguous. Without a checkpoint every retained event counts.
pub fn partition_lag(partition: &PartitionRuntime, checkpoint: Option<&Checkpoint>) -> i64 {
    if partition.is_empty && checkpoint.is_none() {
        return 0;
    }
    let handled_up_to = checkpoint
        .map(|checkpoint| checkpoint.sequence_number)
        .unwrap_or(partition.beginning_sequence_number - 1);
    (partition.last_enqueued_sequence_number - handled_up_to).max(0)
}

/// A consistent view of the flow's metrics at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    /// Every lane on every hub it touches.
    pub lanes: Vec<LaneMetrics>,
    /// The lag of every consumer group on every partition, from the last lag computation.
    pub lags: Vec<PartitionLag>,
    /// Recent messages for the people watching: resets, parked events, stopped readers.
    pub notices: Vec<String>,
    /// The number of the first of `notices`. Notices are numbered from 0 in the order they
    /// were given, so a message given twice is distinguished from one seen before.
    pub first_notice: u64,
    /// The number of the flow run in this process that gave the notices.
    pub run: u64,
}

impl MetricsSnapshot {
    /// Returns one lane's counts on one hub.
    pub fn counts(&self, team: Team, hub: &str) -> LaneCounts {
        self.lanes
            .iter()
            .find(|lane| lane.team == team && lane.hub == hub)
            .map(|lane| lane.counts)
            .unwrap_or_default()
    }

    /// Returns the total lag of a consumer group on a hub.
    pub fn group_lag(&self, hub: &str, consumer_group: &str) -> i64 {
        self.lags
            .iter()
            .filter(|lag| lag.hub == hub && lag.consumer_group == consumer_group)
            .map(|lag| lag.lag)
            .sum()
    }
}

#[derive(Debug, Default)]
struct Counters {
    lanes: BTreeMap<(Team, String), LaneCounts>,
    notices: Vec<String>,
    notices_dropped: u64,
    skipped_capture_records: Vec<SkippedRecord>,
    changed_hubs: BTreeSet<String>,
}

/// The notices kept, with the number of the first one: notices are numbered from 0 in the
/// order they were added, and the oldest are dropped past a maximum.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeLog {
    /// The number of the first notice in `messages`.
    pub first_number: u64,
    /// The notices kept, oldest first.
    pub messages: Vec<String>,
}

/// The number the next [`Metrics`] takes, so that the notices of a flow run are distinguished
/// from those of an earlier run in the same process, which are numbered from 0 too.
static NEXT_RUN: AtomicU64 = AtomicU64::new(1);

/// The counters services increment.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
    run: u64,
}

impl Metrics {
    /// Creates empty counters with a run number of their own.
    pub fn new() -> Arc<Self> {
        Arc::new(Metrics {
            counters: Mutex::default(),
            run: NEXT_RUN.fetch_add(1, Ordering::Relaxed),
        })
    }

    fn update(&self, team: Team, hub: &str, change: impl FnOnce(&mut LaneCounts)) {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(counters.lanes.entry((team, hub.to_string())).or_default());
    }

    /// Counts events a team published to a hub.
    pub fn published(&self, team: Team, hub: &str, events: u64) {
        self.update(team, hub, |counts| counts.published += events);
    }

    /// Counts events a team handled from a hub.
    pub fn consumed(&self, team: Team, hub: &str, events: u64) {
        self.update(team, hub, |counts| counts.consumed += events);
    }

    /// Counts an event a team parked from a hub.
    pub fn parked(&self, team: Team, hub: &str) {
        self.update(team, hub, |counts| counts.parked += 1);
    }

    /// Adds a message for the people watching.
    pub fn notice(&self, message: impl Into<String>) {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.notices.push(message.into());
        let excess = counters.notices.len().saturating_sub(MAX_NOTICES);
        counters.notices.drain(..excess);
        counters.notices_dropped += excess as u64;
    }

    /// Returns the notices kept and the number of the first.
    pub fn notices(&self) -> NoticeLog {
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        NoticeLog {
            first_number: counters.notices_dropped,
            messages: counters.notices.clone(),
        }
    }

    /// Records a capture record the partner skipped.
    pub fn skipped_capture_record(&self, record: SkippedRecord) {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.skipped_capture_records.push(record);
    }

    /// Records that a hub changed under its consumer groups: their checkpoints on it were
    /// stale, because it was deleted and created again, and events it held are gone.
    pub fn hub_changed(&self, hub: &str) {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.changed_hubs.insert(hub.to_string());
    }

    /// Returns the hubs that changed under their consumer groups since the flow started.
    pub fn changed_hubs(&self) -> Vec<String> {
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.changed_hubs.iter().cloned().collect()
    }

    /// Returns the capture records the partner skipped since the flow started.
    pub fn skipped_capture_records(&self) -> Vec<SkippedRecord> {
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.skipped_capture_records.clone()
    }

    /// Returns the current counts and notices, without rates or lags.
    pub fn counts(&self) -> MetricsSnapshot {
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        MetricsSnapshot {
            lanes: counters
                .lanes
                .iter()
                .map(|((team, hub), counts)| LaneMetrics {
                    team: *team,
                    hub: hub.clone(),
                    counts: *counts,
                    published_per_second: 0.0,
                    consumed_per_second: 0.0,
                })
                .collect(),
            lags: Vec::new(),
            notices: counters.notices.clone(),
            first_notice: counters.notices_dropped,
            run: self.run,
        }
    }
}

/// A consumer group whose lag the metrics follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedGroup {
    /// The hub.
    pub hub: String,
    /// The consumer group.
    pub consumer_group: String,
}

/// Computes the lag of every tracked group from the hubs' runtime information and the
/// checkpoints. A hub the broker cannot describe is left out.
pub async fn compute_lags(
    transport: &dyn EventTransport,
    checkpoints: &CheckpointStore,
    groups: &[TrackedGroup],
) -> Vec<PartitionLag> {
    let saved = match checkpoints.all() {
        Ok(saved) => saved,
        Err(error) => {
            tracing::warn!(%error, "reading checkpoints for lag failed");
            return Vec::new();
        }
    };
    let mut runtimes: BTreeMap<String, HubRuntime> = BTreeMap::new();
    let mut lags = Vec::new();
    for group in groups {
        if !runtimes.contains_key(&group.hub) {
            match transport.hub_runtime(&group.hub).await {
                Ok(runtime) => {
                    runtimes.insert(group.hub.clone(), runtime);
                }
                Err(error) => {
                    tracing::debug!(hub = %group.hub, %error, "hub runtime for lag failed");
                    continue;
                }
            }
        }
        let runtime = &runtimes[&group.hub];
        for partition in &runtime.partitions {
            let checkpoint = saved.iter().find(|checkpoint| {
                checkpoint.hub == group.hub
                    && checkpoint.consumer_group == group.consumer_group
                    && checkpoint.partition_id == partition.partition_id
            });
            lags.push(PartitionLag {
                hub: group.hub.clone(),
                consumer_group: group.consumer_group.clone(),
                partition_id: partition.partition_id.clone(),
                last_enqueued_sequence_number: partition.last_enqueued_sequence_number,
                checkpoint_sequence_number: checkpoint.map(|checkpoint| checkpoint.sequence_number),
                lag: partition_lag(partition, checkpoint),
            });
        }
    }
    lags
}

/// Sends a snapshot every [`SNAPSHOT_INTERVAL`] until the receiver side is gone.
pub(crate) async fn publish_snapshots(
    metrics: Arc<Metrics>,
    transport: Arc<dyn EventTransport>,
    checkpoints: Arc<CheckpointStore>,
    groups: Vec<TrackedGroup>,
    sender: watch::Sender<MetricsSnapshot>,
) {
    let mut interval = tokio::time::interval(SNAPSHOT_INTERVAL);
    let mut previous = metrics.counts();
    let mut previous_at = Instant::now();
    let mut lags = Vec::new();
    let mut tick: u32 = 0;
    loop {
        interval.tick().await;
        if tick.is_multiple_of(LAG_EVERY) {
            lags = compute_lags(transport.as_ref(), &checkpoints, &groups).await;
        }
        tick = tick.wrapping_add(1);

        let mut snapshot = metrics.counts();
        let elapsed = previous_at.elapsed().as_secs_f64().max(f64::EPSILON);
        for lane in &mut snapshot.lanes {
            let before = previous.counts(lane.team, &lane.hub);
            lane.published_per_second = (lane.counts.published - before.published) as f64 / elapsed;
            lane.consumed_per_second = (lane.counts.consumed - before.consumed) as f64 / elapsed;
        }
        snapshot.lags = lags.clone();
        previous = snapshot.clone();
        previous_at = Instant::now();
        if sender.send(snapshot).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(beginning: i64, last: i64) -> PartitionRuntime {
        PartitionRuntime {
            partition_id: "0".to_string(),
            beginning_sequence_number: beginning,
            last_enqueued_sequence_number: last,
            is_empty: last < beginning,
        }
    }

    fn checkpoint_at(sequence_number: i64) -> Checkpoint {
        Checkpoint {
            hub: "customer".to_string(),
            consumer_group: "lead".to_string(),
            partition_id: "0".to_string(),
            sequence_number,
            // An offset far from the sequence number shows that lag ignores offsets.
            offset: "987654".to_string(),
            partition_count: 4,
            hub_created_at_ms: None,
        }
    }

    #[test]
    fn lag_is_last_enqueued_minus_checkpoint() {
        assert_eq!(partition_lag(&partition(0, 9), Some(&checkpoint_at(6))), 3);
    }

    #[test]
    fn lag_without_checkpoint_counts_retained_events() {
        assert_eq!(partition_lag(&partition(5, 9), None), 5);
    }

    #[test]
    fn lag_of_empty_partition_is_zero() {
        assert_eq!(partition_lag(&partition(0, -1), None), 0);
    }

    #[test]
    fn notices_are_bounded() {
        let metrics = Metrics::new();
        for number in 0..(MAX_NOTICES + 7) {
            metrics.notice(format!("notice {number}"));
        }
        let notices = metrics.counts().notices;
        assert_eq!(notices.len(), MAX_NOTICES);
        assert_eq!(notices[0], "notice 7");
        assert_eq!(metrics.counts().first_notice, 7);
        assert_ne!(metrics.counts().run, Metrics::new().counts().run);
        let log = metrics.notices();
        assert_eq!(log.first_number, 7);
        assert_eq!(log.messages, notices);
    }
}
