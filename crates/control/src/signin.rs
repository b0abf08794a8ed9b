//! Azure sign-in and the checks before an Azure apply.
//!
//! A credential comes from the Azure CLI, a device code or a service principal. Then a
//! subscription is chosen, and the resource providers the plan needs are checked, with the
//! command that registers a missing one.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_core::time::OffsetDateTime;
use serde::Serialize;

use crate::arm::ArmClient;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::transport::ReqwestTransport;

/// The Microsoft Entra authority of the public cloud.
pub const AUTHORITY: &str = "https://login.microsoftonline.com";
/// The public client id the Azure CLI signs in with. Device code sign-in uses it unless
/// `--client-id` names another.
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// How to sign in to Azure.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Reuse the Azure CLI's sign-in (`az login`).
    AzureCli {
        /// The tenant to get tokens from, if not the CLI's default.
        tenant: Option<String>,
    },
    /// Sign in in a browser with a code shown in the terminal or the app.
    DeviceCode {
        /// The tenant, or `organizations`.
        tenant: String,
        /// The public client application id.
        client_id: String,
    },
    /// A service principal with a client secret (kept in the keychain).
    ServicePrincipal {
        /// The tenant.
        tenant: String,
        /// The application (client) id.
        client_id: String,
        /// The client secret.
        secret: Secret,
    },
}

/// A way of signing in, without its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The Azure CLI's sign-in.
    AzureCli,
    /// A device code entered in a browser.
    DeviceCode,
    /// A service principal with a client secret.
    ServicePrincipal,
}

impl SignIn {
    /// Returns the way of signing in.
    pub fn method(&self) -> Method {
        match self {
            SignIn::AzureCli { .. } => Method::AzureCli,
            SignIn::DeviceCode { .. } => Method::DeviceCode,
            SignIn::ServicePrincipal { .. } => Method::ServicePrincipal,
        }
    }
}

/// The cause of a failed sign-in, so that the app and the command line can each word the fix in
/// their own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFault {
    /// The Azure CLI (`az`) is not installed or not on `PATH`.
    AzureCliMissing,
    /// The Azure CLI has no signed-in account for the tenant, or its sign-in expired.
    AzureCliSignedOut,
    /// Entra rejected the tenant, the client id or the client secret.
    ServicePrincipalRejected,
    /// Azure could not be reached.
    Unreachable,
    /// Any other failure, which signing in again may fix.
    Other,
}

impl Method {
    /// Tells what a failure of this way of signing in needs. The Azure CLI's failures come as
    /// text, so its missing program is recognised by the message.
    pub fn fault(self, error: &Error) -> SignInFault {
        match (self, error) {
            (Method::AzureCli, Error::Credential(reason))
                if reason.contains("not found on PATH") || reason.contains("No such file") =>
            {
                SignInFault::AzureCliMissing
            }
            (Method::AzureCli, Error::Credential(_)) => SignInFault::AzureCliSignedOut,
            (Method::ServicePrincipal, Error::Credential(_)) => {
                SignInFault::ServicePrincipalRejected
            }
            (_, Error::Unreachable { .. } | Error::SignInUnreachable { .. }) => {
                SignInFault::Unreachable
            }
            _ => SignInFault::Other,
        }
    }
}

