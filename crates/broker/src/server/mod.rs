//! The broker on TCP: one listener on 127.0.0.1 per namespace, serving Event Hubs over plain
//! AMQP 1.0 through the sans-I/O engine of the `amqp` crate, and optionally a second listener
//! that serves the same engine inside TLS (see [`TlsIdentity`]).
//!
//! Nodes: `$cbs` (put-token, replied to with 202), `$management` (READ of hub and partition
//! properties), `{hub}` and `{hub}/Partitions/{id}` for producers, and
//! `{hub}/ConsumerGroups/{group}/Partitions/{id}` for consumers, which get their events
//! pre-settled.

mod address;
mod attach;
mod capture_record;
mod capture_task;
mod cbs;
mod config;
mod connection;
mod consume;
mod listener;
mod management;
mod produce;
mod reply;
mod state;
mod tls;
mod token_expiry;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

pub use capture_task::{forget_capture_state, CaptureTaskError, HubCapture};
pub use config::{BrokerConfig, TlsListenerConfig};
pub use tls::{TlsError, TlsIdentity, CA_CERTIFICATE_FILE};

use crate::entity::Namespace;
use crate::log::{EventLog, LogError};
use crate::secret::Secret;
use state::Shared;

/// How long shutdown waits for connections to close before it stops waiting.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A failure to start a broker.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The data folder cannot be created.
    #[error("cannot create the broker's data folder `{path}`: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The port cannot be bound.
    #[error(
        "cannot listen on 127.0.0.1:{port}: {source}; choose another port or 0 for a free one"
    )]
    Bind {
        /// The port.
        port: u16,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The CA certificate of the TLS listener cannot be written to the data folder.
    #[error("cannot write the broker's CA certificate to `{path}`: {source}")]
    CaCertificate {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The event log cannot be opened.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Starts brokers.
#[derive(Debug)]
pub struct Broker;

impl Broker {
    /// Opens the namespace's event log, binds 127.0.0.1 and starts serving. Must be called
    /// within a tokio runtime.
    pub async fn start(config: BrokerConfig) -> Result<BrokerHandle, BrokerError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| BrokerError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let log_path = config
            .data_dir
            .join(format!("{}.db", config.namespace.name()));
        let log = EventLog::open(&log_path)?;
        let listener = listener::bind(config.port).map_err(|source| BrokerError::Bind {
            port: config.port,
            source,
        })?;
        let endpoint = listener.local_addr().map_err(|source| BrokerError::Bind {
            port: config.port,
            source,
        })?;
        let tls = config
            .tls
            .map(|tls| bind_tls(tls, &config.data_dir))
            .transpose()?;
        let shared = Arc::new(Shared::new(config.namespace, log, config.hosts));
        let (shutdown, shutdown_signal) = watch::channel(false);
        let accept = tokio::spawn(listener::accept_loop(
            listener,
            None,
            Arc::clone(&shared),
            shutdown_signal.clone(),
        ));
        let retention = tokio::spawn(retention_loop(
            Arc::clone(&shared),
            config.retention_check_interval,
            shutdown_signal.clone(),
        ));
        let mut tasks = vec![accept, retention];
        let tls_endpoint = match tls {
            Some(BoundTls {
                listener,
                endpoint,
                identity,
                ca_path,
            }) => {
                tasks.push(tokio::spawn(listener::accept_loop(
                    listener,
                    Some(identity.acceptor()),
                    Arc::clone(&shared),
                    shutdown_signal.clone(),
                )));
                Some(TlsEndpoint {
                    address: endpoint,
                    identity,
                    ca_path,
                })
            }
            None => None,
        };
        let captures = config
            .capture
            .into_iter()
            .map(|capture| {
                let hub = capture.hub.to_ascii_lowercase();
                (
                    hub,
                    RunningCapture::spawn(&shared, capture, &shutdown_signal),
                )
            })
            .collect();
        tracing::info!(
            %endpoint,
            tls_endpoint = ?tls_endpoint.as_ref().map(|tls| tls.address),
            namespace = shared.namespace().name(),
            "broker started"
        );
        Ok(BrokerHandle {
            endpoint,
            tls: tls_endpoint,
            shared,
            shutdown,
            shutdown_signal,
            tasks,
            captures: Mutex::new(captures),
        })
    }
}

/// The TLS listener bound but not yet serving, with its CA certificate written.
struct BoundTls {
    listener: tokio::net::TcpListener,
    endpoint: SocketAddr,
    identity: TlsIdentity,
    ca_path: PathBuf,
}

/// Binds the TLS listener's port and writes the CA certificate clients need to trust it.
fn bind_tls(tls: TlsListenerConfig, data_dir: &Path) -> Result<BoundTls, BrokerError> {
    let bind_error = |source| BrokerError::Bind {
        port: tls.port,
        source,
    };
    let listener = listener::bind(tls.port).map_err(bind_error)?;
    let endpoint = listener.local_addr().map_err(bind_error)?;
    let ca_path = data_dir.join(CA_CERTIFICATE_FILE);
    tls.identity
        .write_ca_certificate(&ca_path)
        .map_err(|source| BrokerError::CaCertificate {
            path: ca_path.display().to_string(),
            source,
        })?;
    Ok(BoundTls {
        listener,
        endpoint,
        identity: tls.identity,
        ca_path,
    })
}

/// The address of a running TLS listener and the CA behind its certificate.
#[derive(Debug)]
struct TlsEndpoint {
    address: SocketAddr,
    identity: TlsIdentity,
    ca_path: PathBuf,
}

/// The request that ends a hub's capture task, apart from the broker's shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaptureEnd {
    /// Not asked to end.
    Running,
    /// Stops after its step with the positions saved, for a capture that resumes from them.
    Replaced,
    /// Capture is turned off: the open windows' events go to files at once and the positions
    /// are removed (see `HubCaptureState::finish`).
    TurnedOff,
}

