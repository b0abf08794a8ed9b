//! The local schema registry: Azure Schema Registry's REST API served by the app on
//! 127.0.0.1, embeddable in the CLI, the desktop app and tests.
//!
//! ```no_run
//! # async fn example() -> Result<(), registry::service::ServiceError> {
//! use std::time::Duration;
//! use registry::service::{LocalRegistry, RegistryConfig};
//!
//! let handle = LocalRegistry::start(RegistryConfig::in_memory()).await?;
//! let token = handle.issue_token(Duration::from_secs(3600));
//! println!("serving https://{}", handle.endpoint());
//! handle.stop().await;
//! # Ok(()) }
//! ```

mod auth;
mod azure_error;
mod http;
mod routes;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use auth::{TokenError, TokenIssuer};
pub use routes::SUPPORTED_API_VERSIONS;
pub use tls::TlsError;

use crate::compat::CompatibilityMode;
use crate::limits::Limits;
use crate::secret::Secret;
use crate::store::{GroupInfo, Store, StoreError};
use routes::ServiceState;

/// File name of the registry database inside the data directory.
pub const DATABASE_FILE: &str = "registry.sqlite";

/// File name of the local CA certificate (public) inside the data directory.
pub const CA_CERTIFICATE_FILE: &str = "registry-ca.pem";

/// Failure to start the local registry.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The data directory cannot be created or written.
    #[error("cannot use the registry data directory `{path}`: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The certificates cannot be created.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A listener cannot bind its port on 127.0.0.1.
    #[error(
        "cannot listen on 127.0.0.1:{port}: {source}; pick another port or 0 for any free one"
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// How to run a local registry.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Folder for the database and the CA certificate; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// HTTPS port on 127.0.0.1; 0 picks a free one.
    pub https_port: u16,
    /// Plain-HTTP port on 127.0.0.1 for Rust clients; `None` opens no plain listener.
    pub http_port: Option<u16>,
    /// Limits to enforce.
    pub limits: Limits,
}

impl RegistryConfig {
    /// Configures a registry over a data directory, on a free port, HTTPS only, with Standard
    /// limits.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        RegistryConfig {
            data_dir: Some(data_dir.into()),
            https_port: 0,
            http_port: None,
            limits: Limits::STANDARD,
        }
    }

    /// Configures a registry that keeps its state in memory, on a free port, HTTPS only.
    pub fn in_memory() -> Self {
        RegistryConfig {
            data_dir: None,
            https_port: 0,
            http_port: None,
            limits: Limits::STANDARD,
        }
    }
}

/// Entry point of the local registry.
#[derive(Debug)]
pub struct LocalRegistry;

impl LocalRegistry {
    /// Opens the store, creates the certificates, binds the listeners and starts serving.
    pub async fn start(config: RegistryConfig) -> Result<RegistryHandle, ServiceError> {
        let (store, ca_path) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| ServiceError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                let store = Store::open(&dir.join(DATABASE_FILE), config.limits)?;
                (store, Some(dir.join(CA_CERTIFICATE_FILE)))
            }
            None => (Store::open_in_memory(config.limits)?, None),
        };
        let local_tls = tls::create_local_tls()?;
        if let Some(path) = &ca_path {
            std::fs::write(path, &local_tls.ca_pem).map_err(|source| ServiceError::DataDir {
                path: path.clone(),
                source,
            })?;
        }

        let state = Arc::new(ServiceState {
            store: Arc::new(store),
            tokens: Arc::new(TokenIssuer::new()),
        });
        let (shutdown_sender, shutdown) = watch::channel(false);

        let https_listener = bind(config.https_port).await?;
        let https_addr = local_addr(&https_listener, config.https_port)?;
        let acceptor = TlsAcceptor::from(local_tls.server_config.clone());
        let mut tasks = vec![tokio::spawn(http::serve(
            https_listener,
            Some(acceptor),
            state.clone(),
            shutdown.clone(),
        ))];

        let http_addr = match config.http_port {
            Some(port) => {
                let listener = bind(port).await?;
                let addr = local_addr(&listener, port)?;
                tasks.push(tokio::spawn(http::serve(
                    listener,
                    None,
                    state.clone(),
                    shutdown.clone(),
                )));
                Some(addr)
            }
            None => None,
        };
        tracing::info!(%https_addr, http_addr = ?http_addr, data_dir = ?config.data_dir, "local schema registry started");
        Ok(RegistryHandle {
            https_addr,
            http_addr,
            ca_pem: local_tls.ca_pem,
            ca_path,
            state,
            shutdown: shutdown_sender,
            tasks,
        })
    }
}

async fn bind(port: u16) -> Result<TcpListener, ServiceError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|source| ServiceError::Bind { port, source })
}

fn local_addr(listener: &TcpListener, port: u16) -> Result<SocketAddr, ServiceError> {
    listener
        .local_addr()
        .map_err(|source| ServiceError::Bind { port, source })
}

/// A running local registry. Dropping the handle without [`RegistryHandle::stop`] leaves the
/// listeners running until the runtime ends.
#[derive(Debug)]
pub struct RegistryHandle {
    https_addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    ca_pem: String,
    ca_path: Option<PathBuf>,
    state: Arc<ServiceState>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RegistryHandle {
    /// Returns the HTTPS endpoint as `127.0.0.1:port`, the form clients take as the
    /// registry's fully qualified namespace.
    pub fn endpoint(&self) -> String {
        self.https_addr.to_string()
    }

    /// Returns the HTTPS listener's address.
    pub fn https_addr(&self) -> SocketAddr {
        self.https_addr
    }

    /// Returns the plain-HTTP listener's address, when one was asked for.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// Returns the local CA certificate in PEM; clients trust it to reach the HTTPS listener.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Returns where the CA certificate was written, when the registry has a data directory.
    pub fn ca_certificate_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// Issues a bearer token for this registry process, valid for `lifetime`.
    pub fn issue_token(&self, lifetime: Duration) -> Secret<String> {
        self.state.tokens.issue(lifetime)
    }

    /// Creates a schema group or changes its compatibility mode. In Azure this is a Resource
    /// Manager operation on the namespace, so the REST API has no equivalent.
    pub fn put_group(&self, name: &str, mode: CompatibilityMode) -> Result<GroupInfo, StoreError> {
        self.state.store.put_group(name, mode)
    }

    /// Deletes a schema group and every version in it (a Resource Manager operation in Azure).
    pub fn delete_group(&self, name: &str) -> Result<(), StoreError> {
        self.state.store.delete_group(name)
    }

    /// Returns the store behind the service, for in-process administration.
    pub fn store(&self) -> &Arc<Store> {
        &self.state.store
    }

    /// Stops the listeners and closes open connections.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::warn!(%error, "a registry listener ended abnormally");
            }
        }
        tracing::info!(https_addr = %self.https_addr, "local schema registry stopped");
    }
}
