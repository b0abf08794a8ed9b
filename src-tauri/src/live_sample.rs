//! Sampled events: a summary of each event the live flow page may animate, the few that each
//! update carries, and the recent events kept in full so the page can show their details.
//!
//! The sampler reads every event at the course's pace and a sample of a busy hub's. An update
//! carries at most [`MAX_SAMPLES_PER_UPDATE`] of them, spread over the hubs, so a busy hub
//! cannot hide the others and the page never animates one token per event.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use course::flow::PARKED_HUB;
use course::Team;
use flow::cloudevents::{self, CloudEvent};
use flow::runtime::park::read_parked;
use flow::transport::ReceivedEvent;
use serde::{Deserialize, Serialize};

/// The maximum number of sampled events one update carries.
pub(crate) const MAX_SAMPLES_PER_UPDATE: usize = 3;

/// The maximum number of events kept in full for the details panel. Only the events an update
/// picked are kept, at most [`MAX_SAMPLES_PER_UPDATE`] ten times a second, so 512 last at least
/// 17 s, twice the 8.4 s an event stays in the page's list of 12 recent events.
const MAX_KEPT_EVENTS: usize = 512;

/// The maximum number of body bytes kept over all kept events. Course events are a few hundred
/// bytes each; the bound keeps memory small if large events arrive.
const MAX_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// The maximum number of summaries waiting for the next update. At ten updates a second this
/// is far more than the sampler reads at the course's pace; beyond it the oldest are dropped.
const MAX_PENDING: usize = 1024;

/// How long a summary waits for an update to pick it. The sampler's readers read a busy
/// partition in bursts, so the summaries of one burst are spread over the next updates.
const MAX_PENDING_AGE: Duration = Duration::from_secs(1);

/// The CloudEvents source of events the instructor injects.
const INSTRUCTOR_SOURCE: &str = "/eda-workshop/instructor";

/// The position that identifies one event: hub, partition and sequence number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct EventKey {
    /// The hub.
    pub(crate) hub: String,
    /// The partition id.
    pub(crate) partition_id: String,
    /// The sequence number in the partition.
    pub(crate) sequence_number: i64,
}

/// One event as the page animates it: where it is, what it is, who sent it and who reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SampledEvent {
    /// The event's position.
    #[serde(flatten)]
    pub(crate) key: EventKey,
    /// The CloudEvents type, such as `Customer.Created`, when the event has one.
    pub(crate) event_type: Option<String>,
    /// The CloudEvents id, when the event has one.
    pub(crate) event_id: Option<String>,
    /// The team whose service published it. On the parked hub, the team that parked it.
    pub(crate) publisher: Option<Team>,
    /// The teams whose consumer groups read the hub, in the course's order.
    pub(crate) consumers: Vec<Team>,
    /// Whether the instructor injected it as a poison event.
    pub(crate) injected: bool,
    /// On the parked hub, the hub the event was parked from.
    pub(crate) parked_from: Option<String>,
    /// When the broker enqueued it, in milliseconds since the Unix epoch.
    pub(crate) enqueued_time_ms: i64,
    /// The body's size in bytes.
    pub(crate) body_size: usize,
}

/// Summarizes an event read from `hub` with the course's publisher and consumers of the hub.
pub(crate) fn summarize(hub: &str, event: &ReceivedEvent) -> SampledEvent {
    let definition = course::flow::hub(hub);
    let cloud_event = CloudEvent::read_from(&event.properties).ok();
    let text = |name: &str| {
        event
            .properties
            .get(name)
            .and_then(|value| value.as_str())
            .map(str::to_string)
    };
    let parked = (hub == PARKED_HUB).then(|| read_parked(event)).flatten();
    let publisher = match &parked {
        // The runtime republishes a parked event as the team whose consumer group failed on it.
        Some(info) => course::flow::hub(&info.hub).and_then(|source| {
            source
                .consumer_groups
                .iter()
                .find(|group| group.name == info.consumer_group)
                .map(|group| group.team)
        }),
        None => definition.map(|definition| definition.publisher),
    };
    let consumers = definition
        .map(|definition| {
            let mut teams: Vec<Team> = Vec::new();
            for group in definition.consumer_groups {
                if !teams.contains(&group.team) {
                    teams.push(group.team);
                }
            }
            teams
        })
        .unwrap_or_default();
    SampledEvent {
        key: EventKey {
            hub: hub.to_string(),
            partition_id: event.partition_id.clone(),
            sequence_number: event.sequence_number,
        },
        event_type: cloud_event
            .as_ref()
            .map(|attributes| attributes.event_type.clone())
            .or_else(|| text(cloudevents::TYPE)),
        event_id: cloud_event
            .as_ref()
            .map(|attributes| attributes.id.clone())
            .or_else(|| text(cloudevents::ID)),
        publisher,
        consumers,
        injected: text(cloudevents::SOURCE).as_deref() == Some(INSTRUCTOR_SOURCE),
        parked_from: parked.map(|info| info.hub),
        enqueued_time_ms: event.enqueued_time_ms,
        body_size: event.body.len(),
    }
}