/// One hub's capture task and the signal that ends it alone.
#[derive(Debug)]
struct RunningCapture {
    end: watch::Sender<CaptureEnd>,
    task: JoinHandle<()>,
    /// The container the capture writes to.
    container: std::path::PathBuf,
}

impl RunningCapture {
    fn spawn(shared: &Arc<Shared>, capture: HubCapture, shutdown: &watch::Receiver<bool>) -> Self {
        let (end, end_signal) = watch::channel(CaptureEnd::Running);
        let container = capture.container.clone();
        let task = tokio::spawn(capture_loop(
            Arc::clone(shared),
            capture,
            shutdown.clone(),
            end_signal,
        ));
        Self {
            end,
            task,
            container,
        }
    }

    /// Ends the task after the step it is in, in the way `how` requests, and waits for it.
    async fn end(self, how: CaptureEnd) {
        let _ = self.end.send(how);
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            tracing::warn!("a capture task did not stop within the shutdown grace period");
        }
    }
}

/// A running broker: its endpoints, its namespace, and shutdown.
#[derive(Debug)]
pub struct BrokerHandle {
    endpoint: SocketAddr,
    tls: Option<TlsEndpoint>,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    shutdown_signal: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// The running captures by lowercase hub name.
    captures: Mutex<HashMap<String, RunningCapture>>,
}

impl BrokerHandle {
    /// Returns the address of the plain AMQP listener.
    pub fn endpoint(&self) -> SocketAddr {
        self.endpoint
    }

    /// Returns the address of the TLS listener, or `None` when the broker serves plain AMQP only.
    pub fn tls_endpoint(&self) -> Option<SocketAddr> {
        self.tls.as_ref().map(|tls| tls.address)
    }

