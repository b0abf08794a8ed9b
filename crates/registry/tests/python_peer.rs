//! Interoperability with Microsoft's Python `azure-schemaregistry` client and
//! `azure-schemaregistry-avroencoder`, run as a child process against the local registry.
//!
//! The virtual environment is `.venv` at the repository root (or the interpreter named by
//! `EDA_PEER_PYTHON`), created with
//! `python3 -m venv .venv && .venv/bin/pip install -r tests/peers/requirements.txt`.
//! Without it the tests print a loud skip notice, except under `CI=true`, where they fail.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use registry::compat::CompatibilityMode;
use registry::course_schemas::{event_schema, COURSE_GROUP};
use registry::serializer::Serializer;
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use serde_json::{json, Value};

/// Maximum run time of one Python child; it is killed after that.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

struct Peer {
    python: PathBuf,
    handle: RegistryHandle,
    _data_dir: tempfile::TempDir,
}

impl Peer {
    async fn start(python: PathBuf) -> Peer {
        let data_dir = tempfile::tempdir().unwrap();
        let handle = LocalRegistry::start(RegistryConfig::with_data_dir(data_dir.path()))
            .await
            .unwrap();
        handle
            .put_group(COURSE_GROUP, CompatibilityMode::Backward)
            .unwrap();
        Peer {
            python,
            handle,
            _data_dir: data_dir,
        }
    }

