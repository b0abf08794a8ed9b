//! The live Local target inside the app: one [`LocalStack`] over a folder of the app data
//! folder. The stack is the local Resource Manager, the schema registry and one Event Hubs
//! broker per applied namespace. It starts on first need and stops when the app exits or a
//! teardown finishes.
//!
//! Only one process may serve a folder, because two would both write its SQLite stores and
//! both serve its namespaces. An exclusive lock on a file next to the folder keeps a second
//! app instance out with a clear message, and a running `eda-workshop serve` over the same
//! folder is detected through the `endpoints.json` it wrote.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use control::secrets::Keychain;
use local::{Endpoints, LocalStack};
use tokio::sync::{RwLock, RwLockReadGuard};

use crate::error::CommandError;
use crate::AppState;

/// Folder inside the app data folder that the Local target's services keep their state in.
pub(crate) const STACK_FOLDER: &str = "local";

/// File next to [`STACK_FOLDER`] that the running app holds an exclusive lock on. It lies
/// outside the folder so that a teardown can remove the whole folder.
const LOCK_FILE: &str = "local.lock";

/// Shared access to the running stack. While any guard lives, the stack cannot stop, so
/// callers keep a guard only for one operation, never for the life of a background task.
pub(crate) type StackGuard<'a> = RwLockReadGuard<'a, LocalStack>;

/// Opens the keychain the stack keeps rule keys and key vault secrets in.
pub(crate) type KeychainSource = Box<dyn Fn() -> Result<Keychain, CommandError> + Send + Sync>;

/// The Local target's services: not started, or one running [`LocalStack`].
pub(crate) struct LocalService {
    data_dir: PathBuf,
    lock_path: PathBuf,
    keychain: KeychainSource,
    lock: Mutex<Option<File>>,
    stack: RwLock<Option<LocalStack>>,
}

impl std::fmt::Debug for LocalService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalService")
            .field("data_dir", &self.data_dir)
            .field("lock_path", &self.lock_path)
            .finish_non_exhaustive()
    }
}

impl LocalService {
    /// Prepares the services over `{app_data_dir}/local`, with secrets in the OS keychain.
    pub(crate) fn new(app_data_dir: &Path) -> Self {
        Self::with_keychain(app_data_dir, || {
            Keychain::os().map_err(|error| CommandError::Keychain(error.to_string()))
        })
    }

    /// Prepares the services over `{app_data_dir}/local`, with secrets in the keychain that
    /// `keychain` opens.
    pub(crate) fn with_keychain(
        app_data_dir: &Path,
        keychain: impl Fn() -> Result<Keychain, CommandError> + Send + Sync + 'static,
    ) -> Self {
        LocalService {
            data_dir: app_data_dir.join(STACK_FOLDER),
            lock_path: app_data_dir.join(LOCK_FILE),
            keychain: Box::new(keychain),
            lock: Mutex::new(None),
            stack: RwLock::new(None),
        }
    }

    /// Returns the folder the services keep their state in, whether or not they run.
    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Opens the keychain the services use.
    pub(crate) fn keychain(&self) -> Result<Keychain, CommandError> {
        (self.keychain)()
    }