/// Builds the credential for a way of signing in. `prompt` receives the device code message
/// ("To sign in, use a web browser to open ...").
pub fn credential(
    sign_in: &SignIn,
    prompt: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<Arc<dyn TokenCredential>> {
    let failed = |error: azure_core::Error| Error::Credential(error.to_string());
    match sign_in {
        SignIn::AzureCli { tenant } => {
            let options = azure_identity::AzureCliCredentialOptions {
                tenant_id: tenant.clone(),
                ..Default::default()
            };
            Ok(azure_identity::AzureCliCredential::new(Some(options)).map_err(failed)?)
        }
        SignIn::DeviceCode { tenant, client_id } => Ok(Arc::new(DeviceCodeCredential::new(
            AUTHORITY, tenant, client_id, prompt,
        ))),
        SignIn::ServicePrincipal {
            tenant,
            client_id,
            secret,
        } => {
            let options = azure_identity::ClientSecretCredentialOptions {
                client_options: ClientOptions {
                    transport: Some(Transport::new(Arc::new(ReqwestTransport::default()))),
                    retry: sign_in_retries(),
                    ..Default::default()
                },
            };
            let secret = azure_core::credentials::Secret::new(secret.expose().to_string());
            Ok(azure_identity::ClientSecretCredential::new(
                tenant,
                client_id.clone(),
                secret,
                Some(options),
            )
            .map_err(failed)?)
        }
    }
}

/// Returns the retries of a service principal's token request: two, within 20 s, so that a
/// computer without a network fails in seconds instead of after the default minute of retries.
fn sign_in_retries() -> RetryOptions {
    RetryOptions::exponential(ExponentialRetryOptions {
        initial_delay: azure_core::time::Duration::milliseconds(500),
        max_retries: 2,
        max_total_elapsed: azure_core::time::Duration::seconds(20),
        max_delay: azure_core::time::Duration::seconds(5),
    })
}

/// The OAuth 2.0 device authorization grant against Microsoft Entra, with the token kept in
/// memory until it expires.
pub struct DeviceCodeCredential {
    authority: String,
    tenant: String,
    client_id: String,
    http: reqwest::Client,
    prompt: Arc<dyn Fn(&str) + Send + Sync>,
    cached: tokio::sync::Mutex<Option<(String, Secret, OffsetDateTime)>>,
}

impl std::fmt::Debug for DeviceCodeCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeCredential")
            .field("authority", &self.authority)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The maximum wait of a device code sign-in, whatever `expires_in` the authority returns.
const DEVICE_CODE_LIMIT: Duration = Duration::from_secs(15 * 60);

impl DeviceCodeCredential {
    /// Creates a credential that signs in at `authority` (such as [`AUTHORITY`]).
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: &str,
        prompt: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Self {
        DeviceCodeCredential {
            authority: authority.trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            http: crate::transport::sign_in_http_client(),
            prompt,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Posts a form to one of the authority's OAuth endpoints. A request without a response
    /// keeps the HTTP client's error as its source, so the caller can tell a network fault.
    async fn post(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> azure_core::Result<(u16, serde_json::Value)> {
        let url = format!("{}/{}/oauth2/v2.0/{endpoint}", self.authority, self.tenant);
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|error| azure_core::Error::new(ErrorKind::Io, error))?;
        let status = response.status().as_u16();
        let body = response
            .json()
            .await
            .map_err(|error| azure_core::Error::new(ErrorKind::Io, error))?;
        Ok((status, body))
    }

    async fn sign_in(&self, scope: &str) -> azure_core::Result<(Secret, OffsetDateTime)> {
        let form = [("client_id", self.client_id.as_str()), ("scope", scope)];
        let (status, code) = self.post("devicecode", &form).await?;
        if status != 200 {
            return Err(refused(describe_oauth_error(&code)));
        }
        let device_code = code["device_code"]
            .as_str()
            .ok_or_else(|| refused("no device_code returned".to_string()))?;
        let message = code["message"]
            .as_str()
            .unwrap_or("Open the sign-in page and enter the code.");
        (self.prompt)(message);

        let mut interval = code["interval"].as_u64().unwrap_or(5);
        let expires_in = code["expires_in"].as_u64().unwrap_or(900);
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(expires_in).min(DEVICE_CODE_LIMIT);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(interval)).await;
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", self.client_id.as_str()),
                ("device_code", device_code),
            ];
            let (status, body) = self.post("token", &form).await?;
            if status == 200 {
                let token = body["access_token"]
                    .as_str()
                    .ok_or_else(|| refused("no access_token returned".to_string()))?;
                let lifetime = body["expires_in"].as_i64().unwrap_or(3600);
                let expires =
                    OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(lifetime);
                return Ok((Secret::new(token), expires));
            }
            match body["error"].as_str() {
                Some("authorization_pending") => {}
                Some("slow_down") => interval += 5,
                _ => return Err(refused(describe_oauth_error(&body))),
            }
        }
        Err(refused(
            "the device code expired before sign-in finished; sign in again".to_string(),
        ))
    }
}

/// Builds the error of a sign-in that the authority rejected.
fn refused(reason: String) -> azure_core::Error {
    azure_core::Error::with_message(ErrorKind::Credential, reason)
}

