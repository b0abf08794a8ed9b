//! Credentials: the token the local Resource Manager issues, and the adapter that lets an
//! `azure_identity` 1.x credential serve `azure_mgmt_eventhub`, which is built on
//! `azure_core` 0.21 and takes that version's `TokenCredential`.

use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};

use crate::error::{credential_error, Result};
use crate::secret::Secret;

/// The scope of Azure Resource Manager tokens.
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
/// The scope of Key Vault data-plane tokens.
pub const KEY_VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// A credential that returns the bearer token the local Resource Manager issued at start-up.
///
/// The token lives only in memory, in this value and in the server, so it never reaches a file.
#[derive(Clone)]
pub struct LocalCredential {
    token: Secret,
}

impl std::fmt::Debug for LocalCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalCredential(***)")
    }
}

impl LocalCredential {
    /// Wraps a token issued by the local Resource Manager.
    pub fn new(token: Secret) -> Self {
        LocalCredential { token }
    }
}

#[async_trait]
impl TokenCredential for LocalCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        // The server keeps the token for its whole life, so an hour ahead is always true.
        let expires_on = OffsetDateTime::now_utc() + Duration::hours(1);
        Ok(AccessToken::new(
            self.token.expose().to_string(),
            expires_on,
        ))
    }
}

/// Serves an `azure_identity` 1.x credential through `azure_core` 0.21's `TokenCredential`.
#[derive(Debug, Clone)]
pub struct LegacyCredential {
    inner: Arc<dyn TokenCredential>,
}

impl LegacyCredential {
    /// Wraps a 1.x credential.
    pub fn new(inner: Arc<dyn TokenCredential>) -> Self {
        LegacyCredential { inner }
    }
}

#[async_trait]
impl azure_core_legacy::auth::TokenCredential for LegacyCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
    ) -> azure_core_legacy::Result<azure_core_legacy::auth::AccessToken> {
        let token = self.inner.get_token(scopes, None).await.map_err(|error| {
            azure_core_legacy::error::Error::full(
                azure_core_legacy::error::ErrorKind::Credential,
                error,
                "the credential returned no token",
            )
        })?;
        Ok(azure_core_legacy::auth::AccessToken::new(
            token.token.secret().to_string(),
            token.expires_on,
        ))
    }

    async fn clear_cache(&self) -> azure_core_legacy::Result<()> {
        // 1.x credentials manage their own cache and expose no way to clear it.
        Ok(())
    }
}

/// Asks a credential for a token for one scope.
pub(crate) async fn bearer(credential: &dyn TokenCredential, scope: &str) -> Result<Secret> {
    let token = credential
        .get_token(&[scope], None)
        .await
        .map_err(|error| credential_error(&error))?;
    Ok(Secret::new(token.token.secret().to_string()))
}
