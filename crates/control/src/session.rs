//! A connection to one target, driven through one [`ArmClient`].
//!
//! On Local it is a local Resource Manager started in-process over the data directory. On
//! Azure it is a signed-in ARM client for one subscription.

use std::path::Path;
use std::sync::Arc;

use crate::apply::TargetKind;
use crate::arm::{ArmClient, AZURE_ENDPOINT};
use crate::desired::Target;
use crate::local::{LocalEffects, LocalError, LocalOptions, LocalResourceManager, RecordedEffects};
use crate::secrets::{Keychain, SecretError};
use crate::signin::{self, SignIn, SubscriptionError};

/// A failure to open a target.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The local Resource Manager did not start.
    #[error(transparent)]
    Local(#[from] LocalError),
    /// The recorded broker and registry entities could not be opened.
    #[error("cannot open the local entity record in {path}: {reason}")]
    Effects {
        /// The data directory.
        path: String,
        /// The SQLite error.
        reason: String,
    },
    /// No usable subscription.
    #[error(transparent)]
    Subscription(#[from] SubscriptionError),
    /// The keychain is not available.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// Sign-in or the ARM client failed.
    #[error(transparent)]
    Arm(#[from] crate::Error),
}

/// One open target.
#[derive(Debug)]
pub struct Session {
    /// The ARM client.
    pub client: ArmClient,
    /// The subscription and tenant bodies name.
    pub target: Target,
    /// Local or Azure.
    pub kind: TargetKind,
    local: Option<LocalResourceManager>,
}

impl Session {
    /// Starts a local Resource Manager on 127.0.0.1 over `data_dir` whose broker and registry
    /// entities are only recorded ([`RecordedEffects`]), and connects to it.
    pub async fn local(data_dir: &Path, keychain: Keychain) -> Result<Session, SessionError> {
        let effects = Session::recorded_effects(data_dir)?;
        Session::local_with(data_dir, keychain, Arc::new(effects)).await
    }

    /// Opens the recorded broker and registry entities of a data directory.
    pub fn recorded_effects(data_dir: &Path) -> Result<RecordedEffects, SessionError> {
        RecordedEffects::open_in(data_dir).map_err(|error| SessionError::Effects {
            path: data_dir.display().to_string(),
            reason: error.to_string(),
        })
    }

    /// Starts a local Resource Manager on 127.0.0.1 over `data_dir` that creates entities
    /// through `effects`, and connects to it.
    pub async fn local_with(
        data_dir: &Path,
        keychain: Keychain,
        effects: Arc<dyn LocalEffects>,
    ) -> Result<Session, SessionError> {
        let server =
            LocalResourceManager::start(data_dir, keychain, effects, LocalOptions::default())
                .await?;
        let client = server.client()?;
        Ok(Session {
            client,
            target: server.target(),
            kind: TargetKind::Local,
            local: Some(server),
        })
    }

    /// Signs in to Azure and connects to the chosen subscription (or the only enabled one).
    pub async fn azure(
        sign_in: &SignIn,
        subscription: Option<&str>,
        prompt: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Session, SessionError> {
        let credential = signin::credential(sign_in, prompt)?;
        let subscriptions = signin::subscriptions(AZURE_ENDPOINT, credential.clone()).await?;
        let chosen = signin::choose(&subscriptions, subscription)?;
        let client = ArmClient::new(AZURE_ENDPOINT, &chosen.id, credential)?;
        Ok(Session {
            client,
            target: Target {
                subscription: chosen.id,
                tenant: chosen.tenant,
            },
            kind: TargetKind::Azure,
            local: None,
        })
    }

    /// Returns the local Resource Manager on the Local target, `None` on Azure.
    pub fn local_server(&self) -> Option<&LocalResourceManager> {
        self.local.as_ref()
    }

    /// Closes the session, stopping the local Resource Manager if there is one.
    pub async fn close(self) -> Result<(), SessionError> {
        if let Some(server) = self.local {
            server.stop().await?;
        }
        Ok(())
    }
}
