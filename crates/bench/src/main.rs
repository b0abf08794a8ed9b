//! Benchmark of the local Event Hubs broker side by side with RabbitMQ 3.10 and its AMQP 1.0
//! plugin, both driven by the same AMQP 1.0 client (`fe2o3-amqp`), one broker at a time.
//!
//! It measures durable send-and-receive throughput with 1 KB events and a fixed number of
//! transfers in flight (for the local broker also with Event Hubs batches), and end-to-end
//! latency at a paced rate. Each measurement runs several times, and the tables show the
//! minimum, median and maximum, on standard output in Markdown.

mod cbs;
mod client;
mod flow_bench;
mod latency;
mod local;
mod payload;
mod rabbitmq;
mod report;
mod sas;
mod send;
mod stats;
mod throughput;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};

use crate::client::Destination;
use crate::local::LocalBroker;
use crate::rabbitmq::RabbitMq;
use crate::report::{LatencyRow, ThroughputRow};
use crate::send::SendMode;

/// The brokers the benchmark can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BrokerKind {
    /// RabbitMQ with its AMQP 1.0 plugin, through `scripts/rabbitmq.sh`.
    Rabbitmq,
    /// The local Event Hubs broker of this repository, in this process.
    Broker,
}

/// The measurements of the broker benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Case {
    /// Throughput with single events per transfer (every broker).
    Single,
    /// Throughput with Event Hubs batches (the local broker only).
    Batch,
    /// End-to-end latency at a paced rate (every broker).
    Latency,
}

/// Command-line options.
#[derive(Debug, Parser)]
#[command(about = "Benchmarks the local Event Hubs broker side by side with RabbitMQ")]
struct Options {
    /// A benchmark other than the broker's; without one, the broker benchmark runs.
    #[command(subcommand)]
    section: Option<Section>,
    /// Length of each measured run, in seconds (1 to 60).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
    seconds: u64,
    /// Runs of each measurement (1 to 10).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=10))]
    runs: u64,
    /// Transfers the producer keeps unsettled in the throughput runs (1 to 10,000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    in_flight: u64,
    /// Events the producer may send ahead of the consumers in the throughput runs (100 to
    /// 1,000,000). Without it, the producer runs ahead as far as the broker accepts.
    #[arg(long, value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    backlog: Option<u64>,
    /// Events per Event Hubs batch (1 to 1,000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    batch_size: u64,
    /// Events per second in the latency runs (1 to 10,000).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rate: u32,
    /// Partition counts of the local broker's hub, comma-separated (each 1 to 32).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4")]
    partitions: Vec<u32>,
    /// Brokers to run, comma-separated, in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "rabbitmq,broker"
    )]
    brokers: Vec<BrokerKind>,
    /// Measurements to run, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "single,batch,latency"
    )]
    cases: Vec<Case>,
    /// RabbitMQ's AMQP port on 127.0.0.1. Its epmd uses the next port and Erlang distribution
    /// the one after.
    #[arg(long, default_value_t = 5680)]
    rabbitmq_port: u16,
    /// The script that starts and stops RabbitMQ.
    #[arg(long, default_value = "scripts/rabbitmq.sh")]
    rabbitmq_script: PathBuf,
    /// Folder for the brokers' data, emptied before each broker starts.
    #[arg(long, default_value = "target/bench")]
    work_dir: PathBuf,
}

/// Benchmarks of their own, run with `bench SECTION`.
#[derive(Debug, clap::Subcommand)]
enum Section {
    /// The whole demo flow on the Local target: events per second and peak memory.
    Flow(flow_bench::FlowOptions),
}

/// The results collected so far.
#[derive(Debug, Default)]
struct Results {
    throughput: Vec<ThroughputRow>,
    latency: Vec<LatencyRow>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "bench=info,broker=warn".into()),
        )
        .init();
    let options = Options::parse();
    if let Some(Section::Flow(flow_options)) = &options.section {
        return flow_bench::run(flow_options);
    }
    if let Some(count) = options
        .partitions
        .iter()
        .find(|count| !(1..=32).contains(*count))
    {
        anyhow::bail!("partition count {count} is invalid: use 1 to 32");
    }
    std::fs::create_dir_all(&options.work_dir)
        .with_context(|| format!("creating `{}` failed", options.work_dir.display()))?;

    // The client gets a runtime of its own, and the local broker builds another.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()
        .context("building the client's runtime failed")?;

    let mut results = Results::default();
    // Every latency run comes before the first throughput run, because deleting the gigabytes
    // that throughput runs store slows syncs for up to a minute on ext4 mounted with `discard`.
    // Here a latency run right after such a deletion had a p99 of 241 ms, and 1.22 ms after
    // a wait of 60 s.
    for pass in [Pass::Latency, Pass::Throughput] {
        for kind in &options.brokers {
            match kind {
                BrokerKind::Rabbitmq if pass.includes_rabbitmq(&options.cases) => {
                    run_rabbitmq(&options, &client, pass, &mut results)?;
                }
                BrokerKind::Rabbitmq => {}
                BrokerKind::Broker => run_local(&options, &client, pass, &mut results)?,
            }
        }
    }

    println!(
        "Each run {} s, {} runs; 1 KB durable events; throughput with {} transfers in flight; \
         latency at {} events/s after a 1 s warm-up.\n",
        options.seconds, options.runs, options.in_flight, options.rate
    );
    if !results.throughput.is_empty() {
        println!(
            "{}",
            report::throughput_table(&results.throughput, "RabbitMQ")
        );
    }
    if !results.latency.is_empty() {
        println!("{}", report::latency_table(&results.latency, "RabbitMQ"));
    }
    Ok(())
}

