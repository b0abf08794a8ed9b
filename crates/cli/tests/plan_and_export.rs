//! The `plan` and `export` commands, run as a person runs them.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .args(args)
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A reader that closes the pipe early, as `eda-workshop plan | head -1` does, ends the command
/// with the status a shell gives a process that SIGPIPE ended, and no panic message.
#[test]
fn plan_into_closed_pipe_exits_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .args(["plan", "--namespace", "dgrf"])
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(141), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn plan_json_names_course_resources() {
    let output = run(&["plan", "--namespace", "dgrf", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["attendee"]["namespace"], "dgrf");
    let step1 = &plan["steps"][0];
    assert_eq!(step1["resources"][0]["name"], "dv-events-broker-rg");
    assert_eq!(step1["resources"][0]["tags"]["team"], "platform");
    assert_eq!(
        plan["steps"][1]["resources"][0]["name"],
        "dv-events001-ehns-eun-dgrf"
    );
}

#[test]
fn plan_table_lists_each_step() {
    let output = run(&["plan", "--namespace", "dgrf"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for heading in [
        "Step 1 · Resource groups",
        "Step 2 · Shared platform",
        "Step 3 · Schema registry",
        "Step 4 · Publishers",
        "Step 5 · Consumers",
        "Events of the demo flow",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    assert!(text.contains("dvlakesaeundgrf"));
}

#[test]
fn capitals_noted_on_stderr() {
    let output = run(&["plan", "--namespace", "DGRF", "--json"]);
    assert!(output.status.success());
    assert!(stderr(&output).contains("`DGRF` is used as `dgrf`"));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["attendee"]["namespace"], "dgrf");
}

#[test]
fn invalid_namespace_exits_two_with_model_message() {
    let output = run(&["plan", "--namespace", "my-ns"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let message = stderr(&output);
    assert!(
        message.contains("unique namespace `my-ns` is invalid"),
        "{message}"
    );
    assert!(message.contains("capture storage account"), "{message}");
    assert!(
        message.contains("only lower-case ASCII letters (a-z) and digits"),
        "{message}"
    );
}

#[test]
fn namespace_from_environment_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .args(["plan", "--json"])
        .env("AZURE_UNIQUE_NAMESPACE", "abcd")
        .output()
        .unwrap();
    assert!(output.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["attendee"]["namespace"], "abcd");
}

#[test]
fn unknown_environment_is_rejected() {
    let output = run(&["plan", "--namespace", "dgrf", "--env", "prod"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("environment `prod` is not known: use dv, qa or lv"));
}

#[test]
fn export_bicep_of_publishers() {
    let output = run(&[
        "export",
        "--namespace",
        "dgrf",
        "--step",
        "publishers",
        "--format",
        "bicep",
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains("resource hubCustomer 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01'")
    );
    assert!(text.contains("name: 'dv-customer-kv-eun-dgrf'"));
}

#[test]
fn export_az_of_resource_groups() {
    let output = run(&[
        "export",
        "--namespace",
        "dgrf",
        "--step",
        "1",
        "--format",
        "az",
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("az group create \\\n    --name dv-events-broker-rg"));
    assert_eq!(text.matches("az group create").count(), 10);
}

#[test]
fn export_unknown_step_names_choices() {
    let output = run(&["export", "--namespace", "dgrf", "--step", "lake"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("step `lake` is not known"));
}
