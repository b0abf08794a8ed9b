//! `eda-workshop teardown` on Local, run as a person runs it, after `eda-workshop apply` over
//! the same data directory.
//!
//! Apply files rule keys in the OS keychain, so the test re-runs itself inside
//! `tests/keychain/with-secret-service.sh`, a private D-Bus session with an unlocked
//! gnome-keyring. It needs the dbus and gnome-keyring packages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Set in the re-run, inside the private session.
const INSIDE_SESSION: &str = "EDA_WORKSHOP_TEST_TEARDOWN_SESSION";
/// The attendee's unique namespace.
const NAMESPACE: &str = "tdown";

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `body` inside a private Secret Service session by re-running this test binary with
/// only the test `name` inside `tests/keychain/with-secret-service.sh`.
fn in_keychain_session(name: &str, body: fn()) {
    if std::env::var_os(INSIDE_SESSION).is_some() {
        body();
        return;
    }
    let script = repository_root().join("tests/keychain/with-secret-service.sh");
    let status = Command::new("sh")
        .arg(script)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture"])
        .env(INSIDE_SESSION, "1")
        .status()
        .expect("the keychain script runs (install the dbus and gnome-keyring packages)");
    assert!(
        status.success(),
        "the test inside the private session failed: {status}"
    );
}

/// Runs the command over `data_dir` with `args` and returns its output. Each command ends on
/// its own, because none of them waits for input.
fn run(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eda-workshop"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .env_remove("EDA_WORKSHOP_DATA_DIR")
        .output()
        .unwrap()
}

fn dry_run_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let applied = run(
        dir.path(),
        &["apply", "--namespace", NAMESPACE, "--step", "1"],
    );
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(applied.status.success(), "{stderr}");

    let dry_run = run(
        dir.path(),
        &["teardown", "--namespace", NAMESPACE, "--dry-run"],
    );

    let stdout = String::from_utf8_lossy(&dry_run.stdout);
    let stderr = String::from_utf8_lossy(&dry_run.stderr);
    assert!(dry_run.status.success(), "{stderr}");
    assert!(
        stdout.starts_with("Teardown removes these resources, children first:"),
        "{stdout}"
    );
    assert!(stdout.contains("dv-events-broker-rg"), "{stdout}");
    assert!(!stderr.contains("dv-events-broker-rg"), "{stderr}");
}

#[test]
fn teardown_dry_run_lists_on_stdout() {
    in_keychain_session("teardown_dry_run_lists_on_stdout", dry_run_on_stdout);
}
