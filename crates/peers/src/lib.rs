//! Helpers the peer tests share. A peer is a client written outside this project, such as Microsoft's
//! Python `azure-eventhub` SDK, run as a child process against the app's own services.
//!
//! The Python peers come from the virtual environment `.venv` at the repository root, made with
//! `python3 -m venv .venv && .venv/bin/pip install -r tests/peers/requirements.txt`, or from
//! the interpreter that `EDA_PEER_PYTHON` names. A test without it prints a loud notice and
//! passes, unless `EDA_PEERS_REQUIRED=1` (set by `make test`) or `CI=true` is set: then it
//! fails, so that the test command never skips a peer unnoticed.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// How often a bounded wait looks whether its child has exited.
const POLL: Duration = Duration::from_millis(20);

/// Returns the repository's root folder.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Returns where the Python peer interpreter is expected: `EDA_PEER_PYTHON`, or `.venv` at the
/// repository root. The file may be missing.
pub fn python_path() -> PathBuf {
    std::env::var_os("EDA_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository_root().join(".venv/bin/python"))
}

/// Returns the Python peer interpreter for `test`, or `None` after [`skip`] when it is missing.
pub fn python(test: &str) -> Option<PathBuf> {
    let python = python_path();
    if python.exists() {
        return Some(python);
    }
    skip(
        test,
        &format!(
            "the Python peer environment is missing ({}): create it with `python3 -m venv .venv \
             && .venv/bin/pip install -r tests/peers/requirements.txt` at the repository root",
            python.display()
        ),
    );
    None
}

/// Prints a loud notice that `test` is skipped and why.
///
/// # Panics
///
/// Under `EDA_PEERS_REQUIRED=1` or `CI=true`, with `reason`, because the test command must
/// run every peer test.
pub fn skip(test: &str, reason: &str) {
    let required = std::env::var("EDA_PEERS_REQUIRED").is_ok_and(|value| value == "1")
        || std::env::var("CI").is_ok_and(|value| value == "true");
    if required {
        panic!("{test} cannot run: {reason}");
    }
    eprintln!("\n*** SKIPPED {test}: {reason} ***\n");
}

/// Runs `command` with `input` on its standard input and waits at most `limit` for it.
///
/// Its output goes to files, not pipes, so a child that writes more than a pipe holds never
/// blocks while this waits.
///
/// # Panics
///
/// When the child does not start, or runs longer than `limit` (it is then killed by its PID);
/// the message names `label` and includes what the child wrote.
pub fn run_bounded(command: &mut Command, input: &[u8], limit: Duration, label: &str) -> Output {
    let mut stdin = tempfile::tempfile().expect("a temporary file for the child's input");
    stdin.write_all(input).unwrap();
    stdin.seek(SeekFrom::Start(0)).unwrap();
    let stdout = tempfile::tempfile().expect("a temporary file for the child's output");
    let stderr = tempfile::tempfile().expect("a temporary file for the child's errors");
    let mut child = command
        .stdin(stdin)
        .stdout(stdout.try_clone().unwrap())
        .stderr(stderr.try_clone().unwrap())
        .spawn()
        .unwrap_or_else(|error| panic!("{label} does not start: {error}"));

    let status = exit_within(&mut child, limit);
    let output = Output {
        status: status.unwrap_or_else(|| child.wait().unwrap()),
        stdout: read_all(stdout),
        stderr: read_all(stderr),
    };
    if status.is_none() {
        panic!("{label} ran longer than {limit:?}{}", written(&output));
    }
    output
}

/// Waits at most `limit` for a child that is already running and collects its output.
///
/// Meant for children with little output, because a child whose output fills its pipe blocks
/// until `limit`. [`run_bounded`] sends output to files instead.
///
/// # Panics
///
/// When the child runs longer than `limit`; it is then killed by its PID, and the message
/// includes what it wrote.
pub fn wait_bounded(mut child: Child, limit: Duration, label: &str) -> Output {
    let finished = exit_within(&mut child, limit).is_some();
    // After a kill the pipes close, so the output read here ends.
    let output = child.wait_with_output().unwrap();
    if !finished {
        panic!("{label} ran longer than {limit:?}{}", written(&output));
    }
    output
}

/// Returns the child's exit status once it exits, or kills it after `limit` and returns
/// `None`. The caller reaps a killed child.
fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// Describes what a child wrote, for a panic message.
fn written(output: &Output) -> String {
    format!(
        "\nits standard output: {}\nits standard error: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Reads a whole output file from its start.
fn read_all(mut file: File) -> Vec<u8> {
    let mut bytes = Vec::new();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn run_bounded_returns_output() {
        let output = run_bounded(
            &mut shell("cat; echo err >&2; exit 3"),
            b"input",
            Duration::from_secs(20),
            "cat",
        );
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, b"input");
        assert_eq!(output.stderr, b"err\n");
    }

    #[test]
    fn timeout_panic_keeps_output() {
        let panic = std::panic::catch_unwind(|| {
            run_bounded(
                &mut shell("echo started; echo waiting >&2; exec sleep 30"),
                b"",
                Duration::from_millis(300),
                "sleeper",
            )
        })
        .unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with("sleeper ran longer than 300ms"),
            "{message}"
        );
        assert!(
            message.contains("its standard output: started"),
            "{message}"
        );
        assert!(message.contains("its standard error: waiting"), "{message}");
    }
}
