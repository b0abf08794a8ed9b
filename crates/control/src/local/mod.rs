//! The local Resource Manager: the ARM REST subset the plan needs, served on 127.0.0.1 and
//! kept in SQLite, so the ARM client runs the same code against it as against Azure.
//!
//! It routes paths without regard to case, checks api-versions, returns ARM's status codes
//! and error shape, requires the bearer token it issued, and returns an operation to poll
//! for PUTs and DELETEs of the kinds Azure handles asynchronously. Hubs, consumer groups,
//! rules and schema groups are created through [`LocalEffects`]. Storage accounts and their
//! containers are folders. Rule keys and key vault secrets are kept in the OS keychain.

mod effects;
mod handler;
mod keys;
mod kinds;
mod on_delete;
mod on_put;
mod reply;
mod route;
mod store;
mod validate;

pub use effects::{EffectError, LocalEffects, RecordedEffects};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::arm::ArmClient;
use crate::credential::LocalCredential;
use crate::desired::Target;
use crate::secret::Secret;
use crate::secrets::Keychain;
use handler::{Request, Server};

/// The folder below the data directory that contains the local Resource Manager's files.
pub const CONTROL_FOLDER: &str = "control";
/// The state database inside [`CONTROL_FOLDER`].
pub(crate) const STATE_FILE: &str = "arm.db";
/// The folder inside [`CONTROL_FOLDER`] that contains one folder per storage account.
pub const STORAGE_FOLDER: &str = "storage";

/// A failure to start or stop the local Resource Manager.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The state database could not be opened.
    #[error("cannot open the local Resource Manager's state in {path}: {reason}")]
    State {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        reason: String,
    },
    /// A file or folder of the data directory could not be written or removed.
    #[error("cannot use {path}: {reason}")]
    Files {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        reason: String,
    },
    /// No port on 127.0.0.1 could be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(String),
}

/// Settings of a local Resource Manager.
#[derive(Debug, Clone, Default)]
pub struct LocalOptions {
    /// How long asynchronous operations stay `InProgress`; zero finishes them by the first
    /// poll.
    pub latency: Duration,
    /// Resource providers to report as not registered, to exercise the provider check.
    pub unregistered: Vec<String>,
}

/// A running local Resource Manager.
#[derive(Debug)]
pub struct LocalResourceManager {
    url: String,
    server: Arc<Server>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    folder: PathBuf,
}

fn files_error(path: &Path, error: impl std::fmt::Display) -> LocalError {
    LocalError::Files {
        path: path.to_path_buf(),
        reason: error.to_string(),
    }
}

impl LocalResourceManager {
    /// Starts a server on an ephemeral port of 127.0.0.1 over `data_dir`.
    pub async fn start(
        data_dir: &Path,
        keychain: Keychain,
        effects: Arc<dyn LocalEffects>,
        options: LocalOptions,
    ) -> Result<Self, LocalError> {
        let folder = data_dir.join(CONTROL_FOLDER);
        std::fs::create_dir_all(&folder).map_err(|error| files_error(&folder, error))?;
        let path = folder.join(STATE_FILE);
        let state_error = |error: rusqlite::Error| LocalError::State {
            path: path.clone(),
            reason: error.to_string(),
        };
        let store = store::Store::open(&path).map_err(state_error)?;
        let subscription = identity(&store, "subscription").map_err(state_error)?;
        let tenant = identity(&store, "tenant").map_err(state_error)?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|error| LocalError::Bind(error.to_string()))?;
        let address = listener
            .local_addr()
            .map_err(|error| LocalError::Bind(error.to_string()))?;
        let url = format!("http://{address}");

        let server = Arc::new(Server {
            store: Mutex::new(store),
            keychain,
            effects,
            storage_root: folder.join(STORAGE_FOLDER),
            subscription,
            tenant,
            base_url: url.clone(),
            token: Secret::new(keys::random_hex(32)),
            latency: options.latency,
            unregistered: options.unregistered,
        });

