//! The Python peer: Microsoft's `azure-eventhub` SDK run as a child process.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

/// Maximum run time of one Python child; it is killed by its PID after that.
const CHILD_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs `roundtrip.py` with a connection string and returns its JSON output.
pub(crate) fn roundtrip(python: &Path, connection_string: &str, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/roundtrip.py");
    let output = peers::run_bounded(
        Command::new(python)
            .arg(script)
            .args(args)
            .env("EDA_CONNECTION_STRING", connection_string),
        b"",
        CHILD_TIMEOUT,
        &format!("the Python peer with {args:?}"),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python peer failed ({}) for {args:?}: {stderr}",
        output.status
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("the Python peer printed `{stdout}` ({error}): {stderr}"))
}
