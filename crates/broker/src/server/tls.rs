//! The broker's TLS identity: a certificate authority made at start and the server certificate
//! it signs for `localhost` and `127.0.0.1`.
//!
//! Azure serves AMQP over TLS on port 5671, with TLS opened directly on connect and SASL inside
//! it. Clients that insist on TLS (Microsoft's SDKs without `UseDevelopmentEmulator=true`) reach
//! the local broker the same way on its TLS port, once they trust the CA certificate: Python's
//! `azure-eventhub` through `connection_verify=FILE`, Node through `NODE_EXTRA_CA_CERTS=FILE`,
//! and OpenSSL-based clients through `SSL_CERT_FILE=FILE`.
//!
//! The scheme is the local schema registry's: both private keys exist only in this process's
//! memory, and only the CA certificate, which is public, is written out. Every new identity is
//! a new CA, so clients read the CA file again after the services restart.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::secret::Secret;

/// The file name of the broker's CA certificate (PEM), in the broker's data folder.
pub const CA_CERTIFICATE_FILE: &str = "broker-ca.pem";

/// A failure to create the broker's certificates or its TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating a key or signing a certificate failed.
    #[error("creating the local broker's certificates failed: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls rejected the certificate or the key.
    #[error("configuring TLS for the local broker failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The CA certificate (public) and the server's TLS configuration, which contains the private key
/// of a certificate for `localhost` and `127.0.0.1` signed by that CA.
///
/// Cloning shares the same identity, so one CA can serve every broker of a process.
#[derive(Clone)]
pub struct TlsIdentity {
    ca_pem: Arc<str>,
    server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Creates a CA, and a server certificate for `localhost` and `127.0.0.1` signed by it.
    pub fn generate() -> Result<Self, TlsError> {
        let ca_key = Secret::new(KeyPair::generate()?);
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.distinguished_name = distinguished_name("EDA Workshop local broker CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(ca_key.expose())?;
        let issuer = Issuer::new(ca_params, ca_key.expose());

        let server_key = Secret::new(KeyPair::generate()?);
        let mut server_params = CertificateParams::new(vec!["localhost".to_owned()])?;
        server_params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        server_params.distinguished_name = distinguished_name("EDA Workshop local broker");
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
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(Self {
            ca_pem: Arc::from(ca_cert.pem()),
            server_config: Arc::new(server_config),
        })
    }

    /// Returns the CA certificate in PEM, the one certificate a client must trust.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Writes the CA certificate to `path` as PEM.
    pub fn write_ca_certificate(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.ca_pem.as_bytes())
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.server_config))
    }
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "EDA Workshop");
    name
}
