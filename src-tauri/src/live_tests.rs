//! The live flow end to end on the Local target. A stack runs over a temporary folder and the
//! course's five steps are applied through its Resource Manager. Then the flow starts as the
//! page starts it, and the page's updates are read from a real IPC channel.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use course::{Attendee, Environment, Region, StepId, Team};
use flow::local_target::{local_flow, FlowTiming, DEMO_CAPTURE_WINDOW};
use serde_json::Value;
use tauri::ipc::{Channel, InvokeResponseBody};

use crate::live_commands::stored_parked;
use crate::live_details::Payload;
use crate::live_flow::LiveFlow;
use crate::live_sample::EventKey;
use crate::live_sampler::{BUDGET_WINDOW, EVENTS_PER_WINDOW};
use crate::provision::LocalTarget;

/// The maximum wait for every lane to see events. The Product lane waits for the first capture
/// window of `lead` (5 s under demo timing) to close and the partner's file to be imported;
/// the rest is headroom for a machine busy with other builds.
const EVERY_LANE_DEADLINE: Duration = Duration::from_secs(60);

/// The maximum wait for a poison event to be parked by every consumer group of its hub.
const PARKED_DEADLINE: Duration = Duration::from_secs(60);

/// Collects every update the page would receive, as JSON.
#[derive(Debug, Clone, Default)]
struct PageUpdates {
    received: Arc<Mutex<Vec<Value>>>,
}

impl PageUpdates {
    fn channel(&self) -> Channel<crate::live_update::FlowUpdate> {
        let received = self.received.clone();
        Channel::new(move |body| {
            let value = match body {
                InvokeResponseBody::Json(text) => serde_json::from_str(&text)?,
                InvokeResponseBody::Raw(bytes) => serde_json::from_slice(&bytes)?,
            };
            received.lock().unwrap().push(value);
            Ok(())
        })
    }

    fn all(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }

    fn latest(&self) -> Option<Value> {
        self.received.lock().unwrap().last().cloned()
    }
}

