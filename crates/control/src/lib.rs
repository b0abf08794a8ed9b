//! Provisioning for EDA Workshop: plan, apply, verify and teardown of the course's resources
//! on the Local target and on Azure, through one ARM client.
//!
//! - [`arm`]: the ARM client (`azure_mgmt_eventhub` for Event Hubs, REST for the rest).
//! - [`local`]: the local Resource Manager on 127.0.0.1.
//! - [`apply`], [`verify`], [`teardown`]: the operations over a [`course::Plan`].
//! - [`secrets`]: the OS keychain and Key Vault behind one trait; [`Secret`] prints `***`.
//! - [`signin`]: Azure sign-in, subscriptions and resource provider checks.
//! - [`session`]: one open target, Local or Azure.

pub mod apply;
pub mod arm;
pub mod credential;
pub mod desired;
mod error;
pub mod local;
mod ownership;
pub mod progress;
mod secret;
pub mod secrets;
pub mod session;
pub mod signin;
pub mod teardown;
mod transport;
pub mod verify;

pub use error::{Error, Result};

/// Log filter directives every program using this crate must add to its `tracing` filter.
///
/// `azure_core` 0.21 logs each request from its transport policy (debug) and its retry policy
/// (trace), and its header redaction is inverted: it prints the `Authorization` header (the
/// bearer token) and hides all others. Turning `azure_core::policies` off keeps tokens out of
/// the logs.
pub const LOG_DIRECTIVES: &[&str] = &["azure_core::policies=off"];

/// Adds [`LOG_DIRECTIVES`] to a filter such as `info` or the value of `RUST_LOG`.
pub fn log_filter(base: &str) -> String {
    let mut filter = base.to_string();
    for directive in LOG_DIRECTIVES {
        if !filter.is_empty() {
            filter.push(',');
        }
        filter.push_str(directive);
    }
    filter
}
pub use secret::Secret;
