//! After a full apply, neither the data folder nor the logs hold any key or connection
//! string: they live only in the keychain.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{files_below, plan_for, Harness};
use course::ResourceKind;

/// A log sink that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[tokio::test]
async fn data_folder_and_logs_hold_no_key_material() {
    let logs = Captured::default();
    let writer = logs.clone();
    // Everything at trace level, with the directives every program using the crate adds.
    let filter = tracing_subscriber::EnvFilter::new(control::log_filter("trace"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || writer.clone())
        .init();

    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    assert_eq!(harness.apply(&plan).await.failed, None);

    let mut secrets: Vec<String> = Vec::new();
    for rule in plan
        .resources()
        .filter(|r| r.kind() == ResourceKind::AuthorizationRule)
    {
        let keys = harness.client.list_keys(&rule.id).await.unwrap();
        secrets.push(keys.primary_key.expose().to_string());
        secrets.push(keys.secondary_key.expose().to_string());
        secrets.push(keys.primary_connection_string.expose().to_string());
    }
    assert_eq!(
        secrets.len(),
        3 * 14,
        "two namespace rules and two rules on each of six hubs"
    );
    let credential = harness.server.credential();
    let token = azure_core::credentials::TokenCredential::get_token(&*credential, &["s"], None)
        .await
        .unwrap();
    secrets.push(token.token.secret().to_string());

    let files = files_below(harness.dir.path());
    assert!(!files.is_empty());
    let logged = logs.0.lock().unwrap().clone();
    assert!(
        contains(&logged, b"created"),
        "the capture sees the apply's logs"
    );
    for secret in &secrets {
        if contains(&logged, secret.as_bytes()) {
            let text = String::from_utf8_lossy(&logged);
            let at = text.find(secret.as_str()).unwrap();
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let context = &text[start..(start + 200).min(at)];
            panic!("a secret reached the logs after: {context}");
        }
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "a key reached {}",
                file.display()
            );
        }
    }
}