/// Returns the events of `pending` that [`sample_indices`] picks, in the order they arrived.
#[cfg(test)]
pub(crate) fn pick_samples(pending: Vec<SampledEvent>, max: usize) -> Vec<SampledEvent> {
    let chosen = sample_indices(&pending, max);
    let mut pending: Vec<Option<SampledEvent>> = pending.into_iter().map(Some).collect();
    chosen
        .into_iter()
        .filter_map(|index| pending[index].take())
        .collect()
}

/// Picks at most `max` of `pending`, injected poison events first, then in turn the newest
/// event of each hub, and returns their indices in ascending order.
fn sample_indices<'a>(
    pending: impl IntoIterator<Item = &'a SampledEvent>,
    max: usize,
) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::with_capacity(max);
    let mut by_hub: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, event) in pending.into_iter().enumerate() {
        // The instructor injected it to show what happens to it, so it is never sampled away.
        if event.injected && chosen.len() < max {
            chosen.push(index);
        } else {
            by_hub.entry(&event.key.hub).or_default().push(index);
        }
    }
    while chosen.len() < max {
        let mut took_any = false;
        for indices in by_hub.values_mut() {
            if chosen.len() == max {
                break;
            }
            if let Some(index) = indices.pop() {
                chosen.push(index);
                took_any = true;
            }
        }
        if !took_any {
            break;
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The summaries taken for one update.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TakenSamples {
    /// The sampled events, at most [`MAX_SAMPLES_PER_UPDATE`].
    pub(crate) samples: Vec<SampledEvent>,
    /// Every event read since the previous update, sampled or not.
    pub(crate) seen: u64,
}

/// An event read but not yet picked by an update.
#[derive(Debug)]
struct PendingEvent {
    recorded: Instant,
    summary: SampledEvent,
    event: ReceivedEvent,
}

#[derive(Debug, Default)]
struct BufferState {
    /// The events not yet picked, oldest first.
    pending: VecDeque<PendingEvent>,
    seen: u64,
    /// The events updates picked, in full, oldest first.
    kept: VecDeque<(String, ReceivedEvent)>,
    kept_bytes: usize,
}

impl BufferState {
    /// Returns the newest kept event at `key`.
    fn kept_at(&self, key: &EventKey) -> Option<&ReceivedEvent> {
        self.kept
            .iter()
            .rev()
            .find(|(hub, event)| {
                *hub == key.hub
                    && event.partition_id == key.partition_id
                    && event.sequence_number == key.sequence_number
            })
            .map(|(_, event)| event)
    }

    /// Returns whether the event at `key` waits to be picked or was picked already.
    fn holds(&self, key: &EventKey) -> bool {
        self.kept_at(key).is_some()
            || self
                .pending
                .iter()
                .any(|pending| pending.summary.key == *key)
    }

    /// Keeps a picked event in full, dropping the oldest kept ones beyond the bounds.
    fn keep(&mut self, hub: String, event: ReceivedEvent) {
        self.kept_bytes += event.body.len();
        self.kept.push_back((hub, event));
        while self.kept.len() > MAX_KEPT_EVENTS || self.kept_bytes > MAX_KEPT_BYTES {
            match self.kept.pop_front() {
                Some((_, dropped)) => self.kept_bytes -= dropped.body.len(),
                None => break,
            }
        }
    }
}

/// The events the sampler has read: those waiting for the next update, and the events recent
/// updates picked, in full for the details panel.
#[derive(Debug, Default)]
pub(crate) struct SampleBuffer {
    state: Mutex<BufferState>,
}

impl SampleBuffer {
    fn lock(&self) -> MutexGuard<'_, BufferState> {
        // Every change leaves the state consistent, so a panic elsewhere cannot corrupt it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records an event read from `hub`. An injected event already held is not recorded
    /// again, because both a reader and the search for it may read it.
    pub(crate) fn record(&self, hub: &str, event: ReceivedEvent) {
        let summary = summarize(hub, &event);
        let mut state = self.lock();
        if summary.injected && state.holds(&summary.key) {
            return;
        }
        state.seen += 1;
        state.pending.push_back(PendingEvent {
            recorded: Instant::now(),
            summary,
            event,
        });
        if state.pending.len() > MAX_PENDING {
            state.pending.pop_front();
        }
    }

    /// Picks the summaries to animate now and counts the events read since the last call.
    pub(crate) fn take(&self) -> TakenSamples {
        self.take_at(Instant::now())
    }

    /// Picks at most [`MAX_SAMPLES_PER_UPDATE`] summaries at `now`. The others wait for the
    /// next updates until they are [`MAX_PENDING_AGE`] old.
    fn take_at(&self, now: Instant) -> TakenSamples {
        let mut state = self.lock();
        state
            .pending
            .retain(|pending| now.saturating_duration_since(pending.recorded) <= MAX_PENDING_AGE);
        let chosen = sample_indices(
            state.pending.iter().map(|pending| &pending.summary),
            MAX_SAMPLES_PER_UPDATE,
        );
        // Removing from the back first keeps the lower indices valid.
        let mut picked: Vec<PendingEvent> = chosen
            .into_iter()
            .rev()
            .filter_map(|index| state.pending.remove(index))
            .collect();
        picked.reverse();
        let mut samples = Vec::with_capacity(picked.len());
        for pending in picked {
            state.keep(pending.summary.key.hub.clone(), pending.event);
            samples.push(pending.summary);
        }
        TakenSamples {
            samples,
            seen: std::mem::take(&mut state.seen),
        }
    }

    /// Returns a kept event by its position, or `None` when it is no longer kept.
    pub(crate) fn find(&self, key: &EventKey) -> Option<ReceivedEvent> {
        self.lock().kept_at(key).cloned()
    }

    /// Returns the maximum number of events kept in full.
    pub(crate) fn capacity(&self) -> usize {
        MAX_KEPT_EVENTS
    }
}

#[cfg(test)]
mod tests {
    use flow::runtime::park::{parked_event, ParkedInfo};
    use flow::transport::{Properties, PropertyValue};

    use super::*;

    fn received(sequence_number: i64, properties: Properties, body: Vec<u8>) -> ReceivedEvent {
        ReceivedEvent {
            partition_id: "2".to_string(),
            sequence_number,
            offset: (sequence_number * 100).to_string(),
            enqueued_time_ms: 1_796_396_400_000 + sequence_number,
            partition_key: None,
            content_type: Some("avro/binary+0123456789abcdef0123456789abcdef".to_string()),
            message_id: None,
            correlation_id: None,
            properties,
            body,
            body_type: Default::default(),
        }
    }

    fn cloud_event(event_type: &str, source: &str) -> Properties {
        let mut properties = Properties::new();
        CloudEvent {
            id: format!("id-{event_type}"),
            source: source.to_string(),
            event_type: event_type.to_string(),
            time: "2026-12-04T15:00:00.000Z".to_string(),
        }
        .write_to(&mut properties);
        properties
    }

    fn summary(hub: &str, sequence_number: i64) -> SampledEvent {
        summarize(
            hub,
            &received(sequence_number, Properties::new(), Vec::new()),
        )
    }

    #[test]
    fn summary_names_publisher_and_consumers() {
        let event = received(
            7,
            cloud_event("Lead.Purchased", "/eda-workshop/conversions"),
            vec![0; 12],
        );
        let sampled = summarize("lead_purchased", &event);
        assert_eq!(sampled.key.hub, "lead_purchased");
        assert_eq!(sampled.key.partition_id, "2");
        assert_eq!(sampled.key.sequence_number, 7);
        assert_eq!(sampled.event_type.as_deref(), Some("Lead.Purchased"));
        assert_eq!(sampled.publisher, Some(Team::Conversions));
        assert_eq!(
            sampled.consumers,
            [Team::Customer, Team::Product, Team::Platform]
        );
        assert_eq!(sampled.body_size, 12);
        assert!(!sampled.injected);
        assert_eq!(sampled.parked_from, None);
    }

    /// Returns a buffer that recorded `count` customers, with sequence numbers from 0.
    fn buffer_of_customers(count: i64) -> SampleBuffer {
        let buffer = SampleBuffer::default();
        for sequence_number in 0..count {
            let properties = cloud_event("Customer.Created", "/c");
            buffer.record("customer", received(sequence_number, properties, vec![1]));
        }
        buffer
    }

    #[test]
    fn burst_spread_over_updates() {
        let buffer = buffer_of_customers(5);
        let recorded = Instant::now();

        let first = buffer.take_at(recorded);
        assert_eq!(first.seen, 5);
        assert_eq!(first.samples.len(), MAX_SAMPLES_PER_UPDATE);
        let second = buffer.take_at(recorded + Duration::from_millis(100));
        assert_eq!(second.seen, 0);
        let numbers: Vec<i64> = second
            .samples
            .iter()
            .map(|sample| sample.key.sequence_number)
            .collect();
        assert_eq!(numbers, [0, 1]);
    }

    #[test]
    fn old_summaries_not_animated() {
        let buffer = buffer_of_customers(5);
        let later = Instant::now() + MAX_PENDING_AGE + Duration::from_millis(1);
        let aged = buffer.take_at(later);
        assert_eq!(aged.seen, 5);
        assert!(aged.samples.is_empty());
    }

    #[test]
    fn injected_event_recorded_once() {
        let buffer = SampleBuffer::default();
        let poison = received(
            9,
            cloud_event("Customer.Created", INSTRUCTOR_SOURCE),
            vec![1],
        );
        buffer.record("customer", poison.clone());
        buffer.record("customer", poison);
        let update = buffer.take();
        assert_eq!(update.seen, 1);
        assert_eq!(update.samples.len(), 1);
        assert!(update.samples[0].injected);
    }

    #[test]
    fn summary_marks_instructor_poison() {
        let event = received(
            1,
            cloud_event("Customer.Created", INSTRUCTOR_SOURCE),
            vec![1],
        );
        assert!(summarize("customer", &event).injected);
    }

    #[test]
    fn parked_summary_names_team_that_parked() {
        let original = received(
            4,
            cloud_event("Customer.Created", INSTRUCTOR_SOURCE),
            vec![1, 2],
        );
        let info = ParkedInfo {
            hub: "customer".to_string(),
            consumer_group: "lead".to_string(),
            partition_id: "2".to_string(),
            sequence_number: 4,
            offset: "400".to_string(),
            error: "the body cannot be decoded".to_string(),
            attempts: 3,
        };
        let outgoing = parked_event(&original, &info);
        let parked = received(0, outgoing.properties, outgoing.body);

        let sampled = summarize(PARKED_HUB, &parked);
        assert_eq!(sampled.publisher, Some(Team::Conversions));
        assert_eq!(sampled.parked_from.as_deref(), Some("customer"));
        assert_eq!(sampled.consumers, [Team::Platform]);
        assert_eq!(sampled.event_type.as_deref(), Some("Customer.Created"));
    }

    #[test]
    fn event_without_attributes_is_still_summarized() {
        let mut properties = Properties::new();
        properties.insert(
            cloudevents::TYPE.to_string(),
            PropertyValue::String("Lead.Generated".to_string()),
        );
        let sampled = summarize("lead", &received(3, properties, Vec::new()));
        assert_eq!(sampled.event_type.as_deref(), Some("Lead.Generated"));
        assert_eq!(sampled.event_id, None);
        assert_eq!(sampled.publisher, Some(Team::Conversions));
    }

    #[test]
    fn few_pending_are_all_sampled() {
        let pending = vec![summary("customer", 1), summary("lead", 1)];
        assert_eq!(pick_samples(pending.clone(), 3), pending);
    }

    #[test]
    fn busy_hub_does_not_hide_quiet_ones() {
        let mut pending: Vec<SampledEvent> = (0..100).map(|n| summary("customer", n)).collect();
        pending.insert(40, summary("sale", 0));
        pending.push(summary("lead", 0));

        let picked = pick_samples(pending, 3);

        let hubs: Vec<&str> = picked.iter().map(|event| event.key.hub.as_str()).collect();
        assert_eq!(hubs, ["sale", "customer", "lead"]);
        assert_eq!(picked[1].key.sequence_number, 99);
    }

    #[test]
    fn one_busy_hub_gives_its_newest_events() {
        let pending: Vec<SampledEvent> = (0..50).map(|n| summary("customer", n)).collect();
        let picked = pick_samples(pending, 3);
        let sequence_numbers: Vec<i64> = picked.iter().map(|e| e.key.sequence_number).collect();
        assert_eq!(sequence_numbers, [47, 48, 49]);
    }

    #[test]
    fn injected_event_always_sampled() {
        let mut pending: Vec<SampledEvent> = (0..50).map(|n| summary("customer", n)).collect();
        pending[10].injected = true;
        let picked = pick_samples(pending, 3);
        let sequence_numbers: Vec<i64> = picked.iter().map(|e| e.key.sequence_number).collect();
        assert_eq!(sequence_numbers, [10, 48, 49]);
    }

    #[test]
    fn buffer_counts_every_event_but_samples_few() {
        let buffer = SampleBuffer::default();
        for n in 0..20 {
            buffer.record("customer", received(n, Properties::new(), vec![0; 4]));
        }
        let taken = buffer.take();
        assert_eq!(taken.seen, 20);
        assert_eq!(taken.samples.len(), MAX_SAMPLES_PER_UPDATE);

        // The next update picks among the events left, never one already animated.
        let next = buffer.take();
        assert_eq!(next.seen, 0);
        assert_eq!(next.samples.len(), MAX_SAMPLES_PER_UPDATE);
        assert!(next
            .samples
            .iter()
            .all(|sample| !taken.samples.contains(sample)));
    }

    #[test]
    fn buffer_keeps_picked_events_in_full() {
        let buffer = SampleBuffer::default();
        let key = |sequence_number| EventKey {
            hub: "lead".to_string(),
            partition_id: "2".to_string(),
            sequence_number,
        };
        // Each update picks at most three events, so the kept ones are the last picked.
        let updates = buffer.capacity() / MAX_SAMPLES_PER_UPDATE + 10;
        let mut picked = Vec::new();
        for update in 0..updates {
            let first = (update * MAX_SAMPLES_PER_UPDATE) as i64;
            for n in first..first + MAX_SAMPLES_PER_UPDATE as i64 {
                buffer.record("lead", received(n, Properties::new(), vec![n as u8]));
            }
            picked.extend(buffer.take().samples.into_iter().map(|sample| sample.key));
        }
        let newest = picked.last().unwrap().clone();
        assert_eq!(
            buffer.find(&newest).unwrap().body,
            [newest.sequence_number as u8]
        );
        assert!(buffer.find(&picked[0]).is_none());
        let other_hub = EventKey {
            hub: "customer".to_string(),
            ..newest
        };
        assert!(buffer.find(&other_hub).is_none());
        assert!(buffer.find(&key(-1)).is_none());
    }

    #[test]
    fn busy_reads_keep_shown_event() {
        let buffer = SampleBuffer::default();
        buffer.record("lead", received(0, Properties::new(), vec![7]));
        let shown = buffer.take().samples[0].key.clone();
        // Far more events are read than kept, but the page never showed them.
        for n in 1..=(10 * buffer.capacity() as i64) {
            buffer.record("lead", received(n, Properties::new(), vec![0]));
        }
        assert_eq!(buffer.find(&shown).unwrap().body, [7]);
    }

    #[test]
    fn unpicked_event_not_kept() {
        let buffer = SampleBuffer::default();
        for n in 0..10 {
            buffer.record("lead", received(n, Properties::new(), vec![0]));
        }
        let picked: Vec<EventKey> = buffer
            .take()
            .samples
            .into_iter()
            .map(|sample| sample.key)
            .collect();
        let kept = (0..10)
            .filter(|&n| {
                buffer
                    .find(&EventKey {
                        hub: "lead".to_string(),
                        partition_id: "2".to_string(),
                        sequence_number: n,
                    })
                    .is_some()
            })
            .count();
        assert_eq!(kept, picked.len());
    }
}
