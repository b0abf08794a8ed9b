//! `eda-workshop send` and `receive` without `EVENTHUB_CONNECTION_STRING`: each stops before
//! connecting, and its example command prints a string with the rule it needs.

use std::process::Command;

/// Runs `eda-workshop ARGS` without the connection string and returns its exit code and
/// standard error.
fn run_without_string(args: &[&str]) -> (Option<i32>, String) {
    let data_dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .arg("--data-dir")
        .arg(data_dir.path())
        .args(args)
        .env_remove("EVENTHUB_CONNECTION_STRING")
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn send_suggests_send_rule() {
    let (code, stderr) = run_without_string(&["send", "hello"]);

    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("EVENTHUB_CONNECTION_STRING is not set"),
        "{stderr}"
    );
    assert!(stderr.contains("--rule send)"), "{stderr}");
}

#[test]
fn receive_suggests_listen_rule() {
    let (code, stderr) = run_without_string(&["receive"]);

    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("EVENTHUB_CONNECTION_STRING is not set"),
        "{stderr}"
    );
    assert!(stderr.contains("--rule listen)"), "{stderr}");
}
