//! One namespace's running broker, on the port it had before when that port is free.

use std::path::{Path, PathBuf};

use broker::entity::Namespace;
use broker::server::{Broker, BrokerConfig, BrokerError, BrokerHandle, HubCapture};

/// The file in a namespace's broker folder that records its port, so connection strings
/// handed out earlier keep working after a restart.
const PORT_FILE: &str = "port";

/// A namespace's broker with the captures it was started with.
#[derive(Debug)]
pub(crate) struct NamespaceBroker {
    handle: BrokerHandle,
    folder: PathBuf,
    captures: Vec<HubCapture>,
}

impl NamespaceBroker {
    /// Starts serving `namespace` from `folder`, on the recorded port if there is one and it
    /// is free, else on a free port, which is then recorded.
    pub(crate) async fn start(
        namespace: Namespace,
        folder: PathBuf,
        captures: Vec<HubCapture>,
    ) -> Result<Self, BrokerError> {
        let recorded = recorded_port(&folder);
        let mut config = BrokerConfig::new(namespace, folder.clone());
        config.port = recorded.unwrap_or(0);
        config.capture = captures.clone();
        let handle = match Broker::start(config.clone()).await {
            Ok(handle) => handle,
            Err(BrokerError::Bind { port, source }) if port != 0 => {
                tracing::warn!(
                    port,
                    %source,
                    namespace = config.namespace.name(),
                    "the namespace's earlier port is taken; connection strings naming it stop \
                     working, and listKeys returns new ones"
                );
                config.port = 0;
                Broker::start(config).await?
            }
            Err(error) => return Err(error),
        };
        let port = handle.endpoint().port();
        if recorded != Some(port) {
            let path = folder.join(PORT_FILE);
            if let Err(error) = std::fs::write(&path, port.to_string()) {
                tracing::warn!(path = %path.display(), %error, "cannot record the broker's port");
            }
        }
        Ok(Self {
            handle,
            folder,
            captures,
        })
    }

    /// Stops the broker and starts it again on the same port with the same namespace and new
    /// captures, because the broker reads its capture settings only at start.
    pub(crate) async fn restart(self, captures: Vec<HubCapture>) -> Result<Self, BrokerError> {
        let namespace = self.handle.namespace();
        self.handle.shutdown().await;
        Self::start(namespace, self.folder, captures).await
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

    pub(crate) fn folder(&self) -> &Path {
        &self.folder
    }
}

/// Reads the port a namespace's broker last listened on.
pub(crate) fn recorded_port(folder: &Path) -> Option<u16> {
    std::fs::read_to_string(folder.join(PORT_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}
