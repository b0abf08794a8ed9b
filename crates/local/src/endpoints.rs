//! The endpoints of the Local target's services, kept as `endpoints.json` in the data
//! directory.
//!
//! The file lists endpoints and entity names but never a key, so a connection string is built
//! from it together with the keychain.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file in the data directory that contains the [`Endpoints`] of the running services.
pub const ENDPOINTS_FILE: &str = "endpoints.json";

/// How long [`Endpoints::is_running`] waits for the local Resource Manager to accept.
const RUNNING_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// A failure to read or write `endpoints.json`.
#[derive(Debug, thiserror::Error)]
pub enum EndpointsError {
    /// The file does not exist: the services never ran over this data directory.
    #[error(
        "{path} does not exist: start the local services with `eda-workshop serve` over this \
         data directory first"
    )]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file cannot be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not valid JSON of the expected shape.
    #[error("{path} is not a valid endpoints file ({source}): run `eda-workshop serve` again")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// The endpoints of the Local target's services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The local Resource Manager's base URL, such as `http://127.0.0.1:41234`.
    pub arm: String,
    /// The local subscription id, made once per data directory.
    pub subscription: String,
    /// The schema registry's HTTPS endpoint as `127.0.0.1:port`, the form SDKs take as the
    /// registry's fully qualified namespace.
    pub registry: String,
    /// The local CA certificate the registry's certificate is signed by.
    pub registry_ca_certificate: Option<PathBuf>,
    /// The local CA certificate the brokers' TLS certificates are signed by. Clients of a
    /// [`NamespaceEndpoint::tls_endpoint`] trust it through `connection_verify` (Python),
    /// `NODE_EXTRA_CA_CERTS` (Node) or `SSL_CERT_FILE` (OpenSSL). Absent in files written
    /// before the brokers served TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_ca_certificate: Option<PathBuf>,
    /// Each namespace's AMQP endpoint and entities.
    pub namespaces: Vec<NamespaceEndpoint>,
}

/// One namespace's broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceEndpoint {
    /// The namespace name.
    pub name: String,
    /// The AMQP endpoint as connection strings name it, such as `sb://127.0.0.1:5672`.
    pub endpoint: String,
    /// The endpoint of the broker's AMQP over TLS listener, such as `sb://localhost:5671`, for
    /// connection strings without `UseDevelopmentEmulator`. It is `None` when the broker serves
    /// plain AMQP only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_endpoint: Option<String>,
    /// The namespace's hubs.
    pub hubs: Vec<HubEndpoint>,
}

/// One hub of a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubEndpoint {
    /// The hub name.
    pub name: String,
    /// The number of partitions.
    pub partitions: u32,
    /// The consumer group names, `$Default` first.
    pub consumer_groups: Vec<String>,
    /// The names of the hub's authorization rules.
    pub rules: Vec<String>,
}

impl Endpoints {
    /// Returns the path of `endpoints.json` in a data directory.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(ENDPOINTS_FILE)
    }

    /// Writes `endpoints.json` into the data directory, replacing the file in one step so a
    /// reader never sees half of it.
    pub fn write(&self, data_dir: &Path) -> Result<(), EndpointsError> {
        let path = Self::path(data_dir);
        let io = |source| EndpointsError::Io {
            path: path.clone(),
            source,
        };
        let text =
            serde_json::to_string_pretty(self).map_err(|source| EndpointsError::Invalid {
                path: path.clone(),
                source,
            })?;
        let partial = data_dir.join(format!("{ENDPOINTS_FILE}.partial"));
        std::fs::write(&partial, text + "\n").map_err(io)?;
        std::fs::rename(&partial, &path).map_err(io)
    }

    /// Reads `endpoints.json` from the data directory.
    pub fn read(data_dir: &Path) -> Result<Self, EndpointsError> {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(EndpointsError::Missing { path });
            }
            Err(source) => return Err(EndpointsError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| EndpointsError::Invalid { path, source })
    }

    /// Returns whether the local Resource Manager named here accepts connections, which means
    /// the services that wrote this file are still running. The check waits at most half a
    /// second.
    pub fn is_running(&self) -> bool {
        let Some(address) = self
            .arm
            .strip_prefix("http://")
            .and_then(|authority| authority.parse::<std::net::SocketAddr>().ok())
        else {
            return false;
        };
        // Only the loopback address the services bind is ever contacted.
        if !address.ip().is_loopback() {
            return false;
        }
        std::net::TcpStream::connect_timeout(&address, RUNNING_CHECK_TIMEOUT).is_ok()
    }

    /// Finds a namespace by name, ignoring case as Azure does.
    pub fn namespace(&self, name: &str) -> Option<&NamespaceEndpoint> {
        self.namespaces
            .iter()
            .find(|namespace| namespace.name.eq_ignore_ascii_case(name))
    }
}

