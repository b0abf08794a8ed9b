//! Where secrets live: the OS keychain on every target, Key Vault on Azure.
//!
//! Hub connection strings (`eh-{hub}-send`, `eh-{hub}-listen`), the keys of local
//! authorization rules and a service principal's client secret are kept only here, behind one
//! [`SecretStore`] trait, and never in a file or a log.

mod key_vault;
mod keychain;

pub use key_vault::KeyVaultStore;
pub use keychain::{Keychain, KEYCHAIN_SERVICE};

use async_trait::async_trait;

use crate::secret::Secret;

/// A failure of a secret store.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No OS keychain could be opened.
    #[error(
        "no OS keychain is available ({reason}); on Linux start a Secret Service such as \
         gnome-keyring and unlock it"
    )]
    NoKeychain {
        /// What the platform reported.
        reason: String,
    },
    /// The keychain refused an operation on one entry.
    #[error("the OS keychain failed on entry `{name}`: {reason}; unlock the keychain and retry")]
    Keychain {
        /// The entry's name.
        name: String,
        /// What the platform reported.
        reason: String,
    },
    /// Key Vault refused an operation on one secret.
    #[error("Key Vault `{vault}` returned {status} for secret `{name}`: {message}")]
    KeyVault {
        /// The vault.
        vault: String,
        /// The secret's name.
        name: String,
        /// The HTTP status, 0 when no response arrived.
        status: u16,
        /// Key Vault's message or the transport's.
        message: String,
    },
}

/// A place that keeps named secrets.
#[async_trait]
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Reads a secret; `None` when there is no secret of that name.
    async fn get(&self, name: &str) -> Result<Option<Secret>, SecretError>;

    /// Creates or replaces a secret.
    async fn set(&self, name: &str, value: &Secret) -> Result<(), SecretError>;

    /// Deletes a secret; returns whether it existed.
    async fn delete(&self, name: &str) -> Result<bool, SecretError>;
}
