//! Broker settings: the namespace served, its data folder, ports and host names.

use std::path::PathBuf;
use std::time::Duration;

use super::capture_task::HubCapture;
use super::tls::TlsIdentity;
use crate::entity::Namespace;

/// The settings of one namespace's broker.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The namespace served, with its hubs and rules.
    pub namespace: Namespace,
    /// The folder of the namespace's event log, `{namespace}.db`.
    pub data_dir: PathBuf,
    /// The TCP port on 127.0.0.1; 0 picks a free one. The broker never binds another address.
    pub port: u16,
    /// Host names that tokens may name: clients sign tokens for the host in their connection
    /// string.
    pub hosts: Vec<String>,
    /// How often retention removes events older than each hub's retention.
    pub retention_check_interval: Duration,
    /// The hubs whose events are captured to Avro files, with their settings.
    pub capture: Vec<HubCapture>,
    /// A second listener that serves AMQP over TLS, as Azure does on port 5671. With `None` the
    /// broker serves plain AMQP only.
    pub tls: Option<TlsListenerConfig>,
}

/// The settings of the broker's TLS listener.
#[derive(Debug, Clone)]
pub struct TlsListenerConfig {
    /// The TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The certificate the listener presents and the CA that signed it.
    pub identity: TlsIdentity,
}

impl BrokerConfig {
    /// Serves `namespace` from `data_dir` on a free port of 127.0.0.1, for tokens naming
    /// `127.0.0.1` or `localhost`, checking retention every minute, with capture and TLS off.
    pub fn new(namespace: Namespace, data_dir: PathBuf) -> Self {
        Self {
            namespace,
            data_dir,
            port: 0,
            hosts: vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
            retention_check_interval: Duration::from_secs(60),
            capture: Vec::new(),
            tls: None,
        }
    }

    /// Adds a TLS listener on a free port of 127.0.0.1 that presents `identity`.
    pub fn with_tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(TlsListenerConfig { port: 0, identity });
        self
    }
}
