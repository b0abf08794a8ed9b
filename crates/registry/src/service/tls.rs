//! The local certificate authority and the registry's server certificate.
//!
//! Python's `azure-schemaregistry` always connects over https, so the local registry serves
//! TLS with a certificate from a CA generated at start. Both private keys stay in memory for
//! the life of the process; only the CA certificate, which is public, leaves it.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::secret::Secret;

/// Failure to create the certificates or the TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating a key or signing a certificate failed.
    #[error("creating the local registry's certificates failed: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls rejected the certificate or key.
    #[error("configuring TLS for the local registry failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The CA certificate (public) and the server's TLS configuration (holding the private key).
pub(crate) struct LocalTls {
    pub(crate) ca_pem: String,
    pub(crate) server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for LocalTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalTls").finish_non_exhaustive()
    }
}

/// Creates a CA and a server certificate for `localhost` and `127.0.0.1`, signed by it.
pub(crate) fn create_local_tls() -> Result<LocalTls, TlsError> {
    let ca_key = Secret::new(KeyPair::generate()?);
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.distinguished_name = distinguished_name("EDA Workshop local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(ca_key.expose())?;
    let issuer = Issuer::new(ca_params, ca_key.expose());

    let server_key = Secret::new(KeyPair::generate()?);
    let mut server_params = CertificateParams::new(vec!["localhost".to_string()])?;
    server_params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    server_params.distinguished_name = distinguished_name("EDA Workshop local registry");
    server_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    let server_cert = server_params.signed_by(server_key.expose(), &issuer)?;

    let chain = vec![
        CertificateDer::from(server_cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        server_key.expose().serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(LocalTls {
        ca_pem: ca_cert.pem(),
        server_config: Arc::new(server_config),
    })
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "EDA Workshop");
    name
}
