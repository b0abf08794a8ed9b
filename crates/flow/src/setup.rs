//! The starting point of a flow: its settings, the failures that stop it, and the stores of
//! its teams and checkpoints.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::checkpoint::CheckpointStore;
use crate::runtime::{FailurePolicy, ReadOptions, RuntimeError};
use crate::services::conversions;
use crate::services::customer;
use crate::services::datalake;
use crate::services::product;
use crate::sqlite::StoreError;
use crate::store::TeamStore;

/// The settings of a flow.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// Folder of the team stores, the checkpoint store and the leads-sold files.
    pub data_folder: PathBuf,
    /// Folder of the data lake's files.
    pub lake_folder: PathBuf,
    /// Folder in which capture writes the `lead` hub's files.
    pub lead_capture_folder: PathBuf,
    /// The `lead` hub's capture time window.
    pub capture_window: Duration,
    /// The seed of the customer generator.
    pub seed: u64,
    /// How many customers to create; `None` creates them until the flow stops.
    pub customers: Option<u64>,
    /// The time between two new customers (10 s in the course).
    pub pace: Duration,
    /// The consumers' failure policy.
    pub policy: FailurePolicy,
    /// The readers' receive settings.
    pub read: ReadOptions,
    /// How often the partner builds a leads-sold file from new capture files.
    pub partner_interval: Duration,
    /// Whether `capture_window` and `partner_interval` are the Local target's demo timing
    /// (capture windows of a few seconds on the local broker) instead of the course's.
    pub demo_timing: bool,
    /// How often staged records are written to the lake.
    pub lake_interval: Duration,
    /// How long [`run_flow`] waits for every customer to pass through every service.
    pub timeout: Duration,
    /// The closing time of the `lead` hub's next capture window, from the broker, where known.
    pub capture_clock: Option<crate::services::partner::CaptureClock>,
}

impl FlowConfig {
    /// Configures a flow with the course's pace of one customer every 10 s, capture windows of
    /// 300 s, the default failure policy and no customer limit.
    pub fn new(data_folder: PathBuf, lake_folder: PathBuf, lead_capture_folder: PathBuf) -> Self {
        FlowConfig {
            data_folder,
            lake_folder,
            lead_capture_folder,
            capture_window: Duration::from_secs(300),
            seed: 1,
            customers: None,
            pace: Duration::from_secs(10),
            policy: FailurePolicy::default(),
            read: ReadOptions::default(),
            partner_interval: Duration::from_secs(30),
            demo_timing: false,
            lake_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(600),
            capture_clock: None,
        }
    }

    /// Returns the folder of leads-sold files.
    pub fn leads_sold_folder(&self) -> PathBuf {
        self.data_folder.join("leads-sold")
    }
}

/// A failure to start or run the flow.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A consumer cannot start.
    #[error(transparent)]
    Runtime(Box<RuntimeError>),
    /// The data folder cannot be created or cleared.
    #[error("cannot use the flow's folder `{path}`: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The course defines a consumer group the flow has no service for.
    #[error("consumer group `{consumer_group}` on `{hub}` has no service in the flow")]
    NoService {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
    },
    /// A hub's runtime information could not be read during a reset.
    #[error("resetting the flow failed on hub `{hub}`: {message}")]
    Reset {
        /// The hub.
        hub: String,
        /// The transport's message.
        message: String,
    },
}

impl From<RuntimeError> for FlowError {
    fn from(error: RuntimeError) -> Self {
        FlowError::Runtime(Box::new(error))
    }
}

/// The stores of a running flow.
#[derive(Debug, Clone)]
pub struct FlowStores {
    /// The Customer team's store.
    pub customer: Arc<TeamStore>,
    /// The Conversions team's store.
    pub conversions: Arc<TeamStore>,
    /// The Product team's store.
    pub product: Arc<TeamStore>,
    /// The Platform team's store: lake staging and parked events.
    pub platform: Arc<TeamStore>,
    /// The checkpoint store.
    pub checkpoints: Arc<CheckpointStore>,
}

impl FlowStores {
    pub(crate) fn open(config: &FlowConfig) -> Result<Self, FlowError> {
        std::fs::create_dir_all(&config.data_folder).map_err(|source| FlowError::Folder {
            path: config.data_folder.clone(),
            source,
        })?;
        let path = |name: &str| config.data_folder.join(name);
        Ok(FlowStores {
            customer: Arc::new(customer::open_store(&path("customer.sqlite"))?),
            conversions: Arc::new(conversions::open_store(&path("conversions.sqlite"))?),
            product: Arc::new(product::open_store(&path("product.sqlite"))?),
            platform: Arc::new(datalake::open_store(&path("platform.sqlite"))?),
            checkpoints: Arc::new(CheckpointStore::open(&path("checkpoints.sqlite"))?),
        })
    }
}