fn describe_oauth_error(body: &serde_json::Value) -> String {
    let code = body["error"].as_str().unwrap_or("unknown_error");
    let description = body["error_description"]
        .as_str()
        .unwrap_or("no description");
    format!("{code}: {description}")
}

#[async_trait]
impl TokenCredential for DeviceCodeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes.join(" ");
        let mut cached = self.cached.lock().await;
        if let Some((cached_scope, token, expires)) = cached.as_ref() {
            let fresh =
                *expires - OffsetDateTime::now_utc() > azure_core::time::Duration::minutes(5);
            if *cached_scope == scope && fresh {
                return Ok(AccessToken::new(token.expose().to_string(), *expires));
            }
        }
        let (token, expires) = self.sign_in(&scope).await?;
        *cached = Some((scope, token.clone(), expires));
        Ok(AccessToken::new(token.expose().to_string(), expires))
    }
}

/// A subscription the credential can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// The subscription id.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The tenant it belongs to.
    pub tenant: String,
    /// `Enabled`, `Disabled`, `Warned` and so on.
    pub state: String,
}

/// A failure to pick a subscription.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The credential has no enabled subscription.
    #[error("the signed-in account has no enabled subscription: sign in with another account")]
    None,
    /// Several are enabled and none was named.
    #[error("several subscriptions are enabled ({0}): choose one with --subscription ID")]
    Ambiguous(String),
    /// The named one is not among them.
    #[error(
        "subscription `{wanted}` is not available to the signed-in account; available: {known}"
    )]
    Unknown {
        /// The id or name asked for.
        wanted: String,
        /// The ones there are.
        known: String,
    },
}

/// Lists the subscriptions a credential can use at `endpoint`.
pub async fn subscriptions(
    endpoint: &str,
    credential: Arc<dyn TokenCredential>,
) -> Result<Vec<Subscription>> {
    let client = ArmClient::new(endpoint, "", credential)?;
    let items = client.subscriptions().await?;
    Ok(items
        .iter()
        .map(|item| Subscription {
            id: item["subscriptionId"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            name: item["displayName"].as_str().unwrap_or_default().to_string(),
            tenant: item["tenantId"].as_str().unwrap_or_default().to_string(),
            state: item["state"].as_str().unwrap_or_default().to_string(),
        })
        .collect())
}

/// Picks the subscription named by id or display name, or the only enabled one.
pub fn choose(
    subscriptions: &[Subscription],
    wanted: Option<&str>,
) -> std::result::Result<Subscription, SubscriptionError> {
    let enabled: Vec<&Subscription> = subscriptions
        .iter()
        .filter(|s| s.state.eq_ignore_ascii_case("Enabled"))
        .collect();
    let list = |items: &[&Subscription]| {
        items
            .iter()
            .map(|s| format!("{} ({})", s.name, s.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(wanted) => enabled
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(wanted) || s.name == wanted)
            .map(|s| (*s).clone())
            .ok_or_else(|| SubscriptionError::Unknown {
                wanted: wanted.to_string(),
                known: list(&enabled),
            }),
        None => match enabled.as_slice() {
            [] => Err(SubscriptionError::None),
            [only] => Ok((*only).clone()),
            many => Err(SubscriptionError::Ambiguous(list(many))),
        },
    }
}

/// A resource provider the plan needs that is not registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderProblem {
    /// The provider, such as `Microsoft.EventHub`.
    pub namespace: String,
    /// Its registration state, such as `NotRegistered`.
    pub state: String,
    /// The command that registers it.
    pub fix: String,
}

/// Lists the resource providers the plan needs.
pub fn needed_providers(include_databricks: bool) -> Vec<&'static str> {
    let mut needed = vec![
        "Microsoft.EventHub",
        "Microsoft.Storage",
        "Microsoft.KeyVault",
    ];
    if include_databricks {
        needed.push("Microsoft.Databricks");
    }
    needed
}