    /// Returns the running stack, starting it first if it is not running.
    pub(crate) async fn stack(&self) -> Result<StackGuard<'_>, CommandError> {
        {
            let running = self.stack.read().await;
            if running.is_some() {
                return Ok(RwLockReadGuard::map(running, |stack| {
                    stack.as_ref().expect("checked above")
                }));
            }
        }
        let mut slot = self.stack.write().await;
        // Another caller may have started it while this one waited for the write lock.
        if slot.is_none() {
            *slot = Some(self.start().await?);
        }
        Ok(RwLockReadGuard::map(slot.downgrade(), |stack| {
            stack.as_ref().expect("started above")
        }))
    }

    /// Replays the Resource Manager's state into the brokers, so hubs applied with capture
    /// start capturing, and rewrites `endpoints.json`.
    pub(crate) async fn reload(&self) -> Result<(), CommandError> {
        let stack = self.stack().await?;
        let replayed = stack
            .reload()
            .await
            .map_err(|error| CommandError::LocalStack(error.to_string()))?;
        tracing::debug!(entities = replayed, "reloaded the local brokers");
        write_endpoints(&stack);
        Ok(())
    }

    /// Stops the services if they run and releases the folder for other processes. The
    /// folder keeps their state for the next start.
    pub(crate) async fn stop(&self) {
        let stack = self.stack.write().await.take();
        if let Some(stack) = stack {
            stack.stop().await;
            tracing::info!(data_dir = %self.data_dir.display(), "stopped the Local target");
        }
        let released = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        // Closing the file releases the lock.
        drop(released);
    }

    async fn start(&self) -> Result<LocalStack, CommandError> {
        self.claim_folder()?;
        match self.start_claimed().await {
            Ok(stack) => Ok(stack),
            Err(error) => {
                self.lock
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .take();
                Err(error)
            }
        }
    }

    async fn start_claimed(&self) -> Result<LocalStack, CommandError> {
        if let Ok(earlier) = Endpoints::read(&self.data_dir) {
            if earlier.is_running() {
                return Err(CommandError::LocalServedElsewhere {
                    folder: self.data_dir.clone(),
                    arm: earlier.arm,
                });
            }
        }
        let keychain = self.keychain()?;
        let stack = LocalStack::start(&self.data_dir, keychain)
            .await
            .map_err(|error| CommandError::LocalStack(error.to_string()))?;
        write_endpoints(&stack);
        let endpoints = stack.endpoints();
        tracing::info!(
            data_dir = %self.data_dir.display(),
            arm = %endpoints.arm,
            registry = %endpoints.registry,
            namespaces = endpoints.namespaces.len(),
            "started the Local target"
        );
        Ok(stack)
    }

    /// Takes the exclusive lock on the lock file, or fails when another process holds it.
    fn claim_folder(&self) -> Result<(), CommandError> {
        let mut held = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if held.is_some() {
            return Ok(());
        }
        let io_error = |source| CommandError::LockFile {
            path: self.lock_path.clone(),
            source,
        };
        if let Some(parent) = self.lock_path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error)?;
        }

        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.lock_path)
            .map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(CommandError::LocalInUse {
                    folder: self.data_dir.clone(),
                    process: holder.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(source)) => return Err(io_error(source)),
        }

        // The process id helps the attendee find the other instance; the lock is what counts.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        *held = Some(file);
        Ok(())
    }
}

impl AppState {
    /// Returns the running Local target, starting it on first use. The guard keeps the stack
    /// from stopping, so hold it for one operation only.
    pub(crate) async fn stack(&self) -> Result<StackGuard<'_>, CommandError> {
        self.local.service().stack().await
    }
}

/// Writes `endpoints.json`, so `eda-workshop` commands and SDK samples find the services. A
/// failure only costs that convenience, so it is logged and not returned.
fn write_endpoints(stack: &LocalStack) {
    if let Err(error) = stack.endpoints().write(stack.data_dir()) {
        tracing::warn!(%error, "cannot write the Local target's endpoints.json");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(folder: &Path) -> LocalService {
        LocalService::with_keychain(folder, || Ok(Keychain::in_memory()))
    }

    #[test]
    fn stack_starts_once_and_writes_endpoints() {
        let folder = tempfile::tempdir().unwrap();
        let service = service(folder.path());
        tauri::async_runtime::block_on(async {
            let first = service.stack().await.unwrap().endpoints().arm;
            let second = service.stack().await.unwrap().endpoints().arm;
            assert_eq!(first, second);

            let written = Endpoints::read(service.data_dir()).unwrap();
            assert_eq!(written.arm, first);
            assert!(written.is_running());
            service.stop().await;
            assert!(!written.is_running());
        });
    }

    #[test]
    fn second_instance_over_same_folder_is_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let first = service(folder.path());
        let second = service(folder.path());
        tauri::async_runtime::block_on(async {
            let _running = first.stack().await.unwrap();
            let error = second.stack().await.unwrap_err();
            let message = error.to_string();
            assert!(
                matches!(error, CommandError::LocalInUse { .. }),
                "{message}"
            );
            assert!(message.contains("another EDA Workshop window"), "{message}");
            assert!(
                message.contains(&std::process::id().to_string()),
                "{message}"
            );
        });
        tauri::async_runtime::block_on(first.stop());
        tauri::async_runtime::block_on(async {
            assert!(second.stack().await.is_ok());
            second.stop().await;
        });
    }
}
