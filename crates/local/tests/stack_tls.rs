//! The Local target's brokers over TLS: every namespace's broker has a TLS listener whose
//! endpoint is in `endpoints.json`, with a certificate from the CA file named there.

mod common;

use std::path::Path;
use std::process::Command;

use control::secrets::Keychain;
use local::standalone::{self, HubSpec, STANDALONE_NAMESPACE};
use local::{Endpoints, LocalStack};

/// Opens TLS to localhost:PORT trusting only CA_FILE, sends the AMQP SASL protocol header and
/// prints the broker's reply in hex. Python's `ssl` checks the certificate and the address.
const HANDSHAKE_SCRIPT: &str = r#"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[1])
raw = socket.create_connection(("localhost", int(sys.argv[2])), timeout=10)
with context.wrap_socket(raw, server_hostname="localhost") as connection:
    connection.sendall(b"AMQP\x03\x01\x00\x00")
    print(connection.recv(8).hex())
"#;

fn amqp_header_over_tls(python: &Path, ca: &Path, port: u16) -> String {
    let output = Command::new(python)
        .args(["-c", HANDSHAKE_SCRIPT])
        .arg(ca)
        .arg(port.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn tls_port(endpoints: &Endpoints) -> u16 {
    let namespace = endpoints.namespace(STANDALONE_NAMESPACE).unwrap();
    let tls = namespace.tls_endpoint.as_deref().unwrap();
    assert_ne!(tls, namespace.endpoint);
    tls.strip_prefix("sb://localhost:")
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_serves_tls_with_listed_ca() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let hubs: Vec<HubSpec> = vec!["demo:2".parse().unwrap()];
    standalone::create_hubs(&stack, &keychain, &hubs)
        .await
        .unwrap();

    let endpoints = stack.endpoints();
    let ca = endpoints.broker_ca_certificate.clone().unwrap();
    assert_eq!(ca, dir.path().join("broker-ca.pem"));
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let port = tls_port(&endpoints);

    endpoints.write(dir.path()).unwrap();
    assert_eq!(Endpoints::read(dir.path()).unwrap(), endpoints);

    if let Some(python) = peers::python("Python peer test over TLS") {
        assert_eq!(amqp_header_over_tls(&python, &ca, port), "414d515003010000");
    }

    // After a restart the TLS listener keeps its port, and the CA file names the new CA.
    stack.stop().await;
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let restarted = stack.endpoints();
    assert_eq!(tls_port(&restarted), port);
    let new_pem = std::fs::read_to_string(&ca).unwrap();
    assert_ne!(new_pem, pem);
    if let Some(python) = peers::python("Python peer test over TLS") {
        assert_eq!(amqp_header_over_tls(&python, &ca, port), "414d515003010000");
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_tls_port_keeps_plain_port() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let hubs: Vec<HubSpec> = vec!["demo:1".parse().unwrap()];
    standalone::create_hubs(&stack, &keychain, &hubs)
        .await
        .unwrap();
    let before = stack.endpoints();
    let tls_before = tls_port(&before);
    stack.stop().await;

    // Another program takes the TLS port while the services are stopped.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", tls_before)).unwrap();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let after = stack.endpoints();
    let namespace = |endpoints: &Endpoints| {
        endpoints
            .namespace(STANDALONE_NAMESPACE)
            .unwrap()
            .endpoint
            .clone()
    };
    assert_eq!(namespace(&after), namespace(&before));
    assert_ne!(tls_port(&after), tls_before);
    stack.stop().await;
    drop(squatter);
}
