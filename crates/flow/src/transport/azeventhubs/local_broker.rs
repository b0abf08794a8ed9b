//! A local broker serving the flow's hubs on its own, for headless runs and tests that do not
//! go through the local Resource Manager.
//!
//! The namespace gets every hub of the flow with 4 partitions and 7 days of retention, as in the
//! course's plan, and each hub's consumer groups. Each hub also gets hub-level `send` (Send) and
//! `listen` (Listen) rules, whose keys live only in this process. Capture writes the `lead` hub's files,
//! which the partner's leads-sold files are made from, in the course's archive name format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use broker::capture::{ArchiveNameFormat, CaptureError, CaptureSettings};
use broker::entity::{EntityError, HubSettings, Namespace, Right, RuleScope};
use broker::server::{Broker, BrokerConfig, BrokerError, BrokerHandle, HubCapture};
use course::flow::HUBS;

use super::{local_connection_string, HubConnections};

/// Partitions per hub, as the course's plan creates them.
const PARTITIONS: u32 = 4;

/// Days of retention per hub, as the course's plan sets them.
const RETENTION_DAYS: u32 = 7;

/// The hub whose capture files the partner reads.
const CAPTURED_HUB: &str = "lead";

/// Capture's size window in megabytes, as the course's plan sets it.
const CAPTURE_SIZE_MEGABYTES: u32 = 300;

/// The settings of a local flow broker.
#[derive(Debug, Clone)]
pub struct LocalBrokerSettings {
    /// The namespace name, such as the plan's broker namespace.
    pub namespace: String,
    /// The folder of the namespace's event log.
    pub data_dir: PathBuf,
    /// The capture container folder; the `lead` hub's files go to `{container}/lead/...`.
    pub capture_container: PathBuf,
    /// Capture's time window in seconds, 60 to 900 as in Azure.
    pub capture_window_seconds: u32,
}

/// A failure to start a local flow broker.
#[derive(Debug, thiserror::Error)]
pub enum LocalBrokerError {
    /// A hub, consumer group or rule could not be created.
    #[error("cannot create the flow's entities in namespace `{namespace}`: {source}")]
    Entity {
        /// The namespace.
        namespace: String,
        /// The entity model's error.
        source: EntityError,
    },
    /// The capture settings are out of Azure's ranges.
    #[error("invalid capture settings for event hub `lead`: {0}")]
    Capture(#[from] CaptureError),
    /// The broker did not start.
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

/// Starts a broker with the flow's hubs on a free port of 127.0.0.1 and returns it with the
/// connection strings of every hub.
pub async fn start_local_broker(
    settings: &LocalBrokerSettings,
) -> Result<(BrokerHandle, BTreeMap<String, HubConnections>), LocalBrokerError> {
    let entity = |source| LocalBrokerError::Entity {
        namespace: settings.namespace.clone(),
        source,
    };
    let mut namespace = Namespace::new(&settings.namespace).map_err(entity)?;
    let now = chrono::Utc::now().timestamp_millis();
    for hub in HUBS.iter() {
        let hub_settings = HubSettings {
            partition_count: PARTITIONS,
            retention_days: RETENTION_DAYS,
        };
        namespace
            .create_hub(hub.name, hub_settings, now)
            .map_err(entity)?;
        let created = namespace.hub_mut(hub.name).map_err(entity)?;
        for group in hub.consumer_groups {
            created.create_consumer_group(group.name).map_err(entity)?;
        }
        let scope = RuleScope::Hub(hub.name.to_owned());
        namespace
            .create_rule(scope.clone(), "send", &[Right::Send])
            .map_err(entity)?;
        namespace
            .create_rule(scope, "listen", &[Right::Listen])
            .map_err(entity)?;
    }

    let capture = HubCapture {
        hub: CAPTURED_HUB.to_owned(),
        settings: CaptureSettings::new(
            settings.capture_window_seconds,
            CAPTURE_SIZE_MEGABYTES,
            true,
            ArchiveNameFormat::course(),
        )?,
        container: settings.capture_container.clone(),
    };
    let mut config = BrokerConfig::new(namespace, settings.data_dir.clone());
    config.capture = vec![capture];
    let handle = Broker::start(config).await?;
    let connections = connections(&handle);
    Ok((handle, connections))
}

/// Returns the connection strings of every flow hub the broker serves, from its hub-level
/// `send` and `listen` rules.
pub fn connections(handle: &BrokerHandle) -> BTreeMap<String, HubConnections> {
    let port = handle.endpoint().port();
    let namespace = handle.namespace();
    let mut connections = BTreeMap::new();
    for hub in namespace.hubs() {
        let key = |name: &str| {
            hub.rules()
                .iter()
                .find(|rule| rule.name == name)
                .map(|rule| {
                    local_connection_string(port, &rule.name, &rule.primary_key, hub.name())
                })
        };
        if let (Some(send), Some(listen)) = (key("send"), key("listen")) {
            connections.insert(hub.name().to_owned(), HubConnections { send, listen });
        }
    }
    connections
}

/// Returns the folder the flow reads the `lead` hub's capture files from.
pub fn lead_capture_folder(capture_container: &Path) -> PathBuf {
    capture_container.join(CAPTURED_HUB)
}
