//! A REST client for Azure Schema Registry that serves both targets: the app's local registry
//! (trusting its CA, with an app-issued token) and `https://{namespace}.servicebus.windows.net`
//! (with an `azure_identity` credential).

mod token;

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

pub use token::{AzureCredentialSource, StaticToken, TokenFuture, TokenSource, EVENT_HUBS_SCOPE};

use crate::secret::Secret;
use crate::wire::{SchemaId, AVRO_SCHEMA_CONTENT_TYPE};

/// The api-version the client sends.
pub const API_VERSION: &str = "2022-10";

/// Maximum pages of a list the client follows, so a misbehaving server cannot loop it.
const MAX_PAGES: usize = 100;

/// A failure of a registry request.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The request got no response (connection, TLS or timeout).
    #[error("request to the schema registry at {url} failed: {source}")]
    Http {
        /// The URL requested.
        url: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// The registry responded with an error status.
    #[error("the schema registry responded {status}: {detail}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The `Detail` of Azure's error body, or the raw body.
        detail: String,
    },
    /// No token could be obtained.
    #[error("getting a token for the schema registry failed: {0}")]
    Token(String),
    /// The response lacks a header or has an unreadable body.
    #[error("the schema registry's response is invalid: {0}")]
    InvalidResponse(String),
    /// The HTTP client cannot be built, for example because the CA certificate is not PEM.
    #[error("setting up the schema registry client failed: {0}")]
    Setup(String),
}

impl ClientError {
    /// Returns the HTTP status when the registry responded with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A schema version's identity, from the registry's response headers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaProperties {
    /// The schema id.
    pub id: SchemaId,
    /// The schema group.
    pub group: String,
    /// The schema name.
    pub name: String,
    /// The version number.
    pub version: u32,
}

/// A schema version with its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisteredSchema {
    /// The version's identity.
    pub properties: SchemaProperties,
    /// The schema text.
    pub content: String,
}

/// A Schema Registry REST client.
#[derive(Debug, Clone)]
pub struct RegistryClient {
    http: reqwest::Client,
    base_url: String,
    tokens: Arc<dyn TokenSource>,
}

impl RegistryClient {
    /// Creates a client from its parts: `base_url` such as `https://127.0.0.1:8443`.
    pub fn new(
        base_url: impl Into<String>,
        http: reqwest::Client,
        tokens: Arc<dyn TokenSource>,
    ) -> Self {
        RegistryClient {
            http,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            tokens,
        }
    }

    /// Creates a client for the app's local registry over HTTPS: `endpoint` is `host:port`,
    /// and only the given CA is trusted.
    pub fn local(endpoint: &str, ca_pem: &str, token: Secret<String>) -> Result<Self, ClientError> {
        let certificate = reqwest::Certificate::from_pem(ca_pem.as_bytes()).map_err(|error| {
            ClientError::Setup(format!("the CA certificate is not PEM: {error}"))
        })?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(certificate)
            .no_proxy()
            .build()
            .map_err(|error| ClientError::Setup(error.to_string()))?;
        Ok(Self::new(
            format!("https://{endpoint}"),
            http,
            Arc::new(StaticToken::new(token)),
        ))
    }

