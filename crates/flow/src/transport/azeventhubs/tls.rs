//! TLS for `amqps` connections of the producer.
//!
//! Azure Event Hubs on port 5671, and the local broker's TLS listener, expect a TLS handshake
//! as the first bytes on the TCP connection, with AMQP inside it. `fe2o3-amqp` opens `amqps`
//! with AMQP's TLS protocol header instead, unless configured otherwise, so the producer makes the
//! handshake itself and opens plain AMQP over the TLS stream.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// Certificates trusted beside the bundled web roots, such as the CA of the local broker's TLS
/// listener (`broker-ca.pem` in the data folder of `eda-workshop serve`).
#[derive(Debug, Clone, Default)]
pub struct ExtraRootCertificates {
    certificates: Vec<CertificateDer<'static>>,
}

/// A CA file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    /// The file cannot be read.
    #[error("cannot read the CA file `{}`: {source}: give the path of a PEM file", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file contains no certificate.
    #[error(
        "the CA file `{}` contains no certificate: give a PEM file with \
         `-----BEGIN CERTIFICATE-----` blocks, such as broker-ca.pem in the data folder of \
         `eda-workshop serve`",
        path.display()
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A PEM block is not a valid certificate.
    #[error("the CA file `{}` contains an invalid certificate: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's description.
        reason: String,
    },
}

impl ExtraRootCertificates {
    /// Reads every certificate of a PEM file.
    pub fn from_pem_file(path: &Path) -> Result<Self, CaFileError> {
        let bytes = std::fs::read(path).map_err(|source| CaFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        let certificates = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| CaFileError::Invalid {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        if certificates.is_empty() {
            return Err(CaFileError::NoCertificate {
                path: path.to_owned(),
            });
        }
        Ok(Self { certificates })
    }

    /// Returns the certificates in DER, as the reader's client takes them.
    pub(super) fn to_der(&self) -> Vec<Vec<u8>> {
        self.certificates
            .iter()
            .map(|certificate| certificate.as_ref().to_vec())
            .collect()
    }

    /// Builds a connector that trusts the bundled web roots and these certificates.
    fn connector(&self) -> std::io::Result<TlsConnector> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for certificate in &self.certificates {
            roots
                .add(certificate.clone())
                .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsConnector::from(Arc::new(config)))
    }

    /// Makes the TLS handshake on `stream` for `host`, whose certificate must name it.
    pub(super) async fn handshake(
        &self,
        stream: TcpStream,
        host: &str,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
        self.connector()?.connect(name, stream).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_without_certificate_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = ExtraRootCertificates::from_pem_file(&path).unwrap_err();
        assert!(
            matches!(error, CaFileError::NoCertificate { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("BEGIN CERTIFICATE"), "{error}");
    }

    #[test]
    fn missing_ca_file_names_path() {
        let error = ExtraRootCertificates::from_pem_file(Path::new("/nonexistent/ca.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("cannot read the CA file `/nonexistent/ca.pem`"),
            "{error}"
        );
    }
}
