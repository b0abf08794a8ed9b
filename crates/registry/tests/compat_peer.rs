//! The registry's compatibility verdicts compared with Apache Avro's Python `avro` package and
//! fastavro on generated schema pairs, through the registry's REST API.
//!
//! `tests/peers/registry/compat_diff.py` registers each pair's latest and new schema in a
//! Backward and a Forward schema group and reports every verdict that differs from the `avro`
//! package's, except the deliberate differences it lists with their reasons. It also reports a
//! rejection that does not name the changed field or type or gives no fix.
//!
//! The virtual environment is `.venv` at the repository root (or the interpreter named by
//! `EDA_PEER_PYTHON`), created with
//! `python3 -m venv .venv && .venv/bin/pip install -r tests/peers/requirements.txt`.
//! Without it the test prints a loud skip notice, except under `CI=true`, where it fails.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use registry::compat::CompatibilityMode;
use registry::limits::Limits;
use registry::service::{LocalRegistry, RegistryConfig};
use serde_json::Value;

/// Maximum run time of the Python child; it is killed after that. The script makes about 1,000
/// registrations, which took 4 s in a debug build on a 2-core machine.
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);

/// The minimum number of pairs the table must contain, so that a script that stops generating
/// pairs early fails.
const MIN_PAIRS: u64 = 150;

const BACKWARD_GROUP: &str = "compat-backward";
const FORWARD_GROUP: &str = "compat-forward";

/// Runs `compat_diff.py` against a registry and returns its JSON result.
fn run_compat_diff(python: PathBuf, endpoint: String, ca: PathBuf, token: String) -> Value {
    let script = peers::repository_root().join("tests/peers/registry/compat_diff.py");
    let output = peers::run_bounded(
        Command::new(python)
            .arg(script)
            .env("EDA_REGISTRY_ENDPOINT", endpoint)
            .env("EDA_REGISTRY_CA", ca)
            .env("EDA_REGISTRY_TOKEN", token)
            .env("EDA_BACKWARD_GROUP", BACKWARD_GROUP)
            .env("EDA_FORWARD_GROUP", FORWARD_GROUP),
        b"",
        CHILD_TIMEOUT,
        "compat_diff.py",
    );
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "compat_diff.py failed: {errors}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("compat_diff.py printed no JSON ({error}): {errors}"))
}

#[tokio::test]
async fn verdicts_match_avro_peers() {
    let Some(python) = peers::python("compatibility peer test") else {
        return;
    };
    let data_dir = tempfile::tempdir().unwrap();
    // Two groups and a few versions per pair exceed the Standard tier's limits.
    let config = RegistryConfig {
        limits: Limits {
            max_groups: 2,
            max_versions: 4_000,
            ..Limits::STANDARD
        },
        ..RegistryConfig::with_data_dir(data_dir.path())
    };
    let handle = LocalRegistry::start(config).await.unwrap();
    handle
        .put_group(BACKWARD_GROUP, CompatibilityMode::Backward)
        .unwrap();
    handle
        .put_group(FORWARD_GROUP, CompatibilityMode::Forward)
        .unwrap();
    let endpoint = handle.endpoint();
    let ca = handle.ca_certificate_path().unwrap().to_path_buf();
    let token = handle
        .issue_token(Duration::from_secs(900))
        .expose()
        .clone();

    let result = tokio::task::spawn_blocking(move || run_compat_diff(python, endpoint, ca, token))
        .await
        .unwrap();
    handle.stop().await;

    let pairs = result["pairs"].as_u64().unwrap();
    assert!(pairs >= MIN_PAIRS, "only {pairs} schema pairs: {result}");
    assert_eq!(result["verdicts"].as_u64().unwrap(), 2 * pairs, "{result}");
    assert!(result["rejected"].as_u64().unwrap() > 0, "{result}");
    let failures: Vec<&str> = result["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| failure.as_str().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} verdicts differ from the Avro peers or give a poor message:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
