//! Bearer tokens of the Resource Manager and the schema registry for clients outside the app.
//!
//! Both services accept only tokens they issued. `eda-workshop serve` files one token of each
//! in the keychain while it runs, under entries of the data directory's subscription, and
//! `eda-workshop token` prints it, so a script or SDK can call the endpoints `serve` prints.

use std::time::Duration;

use control::secrets::{Keychain, SecretError};
use control::Secret;

use crate::{Endpoints, LocalStack};

/// How long a registry token filed by [`file_tokens`] stays valid. The Resource Manager's
/// token is valid until the services stop.
pub const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A local service that accepts bearer tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenService {
    /// The local Resource Manager.
    ResourceManager,
    /// The schema registry's REST API.
    Registry,
}

impl TokenService {
    /// Both services, in the order `serve` prints them.
    pub const ALL: [TokenService; 2] = [TokenService::ResourceManager, TokenService::Registry];

    fn name(self) -> &'static str {
        match self {
            TokenService::ResourceManager => "resource-manager",
            TokenService::Registry => "registry",
        }
    }
}

/// A failure to print a token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The keychain has no token, or the services that filed it no longer run.
    #[error(
        "the keychain has no {service} token for the services over this data folder: start them \
         with `eda-workshop serve` and ask again while it runs"
    )]
    NotFiled {
        /// The service, as the command line names it.
        service: &'static str,
    },
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] SecretError),
}

/// Returns the keychain entry of a service's token for the subscription of one data directory.
pub fn token_entry(subscription: &str, service: TokenService) -> String {
    format!("local/{subscription}/tokens/{}", service.name())
}

/// Files a token of each service in the keychain, replacing those of an earlier start.
pub fn file_tokens(stack: &LocalStack, keychain: &Keychain) -> Result<(), SecretError> {
    let subscription = stack.resource_manager().subscription();
    let arm = stack.resource_manager().token().clone();
    keychain.write(
        &token_entry(subscription, TokenService::ResourceManager),
        &arm,
    )?;
    let registry = stack.registry().issue_token(REGISTRY_TOKEN_LIFETIME);
    keychain.write(
        &token_entry(subscription, TokenService::Registry),
        &Secret::new(registry.expose().clone()),
    )
}

/// Removes the filed tokens, which stop working when the services stop.
pub fn remove_tokens(subscription: &str, keychain: &Keychain) -> Result<(), SecretError> {
    for service in TokenService::ALL {
        keychain.remove(&token_entry(subscription, service))?;
    }
    Ok(())
}

/// Reads the token of `service` filed by the services running over the data directory of
/// `endpoints`.
pub fn token(
    endpoints: &Endpoints,
    keychain: &Keychain,
    service: TokenService,
) -> Result<Secret, TokenError> {
    let filed = keychain.read(&token_entry(&endpoints.subscription, service))?;
    // A token left behind by services that were killed works nowhere.
    match filed {
        Some(token) if endpoints.is_running() => Ok(token),
        _ => Err(TokenError::NotFiled {
            service: service.name(),
        }),
    }
}
