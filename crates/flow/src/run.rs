//! Running the whole flow: every team service, consumer and background task, started from one
//! configuration, and the headless run that returns a [`FlowReport`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use course::flow::{HUBS, PARKED_HUB};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::controls::FlowControls;
use crate::events::EventCodec;
use crate::lake::LakeWriter;
use crate::metrics::{
    publish_snapshots, Metrics, MetricsSnapshot, TrackedGroup, NOTICE_LOG_TARGET,
};
use crate::outbox::OutboxPublisher;
use crate::report::{build_report, FlowReport};
use crate::runtime::{ConsumerRuntime, ConsumerSpec, EventHandler};
use crate::services::conversions::LeadService;
use crate::services::customer::{CustomerCreator, CustomerFollower, CustomerFollows};
use crate::services::datalake::DatalakeService;
use crate::services::parked::ParkedList;
use crate::services::partner::{PartnerError, PartnerFiles, PeriodicPartner, LEAD_HUB};
use crate::services::product::ProductService;
use crate::services::sale::{PurchaseService, SaleService};
use crate::setup::{FlowConfig, FlowError, FlowStores};
use crate::transport::EventTransport;

/// How long a stop waits for the outbox publishers to finish the batches they have in flight.
const OUTBOX_STOP_GRACE: Duration = Duration::from_secs(5);

/// A running flow. Dropping it aborts every task at once, as a crash would.
/// [`FlowHandle::stop`] aborts them too, except that the outbox publishers first finish and mark
/// the events they have in flight, so a stop sends no event twice.
#[derive(Debug)]
pub struct FlowHandle {
    config: FlowConfig,
    transport: Arc<dyn EventTransport>,
    codec: EventCodec,
    stores: FlowStores,
    controls: FlowControls,
    runtime: ConsumerRuntime,
    metrics: Arc<Metrics>,
    snapshots: watch::Receiver<MetricsSnapshot>,
    outboxes: Vec<OutboxPublisher>,
    lake: LakeWriter,
    tasks: JoinSet<()>,
    /// The outbox publishers, stopped apart from the other tasks so that they can finish the
    /// batches they have in flight.
    outbox_tasks: JoinSet<()>,
    stop_outboxes: watch::Sender<bool>,
}

/// Starts every service, consumer and background task of the flow.
pub async fn start_flow(
    config: FlowConfig,
    transport: Arc<dyn EventTransport>,
    codec: EventCodec,
) -> Result<FlowHandle, FlowError> {
    let stores = FlowStores::open(&config)?;
    let metrics = Metrics::new();
    let controls = FlowControls::new(config.pace, transport.clone(), codec.clone());
    let runtime = ConsumerRuntime::new(
        transport.clone(),
        stores.checkpoints.clone(),
        metrics.clone(),
    )
    .with_policy(config.policy)
    .with_read_options(config.read)
    .with_pause(controls.paused_receiver());
    let mut tasks = JoinSet::new();

    let customer_outbox = OutboxPublisher::new(
        stores.customer.clone(),
        codec.clone(),
        transport.clone(),
        metrics.clone(),
    );
    let conversions_outbox = OutboxPublisher::new(
        stores.conversions.clone(),
        codec.clone(),
        transport.clone(),
        metrics.clone(),
    );
    let (stop_outboxes, outbox_stop) = watch::channel(false);
    let mut outbox_tasks = JoinSet::new();
    outbox_tasks.spawn(customer_outbox.clone().run(outbox_stop.clone()));
    outbox_tasks.spawn(conversions_outbox.clone().run(outbox_stop));

    let mut groups = Vec::new();
    for hub in HUBS.iter() {
        for group in hub.consumer_groups {
            let handler = handler_for(hub.name, group.name, &stores, &codec, &conversions_outbox)?;
            runtime
                .start(
                    ConsumerSpec {
                        hub: hub.name.to_string(),
                        consumer_group: group.name.to_string(),
                        team: group.team,
                        handler,
                    },
                    &mut tasks,
                )
                .await?;
            groups.push(TrackedGroup {
                hub: hub.name.to_string(),
                consumer_group: group.name.to_string(),
            });
        }
    }

    let creator = CustomerCreator::new(
        stores.customer.clone(),
        config.seed,
        config.customers,
        customer_outbox.waker(),
    )
    // The Conversions team publishes a lead or an abandoned lead for each customer.
    .with_downstream_outbox(stores.conversions.clone())
    .with_notices(metrics.clone());
    tasks.spawn(creator.run(controls.pace_receiver(), controls.paused_receiver()));

    let partner = PartnerFiles::new(
        stores.conversions.clone(),
        codec.clone(),
        config.lead_capture_folder.clone(),
        config.leads_sold_folder(),
        config.capture_window,
        config.capture_clock.clone(),
    )
    .with_reset_marks(lead_reset_marks(&stores.checkpoints, transport.as_ref()).await?);
    let sales = SaleService::new(stores.conversions.clone(), conversions_outbox.waker());
    tasks.spawn(run_partner(
        PeriodicPartner::new(partner),
        sales,
        config.leads_sold_folder(),
        config.partner_interval,
        metrics.clone(),
    ));

    let lake = LakeWriter::new(stores.platform.clone(), config.lake_folder.clone());
    tasks.spawn(lake.clone().run(config.lake_interval));

    let (sender, snapshots) = watch::channel(MetricsSnapshot::default());
    tasks.spawn(publish_snapshots(
        metrics.clone(),
        transport.clone(),
        stores.checkpoints.clone(),
        groups,
        sender,
    ));
    tracing::info!(seed = config.seed, customers = ?config.customers, "flow started");

    Ok(FlowHandle {
        config,
        transport,
        codec,
        stores,
        controls,
        runtime,
        metrics,
        snapshots,
        outboxes: vec![customer_outbox, conversions_outbox],
        lake,
        tasks,
        outbox_tasks,
        stop_outboxes,
    })
}

