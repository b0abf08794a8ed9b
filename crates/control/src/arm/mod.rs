//! The ARM client: one code path for Azure and for the local Resource Manager.
//!
//! Event Hubs resources go through `azure_mgmt_eventhub`; resource groups, storage, key vaults,
//! locks and Databricks go through plain REST with the same credential. The client takes a
//! base URL, so pointed at `http://127.0.0.1:PORT` it runs exactly the code it runs on Azure.

pub mod api;
mod eventhub;
pub(crate) mod lro;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::TokenCredential;
use course::ResourceKind;
use serde_json::Value;

use crate::credential::{bearer, LegacyCredential, ARM_SCOPE};
use crate::error::{Error, Result};
use crate::secret::Secret;
use lro::{Next, State};

/// The Azure public cloud's Resource Manager.
pub const AZURE_ENDPOINT: &str = "https://management.azure.com";

/// A response as it came: status, headers and JSON body (`null` when empty).
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

/// How long and how often the client waits for long-running operations.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// The maximum wait between two polls when ARM sends no `Retry-After`.
    pub ceiling: Duration,
    /// The maximum time one operation may take.
    pub timeout: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            ceiling: Duration::from_secs(5),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// The keys of an authorization rule, as `listKeys` returns them.
#[derive(Debug, Clone)]
pub struct RuleKeys {
    /// The rule's name.
    pub key_name: String,
    /// The primary key.
    pub primary_key: Secret,
    /// The secondary key.
    pub secondary_key: Secret,
    /// The connection string with the primary key.
    pub primary_connection_string: Secret,
    /// The connection string with the secondary key.
    pub secondary_connection_string: Secret,
}

