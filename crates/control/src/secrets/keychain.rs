//! The OS keychain through `keyring-core`: Secret Service on Linux, Keychain Services on
//! macOS, Credential Manager on Windows.

use std::sync::Arc;

use async_trait::async_trait;
use keyring_core::{CredentialStore, Entry};

use super::{SecretError, SecretStore};
use crate::secret::Secret;

/// The service name every entry of the app is filed under.
pub const KEYCHAIN_SERVICE: &str = "eda-workshop";

/// Entries of one service in one credential store.
#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
    service: String,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Keychain {
    /// Opens the platform's keychain, filing entries under [`KEYCHAIN_SERVICE`].
    pub fn os() -> Result<Self, SecretError> {
        let store = platform_store().map_err(|error| SecretError::NoKeychain {
            reason: error.to_string(),
        })?;
        Ok(Keychain::with_store(store, KEYCHAIN_SERVICE))
    }

    /// Files entries under `service` in a given credential store.
    pub fn with_store(store: Arc<CredentialStore>, service: &str) -> Self {
        Keychain {
            store,
            service: service.to_string(),
        }
    }

    /// An in-memory keychain (keyring-core's mock store), for tests and demonstrations: it
    /// forgets everything when the last clone is dropped.
    pub fn in_memory() -> Self {
        let store = keyring_core::mock::Store::new().expect("the mock store always opens");
        Keychain::with_store(store, KEYCHAIN_SERVICE)
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretError> {
        Entry::new_in_store(&self.store, &self.service, name).map_err(|error| failure(name, error))
    }

    /// Reads an entry; `None` when it does not exist.
    pub fn read(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(failure(name, error)),
        }
    }

    /// Creates or replaces an entry.
    pub fn write(&self, name: &str, value: &Secret) -> Result<(), SecretError> {
        self.entry(name)?
            .set_password(value.expose())
            .map_err(|error| failure(name, error))
    }

    /// Deletes an entry; returns whether it existed.
    pub fn remove(&self, name: &str) -> Result<bool, SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(error) => Err(failure(name, error)),
        }
    }
}

fn failure(name: &str, error: keyring_core::Error) -> SecretError {
    SecretError::Keychain {
        name: name.to_string(),
        reason: error.to_string(),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(not(any(unix, target_os = "windows")))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "this platform has no supported keychain".to_string(),
    ))
}

/// The keychain as a [`SecretStore`]; each call runs on a blocking thread because the
/// platform APIs block.
#[async_trait]
impl SecretStore for Keychain {
    async fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        let (keychain, name) = (self.clone(), name.to_string());
        blocking(move || keychain.read(&name)).await
    }

    async fn set(&self, name: &str, value: &Secret) -> Result<(), SecretError> {
        let (keychain, name, value) = (self.clone(), name.to_string(), value.clone());
        blocking(move || keychain.write(&name, &value)).await
    }

    async fn delete(&self, name: &str) -> Result<bool, SecretError> {
        let (keychain, name) = (self.clone(), name.to_string());
        blocking(move || keychain.remove(&name)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| {
            Err(SecretError::NoKeychain {
                reason: format!("the keychain task stopped: {error}"),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_writes_reads_and_removes() {
        let keychain = Keychain::in_memory();
        assert_eq!(keychain.read("eh-customer-send").unwrap(), None);

        keychain
            .write("eh-customer-send", &Secret::new("Endpoint=sb://x/"))
            .unwrap();
        let value = keychain.read("eh-customer-send").unwrap().unwrap();
        assert_eq!(value.expose(), "Endpoint=sb://x/");

        assert!(keychain.remove("eh-customer-send").unwrap());
        assert!(!keychain.remove("eh-customer-send").unwrap());
        assert_eq!(keychain.read("eh-customer-send").unwrap(), None);
    }
}