    /// Returns the CA certificate (PEM) that signed the TLS listener's certificate.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.tls
            .as_ref()
            .map(|tls| tls.identity.ca_certificate_pem())
    }

    /// Returns where that CA certificate was written, `{data_dir}/broker-ca.pem`. Clients trust
    /// it with `connection_verify=` (Python), `NODE_EXTRA_CA_CERTS` (Node) or `SSL_CERT_FILE`
    /// (OpenSSL).
    pub fn ca_certificate_path(&self) -> Option<&Path> {
        self.tls.as_ref().map(|tls| tls.ca_path.as_path())
    }

    /// Returns a snapshot of the namespace served.
    pub fn namespace(&self) -> Namespace {
        self.shared.namespace()
    }

    /// Changes the namespace (hubs, consumer groups, rules); new links see the change at once.
    /// Receivers of a hub, consumer group or partition that the change removed are detached
    /// with `amqp:not-found`. Producers of a deleted hub, and links whose rule or key the change
    /// removed, reject later deliveries or end, as each connection checks its links.
    pub fn update_namespace<R>(&self, change: impl FnOnce(&mut Namespace) -> R) -> R {
        let result = {
            let mut namespace = self
                .shared
                .namespace
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            change(&mut namespace)
        };
        self.shared.namespace_changed();
        result
    }

    /// Returns when the next capture window of a hub closes, in milliseconds since the Unix
    /// epoch; `None` when the hub is not captured. Before a hub's first capture file exists,
    /// this is when it can appear at the earliest.
    pub fn next_capture_close_ms(&self, hub: &str) -> Option<i64> {
        self.shared.next_capture_close_ms(hub)
    }

    /// Starts, replaces or (with `None`) turns off the capture of one hub while the broker
    /// serves on: connections, links and the other hubs' captures carry on. A replaced capture
    /// stops after its current step, with its positions saved, before the new one starts, and
    /// the new one resumes from the positions saved in its container. When the container
    /// changes, the positions move to the new one, so the events of the windows that were open
    /// land there. Turning capture off writes the open windows' events to files at once, and
    /// capture turned on again covers only the events that arrive from then on, as on Azure.
    pub async fn set_capture(&self, hub: &str, capture: Option<HubCapture>) {
        let key = hub.to_ascii_lowercase();
        let mut captures = self.captures.lock().await;
        if let Some(running) = captures.remove(&key) {
            let old_container = running.container.clone();
            let how = match capture {
                Some(_) => CaptureEnd::Replaced,
                None => CaptureEnd::TurnedOff,
            };
            running.end(how).await;
            self.shared.set_next_capture_close_ms(hub, None);
            if let Some(new) = capture
                .as_ref()
                .filter(|new| new.container != old_container)
            {
                let namespace = self.shared.namespace().name().to_owned();
                if let Err(error) = capture_task::move_capture_state(
                    &old_container,
                    &new.container,
                    &namespace,
                    hub,
                ) {
                    tracing::error!(
                        hub,
                        from = %old_container.display(),
                        to = %new.container.display(),
                        %error,
                        "moving the capture positions to the new container failed; capture there \
                         starts with the events that arrive from now on"
                    );
                }
            }
        }
        if let Some(capture) = capture {
            let running = RunningCapture::spawn(&self.shared, capture, &self.shutdown_signal);
            captures.insert(key, running);
        }
    }

    /// Returns the namespace's event log.
    pub fn event_log(&self) -> &EventLog {
        &self.shared.log
    }

    /// Returns a connection string for this broker signed by a namespace rule, in the form
    /// Microsoft's SDKs accept for a local emulator: plain AMQP to this port. `None` when the
    /// namespace has no rule of that name.
    pub fn connection_string(&self, rule: &str, hub: Option<&str>) -> Option<Secret<String>> {
        let text = self.signed_connection_string("127.0.0.1", self.endpoint.port(), rule, hub)?;
        Some(Secret::new(format!("{text};UseDevelopmentEmulator=true")))
    }

    /// Returns a connection string for the TLS listener signed by a namespace rule, in the form
    /// Azure's own connection strings take: without `UseDevelopmentEmulator`, so SDKs open TLS
    /// as they do to Azure. The client must trust [`BrokerHandle::ca_certificate_path`]. `None`
    /// when the broker has no TLS listener or the namespace has no rule of that name.
    ///
    /// The host is `localhost`, a name in the certificate: Node's SDK sends the Endpoint's host
    /// as the TLS server name (SNI), where an IP address is not allowed. Node keeps the port.
    /// Python's `azure-eventhub` 5.15.1 connects to port 5671 over TLS whatever port the
    /// Endpoint names, so Python clients also pass `custom_endpoint_address` with the TLS port.
    pub fn tls_connection_string(&self, rule: &str, hub: Option<&str>) -> Option<Secret<String>> {
        let address = self.tls_endpoint()?;
        self.signed_connection_string("localhost", address.port(), rule, hub)
            .map(Secret::new)
    }

    fn signed_connection_string(
        &self,
        host: &str,
        port: u16,
        rule: &str,
        hub: Option<&str>,
    ) -> Option<String> {
        let namespace = self.shared.namespace();
        let rule = namespace.rule(&crate::entity::RuleScope::Namespace, rule)?;
        let mut text = format!(
            "Endpoint=sb://{host}:{port};SharedAccessKeyName={};SharedAccessKey={}",
            rule.name,
            rule.primary_key.expose()
        );
        if let Some(hub) = hub {
            text.push_str(&format!(";EntityPath={hub}"));
        }
        Some(text)
    }

    /// Stops accepting connections, closes open ones with `amqp:connection:forced`, and waits
    /// up to 5 seconds for them to finish.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let captures = self
            .captures
            .into_inner()
            .into_values()
            .map(|running| running.task);
        for task in self.tasks.into_iter().chain(captures) {
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                tracing::warn!("a broker task did not stop within the shutdown grace period");
            }
        }
        tracing::info!(endpoint = %self.endpoint, "broker stopped");
    }
}