        let app = axum::Router::new()
            .fallback(serve)
            .with_state(server.clone());
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::error!(%error, "the local Resource Manager stopped with an error");
            }
        });
        tracing::info!(%url, "local Resource Manager started");
        Ok(LocalResourceManager {
            url,
            server,
            shutdown: Some(shutdown),
            task: Some(task),
            folder,
        })
    }

    /// Returns the base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns the local subscription id, made once per data directory.
    pub fn subscription(&self) -> &str {
        &self.server.subscription
    }

    /// Returns the facts bodies need: the local subscription and tenant.
    pub fn target(&self) -> Target {
        Target {
            subscription: self.server.subscription.clone(),
            tenant: self.server.tenant.clone(),
        }
    }

    /// Returns the bearer token this server issued at its start, for clients outside the app.
    pub fn token(&self) -> &Secret {
        &self.server.token
    }

    /// Returns a credential that carries the token this server issued.
    pub fn credential(&self) -> Arc<LocalCredential> {
        Arc::new(LocalCredential::new(self.server.token.clone()))
    }

    /// Creates an ARM client for this server, over real HTTP.
    pub fn client(&self) -> crate::Result<ArmClient> {
        ArmClient::new(&self.url, &self.server.subscription, self.credential())
    }

    /// Returns the keychain entry that contains a key vault secret of this server, for reading
    /// it without the Resource Manager (ARM never returns secret values).
    pub fn secret_entry(&self, secret_id: &str) -> String {
        keys::keychain_entry(&self.server.subscription, secret_id, None)
    }

    /// Names of the keychain entries this server created and still holds.
    pub fn keychain_entries(&self) -> Vec<String> {
        let store = self.server.store.lock().expect("state lock");
        store.keychain_entries("").unwrap_or_default()
    }

    /// Stops the server. When no resource and no deleted vault is left, it also removes its
    /// state database and folders, so a full teardown leaves no local data behind.
    pub async fn stop(mut self) -> Result<(), LocalError> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        let empty = {
            let store = self.server.store.lock().expect("state lock");
            let resources = store.resource_count().unwrap_or(1);
            let vaults = store.deleted_vault_count().unwrap_or(1);
            resources == 0 && vaults == 0
        };
        tracing::info!(url = %self.url, "local Resource Manager stopped");
        if empty {
            drop(self.server);
            remove_state(&self.folder)?;
        }
        Ok(())
    }
}

/// Records a schema group's compatibility mode on its stored resource, as a change of the
/// group in the portal does. The next start of the Local target then restores that mode
/// instead of the one the group was created with. Call it only while no local Resource
/// Manager runs over `data_dir`. Every namespace's group of that name (in any case) changes,
/// because the Local target's schema registry contains one group of each name. Returns the ids
/// of the resources changed, none when no group of that name was created through the
/// Resource Manager.
pub fn record_schema_group_mode(
    data_dir: &Path,
    group: &str,
    compatibility: &str,
) -> Result<Vec<String>, LocalError> {
    let path = data_dir.join(CONTROL_FOLDER).join(STATE_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let state_error = |error: rusqlite::Error| LocalError::State {
        path: path.clone(),
        reason: error.to_string(),
    };
    let store = store::Store::open(&path).map_err(state_error)?;
    let mut changed = Vec::new();
    for mut row in store.tree("").map_err(state_error)? {
        let name = row.id.rsplit('/').next().unwrap_or_default();
        if row.type_key != kinds::SCHEMA_GROUP || !name.eq_ignore_ascii_case(group) {
            continue;
        }
        if row.body["properties"]["schemaCompatibility"] == compatibility {
            continue;
        }
        row.body["properties"]["schemaCompatibility"] = compatibility.into();
        store.put(&row, None).map_err(state_error)?;
        changed.push(row.id);
    }
    Ok(changed)
}

/// Removes the state files and the storage folder, then the control folder if it is empty.
fn remove_state(folder: &Path) -> Result<(), LocalError> {
    for name in [STATE_FILE, "arm.db-wal", "arm.db-shm"] {
        let path = folder.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(files_error(&path, error)),
        }
    }
    let storage = folder.join(STORAGE_FOLDER);
    match std::fs::remove_dir(&storage) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(files_error(&storage, error)),
    }
    let _ = std::fs::remove_dir(folder);
    Ok(())
}

/// Reads or makes a GUID-shaped id, kept so that a data directory keeps its subscription.
fn identity(store: &store::Store, name: &str) -> rusqlite::Result<String> {
    if let Some(value) = store.meta(name)? {
        return Ok(value);
    }
    let hex = keys::random_hex(16);
    let value = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    store.set_meta(name, &value)?;
    Ok(value)
}

async fn serve(
    State(server): State<Arc<Server>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    // A body over the server's limit (2 MB) gets ARM's error shape too.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = format!(
                "The request content was not read: {}. ARM requests are far smaller; send the \
                 resource's JSON only.",
                rejection.body_text()
            );
            let error = serde_json::json!({ "error": { "code": "InvalidRequestContent", "message": message } });
            return (status, axum::Json(error)).into_response();
        }
    };
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let authorization = header("authorization");
    let if_match = header("if-match");
    let method_name = method.as_str().to_string();
    let handled = tokio::task::spawn_blocking(move || {
        let request = Request {
            method: &method_name,
            path: &path,
            query: &query,
            authorization: authorization.as_deref(),
            if_match: if_match.as_deref(),
            body: &body,
        };
        let reply = server.handle(&request);
        if reply.status >= 500 {
            let message = reply.body.as_ref().map(|body| body["error"]["message"].to_string());
            tracing::warn!(method = %method_name, path = %path, status = reply.status, ?message, "ARM request failed");
        } else {
            tracing::debug!(method = %method_name, path = %path, status = reply.status, "ARM request");
        }
        reply
    })
    .await;
    let reply = match handled {
        Ok(reply) => reply,
        Err(error) => reply::internal(error),
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply.body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    };
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name),
            axum::http::HeaderValue::try_from(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
