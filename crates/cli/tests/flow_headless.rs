//! `eda-workshop flow` on Local, run as a person runs it: two runs with one seed, and a run
//! with a poison event. The three runs start at once because each waits for the `lead` hub's
//! first 60 s capture window.

use std::collections::BTreeSet;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// The counts two runs with one seed must agree on.
const COUNTS: [&str; 10] = [
    "customers",
    "leads",
    "abandoned",
    "leads_sold",
    "sales",
    "purchases",
    "customer_leads",
    "customer_sales",
    "customer_purchases",
    "product_purchases",
];

/// Starts a 30-customer run with seed 42 over its own data folder. The command gives up after
/// `timeout` seconds, which bounds the test.
fn start(data_dir: &std::path::Path, timeout: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "flow",
            "--namespace",
            "flowt",
            "--customers",
            "30",
            "--seed",
            "42",
            "--json",
        ])
        .args(["--timeout", timeout])
        .args(extra)
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn report(output: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {stderr}"))
}

fn counts(report: &Value) -> Vec<u64> {
    COUNTS
        .iter()
        .map(|name| {
            report[name]
                .as_u64()
                .unwrap_or_else(|| panic!("no count {name}"))
        })
        .collect()
}

fn assert_checks_pass(report: &Value) {
    for check in report["checks"].as_array().unwrap() {
        assert_eq!(check["passed"], true, "{check}");
    }
    assert_eq!(report["timed_out"], false);
}

#[test]
fn flow_counts_repeat_and_poison_parks_once() {
    let folders: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let first = start(folders[0].path(), "240", &[]);
    let second = start(folders[1].path(), "240", &[]);
    let poisoned = start(folders[2].path(), "240", &["--inject-poison", "customer"]);

    let first = report(&first.wait_with_output().unwrap());
    let second = report(&second.wait_with_output().unwrap());
    let poisoned = report(&poisoned.wait_with_output().unwrap());

    assert_checks_pass(&first);
    assert_checks_pass(&second);
    assert_eq!(counts(&first), counts(&second));
    assert_eq!(first["customers"], 30);
    assert_eq!(first["parked"].as_array().unwrap().len(), 0);

    assert_checks_pass(&poisoned);
    assert_eq!(counts(&poisoned), counts(&first));
    let parked = poisoned["parked"].as_array().unwrap();
    let sources: BTreeSet<(String, String, i64)> = parked
        .iter()
        .map(|event| {
            (
                event["hub"].as_str().unwrap().to_owned(),
                event["partition_id"].as_str().unwrap().to_owned(),
                event["sequence_number"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sources.len(), 1, "{parked:?}");
    assert!(parked.iter().all(|event| event["hub"] == "customer"));
    let conversions = poisoned["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lane| lane["team"] == "conversions" && lane["hub"] == "customer")
        .expect("the Conversions lane on customer");
    assert_eq!(conversions["counts"]["consumed"], 30);
    assert_eq!(conversions["counts"]["parked"], 1);

    // Each run's folder is removed when it ends.
    for folder in &folders {
        let runs: Vec<_> = std::fs::read_dir(folder.path().join("flow-runs"))
            .unwrap()
            .collect();
        assert!(runs.is_empty());
    }
}

#[test]
fn unfinished_run_exits_non_zero() {
    let folder = tempfile::tempdir().unwrap();
    // Sales wait for the first 60 s capture window, so a 5 s run cannot finish.
    let output = start(folder.path(), "5", &[]).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not every event is accounted for after 5 s"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["timed_out"], true);
    assert_eq!(report["sales"], 0);
}

#[test]
fn azure_target_is_unavailable() {
    let folder = tempfile::tempdir().unwrap();
    let output = start(folder.path(), "240", &["--target", "azure"])
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("not available in this build"), "{stderr}");
    assert!(output.stdout.is_empty());
}