/// One pass over the brokers: the latency runs, or the throughput runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Latency,
    Throughput,
}

impl Pass {
    /// Decides whether RabbitMQ has runs in this pass: it takes part in the single-event and
    /// latency cases only.
    fn includes_rabbitmq(self, cases: &[Case]) -> bool {
        match self {
            Pass::Latency => cases.contains(&Case::Latency),
            Pass::Throughput => cases.contains(&Case::Single),
        }
    }
}

fn run_rabbitmq(
    options: &Options,
    client: &tokio::runtime::Runtime,
    pass: Pass,
    results: &mut Results,
) -> anyhow::Result<()> {
    let node = RabbitMq::start(
        &options.rabbitmq_script,
        &options.work_dir,
        options.rabbitmq_port,
    )?;
    let measured = measure_rabbitmq(options, client, &node, pass, results);
    let stopped = node.stop();
    measured?;
    stopped
}

/// Measures the throughput or the latency of this pass on RabbitMQ, each run on a new durable
/// queue. The caller checks [`Pass::includes_rabbitmq`] first.
fn measure_rabbitmq(
    options: &Options,
    client: &tokio::runtime::Runtime,
    node: &RabbitMq,
    pass: Pass,
    results: &mut Results,
) -> anyhow::Result<()> {
    match pass {
        Pass::Throughput => {
            let runs = repeat(options, "RabbitMQ throughput", |run| {
                let destination = node.destination(&format!("bench-throughput-{run}"));
                measure_throughput(options, client, &destination, SendMode::Single)
            })?;
            results.throughput.push(ThroughputRow {
                broker: "RabbitMQ",
                partitions: None,
                mode: SendMode::Single,
                runs,
            });
        }
        Pass::Latency => {
            let runs = repeat(options, "RabbitMQ latency", |run| {
                let destination = node.destination(&format!("bench-latency-{run}"));
                measure_latency(options, client, &destination)
            })?;
            results.latency.push(LatencyRow {
                broker: "RabbitMQ",
                partitions: None,
                runs,
            });
        }
    }
    Ok(())
}

/// Measures the throughput or the latency of this pass on the local broker, with a new broker
/// for each partition count and kind of measurement.
fn run_local(
    options: &Options,
    client: &tokio::runtime::Runtime,
    pass: Pass,
    results: &mut Results,
) -> anyhow::Result<()> {
    let mut modes = Vec::new();
    if options.cases.contains(&Case::Single) {
        modes.push(SendMode::Single);
    }
    if options.cases.contains(&Case::Batch) {
        modes.push(SendMode::Batch(options.batch_size as usize));
    }
    for &partitions in &options.partitions {
        if pass == Pass::Throughput {
            for &mode in &modes {
                let runs = with_local_broker(options, |broker| {
                    repeat(options, "broker throughput", |run| {
                        let destination =
                            broker.create_hub(&format!("throughput-{run}"), partitions)?;
                        measure_throughput(options, client, &destination, mode)
                    })
                })?;
                results.throughput.push(ThroughputRow {
                    broker: "broker",
                    partitions: Some(partitions),
                    mode,
                    runs,
                });
            }
        } else if options.cases.contains(&Case::Latency) {
            let runs = with_local_broker(options, |broker| {
                repeat(options, "broker latency", |run| {
                    let destination = broker.create_hub(&format!("latency-{run}"), partitions)?;
                    measure_latency(options, client, &destination)
                })
            })?;
            results.latency.push(LatencyRow {
                broker: "broker",
                partitions: Some(partitions),
                runs,
            });
        }
    }
    Ok(())
}

/// Starts a broker with an empty log, runs `work` against it and stops it, also on failure.
/// A fresh broker per measurement keeps hubs within the namespace limit of 10 and the log
/// small.
fn with_local_broker<T>(
    options: &Options,
    work: impl FnOnce(&LocalBroker) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let broker = LocalBroker::start(&local_dir(&options.work_dir))?;
    let result = work(&broker);
    broker.stop();
    result
}

fn local_dir(work_dir: &Path) -> PathBuf {
    work_dir.join("broker")
}

/// Runs a measurement `options.runs` times, numbering the runs from 1.
fn repeat<T: std::fmt::Debug>(
    options: &Options,
    measurement: &str,
    mut measure: impl FnMut(u64) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut runs = Vec::new();
    for run in 1..=options.runs {
        let result = measure(run).with_context(|| format!("{measurement}, run {run}"))?;
        tracing::info!(measurement, run, ?result, "run finished");
        runs.push(result);
    }
    Ok(runs)
}

fn measure_throughput(
    options: &Options,
    client: &tokio::runtime::Runtime,
    destination: &Destination,
    mode: SendMode,
) -> anyhow::Result<throughput::Throughput> {
    client.block_on(throughput::measure(
        destination,
        mode,
        options.in_flight as usize,
        options.backlog,
        Duration::from_secs(options.seconds),
    ))
}

fn measure_latency(
    options: &Options,
    client: &tokio::runtime::Runtime,
    destination: &Destination,
) -> anyhow::Result<latency::Latency> {
    client.block_on(latency::measure(
        destination,
        options.rate,
        Duration::from_secs(options.seconds),
    ))
}
