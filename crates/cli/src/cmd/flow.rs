//! `eda-workshop flow`: the demo flow headless, from the first customer until every customer
//! has passed through every service, then its counts, lags and checks.
//!
//! On Local the command serves the flow on its own with an in-process schema registry and a
//! broker for the plan's broker namespace. The broker has the flow's hubs, consumer groups and
//! hub-level `send` and `listen` rules, whose keys stay in memory for this run only. Every run starts from an empty
//! folder below the data folder, which is removed at the end, so two runs with one seed give
//! the same counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::flow::runtime::{Exhausted, FailurePolicy, ReadOptions};
use ::flow::transport::azeventhubs::local_broker::{
    lead_capture_folder, start_local_broker, LocalBrokerSettings,
};
use ::flow::transport::azeventhubs::AzEventHubsTransport;
use ::flow::{start_flow, EventCodec, FlowConfig, FlowReport};
use anyhow::{bail, Context};
use clap::Args;
use course::ResourceKind;
use registry::client::RegistryClient;
use registry::serializer::Serializer;
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use registry::CompatibilityMode;

use crate::cmd::apply::TargetChoice;
use crate::cmd::attendee::AttendeeArgs;
use crate::table::Table;
use crate::Global;

/// How often the command reads the flow's report while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How long the registry's bearer token for the run stays valid.
const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Options of `eda-workshop flow`.
#[derive(Debug, Args)]
pub(crate) struct FlowArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    /// The target: local or azure.
    #[arg(long, value_enum, default_value = "local")]
    target: TargetChoice,

    /// How many customers to create.
    #[arg(long, value_name = "N", default_value_t = 30)]
    customers: u64,

    /// The seed of the customer generator; one seed always makes the same customers.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,

    /// Publish one event that no consumer can decode to this hub, such as customer.
    #[arg(long, value_name = "HUB")]
    inject_poison: Option<String>,

    /// Milliseconds between two new customers (the course uses 10000).
    #[arg(long, value_name = "MS", default_value_t = 10)]
    pace_ms: u64,

    /// Capture's time window of the `lead` hub in seconds, 60 to 900; the first sales wait for
    /// the first window to close.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    capture_window: u32,

    /// Seconds to wait for every customer to pass through every service before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    timeout: u64,
}

/// Runs the flow and prints its report; fails when any event is unaccounted for.
pub(crate) async fn run(args: FlowArgs, global: &Global) -> anyhow::Result<()> {
    if args.target == TargetChoice::Azure {
        bail!(
            "`flow --target azure` is not available in this build: run the flow on Local \
             (`--target local`)"
        );
    }
    if let Some(hub) = &args.inject_poison {
        let known = course::flow::hub(hub).is_some_and(|hub| hub.event_type.is_some());
        if !known {
            let hubs: Vec<&str> = course::flow::HUBS
                .iter()
                .filter(|hub| hub.event_type.is_some())
                .map(|hub| hub.name)
                .collect();
            bail!(
                "cannot inject a poison event into `{hub}`: use one of {}",
                hubs.join(", ")
            );
        }
    }
    let attendee = args.attendee.attendee()?;
    let namespace = broker_namespace(&attendee)?;

    let data_dir = global.data_dir()?;
    let runs = data_dir.join("flow-runs");
    std::fs::create_dir_all(&runs)
        .with_context(|| format!("cannot create the folder {}", runs.display()))?;
    let folder = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&runs)
        .with_context(|| format!("cannot create a run folder in {}", runs.display()))?;

    let settings = LocalBrokerSettings {
        namespace: namespace.clone(),
        data_dir: folder.path().join("broker"),
        capture_container: folder.path().join("capture"),
        capture_window_seconds: args.capture_window,
    };
    let (broker, connections) = start_local_broker(&settings).await?;
    eprintln!(
        "Serving namespace {namespace} on {} for this run.",
        broker.endpoint()
    );
    let (registry, codec) = match start_registry().await {
        Ok(started) => started,
        Err(error) => {
            broker.shutdown().await;
            return Err(error);
        }
    };

    let mut config = FlowConfig::new(
        folder.path().join("data"),
        folder.path().join("lake"),
        lead_capture_folder(&settings.capture_container),
    );
    config.seed = args.seed;
    config.customers = Some(args.customers);
    config.pace = Duration::from_millis(args.pace_ms);
    config.capture_window = Duration::from_secs(u64::from(args.capture_window));
    config.policy = FailurePolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        exhausted: Exhausted::Park,
    };
    config.read = ReadOptions {
        max_batch: 50,
        max_wait: Duration::from_millis(50),
    };
    config.partner_interval = Duration::from_millis(500);
    config.lake_interval = Duration::from_millis(200);
    config.timeout = Duration::from_secs(args.timeout);

    let transport = Arc::new(AzEventHubsTransport::new(connections));
    let outcome = drive(config, transport, codec, args.inject_poison.as_deref()).await;
    registry.stop().await;
    broker.shutdown().await;
    let report = outcome?;

    if global.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if !report.finished() {
        let failed: Vec<String> = report
            .checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| format!("{} ({})", check.name, check.detail))
            .collect();
        bail!(
            "not every event is accounted for after {} s: {}",
            args.timeout,
            if failed.is_empty() {
                format!(
                    "{} of {} customers created",
                    report.customers, args.customers
                )
            } else {
                failed.join("; ")
            }
        );
    }
    Ok(())
}

