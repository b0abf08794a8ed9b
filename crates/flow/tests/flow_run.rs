//! The whole flow over the in-memory transport with a real local registry: fixed-seed runs,
//! crashes and restarts, and a poison event.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apache_avro::types::Value;
use common::{deflate, start_registry, MemoryTransport, PublishFault};
use course::Team;
use flow::capture::list_capture_files;
use flow::lake::read_lake_file;
use flow::runtime::{Exhausted, FailurePolicy, ReadOptions};
use flow::{run_flow, start_flow, EventCodec, FlowConfig, FlowReport};

const SEED: u64 = 42;
const CUSTOMERS: u64 = 30;

fn config(folder: &Path) -> FlowConfig {
    let mut config = FlowConfig::new(
        folder.join("data"),
        folder.join("lake"),
        folder.join("capture").join("lead"),
    );
    config.seed = SEED;
    config.customers = Some(CUSTOMERS);
    config.pace = Duration::from_millis(5);
    config.policy = FailurePolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        exhausted: Exhausted::Park,
    };
    config.read = ReadOptions {
        max_batch: 20,
        max_wait: Duration::from_millis(20),
    };
    config.partner_interval = Duration::from_millis(100);
    config.lake_interval = Duration::from_millis(50);
    config.timeout = Duration::from_secs(120);
    config
}

fn transport(folder: &Path) -> MemoryTransport {
    MemoryTransport::with_capture(4, &folder.join("capture"), &["lead"], deflate())
}

/// The counts two runs must agree on.
fn counts(report: &FlowReport) -> [u64; 10] {
    [
        report.customers,
        report.leads,
        report.abandoned,
        report.leads_sold,
        report.sales,
        report.purchases,
        report.customer_leads,
        report.customer_sales,
        report.customer_purchases,
        report.product_purchases,
    ]
}

fn assert_accounted_for(report: &FlowReport) {
    for check in &report.checks {
        assert!(check.passed, "{}: {}", check.name, check.detail);
    }
    assert!(!report.timed_out);
    assert_eq!(report.customers, CUSTOMERS);
    assert_eq!(report.customers, report.leads + report.abandoned);
    assert_eq!(report.sales, report.leads);
    assert_eq!(report.purchases, report.leads);
    assert_eq!(report.lake_records["Customer.Created"], CUSTOMERS);
    assert_eq!(report.lake_records["Lead.Generated"], report.leads);
    assert_eq!(report.lake_records["Lead.Abandoned"], report.abandoned);
    assert_eq!(report.lake_records["Sale.Confirmation"], report.sales);
    assert_eq!(report.lake_records["Lead.Purchased"], report.purchases);
    assert!(
        report.lags.iter().all(|lag| lag.lag == 0),
        "{:?}",
        report.lags
    );
}

async fn clean_run(codec: &EventCodec) -> FlowReport {
    clean_run_with_lake(codec).await.0
}

/// Runs a fresh flow and returns its report with the lake's `Customer.Created` records.
async fn clean_run_with_lake(codec: &EventCodec) -> (FlowReport, Vec<LakeFields>) {
    let folder = tempfile::tempdir().unwrap();
    let transport = Arc::new(transport(folder.path()));
    let report = run_flow(config(folder.path()), transport, codec.clone())
        .await
        .unwrap();
    let lake = folder.path().join("lake").join("Customer.Created");
    let mut records = Vec::new();
    for path in list_capture_files(&lake).unwrap() {
        records.extend(read_lake_file(&path).unwrap());
    }
    (report, records)
}

type LakeFields = std::collections::HashMap<String, Value>;

fn text(record: &LakeFields, field: &str) -> String {
    match &record[field] {
        Value::String(text) => text.clone(),
        other => panic!("field {field} is {other:?}, not a plain string"),
    }
}