fn handler_for(
    hub: &str,
    group: &str,
    stores: &FlowStores,
    codec: &EventCodec,
    conversions_outbox: &OutboxPublisher,
) -> Result<Arc<dyn EventHandler>, FlowError> {
    let codec = codec.clone();
    let handler: Arc<dyn EventHandler> = match (hub, group) {
        ("customer", "lead") => Arc::new(LeadService::new(
            stores.conversions.clone(),
            codec,
            conversions_outbox.waker(),
        )),
        ("sale", "purchase") => Arc::new(PurchaseService::new(
            stores.conversions.clone(),
            codec,
            conversions_outbox.waker(),
        )),
        ("lead", "customer") => Arc::new(CustomerFollower::new(
            stores.customer.clone(),
            codec,
            CustomerFollows::Leads,
        )),
        ("sale", "customer") => Arc::new(CustomerFollower::new(
            stores.customer.clone(),
            codec,
            CustomerFollows::Sales,
        )),
        ("lead_purchased", "customer") => Arc::new(CustomerFollower::new(
            stores.customer.clone(),
            codec,
            CustomerFollows::Purchases,
        )),
        ("lead_purchased", "product") => {
            Arc::new(ProductService::new(stores.product.clone(), codec))
        }
        (PARKED_HUB, "platform") => Arc::new(ParkedList::new(stores.platform.clone())),
        (hub, "datalake") if hub != PARKED_HUB => {
            Arc::new(DatalakeService::new(stores.platform.clone(), codec, hub))
        }
        _ => {
            return Err(FlowError::NoService {
                hub: hub.to_string(),
                consumer_group: group.to_string(),
            })
        }
    };
    Ok(handler)
}

