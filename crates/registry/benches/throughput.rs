//! Throughput of the registry's hot paths, with Microsoft's Python encoder in the same run.
//!
//! Run with `cargo bench -p registry --bench throughput`. It reports compatibility checks per
//! second (the course exercise's pairs and the event schemas), and encode and decode events
//! per second for the course's events through the local registry with warm caches. When the
//! Python peer environment (`.venv` at the repository root, or `EDA_PEER_PYTHON`) exists, the
//! Python `AvroEncoder` encodes and decodes `Customer.Created` against the same registry.
//!
//! Every loop stops after a fixed count or a time budget, whichever comes first.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use registry::client::RegistryClient;
use registry::compat::{check, CompatibilityMode};
use registry::course_schemas::{BACKWARD_ATTEMPTS, COURSE_GROUP, EVENT_SCHEMAS, FORWARD_ATTEMPTS};
use registry::serializer::Serializer;
use registry::service::{LocalRegistry, RegistryConfig};
use registry::ParsedSchema;
use serde_json::{json, Value};

/// Iterations at most per measured loop.
const MAX_ITERATIONS: u64 = 200_000;
/// Time budget per measured loop.
const BUDGET: Duration = Duration::from_secs(2);
/// Events the Python encoder encodes and decodes.
const PYTHON_EVENTS: u64 = 5_000;

/// Runs `step` until the count or the time budget is reached; returns (iterations, elapsed).
fn measure(mut step: impl FnMut()) -> (u64, Duration) {
    let started = Instant::now();
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS && started.elapsed() < BUDGET {
        step();
        iterations += 1;
    }
    (iterations, started.elapsed())
}

fn report(label: &str, (iterations, elapsed): (u64, Duration)) {
    let per_second = iterations as f64 / elapsed.as_secs_f64();
    let micros = elapsed.as_secs_f64() * 1e6 / iterations as f64;
    println!("{label:<48} {per_second:>12.0} /s {micros:>10.2} µs each ({iterations} runs)");
}

fn event_value(name: &str) -> Value {
    let text = registry::course_schemas::event_schema(name).unwrap();
    let schema: Value = serde_json::from_str(text).unwrap();
    let mut event = serde_json::Map::new();
    for field in schema["fields"].as_array().unwrap() {
        let field_name = field["name"].as_str().unwrap();
        event.insert(
            field_name.to_string(),
            json!(format!("{field_name}-0123456789")),
        );
    }
    Value::Object(event)
}

fn bench_checks() {
    println!("compatibility checks (parsed schemas, one new version against the latest)");
    for (mode, attempts) in [
        (CompatibilityMode::Backward, &BACKWARD_ATTEMPTS),
        (CompatibilityMode::Forward, &FORWARD_ATTEMPTS),
    ] {
        for pair in 0..attempts.len() - 1 {
            let latest = ParsedSchema::parse(attempts[pair]).unwrap();
            let new = ParsedSchema::parse(attempts[pair + 1]).unwrap();
            let label = format!("  {mode} attempt {} vs {}", pair + 2, pair + 1);
            report(
                &label,
                measure(|| {
                    black_box(check(mode, black_box(&new), Some((&latest, 1))));
                }),
            );
        }
    }
    let (_, text) = EVENT_SCHEMAS[0];
    report(
        "  Backward Customer.Created, parse both + check",
        measure(|| {
            let latest = ParsedSchema::parse(black_box(text)).unwrap();
            let new = ParsedSchema::parse(black_box(text)).unwrap();
            black_box(check(CompatibilityMode::Backward, &new, Some((&latest, 1))));
        }),
    );
}

fn bench_python(handle: &registry::service::RegistryHandle) {
    let python = peers::python_path();
    if !python.exists() {
        println!(
            "  Python AvroEncoder: SKIPPED, no peer environment at {}",
            python.display()
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/registry/peer.py");
    let request = json!({
        "schema": registry::course_schemas::event_schema("Customer.Created").unwrap(),
        "event": event_value("Customer.Created"),
        "count": PYTHON_EVENTS,
    });
    let output = peers::run_bounded(
        Command::new(python)
            .arg(script)
            .arg("bench")
            .env("EDA_REGISTRY_ENDPOINT", handle.endpoint())
            .env("EDA_REGISTRY_CA", handle.ca_certificate_path().unwrap())
            .env(
                "EDA_REGISTRY_TOKEN",
                handle.issue_token(Duration::from_secs(600)).expose(),
            )
            .env("EDA_REGISTRY_GROUP", COURSE_GROUP),
        request.to_string().as_bytes(),
        Duration::from_secs(300),
        "the Python AvroEncoder benchmark",
    );
    if !output.status.success() {
        println!(
            "  Python AvroEncoder: FAILED ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return;
    }
    let result: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    for (label, key) in [
        (
            "  Python AvroEncoder encode Customer.Created",
            "encode_per_second",
        ),
        (
            "  Python AvroEncoder decode Customer.Created",
            "decode_per_second",
        ),
    ] {
        let per_second = result[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label:<48} {per_second:>12.0} /s {:>10.2} µs each ({PYTHON_EVENTS} runs)",
            1e6 / per_second
        );
    }
}

fn main() {
    bench_checks();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let handle = runtime
        .block_on(LocalRegistry::start(RegistryConfig::with_data_dir(
            data_dir.path(),
        )))
        .unwrap();
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = RegistryClient::local(
        &handle.endpoint(),
        handle.ca_certificate_pem(),
        handle.issue_token(Duration::from_secs(600)),
    )
    .unwrap();
    let serializer = Serializer::new(client, COURSE_GROUP);

    println!("\nevents through the local registry (warm id and schema caches)");
    for (name, schema) in EVENT_SCHEMAS {
        let event = event_value(name);
        let encoded = runtime.block_on(serializer.encode(&event, schema)).unwrap();
        report(
            &format!("  Rust encode {name}"),
            measure(|| {
                black_box(
                    runtime
                        .block_on(serializer.encode(black_box(&event), schema))
                        .unwrap(),
                );
            }),
        );
        report(
            &format!("  Rust decode {name}"),
            measure(|| {
                let value: Value = runtime
                    .block_on(serializer.decode(&encoded.content_type, &encoded.body, schema))
                    .unwrap();
                black_box(value);
            }),
        );
    }
    bench_python(&handle);
    runtime.block_on(handle.stop());
}