/// Returns the name of the plan's broker namespace.
fn broker_namespace(attendee: &course::Attendee) -> anyhow::Result<String> {
    let plan = course::plan(attendee);
    let namespace = plan
        .resources()
        .find(|resource| {
            resource.kind() == ResourceKind::EventHubsNamespace
                && resource.title == "broker namespace"
        })
        .context("the plan has no broker namespace")?;
    Ok(namespace.name.clone())
}

/// Starts an in-memory registry with the course's schema group and a codec over it.
async fn start_registry() -> anyhow::Result<(RegistryHandle, EventCodec)> {
    let config = RegistryConfig {
        http_port: Some(0),
        ..RegistryConfig::in_memory()
    };
    let handle = LocalRegistry::start(config)
        .await
        .context("the local schema registry did not start")?;
    handle
        .put_group(course::flow::SCHEMA_GROUP, CompatibilityMode::Backward)
        .context("cannot create the course's schema group")?;
    let address = handle
        .http_addr()
        .context("the local schema registry has no plain listener")?
        .to_string();
    let token = handle.issue_token(REGISTRY_TOKEN_LIFETIME);
    let client = RegistryClient::local_plain(&address, token)
        .context("cannot build the schema registry client")?;
    let serializer = Serializer::new(client, course::flow::SCHEMA_GROUP);
    Ok((handle, EventCodec::new(Arc::new(serializer))))
}

/// Starts the flow, injects the poison event if asked, and waits until the flow is finished
/// (with every copy of the poison event parked) or the timeout passes.
async fn drive(
    config: FlowConfig,
    transport: Arc<AzEventHubsTransport>,
    codec: EventCodec,
    poison: Option<&str>,
) -> anyhow::Result<FlowReport> {
    let timeout = config.timeout;
    let handle = start_flow(config, transport, codec).await?;
    if let Some(hub) = poison {
        let event_id = handle.controls().inject_poison(hub).await?;
        eprintln!("Injected poison event {event_id} into {hub}.");
    }
    let started = Instant::now();
    let mut report = handle.report().await?;
    while !done(&report, poison.is_some()) && started.elapsed() < timeout {
        tokio::time::sleep(POLL_INTERVAL).await;
        report = handle.report().await?;
    }
    handle.stop().await;
    report.timed_out = !done(&report, poison.is_some());
    Ok(report)
}

fn done(report: &FlowReport, poisoned: bool) -> bool {
    report.finished() && (!poisoned || !report.parked.is_empty())
}

fn print_report(report: &FlowReport) {
    println!(
        "{} customers: {} leads, {} abandoned, {} sold, {} sales, {} purchases, {} parked",
        report.customers,
        report.leads,
        report.abandoned,
        report.leads_sold,
        report.sales,
        report.purchases,
        report.parked_source_events()
    );
    println!();

    let mut lanes = Table::new(&["team", "hub", "published", "consumed", "parked"]);
    for lane in &report.lanes {
        lanes.row(vec![
            lane.team.name().to_owned(),
            lane.hub.clone(),
            lane.counts.published.to_string(),
            lane.counts.consumed.to_string(),
            lane.counts.parked.to_string(),
        ]);
    }
    println!("{}", lanes.render());

    let mut hubs = Table::new(&["hub", "consumer group", "partitions", "enqueued", "lag"]);
    for ((hub, group), (partitions, enqueued, lag)) in hub_lags(report) {
        hubs.row(vec![
            hub,
            group,
            partitions.to_string(),
            enqueued.to_string(),
            lag.to_string(),
        ]);
    }
    println!("{}", hubs.render());

    let mut checks = Table::new(&["check", "result", "detail"]);
    for check in &report.checks {
        let result = if check.passed { "passed" } else { "FAILED" };
        checks.row(vec![
            check.name.to_owned(),
            result.to_owned(),
            check.detail.clone(),
        ]);
    }
    println!("{}", checks.render());
}

/// Sums each consumer group's partitions: their count, the events enqueued (last sequence
/// number plus one, as every event is still retained in a run) and the lag.
fn hub_lags(report: &FlowReport) -> BTreeMap<(String, String), (usize, i64, i64)> {
    let mut sums: BTreeMap<(String, String), (usize, i64, i64)> = BTreeMap::new();
    for lag in &report.lags {
        let entry = sums
            .entry((lag.hub.clone(), lag.consumer_group.clone()))
            .or_default();
        entry.0 += 1;
        entry.1 += lag.last_enqueued_sequence_number + 1;
        entry.2 += lag.lag;
    }
    sums
}
