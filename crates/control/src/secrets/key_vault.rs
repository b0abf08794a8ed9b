//! Secrets in an Azure key vault, through the Key Vault REST API with the signed-in
//! credential.

use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::TokenCredential;
use serde_json::json;

use super::{SecretError, SecretStore};
use crate::credential::{bearer, KEY_VAULT_SCOPE};
use crate::secret::Secret;

/// The Key Vault data-plane API version.
const API_VERSION: &str = "7.4";

/// The secrets of one key vault.
#[derive(Debug, Clone)]
pub struct KeyVaultStore {
    vault: String,
    base: String,
    http: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
}

impl KeyVaultStore {
    /// Opens the vault `https://{vault}.vault.azure.net`.
    pub fn new(vault: &str, credential: Arc<dyn TokenCredential>) -> Self {
        let base = format!("https://{vault}.vault.azure.net");
        KeyVaultStore::with_base(vault, &base, credential)
    }

    /// Opens a vault at another base URL, such as a sovereign cloud's.
    pub fn with_base(vault: &str, base: &str, credential: Arc<dyn TokenCredential>) -> Self {
        KeyVaultStore {
            vault: vault.to_string(),
            base: base.trim_end_matches('/').to_string(),
            http: crate::transport::http_client(),
            credential,
        }
    }

    fn failure(&self, name: &str, status: u16, message: impl Into<String>) -> SecretError {
        SecretError::KeyVault {
            vault: self.vault.clone(),
            name: name.to_string(),
            status,
            message: message.into(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        name: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Option<serde_json::Value>, SecretError> {
        let token = bearer(self.credential.as_ref(), KEY_VAULT_SCOPE)
            .await
            .map_err(|error| self.failure(name, 0, error.to_string()))?;
        let url = format!("{}/secrets/{name}?api-version={API_VERSION}", self.base);
        let mut request = self.http.request(method, url).bearer_auth(token.expose());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| self.failure(name, 0, error.to_string()))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        if !(200..300).contains(&status) {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            return Err(self.failure(name, status, message));
        }
        Ok(Some(body))
    }
}

#[async_trait]
impl SecretStore for KeyVaultStore {
    async fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        let body = self.send(reqwest::Method::GET, name, None).await?;
        Ok(body.and_then(|body| body["value"].as_str().map(Secret::new)))
    }

    async fn set(&self, name: &str, value: &Secret) -> Result<(), SecretError> {
        let body = json!({ "value": value.expose() });
        self.send(reqwest::Method::PUT, name, Some(body)).await?;
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<bool, SecretError> {
        Ok(self
            .send(reqwest::Method::DELETE, name, None)
            .await?
            .is_some())
    }
}