async fn retention_loop(
    shared: Arc<Shared>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = chrono::Utc::now().timestamp_millis();
        for hub in shared.namespace().hubs() {
            let days = i64::from(hub.settings().retention_days);
            let cutoff = now - days * 86_400_000;
            if let Err(error) = shared.log.apply_retention(hub.name(), cutoff).await {
                tracing::error!(hub = hub.name(), %error, "retention failed");
            }
        }
    }
}

/// How often capture reads new events and checks for closed windows.
const CAPTURE_TICK: Duration = Duration::from_secs(1);

/// Captures one hub's events until the broker shuts down or `end` requests that this capture
/// alone ends.
async fn capture_loop(
    shared: Arc<Shared>,
    capture: HubCapture,
    mut shutdown: watch::Receiver<bool>,
    mut end: watch::Receiver<CaptureEnd>,
) {
    let namespace = shared.namespace();
    let Some(partition_count) = namespace
        .hub(&capture.hub)
        .map(|hub| hub.settings().partition_count)
    else {
        tracing::error!(
            hub = capture.hub,
            "capture is configured for an event hub that does not exist"
        );
        return;
    };
    let hub = capture.hub.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let mut state = match capture_task::HubCaptureState::start(
        capture,
        namespace.name(),
        partition_count,
        &shared.log,
        now,
    ) {
        Ok(state) => state,
        Err(error) => {
            tracing::error!(hub, %error, "capture could not start");
            return;
        }
    };
    tracing::info!(hub, "capture started");
    let mut ticker = tokio::time::interval(CAPTURE_TICK);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return,
            _ = end.changed() => {
                if *end.borrow() == CaptureEnd::TurnedOff {
                    let now = chrono::Utc::now().timestamp_millis();
                    match state.finish(&shared.log, now) {
                        Ok(written) => {
                            tracing::info!(hub, files = written.len(), "capture turned off");
                        }
                        Err(error) => tracing::error!(
                            hub,
                            %error,
                            "capture turned off, but writing its open windows failed; their \
                             events are captured when capture is turned on again"
                        ),
                    }
                } else {
                    tracing::info!(hub, "capture stopped");
                }
                return;
            }
        }
        let now = chrono::Utc::now().timestamp_millis();
        if let Err(error) = state.step(&shared.log, now) {
            tracing::error!(hub, %error, "capture failed; retrying at the next tick");
        }
        shared.set_next_capture_close_ms(&hub, state.next_close_ms());
    }
}
