//! One namespace's running broker, on the port it had before when that port is free.

use std::path::{Path, PathBuf};

use broker::capture::DemoInterval;
use broker::entity::Namespace;
use broker::server::{
    Broker, BrokerConfig, BrokerError, BrokerHandle, HubCapture, TlsIdentity, TlsListenerConfig,
};

use crate::capture::running_capture;

/// The file in a namespace's broker folder that records its port, so connection strings
/// handed out earlier keep working after a restart.
const PORT_FILE: &str = "port";

/// The file in a namespace's broker folder that records the port of its TLS listener.
const TLS_PORT_FILE: &str = "tls-port";

/// A namespace's broker with its hubs' captures.
#[derive(Debug)]
pub(crate) struct NamespaceBroker {
    handle: BrokerHandle,
    folder: PathBuf,
    /// The captures as the hubs' ARM `captureDescription` sets them.
    captures: Vec<HubCapture>,
    /// The demo time window that replaces every capture's own while the broker runs; `None`
    /// keeps the windows of [`NamespaceBroker::captures`].
    demo_interval: Option<DemoInterval>,
}

impl NamespaceBroker {
    /// Starts serving `namespace` from `folder`, on the recorded port if there is one and it
    /// is free, else on a free port, which is then recorded. With `tls`, the broker also
    /// serves AMQP over TLS, on its recorded TLS port in the same way. With `demo_interval`,
    /// every capture closes its windows after that time instead of its own time window.
    pub(crate) async fn start(
        namespace: Namespace,
        folder: PathBuf,
        captures: Vec<HubCapture>,
        demo_interval: Option<DemoInterval>,
        tls: Option<TlsIdentity>,
    ) -> Result<Self, BrokerError> {
        let recorded = recorded_port(&folder);
        let recorded_tls = read_port(&folder.join(TLS_PORT_FILE));
        let mut config = BrokerConfig::new(namespace, folder.clone());
        config.port = recorded.unwrap_or(0);
        config.capture = captures
            .iter()
            .map(|capture| running_capture(capture, demo_interval))
            .collect();
        config.tls = tls.map(|identity| TlsListenerConfig {
            port: recorded_tls.unwrap_or(0),
            identity,
        });
        // Each failed attempt frees one taken port (plain or TLS), so three attempts suffice.
        let mut attempts_left = 3;
        let handle = loop {
            attempts_left -= 1;
            match Broker::start(config.clone()).await {
                Ok(handle) => break handle,
                Err(BrokerError::Bind { port, source }) if port != 0 && attempts_left > 0 => {
                    tracing::warn!(
                        port,
                        %source,
                        namespace = config.namespace.name(),
                        "the namespace's earlier port is taken; connection strings naming it \
                         stop working, and listKeys returns new ones"
                    );
                    if config.port == port {
                        config.port = 0;
                    }
                    if let Some(tls) = config.tls.as_mut().filter(|tls| tls.port == port) {
                        tls.port = 0;
                    }
                }
                Err(error) => return Err(error),
            }
        };
        record_port(&folder.join(PORT_FILE), recorded, handle.endpoint().port());
        if let Some(address) = handle.tls_endpoint() {
            record_port(&folder.join(TLS_PORT_FILE), recorded_tls, address.port());
        }
        Ok(Self {
            handle,
            folder,
            captures,
            demo_interval,
        })
    }

    /// Starts, replaces or (with `None`) stops the capture of one hub, under the broker's demo
    /// window if it has one. The broker keeps serving, so no connection drops.
    pub(crate) async fn set_capture(&mut self, hub: &str, capture: Option<HubCapture>) {
        let running = capture
            .as_ref()
            .map(|capture| running_capture(capture, self.demo_interval));
        self.handle.set_capture(hub, running).await;
        self.captures
            .retain(|existing| !existing.hub.eq_ignore_ascii_case(hub));
        self.captures.extend(capture);
    }

    /// Gives every capture the demo window, or with `None` their own windows again, by
    /// replacing each hub's capture in turn. The broker keeps serving, so no connection drops.
    pub(crate) async fn set_demo_interval(&mut self, demo_interval: Option<DemoInterval>) {
        self.demo_interval = demo_interval;
        for capture in &self.captures {
            let running = running_capture(capture, demo_interval);
            self.handle.set_capture(&capture.hub, Some(running)).await;
        }
    }

    /// Stops the broker.
    pub(crate) async fn shutdown(self) {
        self.handle.shutdown().await;
    }

    pub(crate) fn handle(&self) -> &BrokerHandle {
        &self.handle
    }

    pub(crate) fn captures(&self) -> &[HubCapture] {
        &self.captures
    }

    pub(crate) fn demo_interval(&self) -> Option<DemoInterval> {
        self.demo_interval
    }

    pub(crate) fn folder(&self) -> &Path {
        &self.folder
    }
}

/// Reads the port a namespace's broker last listened on.
pub(crate) fn recorded_port(folder: &Path) -> Option<u16> {
    read_port(&folder.join(PORT_FILE))
}

fn read_port(path: &Path) -> Option<u16> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Writes `port` to `path` when it differs from the `recorded` one.
fn record_port(path: &Path, recorded: Option<u16>, port: u16) {
    if recorded == Some(port) {
        return;
    }
    if let Err(error) = std::fs::write(path, port.to_string()) {
        tracing::warn!(path = %path.display(), %error, "cannot record the broker's port");
    }
}
