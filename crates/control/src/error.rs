//! The errors of provisioning, each one failure a caller can act on.

/// A failed call to the Resource Manager, the keychain or Key Vault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Resource Manager rejected a request; `code` and `message` are ARM's own.
    #[error("the Resource Manager returned {status} `{code}` for `{id}`: {message}")]
    Arm {
        /// The resource the request was for.
        id: String,
        /// The HTTP status.
        status: u16,
        /// ARM's error code, such as `ResourceGroupNotFound`.
        code: String,
        /// ARM's message.
        message: String,
    },
    /// No HTTP exchange happened: the endpoint is down or the address is wrong.
    #[error("cannot reach the Resource Manager at {endpoint}: {reason}; check that it runs")]
    Unreachable {
        /// The base URL.
        endpoint: String,
        /// What the HTTP client reported.
        reason: String,
    },
    /// The credential returned no token.
    #[error("sign-in failed: {0}; sign in again (for example `az login`) and retry")]
    Credential(String),
    /// The Azure sign-in service was not reached: no network, a host name that does not
    /// resolve, or a connection refused or timed out.
    #[error(
        "cannot reach the Azure sign-in service at {host}: {reason}; check this computer's \
         network connection to Azure"
    )]
    SignInUnreachable {
        /// The sign-in service's host, such as `login.microsoftonline.com`.
        host: String,
        /// The HTTP client's error message.
        reason: String,
    },
    /// A long-running operation ended in a state other than `Succeeded`.
    #[error("the operation on `{id}` ended as {status}: {message}")]
    Operation {
        /// The resource the operation was for.
        id: String,
        /// ARM's final status, such as `Failed` or `Canceled`.
        status: String,
        /// ARM's explanation, if it gave one.
        message: String,
    },
    /// A long-running operation did not finish in time.
    #[error("the operation on `{id}` did not finish within {seconds} s; run the command again")]
    Timeout {
        /// The resource the operation was for.
        id: String,
        /// How long the client waited.
        seconds: u64,
    },
    /// The server sent something that is not what ARM sends.
    #[error("unexpected response for `{id}`: {reason}")]
    InvalidResponse {
        /// The resource the request was for.
        id: String,
        /// What was wrong with it.
        reason: String,
    },
    /// A plan id does not parse as an ARM id.
    #[error("`{0}` is not an ARM id of the form /resourceGroups/{{group}}/providers/...")]
    InvalidId(String),
    /// The keychain or Key Vault failed.
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretError),
}

impl Error {
    /// Whether the Resource Manager answered 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Arm { status: 404, .. })
    }

    /// Returns the problem without the fix that the message ends with, for callers that add a
    /// fix of their own, such as the fix for the chosen way of signing in.
    pub fn problem(&self) -> String {
        match self {
            Error::Credential(reason) => reason.clone(),
            Error::SignInUnreachable { host, reason } => {
                format!("cannot reach the Azure sign-in service at {host}: {reason}")
            }
            other => other.to_string(),
        }
    }
}

/// Converts a credential's failure to an error. An unreachable sign-in service becomes
/// [`Error::SignInUnreachable`], because its fix is the network, not the credentials.
pub(crate) fn credential_error(error: &(dyn std::error::Error + 'static)) -> Error {
    match unreachable_host(error) {
        Some((host, reason)) => Error::SignInUnreachable { host, reason },
        None => Error::Credential(error.to_string()),
    }
}

/// Finds an HTTP connect or timeout error among an error and its sources, and returns its host
/// and its message with the causes.
fn unreachable_host(error: &(dyn std::error::Error + 'static)) -> Option<(String, String)> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(http) = error.downcast_ref::<reqwest::Error>() {
            if http.is_connect() || http.is_timeout() {
                let host = http
                    .url()
                    .and_then(|url| url.host_str())
                    .unwrap_or("the sign-in service")
                    .to_string();
                return Some((host, causes(http)));
            }
        }
        current = error.source();
    }
    None
}

/// Joins an error's message with those of its sources. The sources name the network fault, such
/// as a host name that does not resolve, while the top message reports only a failed send.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
