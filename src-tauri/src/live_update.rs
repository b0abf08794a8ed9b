//! The update the live flow page receives about ten times a second. It contains per lane and
//! hub the events published, consumed and parked with their rates, and each consumer group's
//! lag. It also lists the parked events with their reasons and a few sampled events to animate.

use course::flow::HUBS;
use course::Team;
use flow::metrics::MetricsSnapshot;
use flow::services::parked::ParkedEvent;
use flow::FlowConfig;
use serde::Serialize;

use crate::live_sample::{SampledEvent, TakenSamples};

/// The maximum number of parked events an update lists, the newest ones.
pub(crate) const MAX_PARKED_SHOWN: usize = 50;

/// The timers that decide when sales appear. A sale comes from a partner's leads-sold file,
/// which the partner builds from the capture files of `lead`, so the first one waits for
/// capture to close its first window and for the partner's next look at the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct SaleTiming {
    /// The capture time window of `lead`, in seconds.
    pub(crate) capture_window_seconds: u64,
    /// The time between two looks of the partner at new capture files, in seconds.
    pub(crate) partner_interval_seconds: u64,
    /// Whether both timers are the Local target's demo timing instead of the course's.
    pub(crate) demo_timing: bool,
}

impl SaleTiming {
    /// Returns the timers of a flow's configuration.
    pub(crate) fn of(config: &FlowConfig) -> Self {
        SaleTiming {
            capture_window_seconds: config.capture_window.as_secs(),
            partner_interval_seconds: config.partner_interval.as_secs(),
            demo_timing: config.demo_timing,
        }
    }
}

/// Whether the flow runs, and its controls' settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct FlowStatus {
    /// Whether a flow runs.
    pub(crate) running: bool,
    /// Whether customer creation and every reader are paused.
    pub(crate) paused: bool,
    /// The time between two new customers, in milliseconds.
    pub(crate) pace_ms: f64,
    /// The timers of the running flow's sales; `None` while it is stopped.
    pub(crate) sales: Option<SaleTiming>,
}

/// One team's counts over every hub it touches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct LaneUpdate {
    /// The team.
    pub(crate) team: Team,
    /// Events the team published.
    pub(crate) published: u64,
    /// Events the team handled.
    pub(crate) consumed: u64,
    /// Events the team parked after its retries.
    pub(crate) parked: u64,
    /// Events published per second, over the last 5 s once the stream has set it.
    pub(crate) published_per_second: f64,
    /// Events handled per second, over the last 5 s once the stream has set it.
    pub(crate) consumed_per_second: f64,
}

/// One hub's counts over every team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HubUpdate {
    /// The hub.
    pub(crate) hub: String,
    /// Events published to the hub.
    pub(crate) published: u64,
    /// Events handled from the hub, summed over its consumer groups.
    pub(crate) consumed: u64,
    /// Events from the hub that a consumer group parked.
    pub(crate) parked: u64,
    /// Events published per second, over the last 5 s once the stream has set it.
    pub(crate) published_per_second: f64,
    /// Events handled per second summed over the groups, over the last 5 s once the stream
    /// has set it.
    pub(crate) consumed_per_second: f64,
}

/// A consumer group's lag on one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PartitionLagUpdate {
    /// The partition id.
    pub(crate) partition_id: String,
    /// Events enqueued but not checkpointed.
    pub(crate) lag: i64,
}

/// A consumer group's lag, in total and per partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct GroupLagUpdate {
    /// The hub.
    pub(crate) hub: String,
    /// The consumer group.
    pub(crate) consumer_group: String,
    /// The team whose service reads through the group.
    pub(crate) team: Team,
    /// The lag summed over the partitions.
    pub(crate) lag: i64,
    /// The lag of each partition, in the broker's order.
    pub(crate) partitions: Vec<PartitionLagUpdate>,
}

/// One update of the live flow page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FlowUpdate {
    /// Whether the flow runs, and its settings.
    pub(crate) status: FlowStatus,
    /// Every team, in [`Team::ALL`] order.
    pub(crate) lanes: Vec<LaneUpdate>,
    /// Every hub of the flow, in the order events travel through them.
    pub(crate) hubs: Vec<HubUpdate>,
    /// Every consumer group of the flow, hub by hub.
    pub(crate) groups: Vec<GroupLagUpdate>,
    /// The newest parked events, oldest first, at most [`MAX_PARKED_SHOWN`].
    pub(crate) parked: Vec<ParkedEvent>,
    /// How many events are parked in all.
    pub(crate) parked_total: usize,
    /// A few of the events read since the previous update, to animate.
    pub(crate) samples: Vec<SampledEvent>,
    /// How many events the page's subscriber read since the previous update.
    pub(crate) seen: u64,
    /// Recent messages for the people watching: resets, parked events, stopped readers.
    pub(crate) notices: Vec<String>,
    /// The number of the first of `notices`, which distinguishes a message given again from one
    /// the page shows already.
    pub(crate) first_notice: u64,
    /// The flow run that gave the notices; each start of the flow numbers them from 0 again.
    pub(crate) run: u64,
}

