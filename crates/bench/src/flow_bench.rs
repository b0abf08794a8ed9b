//! `bench flow`: the whole demo flow on the Local target in this process, with many customers
//! at full speed, measured end to end.
//!
//! The benchmark starts the Local target over an empty data directory with an in-memory
//! keychain and applies every step of the plan through its Resource Manager. It then sets the
//! `lead` hub's capture window and runs the flow as `eda-workshop flow` runs it, until every
//! customer has passed through every service. Sales wait for the first capture window to close, so the
//! flow has two active phases with a wait between them:
//!
//! - customers: from the start until every customer is a lead or an abandoned lead;
//! - sales: from the first `Sale.Confirmation` until every check of the report passes.
//!
//! Events per second count the events published on every hub (customers, leads, abandoned
//! leads, sales, purchases) over the whole run minus the capture wait. Deliveries count
//! the events every consumer group handled. The peak resident memory is the process's
//! `VmHWM` from `/proc/self/status`, and covers the Resource Manager, the registry, the broker
//! and the flow, which all run in this process.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use control::apply::{Applier, Options as ApplyOptions, TargetKind};
use control::secrets::Keychain;
use course::{Attendee, Environment, Region, Team};
use flow::local_target::{local_flow, set_capture_window, CAPTURED_HUB};
use flow::runtime::{Exhausted, FailurePolicy, ReadOptions};
use flow::{FlowHandle, FlowReport, MetricsSnapshot};
use local::LocalStack;

/// The attendee's unique namespace of the benchmark.
const NAMESPACE: &str = "bench";

/// How often the benchmark reads the flow's metrics.
const METRICS_INTERVAL: Duration = Duration::from_millis(50);

/// How often the benchmark builds the report once every purchase is published. Building it
/// reads every lake file, so it is not done on every metrics read.
const REPORT_INTERVAL: Duration = Duration::from_millis(250);

/// Options of `bench flow`.
#[derive(Debug, clap::Args)]
pub(crate) struct FlowOptions {
    /// Customers to create (1 to 100,000).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    customers: u64,
    /// Milliseconds between two new customers; 0 creates them at the fastest pace the flow
    /// keeps, 10,000 per second.
    #[arg(long, default_value_t = 0)]
    pace_ms: u64,
    /// The seed of the customer generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The `lead` hub's capture window in seconds (60 to 900).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(60..=900))]
    capture_window: u32,
    /// Seconds the flow may take before the benchmark gives up (10 to 3,600).
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(10..=3_600))]
    timeout: u64,
    /// Folder for the Local target's data directory, emptied before the run.
    #[arg(long, default_value = "target/bench/flow")]
    work_dir: PathBuf,
}

/// The outcome of one run of the flow.
#[derive(Debug)]
struct FlowMeasurement {
    customers: u64,
    published: u64,
    deliveries: u64,
    customer_phase: Duration,
    capture_wait: Duration,
    sale_phase: Duration,
    total: Duration,
    peak_rss_kib: Option<u64>,
}

impl FlowMeasurement {
    /// Returns the run's time without the capture wait. With many customers the first sales
    /// come before every customer is decided, the phases overlap and nothing is left out.
    fn active(&self) -> Duration {
        self.total.saturating_sub(self.capture_wait)
    }

    fn published_per_second(&self) -> f64 {
        self.published as f64 / self.active().as_secs_f64()
    }

    fn deliveries_per_second(&self) -> f64 {
        self.deliveries as f64 / self.active().as_secs_f64()
    }
}

