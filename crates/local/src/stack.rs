//! Everything the Local target serves, started together over one data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use broker::capture::DemoInterval;
use broker::server::{TlsError, TlsIdentity, CA_CERTIFICATE_FILE};
use control::local::{EffectError, LocalEffects, LocalError, LocalOptions, LocalResourceManager};
use control::secrets::Keychain;
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle, ServiceError};

use crate::endpoints::{Endpoints, HubEndpoint, NamespaceEndpoint};
use crate::lock::{DataDirLock, LockError};
use crate::LiveEffects;

/// A failure to start the Local target.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// Another process serves the data directory, or its lock file cannot be locked.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The data directory cannot be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The schema registry did not start.
    #[error("the local schema registry did not start: {0}")]
    Registry(#[from] ServiceError),
    /// The brokers' TLS certificates could not be created.
    #[error("the brokers' TLS listeners cannot start: {0}")]
    Tls(#[from] TlsError),
    /// The brokers' CA certificate could not be written to the data directory.
    #[error("cannot write the brokers' CA certificate to {path}: {source}")]
    CaCertificate {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The namespaces of earlier runs could not be served again.
    #[error("cannot restore the namespaces of earlier runs: {0}")]
    Restore(#[from] EffectError),
    /// The local Resource Manager did not start.
    #[error("the local Resource Manager did not start: {0}")]
    ResourceManager(#[from] LocalError),
}

/// The running Local target: the local Resource Manager with [`LiveEffects`], the schema
/// registry, and one broker per namespace, each serving plain AMQP and AMQP over TLS.
#[derive(Debug)]
pub struct LocalStack {
    data_dir: PathBuf,
    broker_ca_path: PathBuf,
    effects: Arc<LiveEffects>,
    keychain: Keychain,
    registry: RegistryHandle,
    arm: LocalResourceManager,
    lock: DataDirLock,
}

impl LocalStack {
    /// Starts the registry, serves again every namespace the Resource Manager's state in
    /// `data_dir` contains (with its hubs, consumer groups, captures, and rules with their
    /// keys from `keychain`), then starts the Resource Manager. Must be called within a
    /// multi-threaded tokio runtime. Fails at once with [`LockError::InUse`] while another
    /// process serves `data_dir`, and keeps its [`DataDirLock`] until [`LocalStack::stop`].
    pub async fn start(data_dir: &Path, keychain: Keychain) -> Result<Self, StackError> {
        let lock = DataDirLock::acquire(data_dir)?;
        std::fs::create_dir_all(data_dir).map_err(|source| StackError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        // One CA signs the TLS certificate of every broker of this process, and its
        // certificate is written to the data directory before any broker starts.
        // NOTE: the registry makes its own CA in `LocalRegistry::start` and keeps that key
        // private, so the Local target has two CA files until the registry can take a
        // `TlsIdentity` as well.
        let tls = TlsIdentity::generate()?;
        let broker_ca_path = data_dir.join(CA_CERTIFICATE_FILE);
        tls.write_ca_certificate(&broker_ca_path)
            .map_err(|source| StackError::CaCertificate {
                path: broker_ca_path.clone(),
                source,
            })?;
        let registry = LocalRegistry::start(RegistryConfig::with_data_dir(data_dir)).await?;
        let effects =
            Arc::new(LiveEffects::new(data_dir, Arc::clone(registry.store())).with_tls(tls));

        let restored = match restore(&effects, data_dir, &keychain).await {
            Ok(count) => count,
            Err(error) => {
                effects.shutdown().await;
                registry.stop().await;
                return Err(error.into());
            }
        };
        tracing::info!(entities = restored, "restored the entities of earlier runs");

        let arm = match LocalResourceManager::start(
            data_dir,
            keychain.clone(),
            Arc::clone(&effects) as Arc<dyn LocalEffects>,
            LocalOptions::default(),
        )
        .await
        {
            Ok(arm) => arm,
            Err(error) => {
                effects.shutdown().await;
                registry.stop().await;
                return Err(error.into());
            }
        };
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            broker_ca_path,
            effects,
            keychain,
            registry,
            arm,
            lock,
        })
    }

    /// Replays the Resource Manager's state into the running brokers again. Creating a hub
    /// through the Resource Manager does not pass its capture settings to the brokers, so a
    /// caller that applied hubs with capture calls this afterwards to start their capture.
    /// Entities that already match are left alone, and a hub's capture restarts only when it
    /// changed. Returns how many entities were replayed.
    pub async fn reload(&self) -> Result<usize, StackError> {
        Ok(restore(&self.effects, &self.data_dir, &self.keychain).await?)
    }

    /// Sets or clears the demo capture window of a running namespace, as
    /// [`LiveEffects::set_demo_capture_window`] does, on a blocking thread. Returns whether
    /// the window changed.
    pub async fn set_demo_capture_window(
        &self,
        namespace: &str,
        demo: Option<DemoInterval>,
    ) -> Result<bool, EffectError> {
        let (effects, namespace_name) = (Arc::clone(&self.effects), namespace.to_owned());
        tokio::task::spawn_blocking(move || effects.set_demo_capture_window(&namespace_name, demo))
            .await
            .unwrap_or_else(|error| {
                Err(EffectError {
                    service: "broker",
                    action: format!("set the demo capture window of namespace `{namespace}`"),
                    reason: error.to_string(),
                })
            })
    }

    /// Returns the endpoints of every service and the entities of each namespace, with no
    /// secret.
    pub fn endpoints(&self) -> Endpoints {
        let namespaces = self
            .effects
            .namespaces()
            .into_iter()
            .map(|(namespace, endpoint)| NamespaceEndpoint {
                name: namespace.name().to_owned(),
                endpoint,
                tls_endpoint: self.effects.tls_endpoint(namespace.name()),
                hubs: namespace
                    .hubs()
                    .iter()
                    .map(|hub| HubEndpoint {
                        name: hub.name().to_owned(),
                        partitions: hub.settings().partition_count,
                        consumer_groups: hub.consumer_groups().to_vec(),
                        rules: hub.rules().iter().map(|rule| rule.name.clone()).collect(),
                    })
                    .collect(),
            })
            .collect();
        Endpoints {
            arm: self.arm.url().to_owned(),
            subscription: self.arm.subscription().to_owned(),
            registry: self.registry.endpoint(),
            registry_ca_certificate: self.registry.ca_certificate_path().map(Path::to_path_buf),
            broker_ca_certificate: Some(self.broker_ca_path.clone()),
            namespaces,
        }
    }

    /// Returns the data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Returns the local Resource Manager, for its ARM client and target.
    pub fn resource_manager(&self) -> &LocalResourceManager {
        &self.arm
    }

    /// Returns the schema registry, for its CA certificate and bearer tokens.
    pub fn registry(&self) -> &RegistryHandle {
        &self.registry
    }

    /// Returns the brokers behind the Resource Manager.
    pub fn effects(&self) -> &Arc<LiveEffects> {
        &self.effects
    }

    /// Stops the Resource Manager, the registry and every broker, then releases the data
    /// directory's lock. The data directory keeps their state for the next start.
    pub async fn stop(self) {
        if let Err(error) = self.arm.stop().await {
            tracing::warn!(%error, "the local Resource Manager did not stop cleanly");
        }
        self.registry.stop().await;
        self.effects.shutdown().await;
        drop(self.lock);
    }
}

/// Runs [`LocalEffects::restore`] on a blocking thread, where the effects may wait for the
/// brokers.
async fn restore(
    effects: &Arc<LiveEffects>,
    data_dir: &Path,
    keychain: &Keychain,
) -> Result<usize, EffectError> {
    let (effects, data_dir, keychain) = (
        Arc::clone(effects),
        data_dir.to_path_buf(),
        keychain.clone(),
    );
    tokio::task::spawn_blocking(move || effects.restore(&data_dir, &keychain))
        .await
        .unwrap_or_else(|error| {
            Err(EffectError {
                service: "broker",
                action: "restore the namespaces of earlier runs".to_owned(),
                reason: error.to_string(),
            })
        })
}