/// Builds an update from a metrics snapshot, the parked events and the taken samples.
pub(crate) fn build_update(
    status: FlowStatus,
    snapshot: &MetricsSnapshot,
    parked: &[ParkedEvent],
    taken: TakenSamples,
) -> FlowUpdate {
    let skipped = parked.len().saturating_sub(MAX_PARKED_SHOWN);
    FlowUpdate {
        status,
        lanes: lanes(snapshot),
        hubs: hubs(snapshot),
        groups: groups(snapshot),
        parked: parked[skipped..].to_vec(),
        parked_total: parked.len(),
        samples: taken.samples,
        seen: taken.seen,
        notices: snapshot.notices.clone(),
        first_notice: snapshot.first_notice,
        run: snapshot.run,
    }
}

fn lanes(snapshot: &MetricsSnapshot) -> Vec<LaneUpdate> {
    Team::ALL
        .iter()
        .map(|&team| {
            let mut lane = LaneUpdate {
                team,
                published: 0,
                consumed: 0,
                parked: 0,
                published_per_second: 0.0,
                consumed_per_second: 0.0,
            };
            for metrics in snapshot.lanes.iter().filter(|metrics| metrics.team == team) {
                lane.published += metrics.counts.published;
                lane.consumed += metrics.counts.consumed;
                lane.parked += metrics.counts.parked;
                lane.published_per_second += metrics.published_per_second;
                lane.consumed_per_second += metrics.consumed_per_second;
            }
            lane
        })
        .collect()
}

fn hubs(snapshot: &MetricsSnapshot) -> Vec<HubUpdate> {
    HUBS.iter()
        .map(|definition| {
            let mut hub = HubUpdate {
                hub: definition.name.to_string(),
                published: 0,
                consumed: 0,
                parked: 0,
                published_per_second: 0.0,
                consumed_per_second: 0.0,
            };
            for metrics in snapshot
                .lanes
                .iter()
                .filter(|metrics| metrics.hub == definition.name)
            {
                hub.published += metrics.counts.published;
                hub.consumed += metrics.counts.consumed;
                hub.parked += metrics.counts.parked;
                hub.published_per_second += metrics.published_per_second;
                hub.consumed_per_second += metrics.consumed_per_second;
            }
            hub
        })
        .collect()
}

