//! The local Event Hubs broker as the system under test, on a tokio runtime of its own so
//! that its tasks never share worker threads with the client's.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use broker::entity::{HubSettings, Namespace, Right, RuleScope};
use broker::secret::Secret;
use broker::server::{Broker, BrokerConfig, BrokerHandle};
use fe2o3_amqp::sasl_profile::SaslProfile;

use crate::cbs::CbsToken;
use crate::client::Destination;
use crate::sas::sign_token;

/// The namespace the benchmark creates.
const NAMESPACE: &str = "bench-local";
/// The rule whose key signs the benchmark's tokens.
const RULE: &str = "bench";
/// The host name in link addresses and token resources.
const HOST: &str = "127.0.0.1";
/// How long the benchmark's tokens stay valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3_600);
/// The worker threads of the broker's runtime.
const BROKER_THREADS: usize = 2;

/// A running broker with a fresh event log, stopped with [`LocalBroker::stop`].
#[derive(Debug)]
pub(crate) struct LocalBroker {
    runtime: tokio::runtime::Runtime,
    handle: Option<BrokerHandle>,
    key: Secret<String>,
    data_dir: PathBuf,
}

impl LocalBroker {
    /// Starts a broker for the namespace `bench-local` with a Send and Listen rule, its log in
    /// a new folder `data_dir`. Must be called outside any tokio runtime.
    pub(crate) fn start(data_dir: &Path) -> anyhow::Result<Self> {
        if data_dir.exists() {
            std::fs::remove_dir_all(data_dir)
                .with_context(|| format!("removing `{}` failed", data_dir.display()))?;
        }
        let mut namespace = Namespace::new(NAMESPACE)?;
        let key = namespace
            .create_rule(RuleScope::Namespace, RULE, &[Right::Send, Right::Listen])?
            .primary_key
            .clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(BROKER_THREADS)
            .thread_name("broker")
            .enable_all()
            .build()
            .context("building the broker's runtime failed")?;
        let config = BrokerConfig::new(namespace, data_dir.to_owned());
        let handle = runtime
            .block_on(Broker::start(config))
            .context("starting the broker failed")?;
        tracing::info!(endpoint = %handle.endpoint(), "broker started");
        Ok(Self {
            runtime,
            handle: Some(handle),
            key,
            data_dir: data_dir.to_owned(),
        })
    }

    /// Creates a hub with `partitions` partitions and returns how the client reaches it: the
    /// hub for sending, one consumer per partition of the default consumer group, and a
    /// token for the hub signed with the rule's key.
    pub(crate) fn create_hub(&self, hub: &str, partitions: u32) -> anyhow::Result<Destination> {
        let handle = self.handle.as_ref().context("the broker was stopped")?;
        let now_ms = now_seconds() as i64 * 1000;
        let settings = HubSettings {
            partition_count: partitions,
            retention_days: 1,
        };
        handle.update_namespace(|namespace| {
            namespace.create_hub(hub, settings, now_ms).map(|_| ())
        })?;
        let expiry = now_seconds() + TOKEN_LIFETIME.as_secs();
        let token = sign_token(&format!("sb://{HOST}/{hub}"), RULE, &self.key, expiry);
        let receiver_addresses = (0..partitions)
            .map(|id| format!("amqps://{HOST}/{hub}/ConsumerGroups/$Default/Partitions/{id}"))
            .collect();
        Ok(Destination {
            broker: "broker",
            url: format!("amqp://{HOST}:{}", handle.endpoint().port()),
            sasl: SaslProfile::Anonymous,
            sender_address: format!("amqps://{HOST}/{hub}"),
            receiver_addresses,
            token: Some(CbsToken {
                audience: format!("amqps://{HOST}/{hub}"),
                token,
                expiry,
            }),
        })
    }

    /// Shuts the broker down (within its 5 s grace period), stops its runtime and removes its
    /// event log.
    pub(crate) fn stop(mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
        self.runtime.shutdown_timeout(Duration::from_secs(5));
        if let Err(error) = std::fs::remove_dir_all(&self.data_dir) {
            tracing::warn!(%error, dir = %self.data_dir.display(), "removing the event log failed");
        }
    }
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}
