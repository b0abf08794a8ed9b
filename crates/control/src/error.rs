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
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