    /// Runs `peer.py MODE` with one JSON request and returns its JSON result.
    async fn run(&self, mode: &str, request: Value) -> Value {
        let python = self.python.clone();
        let script = peers::repository_root().join("tests/peers/registry/peer.py");
        let endpoint = self.handle.endpoint();
        let ca = self.handle.ca_certificate_path().unwrap().to_path_buf();
        let token = self.handle.issue_token(Duration::from_secs(600));
        let mode = mode.to_string();
        tokio::task::spawn_blocking(move || {
            let output = peers::run_bounded(
                Command::new(python)
                    .arg(script)
                    .arg(&mode)
                    .env("EDA_REGISTRY_ENDPOINT", endpoint)
                    .env("EDA_REGISTRY_CA", ca)
                    .env("EDA_REGISTRY_TOKEN", token.expose())
                    .env("EDA_REGISTRY_GROUP", COURSE_GROUP),
                request.to_string().as_bytes(),
                CHILD_TIMEOUT,
                &format!("peer.py {mode}"),
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "peer.py {mode} failed: {stderr}");
            serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
                panic!("peer.py {mode} printed no JSON ({error}): {stderr}")
            })
        })
        .await
        .unwrap()
    }

    fn serializer(&self) -> Serializer {
        Serializer::new(common::https_client(&self.handle), COURSE_GROUP)
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for byte in text.bytes().filter(|byte| *byte != b'=') {
        let value = ALPHABET
            .iter()
            .position(|c| *c == byte)
            .expect("base64 character") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    bytes
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let padded = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let bits =
            (u32::from(padded[0]) << 16) | (u32::from(padded[1]) << 8) | u32::from(padded[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                text.push(ALPHABET[((bits >> (18 - 6 * index)) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[tokio::test]
async fn python_encodes_rust_decodes() {
    let Some(python) = peers::python("Python peer test") else {
        return;
    };
    let peer = Peer::start(python).await;
    let schema = event_schema("Customer.Created").unwrap();
    let event = json!({"id": "c-42", "date": "2026-12-04T10:00:00Z", "email": "ada@example.com"});
    let encoded = peer
        .run("encode", json!({"schema": schema, "event": event}))
        .await;

    let content_type = encoded["content_type"].as_str().unwrap();
    assert!(content_type.starts_with("avro/binary+"), "{content_type}");
    let stored = peer
        .handle
        .store()
        .by_id(encoded["schema_id"].as_str().unwrap())
        .unwrap();
    assert_eq!(stored.name, "Customer.Created");
    assert_eq!(stored.group, COURSE_GROUP);

    let body = base64_decode(encoded["body_base64"].as_str().unwrap());
    let decoded: Value = peer
        .serializer()
        .decode(content_type, &body, schema)
        .await
        .unwrap();
    assert_eq!(decoded, event);
    peer.handle.stop().await;
}

#[tokio::test]
async fn rust_encodes_python_decodes() {
    let Some(python) = peers::python("Python peer test") else {
        return;
    };
    let peer = Peer::start(python).await;
    let schema = event_schema("Lead.Generated").unwrap();
    let event = json!({"id": "l-7", "date": "2026-12-04T11:00:00Z", "customer_id": "c-42"});
    let encoded = peer.serializer().encode(&event, schema).await.unwrap();

    let decoded = peer
        .run(
            "decode",
            json!({
                "content_type": encoded.content_type,
                "body_base64": base64_encode(&encoded.body),
                "reader_schema": schema,
            }),
        )
        .await;
    assert_eq!(decoded["event"], event);
    peer.handle.stop().await;
}

#[tokio::test]
async fn python_reuses_rust_registration() {
    let Some(python) = peers::python("Python peer test") else {
        return;
    };
    let peer = Peer::start(python).await;
    let schema = event_schema("Sale.Confirmation").unwrap();
    let event = json!({"id": "s-1", "date": "d", "lead_id": "l-7", "sale_date": "d2"});
    let rust_id = peer.serializer().schema_id(schema).await.unwrap();
    let encoded = peer
        .run("encode", json!({"schema": schema, "event": event}))
        .await;
    assert_eq!(encoded["schema_id"], rust_id.as_str());
    assert_eq!(
        peer.handle
            .store()
            .versions(COURSE_GROUP, "Sale.Confirmation")
            .unwrap(),
        [1]
    );
    peer.handle.stop().await;
}

#[test]
fn base64_helpers_round_trip() {
    for bytes in [&b""[..], b"a", b"ab", b"abc", b"\x00\xff\x10\x80"] {
        assert_eq!(base64_decode(&base64_encode(bytes)), bytes);
    }
    assert_eq!(base64_encode(b"ab"), "YWI=");
}

#[tokio::test]
async fn python_client_operations_and_errors() {
    let Some(python) = peers::python("Python peer test") else {
        return;
    };
    let peer = Peer::start(python).await;
    let schema = event_schema("Lead.Purchased").unwrap();
    let results = peer
        .run(
            "client",
            json!({"schema": schema, "name": "Lead.Purchased"}),
        )
        .await;

    let registered = &results["registered"];
    assert_eq!(registered["group_name"], COURSE_GROUP);
    assert_eq!(registered["name"], "Lead.Purchased");
    assert_eq!(registered["version"], 1);
    assert_eq!(registered["format"], "Avro");
    let id = registered["id"].as_str().unwrap();
    assert_eq!(results["properties_id"], id);
    assert_eq!(results["by_id"]["definition"], schema);
    assert_eq!(results["by_id"]["format"], "Avro");
    assert_eq!(results["by_version_id"], id);

    assert_eq!(results["unknown_group"]["type"], "ResourceNotFoundError");
    assert_eq!(results["unknown_group"]["status"], 404);
    assert_eq!(results["unknown_id"]["type"], "ResourceNotFoundError");
    assert_eq!(results["malformed"]["status"], 400);
    let message = results["malformed"]["message"].as_str().unwrap();
    assert!(message.contains("line 1, position 9"), "{message}");
    assert_eq!(results["wrong_token"]["type"], "ClientAuthenticationError");
    assert_eq!(results["wrong_token"]["status"], 401);
    assert_eq!(
        peer.handle
            .store()
            .versions(COURSE_GROUP, "Lead.Purchased")
            .unwrap(),
        [1]
    );
    peer.handle.stop().await;
}