/// Builds leads-sold files from new capture files and imports every leads-sold file, every
/// `interval`. Importing is idempotent per lead, so files imported before change nothing.
async fn run_partner(
    mut partner: PeriodicPartner,
    sales: SaleService,
    leads_sold_folder: PathBuf,
    interval: Duration,
    metrics: Arc<Metrics>,
) {
    let mut ticker = tokio::time::interval(interval);
    let mut reported_missing = false;
    // Leads-sold files are renamed into place whole, so each is imported once.
    let mut files_imported: HashSet<PathBuf> = HashSet::new();
    loop {
        ticker.tick().await;
        match partner.round().await {
            Ok(round) => {
                reported_missing = false;
                for skipped in round.skipped {
                    let notice = skipped.notice();
                    // Info, not warn: the notice already brings it to the people watching.
                    tracing::info!(
                        file = %skipped.file.display(),
                        partition = %skipped.partition_id,
                        sequence = skipped.sequence_number,
                        reason = %skipped.reason,
                        "the partner skipped a capture record it cannot decode"
                    );
                    metrics.notice(notice);
                    metrics.skipped_capture_record(skipped);
                }
                for message in round.failures {
                    let notice = format!(
                        "the partner cannot sell the leads of a capture file yet, and tries \
                         it again every {} ms: {message}",
                        interval.as_millis()
                    );
                    tracing::warn!(target: NOTICE_LOG_TARGET, "{notice}");
                    metrics.notice(notice);
                }
            }
            Err(error @ PartnerError::NoCaptureFile { .. }) => {
                // Said once until a file appears, not on every tick.
                if !reported_missing {
                    tracing::info!(target: NOTICE_LOG_TARGET, %error, "no leads-sold file yet");
                    metrics.notice(error.to_string());
                    reported_missing = true;
                }
            }
            Err(error) => tracing::warn!(%error, "listing the capture files failed"),
        }
        for file in leads_sold_files(&leads_sold_folder) {
            if files_imported.contains(&file) {
                continue;
            }
            match sales.import(&file) {
                Ok(_) => {
                    files_imported.insert(file);
                }
                Err(error) => {
                    tracing::warn!(file = %file.display(), %error, "importing a leads-sold file failed");
                }
            }
        }
    }
}

/// Lists the leads-sold files in `folder`, sorted by name, or none when it cannot be read.
fn leads_sold_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "csv"))
        .collect();
    files.sort();
    files
}

impl FlowHandle {
    /// Returns the controls.
    pub fn controls(&self) -> &FlowControls {
        &self.controls
    }

    /// Returns a receiver of metric snapshots, about ten a second.
    pub fn metrics(&self) -> watch::Receiver<MetricsSnapshot> {
        self.snapshots.clone()
    }

    /// Returns the stores.
    pub fn stores(&self) -> &FlowStores {
        &self.stores
    }

    /// Returns the consumer runtime, for the partition readers that stopped.
    pub fn runtime(&self) -> &ConsumerRuntime {
        &self.runtime
    }

    /// Writes staged lake records and builds the report of the flow as it is now.
    pub async fn report(&self) -> Result<FlowReport, FlowError> {
        if let Err(error) = self.lake.flush() {
            tracing::warn!(%error, "writing lake files before the report failed");
        }
        let mut pending = 0;
        for outbox in &self.outboxes {
            pending += outbox.pending()?;
        }
        build_report(
            &self.config,
            &self.stores,
            self.transport.as_ref(),
            &self.metrics,
            pending,
        )
        .await
    }

    /// Stops every task and waits for them to end.
    pub async fn stop(mut self) {
        self.shut_down().await;
        tracing::info!("flow stopped");
    }

    /// Aborts the services and consumers, so that no new event enters an outbox, then lets the
    /// outbox publishers finish their batches in flight for up to [`OUTBOX_STOP_GRACE`].
    async fn shut_down(&mut self) {
        self.tasks.shutdown().await;
        let _ = self.stop_outboxes.send(true);
        let finished = tokio::time::timeout(OUTBOX_STOP_GRACE, async {
            while self.outbox_tasks.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                "the outbox publishers did not finish within {} s; events they sent may be sent \
                 again at the next start",
                OUTBOX_STOP_GRACE.as_secs()
            );
        }
        self.outbox_tasks.shutdown().await;
    }

    /// Stops the flow, deletes every team store, lake file and leads-sold file, moves every
    /// checkpoint to the end of its partition so old events are not read again, and starts
    /// the flow afresh.
    pub async fn reset(mut self) -> Result<FlowHandle, FlowError> {
        self.shut_down().await;
        let (config, transport, codec) = (self.config, self.transport, self.codec);
        drop(self.stores);
        reset_flow_state(&config, transport.as_ref()).await?;
        start_flow(config, transport, codec).await
    }
}