fn lane_total(update: &Value, team: &str) -> u64 {
    let lane = update["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lane| lane["team"] == team)
        .unwrap();
    lane["published"].as_u64().unwrap() + lane["consumed"].as_u64().unwrap()
}

fn published_total(update: &Value) -> u64 {
    update["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hub| hub["published"].as_u64().unwrap())
        .sum()
}

fn sampled_hubs(updates: &[Value]) -> Vec<String> {
    let mut hubs: Vec<String> = updates
        .iter()
        .flat_map(|update| update["samples"].as_array().unwrap().clone())
        .map(|sample| sample["hub"].as_str().unwrap().to_string())
        .collect();
    hubs.sort();
    hubs.dedup();
    hubs
}

/// Returns the newest sampled event that matches, because the page keeps only recent ones.
fn sample_of(updates: &[Value], predicate: impl Fn(&Value) -> bool) -> Option<EventKey> {
    updates
        .iter()
        .rev()
        .flat_map(|update| update["samples"].as_array().unwrap().clone())
        .find(|sample| predicate(sample))
        .map(|sample| EventKey {
            hub: sample["hub"].as_str().unwrap().to_string(),
            partition_id: sample["partition_id"].as_str().unwrap().to_string(),
            sequence_number: sample["sequence_number"].as_i64().unwrap(),
        })
}

/// Starts the Local target over `folder` and applies every step for `dgrf`.
async fn applied_target(folder: &std::path::Path) -> (LocalTarget, Attendee) {
    let target = LocalTarget::with_memory_keychain(folder);
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    for step in StepId::ALL {
        let record = target.apply(&attendee, step, |_| {}).await.unwrap();
        assert_eq!(record.failure, None, "step {step:?} failed to apply");
    }
    (target, attendee)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flow_on_applied_namespace_reaches_every_lane() {
    let folder = tempfile::tempdir().unwrap();
    let (target, attendee) = applied_target(folder.path()).await;
    let live = LiveFlow::default();
    let page = PageUpdates::default();
    let status = live.attach(page.channel()).await;
    assert!(!status.running);
    let data_folder;
    let status = {
        let stack = target.service().stack().await.unwrap();
        let mut prepared = local_flow(&stack, &attendee).await.unwrap();
        prepared.config.lake_interval = Duration::from_millis(200);
        data_folder = prepared.config.data_folder.clone();
        live.start(
            &stack,
            prepared,
            Duration::from_millis(200),
            FlowTiming::Demo,
        )
        .await
        .unwrap()
    };
    assert!(status.running);
    assert_eq!(status.pace_ms, 200.0);
    let sales = status
        .sales
        .expect("a running flow reports its sale timers");
    assert!(sales.demo_timing);
    assert_eq!(sales.capture_window_seconds, DEMO_CAPTURE_WINDOW.as_secs());

    // Every lane publishes or handles events, and the page's own subscriber samples the hubs
    // the teams publish to.
    let started = Instant::now();
    let expected_hubs = ["customer", "lead", "lead_purchased", "sale"];
    loop {
        let updates = page.all();
        let lanes_busy = updates.last().is_some_and(|update| {
            Team::ALL
                .iter()
                .all(|team| lane_total(update, team.name()) > 0)
        });
        let hubs = sampled_hubs(&updates);
        let hubs_sampled = expected_hubs
            .iter()
            .all(|hub| hubs.iter().any(|seen| seen == hub));
        if lanes_busy && hubs_sampled {
            break;
        }
        assert!(
            started.elapsed() < EVERY_LANE_DEADLINE,
            "after {EVERY_LANE_DEADLINE:?} not every lane saw events: latest lanes {}, sampled \
             hubs {hubs:?}",
            page.latest()
                .map(|update| update["lanes"].to_string())
                .unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let updates = page.all();
    let interval_count = updates.len() as f64 / started.elapsed().as_secs_f64();
    assert!(
        (5.0..=12.0).contains(&interval_count),
        "the page received {interval_count:.1} updates a second, expected about 10"
    );
    assert!(updates
        .iter()
        .all(|update| update["samples"].as_array().unwrap().len() <= 3));

    // A sampled customer decodes through the registry, with its CloudEvents attributes.
    let customer = sample_of(&updates, |sample| {
        sample["event_type"] == "Customer.Created"
    })
    .expect("a Customer.Created event was sampled");
    let details = live.event_details(&customer).await.unwrap();
    match &details.payload {
        Payload::Decoded { event_type, fields } => {
            assert_eq!(event_type, "Customer.Created");
            let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
            assert_eq!(names, ["id", "date", "email"]);
        }
        Payload::Failed { reason } => panic!("the customer did not decode: {reason}"),
    }
    assert!(details
        .cloud_events
        .iter()
        .any(|attribute| attribute.name == "type" && attribute.value == "Customer.Created"));
    assert_eq!(details.body_hex.len(), 2 * details.body_size);
    assert!(details.content_type.unwrap().starts_with("avro/binary+"));

    // A poison event is parked by both consumer groups of `customer`, with the reason.
    let poison_id = live.inject_poison("customer").await.unwrap();
    let poisoned = Instant::now();
    loop {
        let parked: Vec<Value> = page
            .latest()
            .map(|update| update["parked"].as_array().unwrap().clone())
            .unwrap_or_default();
        let groups: Vec<&str> = parked
            .iter()
            .filter(|event| event["event_id"] == poison_id.as_str())
            .map(|event| event["consumer_group"].as_str().unwrap())
            .collect();
        if groups.contains(&"lead") && groups.contains(&"datalake") {
            assert!(parked
                .iter()
                .all(|event| !event["error"].as_str().unwrap().is_empty()));
            break;
        }
        assert!(
            poisoned.elapsed() < PARKED_DEADLINE,
            "the poison event {poison_id} was not parked by `lead` and `datalake`: {parked:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The page of a stopped flow lists the same parked events from the flow's state folder.
    let stored: Vec<String> = stored_parked(&data_folder)
        .unwrap()
        .into_iter()
        .filter(|event| event.event_id.as_deref() == Some(poison_id.as_str()))
        .map(|event| event.consumer_group)
        .collect();
    assert!(stored.contains(&"lead".to_string()), "stored: {stored:?}");
    assert!(
        stored.contains(&"datalake".to_string()),
        "stored: {stored:?}"
    );

    let updates = page.all();
    let poison = sample_of(&updates, |sample| {
        sample["injected"] == true && sample["hub"] == "customer"
    })
    .expect("the poison event was sampled");
    let details = live.event_details(&poison).await.unwrap();
    assert!(
        matches!(details.payload, Payload::Failed { .. }),
        "the poison event decoded: {:?}",
        details.payload
    );

    // Pause, pace and reset go through the flow's controls.
    assert!(live.pause().await.unwrap().paused);
    assert!(!live.resume().await.unwrap().paused);
    assert_eq!(
        live.set_pace(Duration::from_secs(1)).await.unwrap().pace_ms,
        1000.0
    );
    let reprepared = {
        let stack = target.service().stack().await.unwrap();
        local_flow(&stack, &attendee).await.unwrap()
    };
    let reset = live.reset(reprepared).await.unwrap();
    assert!(reset.running);
    assert_eq!(reset.pace_ms, 1000.0);
    assert_eq!(
        reset.sales, status.sales,
        "the reset flow keeps demo timing"
    );

    assert!(!live.stop().await.running);
    target.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn busy_flow_sampled_poison_shown() {
    let folder = tempfile::tempdir().unwrap();
    let (target, attendee) = applied_target(folder.path()).await;
    let live = LiveFlow::default();
    let page = PageUpdates::default();
    live.attach(page.channel()).await;
    let readers = {
        let stack = target.service().stack().await.unwrap();
        let prepared = local_flow(&stack, &attendee).await.unwrap();
        let mut readers = 0;
        for hub in course::flow::HUBS.iter() {
            let runtime = prepared.transport.hub_runtime(hub.name).await.unwrap();
            readers += runtime.partitions.len();
        }
        // A new customer every millisecond: far more events than the page animates.
        live.start(&stack, prepared, Duration::from_millis(1), FlowTiming::Demo)
            .await
            .unwrap();
        readers
    };

    // Once the flow is busy, the page's subscriber reads at most its budget of every
    // partition, a window at a time, while the teams publish more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let first = page.all().len();
    let published_before = published_total(&page.latest().unwrap());
    let measured = Duration::from_secs(4);
    tokio::time::sleep(measured).await;
    let updates = page.all();
    let seen: u64 = updates[first..]
        .iter()
        .map(|update| update["seen"].as_u64().unwrap())
        .sum();
    let published = published_total(updates.last().unwrap()) - published_before;
    // One window more than the time measured, because the windows do not start with it.
    let windows = (measured.as_secs_f64() / BUDGET_WINDOW.as_secs_f64()).ceil() as u64 + 1;
    let budget = readers as u64 * EVENTS_PER_WINDOW as u64 * windows;
    assert!(
        seen <= budget,
        "the page read {seen} events in {measured:?}, over its budget of {budget}"
    );
    assert!(
        published > seen,
        "the teams published {published} events and the page read {seen}: nothing was skipped"
    );
    // The readers read in bursts, and the page still gets events to animate in most updates.
    let animating = updates[first..]
        .iter()
        .filter(|update| !update["samples"].as_array().unwrap().is_empty())
        .count();
    let measured_updates = updates.len() - first;
    assert!(
        animating * 4 >= measured_updates * 3,
        "only {animating} of {measured_updates} updates carried events to animate"
    );

    // Poison events injected in quick succession are each found and shown, although their hub
    // is sampled.
    let mut poison_ids = Vec::new();
    for _ in 0..6 {
        poison_ids.push(live.inject_poison("customer").await.unwrap());
    }
    let injected = Instant::now();
    for poison_id in &poison_ids {
        let poison = loop {
            let found = sample_of(&page.all(), |sample| {
                sample["injected"] == true && sample["event_id"] == poison_id.as_str()
            });
            if let Some(poison) = found {
                break poison;
            }
            assert!(
                injected.elapsed() < PARKED_DEADLINE,
                "the page never showed the injected event {poison_id}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let details = live.event_details(&poison).await.unwrap();
        assert!(
            details
                .cloud_events
                .iter()
                .any(|attribute| attribute.name == "id" && attribute.value == *poison_id),
            "the shown event is not the one injected: {:?}",
            details.cloud_events
        );
    }

    assert!(!live.stop().await.running);
    target.stop().await;
}
