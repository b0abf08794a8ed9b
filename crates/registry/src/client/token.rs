//! Sources of the client's bearer tokens: the app's local registry, or Microsoft Entra ID
//! through an `azure_identity` credential.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;

use super::ClientError;
use crate::secret::Secret;

/// The OAuth scope of Event Hubs, which covers Schema Registry.
pub const EVENT_HUBS_SCOPE: &str = "https://eventhubs.azure.net/.default";

/// A future that yields a bearer token.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Secret<String>, ClientError>> + Send + 'a>>;

/// A source of bearer tokens for the registry client.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Returns a token valid for the next request.
    fn token(&self) -> TokenFuture<'_>;
}

/// A fixed token, such as one the local registry issued.
#[derive(Debug, Clone)]
pub struct StaticToken(Secret<String>);

impl StaticToken {
    /// Wraps a token.
    pub fn new(token: Secret<String>) -> Self {
        StaticToken(token)
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

/// Tokens from an `azure_identity` credential for the Event Hubs scope. The credential caches
/// and refreshes its tokens itself.
#[derive(Debug, Clone)]
pub struct AzureCredentialSource {
    credential: Arc<dyn TokenCredential>,
}

impl AzureCredentialSource {
    /// Wraps a credential, for example `azure_identity::DeveloperToolsCredential::new(None)?`.
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        AzureCredentialSource { credential }
    }
}

impl TokenSource for AzureCredentialSource {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let access = self
                .credential
                .get_token(&[EVENT_HUBS_SCOPE], None)
                .await
                .map_err(|error| ClientError::Token(error.to_string()))?;
            Ok(Secret::new(access.token.secret().to_string()))
        })
    }
}
