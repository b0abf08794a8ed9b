//! The Python peer: Microsoft's `azure-eventhub` SDK run as a child process.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Maximum run time of one Python child; it is killed by its PID after that.
const CHILD_TIMEOUT: Duration = Duration::from_secs(90);

pub(crate) fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Returns the peer interpreter (`.venv/bin/python` at the repository root, or the one named
/// by `EDA_PEER_PYTHON`), or `None` after a loud notice when it is absent outside CI.
pub(crate) fn peer_python() -> Option<PathBuf> {
    let python = std::env::var_os("EDA_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository_root().join(".venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    let message = format!(
        "the Python peer environment is missing ({}): create it with `python3 -m venv .venv && \
         .venv/bin/pip install -r tests/peers/requirements.txt` at the repository root",
        python.display()
    );
    if std::env::var("CI").is_ok_and(|value| value == "true") {
        panic!("{message}");
    }
    eprintln!("\n*** SKIPPED Python peer test: {message} ***\n");
    None
}

/// Runs `roundtrip.py` with a connection string and returns its JSON output.
pub(crate) fn roundtrip(python: &Path, connection_string: &str, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/roundtrip.py");
    let mut child = Command::new(python)
        .arg(script)
        .args(args)
        .env("EDA_CONNECTION_STRING", connection_string)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python peer starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHILD_TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the Python peer ran longer than {CHILD_TIMEOUT:?}: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        status.success(),
        "the Python peer failed ({status}) for {args:?}: {stderr}"
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("the Python peer printed `{stdout}` ({error}): {stderr}"))
}
