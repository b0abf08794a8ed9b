//! Helpers shared by the integration tests: a local registry on a free port and clients for it.

#![allow(dead_code)]

use std::time::Duration;

use registry::client::RegistryClient;
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use registry::Secret;

/// Starts an in-memory registry with HTTPS and a plain-HTTP listener.
pub(crate) async fn start_registry() -> RegistryHandle {
    let config = RegistryConfig {
        http_port: Some(0),
        ..RegistryConfig::in_memory()
    };
    LocalRegistry::start(config)
        .await
        .expect("local registry starts")
}

/// Returns an HTTPS client with a fresh token.
pub(crate) fn https_client(handle: &RegistryHandle) -> RegistryClient {
    RegistryClient::local(
        &handle.endpoint(),
        handle.ca_certificate_pem(),
        handle.issue_token(Duration::from_secs(600)),
    )
    .expect("client builds")
}

/// Returns a raw reqwest client that trusts the local CA, for requests the registry client
/// would never send.
pub(crate) fn raw_client(handle: &RegistryHandle) -> reqwest::Client {
    let certificate =
        reqwest::Certificate::from_pem(handle.ca_certificate_pem().as_bytes()).expect("CA is PEM");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate)
        .no_proxy()
        .build()
        .expect("raw client builds")
}

/// Returns a fresh token for a handle.
pub(crate) fn token(handle: &RegistryHandle) -> Secret<String> {
    handle.issue_token(Duration::from_secs(600))
}