impl NamespaceEndpoint {
    /// Finds a hub by name, ignoring case as Azure does.
    pub fn hub(&self, name: &str) -> Option<&HubEndpoint> {
        self.hubs
            .iter()
            .find(|hub| hub.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Endpoints {
        Endpoints {
            arm: "http://127.0.0.1:40001".to_owned(),
            subscription: "0000-1111".to_owned(),
            registry: "127.0.0.1:40002".to_owned(),
            registry_ca_certificate: None,
            broker_ca_certificate: Some(PathBuf::from("/data/broker-ca.pem")),
            namespaces: vec![NamespaceEndpoint {
                name: "eda-workshop-local".to_owned(),
                endpoint: "sb://127.0.0.1:40003".to_owned(),
                tls_endpoint: Some("sb://localhost:40004".to_owned()),
                hubs: vec![HubEndpoint {
                    name: "demo".to_owned(),
                    partitions: 2,
                    consumer_groups: vec!["$Default".to_owned()],
                    rules: vec!["send".to_owned(), "listen".to_owned()],
                }],
            }],
        }
    }

    #[test]
    fn written_file_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        sample().write(dir.path()).unwrap();
        let read = Endpoints::read(dir.path()).unwrap();
        assert_eq!(read, sample());
        assert!(read
            .namespace("EDA-WORKSHOP-LOCAL")
            .unwrap()
            .hub("Demo")
            .is_some());
        assert!(!dir.path().join("endpoints.json.partial").exists());
    }

    #[test]
    fn file_without_tls_fields_reads() {
        let dir = tempfile::tempdir().unwrap();
        let mut value = serde_json::to_value(sample()).unwrap();
        value
            .as_object_mut()
            .unwrap()
            .remove("broker_ca_certificate");
        value["namespaces"][0]
            .as_object_mut()
            .unwrap()
            .remove("tls_endpoint");
        std::fs::write(Endpoints::path(dir.path()), value.to_string()).unwrap();

        let read = Endpoints::read(dir.path()).unwrap();
        assert_eq!(read.broker_ca_certificate, None);
        assert_eq!(read.namespaces[0].tls_endpoint, None);
        assert_eq!(read.namespaces[0].endpoint, "sb://127.0.0.1:40003");
    }

    #[test]
    fn plain_only_file_omits_tls_fields() {
        let mut endpoints = sample();
        endpoints.broker_ca_certificate = None;
        endpoints.namespaces[0].tls_endpoint = None;
        let text = serde_json::to_string(&endpoints).unwrap();
        assert!(!text.contains("tls_endpoint"), "{text}");
        assert!(!text.contains("broker_ca_certificate"), "{text}");
    }

    #[test]
    fn running_check_connects_to_resource_manager() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut endpoints = sample();
        endpoints.arm = format!("http://{}", listener.local_addr().unwrap());
        assert!(endpoints.is_running());
        drop(listener);
        assert!(!endpoints.is_running());
        endpoints.arm = "http://example.com:80".to_owned();
        assert!(!endpoints.is_running());
    }

    #[test]
    fn missing_file_names_serve() {
        let dir = tempfile::tempdir().unwrap();
        let error = Endpoints::read(dir.path()).unwrap_err();
        assert!(matches!(error, EndpointsError::Missing { .. }));
        assert!(error.to_string().contains("eda-workshop serve"), "{error}");
    }
}