/// Reads the registration of each needed provider and returns those not registered.
pub async fn check_providers(
    client: &ArmClient,
    include_databricks: bool,
) -> Result<Vec<ProviderProblem>> {
    let mut problems = Vec::new();
    for namespace in needed_providers(include_databricks) {
        let body = client.provider(namespace).await?;
        let state = body["registrationState"].as_str().unwrap_or("Unknown");
        if !state.eq_ignore_ascii_case("Registered") {
            problems.push(ProviderProblem {
                namespace: namespace.to_string(),
                state: state.to_string(),
                fix: format!("az provider register --namespace {namespace}"),
            });
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(id: &str, name: &str, state: &str) -> Subscription {
        Subscription {
            id: id.into(),
            name: name.into(),
            tenant: "t".into(),
            state: state.into(),
        }
    }

    #[test]
    fn choose_takes_only_enabled_subscription() {
        let subs = [
            subscription("1", "dev", "Enabled"),
            subscription("2", "old", "Disabled"),
        ];
        assert_eq!(choose(&subs, None).unwrap().id, "1");
    }

    #[test]
    fn choose_asks_when_several_are_enabled() {
        let subs = [
            subscription("1", "dev", "Enabled"),
            subscription("2", "prod", "Enabled"),
        ];
        let error = choose(&subs, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "several subscriptions are enabled (dev (1), prod (2)): choose one with \
             --subscription ID"
        );
        assert_eq!(choose(&subs, Some("prod")).unwrap().id, "2");
        assert!(matches!(
            choose(&subs, Some("3")),
            Err(SubscriptionError::Unknown { .. })
        ));
    }

    #[test]
    fn sign_in_fault_follows_method() {
        let missing = Error::Credential("az not found on PATH".to_string());
        let expired = Error::Credential("AADSTS700082: the token expired".to_string());
        let unreachable = Error::Unreachable {
            endpoint: "https://management.azure.com".to_string(),
            reason: "connection refused".to_string(),
        };

        assert_eq!(
            Method::AzureCli.fault(&missing),
            SignInFault::AzureCliMissing
        );
        assert_eq!(
            Method::AzureCli.fault(&expired),
            SignInFault::AzureCliSignedOut
        );
        assert_eq!(
            Method::ServicePrincipal.fault(&expired),
            SignInFault::ServicePrincipalRejected
        );
        assert_eq!(Method::DeviceCode.fault(&expired), SignInFault::Other);
        assert_eq!(
            Method::DeviceCode.fault(&unreachable),
            SignInFault::Unreachable
        );
    }

    #[tokio::test]
    async fn unreachable_authority_is_a_network_fault() {
        // A port that was just free: nothing listens there, so the connection is refused.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let credential = DeviceCodeCredential::new(
            &authority,
            "organizations",
            AZURE_CLI_CLIENT_ID,
            Arc::new(|_: &str| {}),
        );

        let error = crate::credential::bearer(&credential, crate::credential::ARM_SCOPE)
            .await
            .unwrap_err();

        assert!(
            matches!(&error, Error::SignInUnreachable { host, .. } if host == "127.0.0.1"),
            "{error:?}"
        );
        assert_eq!(Method::DeviceCode.fault(&error), SignInFault::Unreachable);
        assert_eq!(
            Method::ServicePrincipal.fault(&error),
            SignInFault::Unreachable
        );
        assert!(
            error
                .problem()
                .starts_with("cannot reach the Azure sign-in service at 127.0.0.1: "),
            "{}",
            error.problem()
        );
    }

    #[tokio::test]
    async fn refused_device_code_is_not_a_network_fault() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = format!("http://{}", listener.local_addr().unwrap());
        let refuse = axum::routing::post(|| async {
            (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({
                    "error": "invalid_client",
                    "error_description": "AADSTS700016: application not found"
                })),
            )
        });
        let app = axum::Router::new().route("/organizations/oauth2/v2.0/devicecode", refuse);
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let credential = DeviceCodeCredential::new(
            &authority,
            "organizations",
            AZURE_CLI_CLIENT_ID,
            Arc::new(|_: &str| {}),
        );

        let error = crate::credential::bearer(&credential, crate::credential::ARM_SCOPE)
            .await
            .unwrap_err();
        server.abort();

        assert!(
            matches!(&error, Error::Credential(reason) if reason.contains("AADSTS700016")),
            "{error:?}"
        );
        assert_eq!(Method::DeviceCode.fault(&error), SignInFault::Other);
    }
}
