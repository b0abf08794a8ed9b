//! The Local target assembled: "Azure in a box" on 127.0.0.1 over one data directory.
//!
//! - [`LiveEffects`]: the local Resource Manager's effects made live, with one Event Hubs
//!   broker per namespace and schema groups in the registry's store.
//! - [`LocalStack`]: starts the local Resource Manager, the schema registry and the brokers of
//!   every namespace the Resource Manager's state already contains.
//! - [`DataDirLock`]: the lock that keeps a second process from serving the same data directory.
//! - [`Endpoints`]: where each service listens, written to `endpoints.json` with no secret.
//! - [`standalone`]: hubs with `send` and `listen` rules in a namespace of their own, for
//!   trying the broker from any SDK without the course's plan.
//! - [`tokens`]: bearer tokens of the Resource Manager and the registry, filed in the keychain
//!   for clients outside the app.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use local::LocalStack;
//!
//! let keychain = control::secrets::Keychain::os()?;
//! let stack = LocalStack::start(std::path::Path::new("/tmp/eda"), keychain).await?;
//! println!("{}", serde_json::to_string_pretty(&stack.endpoints())?);
//! stack.stop().await;
//! # Ok(()) }
//! ```

mod blocking;
mod capture;
mod effects;
mod endpoints;
mod hub_created;
mod leftovers;
mod lock;
mod namespace_broker;
mod stack;
pub mod standalone;
pub mod tokens;

pub use effects::{LiveEffects, OpenError};
pub use endpoints::{Endpoints, EndpointsError, HubEndpoint, NamespaceEndpoint, ENDPOINTS_FILE};
pub use leftovers::remove_empty_state;
pub use lock::{DataDirLock, LockError, LOCK_FILE};
pub use stack::{LocalStack, StackError};

/// The folder below the data directory that contains one folder per namespace's broker.
pub const BROKER_FOLDER: &str = "broker";