/// Polls the flow's report every 20 ms for at most 20 s until it has `customers` customers.
async fn wait_for_customers(handle: &flow::FlowHandle, customers: u64) {
    let started = Instant::now();
    loop {
        let report = handle.report().await.unwrap();
        if report.customers >= customers {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls the flow's report every 50 ms for at most 120 s until the run is finished.
async fn wait_until_finished(handle: &flow::FlowHandle) -> FlowReport {
    let started = Instant::now();
    loop {
        let report = handle.report().await.unwrap();
        if report.finished() {
            return report;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "timed out: {:#?}",
            report.checks
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_seed_run_gives_same_counts() {
    let (_registry, codec) = start_registry().await;
    let (first, first_lake) = clean_run_with_lake(&codec).await;
    let (second, second_lake) = clean_run_with_lake(&codec).await;

    assert_accounted_for(&first);
    assert_accounted_for(&second);
    assert_eq!(counts(&first), counts(&second));
    // Seed 42 makes these customer ids, and their hashes make this many leads.
    assert_eq!(first.leads, 9);
    assert_eq!(first.abandoned, 21);
    assert_eq!(first.parked_source_events(), 0);
    let customer_lane = first
        .lanes
        .iter()
        .find(|lane| lane.team == Team::Customer && lane.hub == "customer")
        .unwrap();
    assert_eq!(customer_lane.counts.published, CUSTOMERS);

    // The lake's records are flat: plain strings and longs, no unions.
    assert_eq!(first_lake.len() as u64, CUSTOMERS);
    for record in &first_lake {
        for field in [
            "id",
            "date",
            "email",
            "event_id",
            "event_source",
            "hub",
            "offset",
        ] {
            text(record, field);
        }
        assert!(matches!(record["sequence_number"], Value::Long(_)));
        assert!(!record
            .values()
            .any(|value| matches!(value, Value::Union(..))));
        assert_eq!(text(record, "hub"), "customer");
    }

    // The same seed makes the same customers: ids and emails.
    let people = |records: &[LakeFields]| {
        let mut people: Vec<(String, String)> = records
            .iter()
            .map(|record| (text(record, "id"), text(record, "email")))
            .collect();
        people.sort();
        people
    };
    assert_eq!(people(&first_lake), people(&second_lake));
    assert!(people(&first_lake)
        .iter()
        .all(|(_, email)| email.contains('@') && email.contains('.')));
}

async fn crash_and_resume(
    fault_hub: &str,
    after: usize,
    fault: PublishFault,
) -> (FlowReport, MemoryTransport) {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    transport.set_fault(fault_hub, after, fault);

    let handle = start_flow(
        config(folder.path()),
        Arc::new(transport.clone()),
        codec.clone(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    while !transport.fault_triggered() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "fault never triggered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Dropping the handle aborts every task at once, as killing the app would.
    drop(handle);
    transport.clear_fault();

    let report = run_flow(config(folder.path()), Arc::new(transport.clone()), codec)
        .await
        .unwrap();
    let clean = clean_run(&start_registry().await.1).await;
    assert_eq!(counts(&report), counts(&clean));
    (report, transport)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_between_storing_and_publishing_loses_nothing() {
    let (report, transport) =
        crash_and_resume("customer", 10, PublishFault::HangBeforeStoring).await;
    assert_accounted_for(&report);
    // Every customer's event reached the hub. Events published beside the one that hung were
    // accepted but not yet marked when the process died, so the restart sent them again.
    let on_hub = event_ids(&transport, "customer");
    let distinct: HashSet<&String> = on_hub.iter().collect();
    assert_eq!(distinct.len() as u64, CUSTOMERS);
}

/// Returns the CloudEvents id of every event on a hub, repeats included.
fn event_ids(transport: &MemoryTransport, hub: &str) -> Vec<String> {
    transport
        .events(hub)
        .iter()
        .map(|event| match &event.properties["cloudEvents:id"] {
            flow::transport::PropertyValue::String(id) => id.clone(),
            other => panic!("the event id is {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_acknowledgement_applies_nothing_twice() {
    let (report, transport) =
        crash_and_resume("lead_abandoned", 3, PublishFault::HangAfterStoring).await;
    assert_accounted_for(&report);
    // The unacknowledged event, and any accepted beside it but not yet marked, was published
    // again after the restart: the hub contains it twice, and the lake and the counts once.
    let on_hub = event_ids(&transport, "lead_abandoned");
    let distinct: HashSet<&String> = on_hub.iter().collect();
    assert_eq!(distinct.len() as u64, report.abandoned);
    assert!(
        on_hub.len() > distinct.len(),
        "no event was published again: {on_hub:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_mid_run_resumes_to_same_counts() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    let handle = start_flow(
        config(folder.path()),
        Arc::new(transport.clone()),
        codec.clone(),
    )
    .await
    .unwrap();
    wait_for_customers(&handle, 15).await;
    drop(handle);

    let report = run_flow(config(folder.path()), Arc::new(transport), codec.clone())
        .await
        .unwrap();
    assert_accounted_for(&report);
    let clean = clean_run(&codec).await;
    assert_eq!(counts(&report), counts(&clean));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_event_parked_rest_flows() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    let handle = start_flow(
        config(folder.path()),
        Arc::new(transport.clone()),
        codec.clone(),
    )
    .await
    .unwrap();
    let poison_id = handle.controls().inject_poison("customer").await.unwrap();

    let started = Instant::now();
    let report = loop {
        let report = handle.report().await.unwrap();
        if report.finished() && !report.parked.is_empty() {
            break report;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let snapshot = handle.metrics().borrow().clone();
    handle.stop().await;

    assert_accounted_for(&report);
    assert_eq!(report.parked_source_events(), 1);
    let mut groups: Vec<&str> = report
        .parked
        .iter()
        .map(|event| event.consumer_group.as_str())
        .collect();
    groups.sort();
    assert_eq!(groups, ["datalake", "lead"]);
    for parked in &report.parked {
        assert_eq!(parked.hub, "customer");
        assert_eq!(parked.attempts, 3);
        assert_eq!(parked.event_id.as_deref(), Some(poison_id.as_str()));
        assert!(
            parked.error.contains("decoding event") && parked.error.contains("Customer.Created"),
            "{}",
            parked.error
        );
    }
    assert_eq!(
        transport.events(course::flow::PARKED_HUB).len(),
        2,
        "one parked copy per consumer group"
    );
    let conversions = report
        .lanes
        .iter()
        .find(|lane| lane.team == Team::Conversions && lane.hub == "customer")
        .unwrap();
    assert_eq!(conversions.counts.parked, 1);
    assert_eq!(conversions.counts.consumed, CUSTOMERS);
    assert!(snapshot
        .notices
        .iter()
        .any(|notice| notice.contains("parked the event")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_pace_control_creation() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    // No customer limit, so that the counts below can always grow.
    let mut unlimited = config(folder.path());
    unlimited.customers = None;
    let handle = start_flow(unlimited, Arc::new(transport), codec)
        .await
        .unwrap();
    wait_for_customers(&handle, 3).await;
    handle.controls().pause();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let paused_at = handle.report().await.unwrap().customers;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.report().await.unwrap().customers, paused_at);

    handle.controls().resume();
    wait_for_customers(&handle, paused_at + 3).await;

    // A slower pace applies at once, without waiting out the old one.
    handle.controls().set_pace(Duration::from_secs(3600));
    assert_eq!(handle.controls().pace(), Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let slowed_at = handle.report().await.unwrap().customers;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(handle.report().await.unwrap().customers, slowed_at);
    handle.controls().set_pace(Duration::from_millis(5));
    wait_for_customers(&handle, slowed_at + 3).await;
    handle.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_arrive_at_most_ten_times_a_second() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    let handle = start_flow(config(folder.path()), Arc::new(transport), codec)
        .await
        .unwrap();
    let mut metrics = handle.metrics();
    let started = Instant::now();
    let mut updates = 0;
    while started.elapsed() < Duration::from_secs(1) {
        if tokio::time::timeout(Duration::from_millis(200), metrics.changed())
            .await
            .is_ok()
        {
            updates += 1;
        }
    }
    let snapshot = metrics.borrow().clone();
    handle.stop().await;

    assert!(
        (5..=11).contains(&updates),
        "{updates} updates in one second"
    );
    assert!(snapshot.counts(Team::Customer, "customer").published > 0);
    assert!(!snapshot.lags.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_clears_stores_and_skips_old_events() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    let mut short = config(folder.path());
    short.customers = Some(5);
    let handle = start_flow(short, Arc::new(transport.clone()), codec)
        .await
        .unwrap();
    let before = wait_until_finished(&handle).await;
    assert_eq!(before.customers, 5);
    let handle = handle.reset().await.unwrap();
    let report = wait_until_finished(&handle).await;
    handle.stop().await;

    // The same seed makes the same five customers again, and the old events are not re-read.
    assert_eq!(report.customers, 5);
    assert_eq!(report.lake_records["Customer.Created"], 5);
    assert_eq!(transport.events("customer").len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_sends_no_event_twice() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = transport(folder.path());
    // Each publish takes 2 ms, so a chunk of hundreds of events is in flight for a while.
    transport.set_publish_delay(Duration::from_millis(2));
    let mut busy = config(folder.path());
    busy.customers = Some(2_000);
    busy.pace = Duration::ZERO;
    let handle = start_flow(busy, Arc::new(transport.clone()), codec)
        .await
        .unwrap();
    let started = Instant::now();
    while transport.events("customer").len() < 50 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no customer published"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    handle.stop().await;

    // Every event on the hub is marked published in the customer team's outbox, so the next
    // start sends none of them again.
    let on_hub = event_ids(&transport, "customer");
    let store =
        rusqlite::Connection::open(folder.path().join("data").join("customer.sqlite")).unwrap();
    let mut unmarked = Vec::new();
    for id in &on_hub {
        let published: i64 = store
            .query_row(
                "SELECT published FROM outbox WHERE event_id = ?1",
                [id],
                |row| row.get(0),
            )
            .unwrap();
        if published != 1 {
            unmarked.push(id.clone());
        }
    }
    assert!(
        unmarked.is_empty(),
        "{} of {} events on the hub are not marked published",
        unmarked.len(),
        on_hub.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_before_first_run_creates_state() {
    let folder = tempfile::tempdir().unwrap();
    let config = config(folder.path());
    assert!(!config.data_folder.exists());

    flow::reset_flow_state(&config, &transport(folder.path()))
        .await
        .unwrap();

    assert!(config.data_folder.join("checkpoints.sqlite").exists());
}
