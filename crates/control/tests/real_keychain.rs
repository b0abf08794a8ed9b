//! The OS keychain for real: a Secret Service (gnome-keyring) on a private D-Bus session.
//!
//! The test re-runs itself under `dbus-run-session` with `gnome-keyring-daemon` started and
//! unlocked, its files in temporary folders, so it needs `dbus` and `gnome-keyring` installed
//! and touches no keyring of the person running it.

mod common;

use std::process::Command;

use common::{plan_for, Harness};
use control::local::LocalOptions;
use control::secrets::Keychain;
use control::Secret;

/// Set in the re-run, inside the private session.
const INSIDE_SESSION: &str = "EDA_WORKSHOP_TEST_SECRET_SERVICE";

/// Starts the daemon with the password on its standard input, waits (at most 5 s) until it
/// owns the Secret Service name, runs the test binary, then stops the daemon by its PID.
const SESSION_SCRIPT: &str = r#"
printf 'workshop-test-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
tries=0
while [ $tries -lt 50 ]; do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
        break
    fi
    tries=$((tries + 1))
    sleep 0.1
done
"$@"
status=$?
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
exit $status
"#;

#[test]
fn secret_service_holds_and_clears_app_entries() {
    if std::env::var_os(INSIDE_SESSION).is_some() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(inside_session());
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", SESSION_SCRIPT, "sh"])
        .arg(exe)
        .args([
            "--exact",
            "secret_service_holds_and_clears_app_entries",
            "--nocapture",
        ])
        .env(INSIDE_SESSION, "1")
        .env("XDG_DATA_HOME", data.path())
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .status()
        .expect("dbus-run-session runs (install the dbus and gnome-keyring packages)");
    assert!(
        status.success(),
        "the test inside the private session failed: {status}"
    );
}

async fn inside_session() {
    let keychain = Keychain::os().expect("the Secret Service is up");
    keychain
        .write("probe", &Secret::new("probe-value"))
        .unwrap();
    let reopened = Keychain::os().unwrap();
    assert_eq!(
        reopened.read("probe").unwrap().unwrap().expose(),
        "probe-value"
    );
    assert!(reopened.remove("probe").unwrap());
    assert_eq!(keychain.read("probe").unwrap(), None);

    let harness = Harness::start_with(LocalOptions::default(), Keychain::os().unwrap()).await;
    let plan = plan_for("dgrf");
    assert_eq!(harness.apply(&plan).await.failed, None);
    let entries = harness.server.keychain_entries();
    assert_eq!(
        entries.len(),
        14 * 2 + 12,
        "two keys per rule and twelve hub secrets"
    );
    let fresh = Keychain::os().unwrap();
    for entry in &entries {
        assert!(
            fresh.read(entry).unwrap().is_some(),
            "`{entry}` is in the Secret Service"
        );
    }

    let survey = control::teardown::survey(&harness.client, &plan)
        .await
        .unwrap();
    let outcome = control::teardown::execute(&harness.client, &plan, &survey, None).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert!(harness.server.keychain_entries().is_empty());
    for entry in &entries {
        assert_eq!(fresh.read(entry).unwrap(), None, "`{entry}` was removed");
    }
}