fn groups(snapshot: &MetricsSnapshot) -> Vec<GroupLagUpdate> {
    let mut groups = Vec::new();
    for hub in HUBS.iter() {
        for group in hub.consumer_groups {
            let partitions: Vec<PartitionLagUpdate> = snapshot
                .lags
                .iter()
                .filter(|lag| lag.hub == hub.name && lag.consumer_group == group.name)
                .map(|lag| PartitionLagUpdate {
                    partition_id: lag.partition_id.clone(),
                    lag: lag.lag,
                })
                .collect();
            groups.push(GroupLagUpdate {
                hub: hub.name.to_string(),
                consumer_group: group.name.to_string(),
                team: group.team,
                lag: partitions.iter().map(|partition| partition.lag).sum(),
                partitions,
            });
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use flow::metrics::{LaneCounts, LaneMetrics, PartitionLag};

    use super::*;

    fn status() -> FlowStatus {
        FlowStatus {
            running: true,
            paused: false,
            pace_ms: 10_000.0,
            sales: Some(SaleTiming {
                capture_window_seconds: 300,
                partner_interval_seconds: 30,
                demo_timing: false,
            }),
        }
    }

    fn lane(team: Team, hub: &str, published: u64, consumed: u64, parked: u64) -> LaneMetrics {
        LaneMetrics {
            team,
            hub: hub.to_string(),
            counts: LaneCounts {
                published,
                consumed,
                parked,
            },
            published_per_second: published as f64 / 10.0,
            consumed_per_second: consumed as f64 / 10.0,
        }
    }

    fn lag(hub: &str, group: &str, partition: &str, lag: i64) -> PartitionLag {
        PartitionLag {
            hub: hub.to_string(),
            consumer_group: group.to_string(),
            partition_id: partition.to_string(),
            last_enqueued_sequence_number: 10,
            checkpoint_sequence_number: Some(10 - lag),
            lag,
        }
    }

    fn parked_event(sequence_number: i64) -> ParkedEvent {
        ParkedEvent {
            hub: "customer".to_string(),
            partition_id: "0".to_string(),
            sequence_number,
            offset: "0".to_string(),
            consumer_group: "lead".to_string(),
            error: "the body cannot be decoded".to_string(),
            attempts: 3,
            event_id: None,
            event_type: Some("Customer.Created".to_string()),
        }
    }

    fn taken() -> TakenSamples {
        TakenSamples {
            samples: Vec::new(),
            seen: 0,
        }
    }

    fn snapshot() -> MetricsSnapshot {
        MetricsSnapshot {
            lanes: vec![
                lane(Team::Customer, "customer", 30, 0, 0),
                lane(Team::Conversions, "customer", 0, 29, 1),
                lane(Team::Platform, "customer", 0, 30, 0),
                lane(Team::Conversions, "lead", 10, 0, 0),
                lane(Team::Customer, "lead", 0, 8, 0),
                lane(Team::Conversions, "parked", 1, 0, 0),
            ],
            lags: vec![
                lag("customer", "lead", "0", 1),
                lag("customer", "lead", "1", 2),
                lag("customer", "datalake", "0", 0),
            ],
            notices: vec!["flow reset".to_string()],
            first_notice: 3,
            run: 2,
        }
    }

    #[test]
    fn lanes_sum_every_hub_of_a_team() {
        let update = build_update(status(), &snapshot(), &[], taken());
        let teams: Vec<Team> = update.lanes.iter().map(|lane| lane.team).collect();
        assert_eq!(teams, Team::ALL);

        let conversions = &update.lanes[3];
        assert_eq!(conversions.team, Team::Conversions);
        assert_eq!(conversions.published, 11);
        assert_eq!(conversions.consumed, 29);
        assert_eq!(conversions.parked, 1);
        assert!((conversions.published_per_second - 1.1).abs() < 1e-9);

        let product = &update.lanes[2];
        assert_eq!(product.published + product.consumed + product.parked, 0);
    }

    #[test]
    fn hubs_sum_every_team_in_course_order() {
        let update = build_update(status(), &snapshot(), &[], taken());
        let names: Vec<&str> = update.hubs.iter().map(|hub| hub.hub.as_str()).collect();
        assert_eq!(
            names,
            [
                "customer",
                "lead",
                "lead_abandoned",
                "sale",
                "lead_purchased",
                "parked"
            ]
        );
        let customer = &update.hubs[0];
        assert_eq!(customer.published, 30);
        assert_eq!(customer.consumed, 59);
        assert_eq!(customer.parked, 1);
        assert_eq!(update.hubs[5].published, 1);
    }

    #[test]
    fn group_lag_sums_partitions() {
        let update = build_update(status(), &snapshot(), &[], taken());
        let lead = update
            .groups
            .iter()
            .find(|group| group.hub == "customer" && group.consumer_group == "lead")
            .unwrap();
        assert_eq!(lead.team, Team::Conversions);
        assert_eq!(lead.lag, 3);
        assert_eq!(lead.partitions.len(), 2);

        // A group without lag figures yet is listed with zero, so the page shows every group.
        let product = update
            .groups
            .iter()
            .find(|group| group.consumer_group == "product")
            .unwrap();
        assert_eq!(product.lag, 0);
        assert!(product.partitions.is_empty());
        assert_eq!(update.groups.len(), 12);
    }

    #[test]
    fn parked_list_keeps_newest() {
        let parked: Vec<ParkedEvent> = (0..(MAX_PARKED_SHOWN as i64 + 5))
            .map(parked_event)
            .collect();
        let update = build_update(status(), &snapshot(), &parked, taken());
        assert_eq!(update.parked_total, MAX_PARKED_SHOWN + 5);
        assert_eq!(update.parked.len(), MAX_PARKED_SHOWN);
        assert_eq!(update.parked[0].sequence_number, 5);
        assert_eq!(update.notices, ["flow reset"]);
        assert_eq!((update.first_notice, update.run), (3, 2));
    }

    #[test]
    fn update_serializes_for_the_page() {
        let update = build_update(status(), &snapshot(), &[parked_event(1)], taken());
        let value = serde_json::to_value(&update).unwrap();
        assert_eq!(value["status"]["pace_ms"], 10_000.0);
        assert_eq!(value["status"]["sales"]["capture_window_seconds"], 300);
        assert_eq!(value["status"]["sales"]["demo_timing"], false);
        assert_eq!(value["lanes"][0]["team"], "platform");
        assert_eq!(value["parked"][0]["error"], "the body cannot be decoded");
        assert_eq!(value["groups"][0]["consumer_group"], "lead");
    }
}