/// A client for one subscription of one Resource Manager.
#[derive(Clone)]
pub struct ArmClient {
    endpoint: String,
    subscription: String,
    credential: Arc<dyn TokenCredential>,
    http: reqwest::Client,
    eventhub: azure_mgmt_eventhub::package_2024_01::Client,
    polling: Polling,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.endpoint)
            .field("subscription", &self.subscription)
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    /// Creates a client for `subscription` at `endpoint`, such as [`AZURE_ENDPOINT`] or the local
    /// Resource Manager's URL.
    pub fn new(
        endpoint: &str,
        subscription: &str,
        credential: Arc<dyn TokenCredential>,
    ) -> Result<Self> {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let url = azure_core_legacy::Url::parse(&endpoint).map_err(|error| Error::Unreachable {
            endpoint: endpoint.clone(),
            reason: format!("not a URL: {error}"),
        })?;
        let legacy = Arc::new(LegacyCredential::new(credential.clone()));
        let eventhub = azure_mgmt_eventhub::package_2024_01::Client::builder(legacy)
            .endpoint(url)
            .scopes(&[ARM_SCOPE])
            .build()
            .map_err(|error| Error::Unreachable {
                endpoint: endpoint.clone(),
                reason: error.to_string(),
            })?;
        Ok(ArmClient {
            endpoint,
            subscription: subscription.to_string(),
            credential,
            http: crate::transport::http_client(),
            eventhub,
            polling: Polling::default(),
        })
    }

    /// Changes how long-running operations are awaited.
    pub fn with_polling(mut self, polling: Polling) -> Self {
        self.polling = polling;
        self
    }

    /// Returns the subscription id.
    pub fn subscription(&self) -> &str {
        &self.subscription
    }

    /// Returns the base URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Returns the credential every request is signed with.
    pub fn credential(&self) -> Arc<dyn TokenCredential> {
        self.credential.clone()
    }

    fn url(&self, id: &str, api_version: &str) -> String {
        format!(
            "{}/subscriptions/{}{id}?api-version={api_version}",
            self.endpoint, self.subscription
        )
    }

    /// Reads a resource of the plan; `None` when it does not exist.
    pub async fn get(&self, kind: ResourceKind, id: &str) -> Result<Option<Value>> {
        let result = if api::is_event_hubs(kind) {
            eventhub::get(&self.eventhub, &self.subscription, kind, id).await
        } else {
            self.rest(
                reqwest::Method::GET,
                &self.url(id, api::for_kind(kind)),
                None,
                &[],
                id,
            )
            .await
        };
        match result {
            Ok(raw) => Ok(Some(raw.body)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates or updates a resource and waits until ARM has finished; returns the resource.
    pub async fn put(&self, kind: ResourceKind, id: &str, body: Value) -> Result<Value> {
        let first = if api::is_event_hubs(kind) {
            eventhub::put(&self.eventhub, &self.subscription, kind, id, body).await?
        } else {
            let url = self.url(id, api::for_kind(kind));
            self.rest(reqwest::Method::PUT, &url, Some(&body), &[], id)
                .await?
        };
        match lro::after_first_response(first.status, &first.headers, &first.body) {
            Next::Done => {
                check_final(id, &first.body)?;
                Ok(first.body)
            }
            Next::ReadResource => self.await_provisioned(kind, id).await,
            next => {
                self.settle(id, next).await?;
                self.get(kind, id)
                    .await?
                    .ok_or_else(|| Error::InvalidResponse {
                        id: id.to_string(),
                        reason: "the operation succeeded but the resource does not exist".into(),
                    })
            }
        }
    }

    /// Deletes a resource and waits until ARM has finished; returns whether it existed.
    /// `if_match` is the entity tag that kinds such as immutability policies require.
    pub async fn delete(
        &self,
        kind: ResourceKind,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<bool> {
        let first = if api::is_event_hubs(kind) {
            eventhub::delete(&self.eventhub, &self.subscription, kind, id).await
        } else {
            let url = self.url(id, api::for_kind(kind));
            let headers: Vec<(&str, &str)> =
                if_match.map(|tag| ("If-Match", tag)).into_iter().collect();
            self.rest(reqwest::Method::DELETE, &url, None, &headers, id)
                .await
        };
        let first = match first {
            Ok(raw) => raw,
            Err(error) if error.is_not_found() => return Ok(false),
            Err(error) => return Err(error),
        };
        if first.status == 204 {
            return Ok(false);
        }
        match lro::after_first_response(first.status, &first.headers, &Value::Null) {
            Next::Done | Next::ReadResource => Ok(true),
            next => {
                self.settle(id, next).await?;
                Ok(true)
            }
        }
    }

    /// Lists the keys of an authorization rule.
    pub async fn list_keys(&self, rule_id: &str) -> Result<RuleKeys> {
        let raw = eventhub::list_keys(&self.eventhub, &self.subscription, rule_id).await?;
        let field = |name: &str| -> Result<Secret> {
            raw.body[name]
                .as_str()
                .map(Secret::new)
                .ok_or_else(|| Error::InvalidResponse {
                    id: rule_id.to_string(),
                    reason: format!("listKeys returned no `{name}`"),
                })
        };
        Ok(RuleKeys {
            key_name: raw.body["keyName"].as_str().unwrap_or_default().to_string(),
            primary_key: field("primaryKey")?,
            secondary_key: field("secondaryKey")?,
            primary_connection_string: field("primaryConnectionString")?,
            secondary_connection_string: field("secondaryConnectionString")?,
        })
    }

    /// Reads any resource below the subscription by path; `None` when it does not exist.
    pub async fn get_path(&self, path: &str, api_version: &str) -> Result<Option<Value>> {
        let url = self.url(path, api_version);
        match self.rest(reqwest::Method::GET, &url, None, &[], path).await {
            Ok(raw) => Ok(Some(raw.body)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates or updates any resource below the subscription by path, for kinds that ARM
    /// completes at once, such as locks.
    pub async fn put_path(&self, path: &str, api_version: &str, body: &Value) -> Result<Value> {
        let url = self.url(path, api_version);
        let raw = self
            .rest(reqwest::Method::PUT, &url, Some(body), &[], path)
            .await?;
        Ok(raw.body)
    }

    /// Deletes any resource below the subscription by path, waiting for ARM to finish;
    /// returns whether it existed.
    pub async fn delete_path(&self, path: &str, api_version: &str) -> Result<bool> {
        let url = self.url(path, api_version);
        let first = match self
            .rest(reqwest::Method::DELETE, &url, None, &[], path)
            .await
        {
            Ok(raw) => raw,
            Err(error) if error.is_not_found() => return Ok(false),
            Err(error) => return Err(error),
        };
        if first.status == 204 {
            return Ok(false);
        }
        match lro::after_first_response(first.status, &first.headers, &Value::Null) {
            Next::Done | Next::ReadResource => Ok(true),
            next => {
                self.settle(path, next).await?;
                Ok(true)
            }
        }
    }

    /// Sends a POST action below the subscription, such as `purge`, and waits for it.
    pub async fn post_path(&self, path: &str, api_version: &str) -> Result<Value> {
        let url = self.url(path, api_version);
        let first = self
            .rest(
                reqwest::Method::POST,
                &url,
                Some(&Value::Object(Default::default())),
                &[],
                path,
            )
            .await?;
        match lro::after_first_response(first.status, &first.headers, &first.body) {
            Next::Done | Next::ReadResource => Ok(first.body),
            next => {
                self.settle(path, next).await?;
                Ok(Value::Null)
            }
        }
    }

    /// Lists the top-level resources of a resource group (`id`, `name`, `type`, `tags`).
    // NOTE: reads the first page only (ARM pages at 1000 items by default); a group with more
    // would need `nextLink` to be followed.
    pub async fn group_resources(&self, group: &str) -> Result<Vec<Value>> {
        let path = format!("/resourceGroups/{group}/resources");
        let body = self.get_path(&path, api::RESOURCES).await?;
        Ok(list_of(body))
    }

    /// Lists the subscriptions the credential can use.
    pub async fn subscriptions(&self) -> Result<Vec<Value>> {
        let url = format!(
            "{}/subscriptions?api-version={}",
            self.endpoint,
            api::SUBSCRIPTIONS
        );
        let raw = self
            .rest(reqwest::Method::GET, &url, None, &[], "/subscriptions")
            .await?;
        Ok(list_of(Some(raw.body)))
    }

    /// Reads the registration of a resource provider in the subscription.
    pub async fn provider(&self, namespace: &str) -> Result<Value> {
        let path = format!("/providers/{namespace}");
        self.get_path(&path, api::PROVIDERS)
            .await?
            .ok_or_else(|| Error::Arm {
                id: path,
                status: 404,
                code: "InvalidResourceNamespace".into(),
                message: format!("the resource provider `{namespace}` is not known"),
            })
    }

    async fn await_provisioned(&self, kind: ResourceKind, id: &str) -> Result<Value> {
        let started = Instant::now();
        for attempt in 0.. {
            tokio::time::sleep(lro::poll_delay(attempt, None, self.polling.ceiling)).await;
            let Some(body) = self.get(kind, id).await? else {
                continue;
            };
            match lro::provisioning_state(&body) {
                State::Running => {}
                State::Succeeded => return Ok(body),
                State::Ended { status, message } => {
                    return Err(Error::Operation {
                        id: id.to_string(),
                        status,
                        message,
                    })
                }
            }
            if started.elapsed() > self.polling.timeout {
                break;
            }
        }
        Err(self.timeout(id))
    }

    /// Polls an operation until it ends.
    async fn settle(&self, id: &str, next: Next) -> Result<()> {
        let started = Instant::now();
        let mut retry_after = None;
        for attempt in 0.. {
            tokio::time::sleep(lro::poll_delay(attempt, retry_after, self.polling.ceiling)).await;
            let url = match &next {
                Next::AsyncOperation(url) | Next::Location(url) => url,
                Next::Done | Next::ReadResource => return Ok(()),
            };
            self.check_same_origin(id, url)?;
            let raw = self.rest(reqwest::Method::GET, url, None, &[], id).await?;
            retry_after = lro::retry_after(&raw.headers);
            let state = match &next {
                Next::AsyncOperation(_) => lro::operation_state(&raw.body),
                _ if raw.status == 202 => State::Running,
                _ => State::Succeeded,
            };
            match state {
                State::Running => {}
                State::Succeeded => return Ok(()),
                State::Ended { status, message } => {
                    return Err(Error::Operation {
                        id: id.to_string(),
                        status,
                        message,
                    })
                }
            }
            if started.elapsed() > self.polling.timeout {
                break;
            }
        }
        Err(self.timeout(id))
    }

    fn timeout(&self, id: &str) -> Error {
        Error::Timeout {
            id: id.to_string(),
            seconds: self.polling.timeout.as_secs(),
        }
    }

    /// Refuses to send the token to a polling URL on another host than the endpoint.
    fn check_same_origin(&self, id: &str, url: &str) -> Result<()> {
        if url.starts_with(&format!("{}/", self.endpoint)) {
            return Ok(());
        }
        Err(Error::InvalidResponse {
            id: id.to_string(),
            reason: format!("the operation URL `{url}` is not on {}", self.endpoint),
        })
    }

    async fn rest(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
        id: &str,
    ) -> Result<Raw> {
        let token = bearer(self.credential.as_ref(), ARM_SCOPE).await?;
        let mut request = self.http.request(method, url).bearer_auth(token.expose());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| Error::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: error.to_string(),
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or_default();
                (name.as_str().to_string(), value.to_string())
            })
            .collect();
        let bytes = response.bytes().await.map_err(|error| Error::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: error.to_string(),
        })?;
        let body: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status >= 400 {
            return Err(Error::Arm {
                id: id.to_string(),
                status,
                code: body["error"]["code"]
                    .as_str()
                    .unwrap_or("Unknown")
                    .to_string(),
                message: body["error"]["message"]
                    .as_str()
                    .unwrap_or("no message")
                    .to_string(),
            });
        }
        Ok(Raw {
            status,
            headers,
            body,
        })
    }
}

fn check_final(id: &str, body: &Value) -> Result<()> {
    match lro::provisioning_state(body) {
        State::Ended { status, message } => Err(Error::Operation {
            id: id.to_string(),
            status,
            message,
        }),
        _ => Ok(()),
    }
}

fn list_of(body: Option<Value>) -> Vec<Value> {
    match body.map(|mut body| body["value"].take()) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