/// Runs the flow once and prints the result as a Markdown table on standard output.
pub(crate) fn run(options: &FlowOptions) -> anyhow::Result<()> {
    if options.work_dir.exists() {
        std::fs::remove_dir_all(&options.work_dir)
            .with_context(|| format!("emptying `{}` failed", options.work_dir.display()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the runtime failed")?;
    let measurement = runtime.block_on(measure(options))?;
    tracing::info!(?measurement, "flow run finished");
    println!("{}", table(options, &measurement));
    Ok(())
}

async fn measure(options: &FlowOptions) -> anyhow::Result<FlowMeasurement> {
    let stack = LocalStack::start(&options.work_dir, Keychain::in_memory()).await?;
    let measured = measure_on(&stack, options).await;
    stack.stop().await;
    measured
}

async fn measure_on(stack: &LocalStack, options: &FlowOptions) -> anyhow::Result<FlowMeasurement> {
    let attendee = Attendee::new(NAMESPACE, Environment::Dv, Region::north_europe())?;
    let plan = course::plan(&attendee);
    let client = stack.resource_manager().client()?;
    let summary = Applier::new(
        &client,
        stack.resource_manager().target(),
        &plan,
        ApplyOptions::all(TargetKind::Local),
        None,
    )
    .apply()
    .await;
    if let Some((id, reason)) = summary.failed {
        bail!("applying the plan failed at `{id}`: {reason}");
    }
    stack.reload().await?;
    set_capture_window(stack, &attendee, CAPTURED_HUB, options.capture_window).await?;

    let mut prepared = local_flow(stack, &attendee).await?;
    let config = &mut prepared.config;
    config.seed = options.seed;
    config.customers = Some(options.customers);
    config.pace = Duration::from_millis(options.pace_ms);
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

    let started = Instant::now();
    let handle = prepared.start().await?;
    let timed = follow(&handle, options.customers, started, options.timeout).await;
    handle.stop().await;
    let (phases, report) = timed?;

    Ok(FlowMeasurement {
        customers: report.customers,
        published: report.lanes.iter().map(|lane| lane.counts.published).sum(),
        deliveries: report.lanes.iter().map(|lane| lane.counts.consumed).sum(),
        customer_phase: phases.customers_decided,
        capture_wait: phases.first_sale.saturating_sub(phases.customers_decided),
        sale_phase: phases.finished.saturating_sub(phases.first_sale),
        total: phases.finished,
        peak_rss_kib: peak_rss_kib(),
    })
}

/// When each phase ended, measured from the start of the flow.
#[derive(Debug, Clone, Copy)]
struct Phases {
    customers_decided: Duration,
    first_sale: Duration,
    finished: Duration,
}

/// Follows the flow's metrics until every customer passed through every service and returns
/// when each phase ended, with the final report.
async fn follow(
    handle: &FlowHandle,
    customers: u64,
    started: Instant,
    timeout_seconds: u64,
) -> anyhow::Result<(Phases, FlowReport)> {
    let timeout = Duration::from_secs(timeout_seconds);
    let metrics = handle.metrics();
    let mut customers_decided = None;
    let mut first_sale = None;
    let mut last_report = started;
    let mut failing_checks = String::from("no report was built yet");
    loop {
        let elapsed = started.elapsed();
        if elapsed > timeout {
            bail!("the flow did not finish within {timeout_seconds} s; {failing_checks}");
        }
        let snapshot: MetricsSnapshot = metrics.borrow().clone();
        let published = |hub: &str| snapshot.counts(Team::Conversions, hub).published;
        let decided = published("lead") + published("lead_abandoned");
        if customers_decided.is_none() && decided >= customers {
            customers_decided = Some(elapsed);
        }
        if first_sale.is_none() && published("sale") > 0 {
            first_sale = Some(elapsed);
        }
        let purchases_published =
            decided >= customers && published("lead_purchased") >= published("lead");
        if let (Some(decided_at), Some(sale_at)) = (customers_decided, first_sale) {
            if purchases_published && last_report.elapsed() >= REPORT_INTERVAL {
                last_report = Instant::now();
                let report = handle.report().await?;
                failing_checks = describe_failing_checks(&report);
                if report.finished() {
                    let phases = Phases {
                        customers_decided: decided_at,
                        first_sale: sale_at,
                        finished: started.elapsed(),
                    };
                    return Ok((phases, report));
                }
            }
        }
        tokio::time::sleep(METRICS_INTERVAL).await;
    }
}

/// Lists the checks of a report that do not pass, with their details.
fn describe_failing_checks(report: &FlowReport) -> String {
    let failing: Vec<String> = report
        .checks
        .iter()
        .filter(|check| !check.passed)
        .map(|check| format!("{} ({})", check.name, check.detail))
        .collect();
    if failing.is_empty() {
        "every check of the last report passed".to_string()
    } else {
        format!("checks that did not pass: {}", failing.join("; "))
    }
}

/// Reads the process's peak resident set size (`VmHWM`) in KiB; `None` where
/// `/proc/self/status` does not exist.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

fn table(options: &FlowOptions, measurement: &FlowMeasurement) -> String {
    let seconds = |duration: Duration| format!("{:.1} s", duration.as_secs_f64());
    let memory = measurement
        .peak_rss_kib
        .map(|kib| format!("{:.0} MiB", kib as f64 / 1024.0))
        .unwrap_or_else(|| "not measured".to_owned());
    let mut text = format!(
        "The whole flow on Local in one process: {} customers, pace {} ms, seed {}, capture \
         window {} s.\n\n",
        options.customers, options.pace_ms, options.seed, options.capture_window
    );
    text.push_str(
        "| customers | events published | deliveries handled | customer phase | capture wait \
         | sale phase | total | events/s | deliveries/s | peak RSS |\n",
    );
    text.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    text.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {} |\n",
        measurement.customers,
        measurement.published,
        measurement.deliveries,
        seconds(measurement.customer_phase),
        seconds(measurement.capture_wait),
        seconds(measurement.sale_phase),
        seconds(measurement.total),
        measurement.published_per_second(),
        measurement.deliveries_per_second(),
        memory
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_leave_out_capture_wait() {
        let measurement = FlowMeasurement {
            customers: 10,
            published: 40,
            deliveries: 100,
            customer_phase: Duration::from_secs(3),
            capture_wait: Duration::from_secs(57),
            sale_phase: Duration::from_secs(1),
            total: Duration::from_secs(61),
            peak_rss_kib: Some(2048),
        };
        assert_eq!(measurement.published_per_second(), 10.0);
        assert_eq!(measurement.deliveries_per_second(), 25.0);
    }

    #[test]
    fn overlapping_phases_count_whole_run() {
        let measurement = FlowMeasurement {
            customers: 100,
            published: 200,
            deliveries: 400,
            customer_phase: Duration::from_secs(70),
            capture_wait: Duration::ZERO,
            sale_phase: Duration::from_secs(20),
            total: Duration::from_secs(80),
            peak_rss_kib: None,
        };
        assert_eq!(measurement.published_per_second(), 2.5);
        assert_eq!(measurement.deliveries_per_second(), 5.0);
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().is_some_and(|kib| kib > 0));
        }
    }
}