/// Returns the reset marks of hub `lead` for the partner. When the hub's runtime information
/// cannot be read, the partner gets no marks and reports every undecodable record.
async fn lead_reset_marks(
    checkpoints: &CheckpointStore,
    transport: &dyn EventTransport,
) -> Result<HashMap<String, i64>, FlowError> {
    match transport.hub_runtime(LEAD_HUB).await {
        Ok(runtime) => Ok(checkpoints.reset_marks(&runtime)?),
        Err(error) => {
            tracing::warn!(
                hub = LEAD_HUB,
                %error,
                "reading the hub's runtime information failed, so the partner reports \
                 undecodable capture records from before the last reset too"
            );
            Ok(HashMap::new())
        }
    }
}

/// Deletes the flow's stores, lake files and leads-sold files, and checkpoints every consumer
/// group at the end of every partition. The flow must not be running.
pub async fn reset_flow_state(
    config: &FlowConfig,
    transport: &dyn EventTransport,
) -> Result<(), FlowError> {
    for name in ["customer", "conversions", "product", "platform"] {
        for suffix in ["sqlite", "sqlite-wal", "sqlite-shm"] {
            let path = config.data_folder.join(format!("{name}.{suffix}"));
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| FlowError::Folder { path, source })?;
            }
        }
    }
    // The lake folder may be a storage container that the Resource Manager created, so it
    // is emptied rather than removed.
    empty_folder(&config.lake_folder)?;
    let leads_sold = config.leads_sold_folder();
    if leads_sold.exists() {
        std::fs::remove_dir_all(&leads_sold).map_err(|source| FlowError::Folder {
            path: leads_sold.clone(),
            source,
        })?;
    }

    // A reset before the first run finds no folder yet: the checkpoints it writes create it.
    std::fs::create_dir_all(&config.data_folder).map_err(|source| FlowError::Folder {
        path: config.data_folder.clone(),
        source,
    })?;
    let checkpoints = CheckpointStore::open(&config.data_folder.join("checkpoints.sqlite"))?;
    let mut runtimes = Vec::new();
    for hub in HUBS.iter() {
        let runtime = transport
            .hub_runtime(hub.name)
            .await
            .map_err(|error| FlowError::Reset {
                hub: hub.name.to_string(),
                message: error.to_string(),
            })?;
        for group in hub.consumer_groups {
            checkpoints.clear(hub.name, group.name)?;
            for partition in runtime
                .partitions
                .iter()
                .filter(|partition| !partition.is_empty)
            {
                checkpoints.save(&Checkpoint {
                    hub: hub.name.to_string(),
                    consumer_group: group.name.to_string(),
                    partition_id: partition.partition_id.clone(),
                    sequence_number: partition.last_enqueued_sequence_number,
                    // NOTE: the offset of the last event is not part of the runtime
                    // information; readers start by sequence number, so it stays unknown.
                    offset: String::new(),
                    partition_count: runtime.partitions.len() as u32,
                    hub_created_at_ms: runtime.created_at_ms,
                })?;
            }
        }
        runtimes.push(runtime);
    }
    checkpoints.save_reset_marks(&runtimes)?;
    tracing::info!("flow reset");
    Ok(())
}

/// Removes everything inside `folder` but the folder itself; a missing folder is empty.
fn empty_folder(folder: &std::path::Path) -> Result<(), FlowError> {
    let failed = |path: PathBuf| move |source| FlowError::Folder { path, source };
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(failed(folder.to_path_buf())(error)),
    };
    for entry in entries {
        let path = entry.map_err(failed(folder.to_path_buf()))?.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(failed(path))?;
    }
    Ok(())
}

/// Runs the flow until `config.customers` customers have passed through every service, or
/// until `config.timeout`, and returns the report. Without a customer limit it runs until the
/// timeout.
pub async fn run_flow(
    config: FlowConfig,
    transport: Arc<dyn EventTransport>,
    codec: EventCodec,
) -> Result<FlowReport, FlowError> {
    let timeout = config.timeout;
    let handle = start_flow(config, transport, codec).await?;
    let started = Instant::now();
    let mut report = handle.report().await?;
    while !report.finished() && started.elapsed() < timeout {
        tokio::time::sleep(Duration::from_millis(100)).await;
        report = handle.report().await?;
    }
    handle.stop().await;
    report.timed_out = !report.finished();
    Ok(report)
}