    /// Creates a client for the local registry's plain-HTTP listener (`host:port`).
    pub fn local_plain(endpoint: &str, token: Secret<String>) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|error| ClientError::Setup(error.to_string()))?;
        Ok(Self::new(
            format!("http://{endpoint}"),
            http,
            Arc::new(StaticToken::new(token)),
        ))
    }

    /// Creates a client for Azure: `fully_qualified_namespace` such as
    /// `dv-schemaregistry-ehns-eun-dgrf.servicebus.windows.net`, tokens from `credential`.
    pub fn azure(
        fully_qualified_namespace: &str,
        credential: Arc<dyn TokenCredential>,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .build()
            .map_err(|error| ClientError::Setup(error.to_string()))?;
        Ok(Self::new(
            format!("https://{fully_qualified_namespace}"),
            http,
            Arc::new(AzureCredentialSource::new(credential)),
        ))
    }

    /// Returns the base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Registers a schema version; identical content returns the existing version.
    pub async fn register(
        &self,
        group: &str,
        name: &str,
        content: &str,
    ) -> Result<SchemaProperties, ClientError> {
        let path = format!(
            "/$schemaGroups/{}/schemas/{}",
            segment(group),
            segment(name)
        );
        let (_, headers, _) = self.send(Method::PUT, &path, Some(content)).await?;
        properties_from_headers(&headers)
    }

    /// Finds the version whose content matches, or `None` when the registry responds 404 (no
    /// such version, schema or group).
    pub async fn get_properties(
        &self,
        group: &str,
        name: &str,
        content: &str,
    ) -> Result<Option<SchemaProperties>, ClientError> {
        let path = format!(
            "/$schemaGroups/{}/schemas/{}:get-id",
            segment(group),
            segment(name)
        );
        match self.send(Method::POST, &path, Some(content)).await {
            Ok((_, headers, _)) => Ok(Some(properties_from_headers(&headers)?)),
            // An unknown group is also 404, and a later register reports that failure.
            Err(ClientError::Service { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Returns the schema with this id.
    pub async fn get_schema(&self, id: &SchemaId) -> Result<RegisteredSchema, ClientError> {
        let path = format!("/$schemaGroups/$schemas/{id}");
        let (_, headers, body) = self.send(Method::GET, &path, None).await?;
        Ok(RegisteredSchema {
            properties: properties_from_headers(&headers)?,
            content: body,
        })
    }

    /// Returns one version of a schema.
    pub async fn get_schema_version(
        &self,
        group: &str,
        name: &str,
        version: u32,
    ) -> Result<RegisteredSchema, ClientError> {
        let path = format!(
            "/$schemaGroups/{}/schemas/{}/versions/{version}",
            segment(group),
            segment(name)
        );
        let (_, headers, body) = self.send(Method::GET, &path, None).await?;
        Ok(RegisteredSchema {
            properties: properties_from_headers(&headers)?,
            content: body,
        })
    }

    /// Lists a schema's version numbers.
    pub async fn list_versions(&self, group: &str, name: &str) -> Result<Vec<u32>, ClientError> {
        let path = format!(
            "/$schemaGroups/{}/schemas/{}/versions",
            segment(group),
            segment(name)
        );
        self.list(&path).await
    }

    /// Lists the schema groups the token may access.
    pub async fn list_groups(&self) -> Result<Vec<String>, ClientError> {
        self.list("/$schemaGroups").await
    }

    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut items = Vec::new();
        let mut next: Option<String> = Some(path.to_string());
        for _ in 0..MAX_PAGES {
            let Some(current) = next.take() else { break };
            let (_, _, body) = self.send(Method::GET, &current, None).await?;
            let page: serde_json::Value = serde_json::from_str(&body)
                .map_err(|error| ClientError::InvalidResponse(format!("list body: {error}")))?;
            let values = page
                .get("Value")
                .or_else(|| page.get("value"))
                .cloned()
                .unwrap_or(serde_json::Value::Array(Vec::new()));
            let mut page_items: Vec<T> = serde_json::from_value(values)
                .map_err(|error| ClientError::InvalidResponse(format!("list items: {error}")))?;
            items.append(&mut page_items);
            next = page
                .get("NextLink")
                .or_else(|| page.get("nextLink"))
                .and_then(|link| link.as_str())
                .map(|link| {
                    link.strip_prefix(&self.base_url)
                        .unwrap_or(link)
                        .to_string()
                });
        }
        Ok(items)
    }

    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&str>,
    ) -> Result<(StatusCode, HeaderMap, String), ClientError> {
        let separator = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else if path_and_query.contains("api-version=") {
            format!("{}{path_and_query}", self.base_url)
        } else {
            format!(
                "{}{path_and_query}{separator}api-version={API_VERSION}",
                self.base_url
            )
        };

        let token = self.tokens.token().await?;
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(token.expose())
            .header("Accept", "application/json; serialization=Avro");
        if let Some(content) = body {
            request = request
                .header("Content-Type", AVRO_SCHEMA_CONTENT_TYPE)
                .body(content.to_string());
        }

        let response = request.send().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })?;

        tracing::debug!(%method, %url, status = status.as_u16(), "schema registry request");
        if status.is_success() {
            return Ok((status, headers, text));
        }
        Err(ClientError::Service {
            status: status.as_u16(),
            detail: error_detail(&text),
        })
    }
}

fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2E", ".")
        .replace("%2D", "-")
        .replace("%5F", "_")
}

/// Extracts the message of an Azure error body (`{"Code":..,"Detail":..}` or
/// `{"error":{"message":..}}`), falling back to the raw text. The tracking suffix Azure appends
/// to `Detail` (`TrackingId:..., SystemTracker:..., Timestamp:...`) is dropped.
fn error_detail(body: &str) -> String {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.trim().to_string();
    };
    let detail = json
        .get("Detail")
        .and_then(|detail| detail.as_str())
        .map(|detail| match detail.find(" TrackingId:") {
            Some(cut) => detail[..cut].to_string(),
            None => detail.to_string(),
        });
    if let Some(detail) = detail {
        return detail;
    }
    json.get("Detail")
        .and_then(|detail| detail.as_str())
        .or_else(|| {
            json.get("error")
                .and_then(|error| error.get("message"))
                .and_then(|message| message.as_str())
        })
        .map(str::to_string)
        .unwrap_or_else(|| body.trim().to_string())
}

fn properties_from_headers(headers: &HeaderMap) -> Result<SchemaProperties, ClientError> {
    let text = |name: &str| -> Result<String, ClientError> {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| ClientError::InvalidResponse(format!("the header {name} is missing")))
    };
    let id = SchemaId::parse(&text("Schema-Id")?)
        .map_err(|error| ClientError::InvalidResponse(error.to_string()))?;
    let version = text("Schema-Version")?
        .parse()
        .map_err(|_| ClientError::InvalidResponse("Schema-Version is not a number".into()))?;
    Ok(SchemaProperties {
        id,
        group: text("Schema-Group-Name")?,
        name: text("Schema-Name")?,
        version,
    })
}
