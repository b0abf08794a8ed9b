//! `eda-workshop flow` on Local, run as a person runs it: `eda-workshop apply` first, then the
//! flow on the applied namespace over the same data directory, in separate processes.
//!
//! Apply files the rule keys in the OS keychain and the flow reads them back through ARM
//! `listKeys`. So each test re-runs itself inside `tests/keychain/with-secret-service.sh`, a
//! private D-Bus session with an unlocked gnome-keyring, and the keyring of the person running
//! the test is never touched. It needs the dbus and gnome-keyring packages. The flows of one
//! test run at the same time because each waits for the `lead` hub's first 60 s capture
//! window.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Set in the re-run, inside the private session.
const INSIDE_SESSION: &str = "EDA_WORKSHOP_TEST_FLOW_SESSION";
/// The attendee's unique namespace in every test.
const NAMESPACE: &str = "flowt";
/// How long one child process may run; the flows give up earlier, after `--timeout`.
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);
/// The flows' own limit, in seconds.
const FLOW_TIMEOUT: &str = "240";

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

fn cli(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eda-workshop"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .env_remove("EDA_WORKSHOP_DATA_DIR");
    command
}

/// Waits for a child at most [`CHILD_TIMEOUT`], killing it by its PID after that.
fn wait_bounded(mut child: Child, label: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > CHILD_TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{label} ran longer than {CHILD_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

fn run(mut command: Command, label: &str) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_bounded(child, label)
}

/// Applies steps of the plan for [`NAMESPACE`] on Local, `all` for every step.
fn apply(data_dir: &Path, step: &str) {
    let mut command = cli(data_dir);
    command.args(["apply", "--namespace", NAMESPACE, "--step", step]);
    let output = run(command, "apply");
    assert!(
        output.status.success(),
        "apply --step {step} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds `eda-workshop flow` for 30 customers with a 60 s capture window, printing JSON.
fn flow(data_dir: &Path, seed: &str, pace_ms: &str, extra: &[&str]) -> Command {
    let mut command = cli(data_dir);
    command
        .args(["flow", "--namespace", NAMESPACE, "--customers", "30"])
        .args(["--seed", seed, "--capture-window", "60", "--json"])
        .args(["--pace-ms", pace_ms, "--timeout", FLOW_TIMEOUT])
        .args(extra);
    command
}

fn start(mut command: Command) -> Child {
    command
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

/// Asserts that the counts of a finished run add up: every customer became a lead or was
/// abandoned, and every lead was sold, confirmed and seen by every team once.
fn assert_counts_add_up(report: &Value) {
    let count = |name: &str| report[name].as_u64().unwrap();
    assert_eq!(count("customers"), 30);
    assert_eq!(count("leads") + count("abandoned"), count("customers"));
    assert!(count("leads") > 0, "{report}");
    assert_eq!(count("leads_sold"), count("leads"));
    assert_eq!(count("sales"), count("leads_sold"));
    assert_eq!(count("purchases"), count("sales"));
    assert_eq!(count("customer_leads"), count("leads"));
    assert_eq!(count("customer_sales"), count("sales"));
    assert_eq!(count("customer_purchases"), count("purchases"));
    assert_eq!(count("product_purchases"), count("purchases"));
}

/// Sums one lane count over every lane of a report.
fn lane_total(report: &Value, count: &str) -> u64 {
    report["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lane| lane["counts"][count].as_u64().unwrap())
        .sum()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that every line of `stderr` that contains `text` is a `note:` line, so no log line
/// repeats a notice.
fn assert_only_notes(stderr: &str, text: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|line| line.contains(text)).collect();
    assert!(!lines.is_empty(), "no line contains {text:?}: {stderr}");
    for line in lines {
        assert!(line.starts_with("note: "), "not a note: {line}");
    }
    assert!(!stderr.contains("handling failed; retrying"), "{stderr}");
}

fn counts_repeat_and_resume() {
    let folders: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    for folder in &folders {
        apply(folder.path(), "all");
    }
    let first = start(flow(folders[0].path(), "42", "10", &[]));
    let second = start(flow(folders[1].path(), "42", "10", &[]));
    let first = report(&wait_bounded(first, "the first flow"));
    let second = report(&wait_bounded(second, "the second flow"));

    assert_checks_pass(&first);
    assert_checks_pass(&second);
    assert_counts_add_up(&first);
    assert_eq!(counts(&first), counts(&second));
    assert_eq!(first["parked"].as_array().unwrap().len(), 0);
    assert_eq!(first["lake_records"], second["lake_records"]);
    let state = folders[0]
        .path()
        .join("flow/dv-events001-ehns-eun-flowt/run.json");
    assert!(state.exists(), "no run record at {}", state.display());

    // The same command again resumes the finished state: no customer is created and nothing
    // is published again, and the counts stay.
    let again = run(flow(folders[0].path(), "42", "10", &[]), "the resumed flow");
    let resumed = report(&again);
    assert!(
        stderr_of(&again)
            .contains("The flow on namespace dv-events001-ehns-eun-flowt had already finished"),
        "{}",
        stderr_of(&again)
    );
    assert!(
        stderr_of(&again).contains("so this run has nothing to do"),
        "{}",
        stderr_of(&again)
    );
    assert!(
        !stderr_of(&again).contains("Resuming the flow"),
        "{}",
        stderr_of(&again)
    );
    assert_checks_pass(&resumed);
    assert_eq!(counts(&resumed), counts(&first));
    assert_eq!(resumed["lake_records"], first["lake_records"]);
    assert_eq!(lane_total(&resumed, "published"), 0, "{resumed}");
    assert_eq!(lane_total(&resumed, "consumed"), 0, "{resumed}");

    // Other customers over the same state are rejected with the fix.
    let other_seed = run(
        flow(folders[0].path(), "7", "10", &[]),
        "the flow with another seed",
    );
    assert_eq!(other_seed.status.code(), Some(2));
    let stderr = stderr_of(&other_seed);
    assert!(
        stderr.contains("was created with seed 42 and 30 customers, not seed 7 and 30 customers"),
        "{stderr}"
    );
    assert!(stderr.contains("eda-workshop flow --reset"), "{stderr}");
    let mut more = cli(folders[0].path());
    more.args(["flow", "--namespace", NAMESPACE, "--seed", "42"])
        .args(["--customers", "31", "--json"]);
    let more = run(more, "the flow with more customers");
    assert_eq!(more.status.code(), Some(2));
    assert!(
        stderr_of(&more).contains("not seed 42 and 31 customers"),
        "{}",
        stderr_of(&more)
    );
}

#[test]
fn flow_counts_repeat_and_resume() {
    in_keychain_session("flow_counts_repeat_and_resume", counts_repeat_and_resume);
}

fn parked_sources(report: &Value) -> Vec<(String, String, i64)> {
    let mut sources: Vec<(String, String, i64)> = report["parked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            (
                event["hub"].as_str().unwrap().to_owned(),
                event["partition_id"].as_str().unwrap().to_owned(),
                event["sequence_number"].as_i64().unwrap(),
            )
        })
        .collect();
    sources.sort();
    sources.dedup();
    sources
}

fn poison_then_reset() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let poison = ["--inject-poison", "customer"];
    let poisoned = run(
        flow(folder.path(), "42", "10", &poison),
        "the poisoned flow",
    );
    assert_only_notes(&stderr_of(&poisoned), "parked the event");
    let poisoned = report(&poisoned);

    assert_checks_pass(&poisoned);
    assert_counts_add_up(&poisoned);
    let sources = parked_sources(&poisoned);
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0].0, "customer");
    let conversions = poisoned["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lane| lane["team"] == "conversions" && lane["hub"] == "customer")
        .expect("the Conversions lane on customer");
    assert_eq!(conversions["counts"]["consumed"], 30);
    assert_eq!(conversions["counts"]["parked"], 1);

    // Resumed, the run injects no second poison event.
    let again = run(
        flow(folder.path(), "42", "10", &poison),
        "the resumed poisoned flow",
    );
    let resumed = report(&again);
    assert!(
        stderr_of(&again).contains("injected into customer by an earlier run"),
        "{}",
        stderr_of(&again)
    );
    assert_eq!(parked_sources(&resumed), sources);

    // A reset with another seed starts over: new customers, no parked events.
    let reset = run(
        flow(folder.path(), "7", "10", &["--reset"]),
        "the reset flow",
    );
    let fresh = report(&reset);
    assert!(
        stderr_of(&reset).contains("Reset the flow's state"),
        "{}",
        stderr_of(&reset)
    );
    assert_checks_pass(&fresh);
    assert_counts_add_up(&fresh);
    assert!(parked_sources(&fresh).is_empty(), "{fresh}");
    let lake_total: u64 = fresh["lake_records"]
        .as_object()
        .unwrap()
        .values()
        .map(|count| count.as_u64().unwrap())
        .sum();
    let expected: u64 = ["customers", "leads", "abandoned", "sales", "purchases"]
        .iter()
        .map(|name| fresh[name].as_u64().unwrap())
        .sum();
    assert_eq!(lake_total, expected, "{fresh}");
}

#[test]
fn flow_poison_parks_once_and_reset_starts_over() {
    in_keychain_session(
        "flow_poison_parks_once_and_reset_starts_over",
        poison_then_reset,
    );
}

fn stop_then_park() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let poison = ["--inject-poison", "customer"];
    let started = std::time::Instant::now();
    let stopped = run(
        flow(
            folder.path(),
            "42",
            "10",
            &[&poison[..], &["--on-failure", "stop"]].concat(),
        ),
        "the flow that stops at the poison event",
    );

    // The consumer stops at the event and the run ends at once, not at its timeout.
    let stderr = stderr_of(&stopped);
    assert!(!stopped.status.success(), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(FLOW_TIMEOUT.parse::<u64>().unwrap() / 2),
        "{stderr}"
    );
    assert_only_notes(&stderr, "stopped reading partition");
    assert!(stderr.contains("after 3 failed attempts"), "{stderr}");
    assert!(
        stderr.contains("run with `--on-failure park` to park the event and move on"),
        "{stderr}"
    );

    // The checkpoint stayed before the event, so the next run delivers it again and parks it.
    let parked = run(
        flow(
            folder.path(),
            "42",
            "10",
            &[&poison[..], &["--on-failure", "park"]].concat(),
        ),
        "the flow that parks the poison event",
    );
    let resumed = report(&parked);
    assert_checks_pass(&resumed);
    assert_counts_add_up(&resumed);
    let sources = parked_sources(&resumed);
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0].0, "customer");
}

#[test]
fn flow_stop_policy_keeps_failing_event() {
    in_keychain_session("flow_stop_policy_keeps_failing_event", stop_then_park);
}

/// A small seeded generator (SplitMix64), so the kill points are the same on every run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// Milliseconds between two customers in the kill test: 30 customers take 75 s, so customers
/// are still created, turned into leads and sold when the first sales arrive after the first
/// 60 s capture window.
const KILL_TEST_PACE_MS: &str = "2500";

/// The maximum delay after the first customer before a kill, in milliseconds: the kills fall
/// anywhere from before capture's first file to after the first sales.
const MAX_KILL_DELAY_MS: u64 = 60_000;

/// Returns three delays after the flow's first customer at which it is killed, from a seeded
/// generator.
fn kill_delays() -> [Duration; 3] {
    let mut random = SplitMix64(0x5eed_f10e);
    [(); 3].map(|()| Duration::from_millis(random.below(MAX_KILL_DELAY_MS)))
}

/// Reads a count such as `sales` from a line `progress: 3 customers, 1 leads, 0 sales, ...`.
fn progress_count(line: &str, name: &str) -> Option<u64> {
    let counts = line.strip_prefix("progress: ")?;
    counts.split(", ").find_map(|part| {
        let (number, label) = part.split_once(' ')?;
        (label == name).then(|| number.parse().ok()).flatten()
    })
}

/// Runs the flow until `delay` after its first customer, kills it with SIGKILL, and returns
/// whether it was still running when killed.
fn run_until_killed(data_dir: &Path, delay: Duration) -> bool {
    let mut child = flow(data_dir, "42", KILL_TEST_PACE_MS, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (armed, armed_receiver) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && progress_count(&line, "customers").is_some_and(|count| count > 0) {
                let _ = armed.send(());
                sent = true;
            }
        }
    });
    let armed = armed_receiver.recv_timeout(CHILD_TIMEOUT).is_ok();
    assert!(armed, "the flow never reported its first customer");
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    // `Child::kill` sends SIGKILL on Unix: no clean-up code of the flow runs.
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    running
}

fn sigkill_resumes() {
    let baseline_folder = tempfile::tempdir().unwrap();
    let delays = kill_delays();
    let folders: Vec<tempfile::TempDir> = delays
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    apply(baseline_folder.path(), "all");
    for folder in &folders {
        apply(folder.path(), "all");
    }

    let baseline = start(flow(baseline_folder.path(), "42", KILL_TEST_PACE_MS, &[]));
    let killed: Vec<std::thread::JoinHandle<Value>> = folders
        .iter()
        .zip(delays)
        .map(|(folder, delay)| {
            let dir = folder.path().to_path_buf();
            std::thread::spawn(move || {
                let running = run_until_killed(&dir, delay);
                assert!(
                    running,
                    "the flow finished before the kill {delay:?} after its first customer"
                );
                eprintln!("killed the flow {delay:?} after its first customer");
                let again = flow(&dir, "42", KILL_TEST_PACE_MS, &[]);
                report(&run(again, "the flow after SIGKILL"))
            })
        })
        .collect();

    let baseline = report(&wait_bounded(baseline, "the uninterrupted flow"));
    assert_checks_pass(&baseline);
    assert_counts_add_up(&baseline);
    for (handle, delay) in killed.into_iter().zip(delays) {
        let resumed = handle.join().unwrap();
        assert_checks_pass(&resumed);
        assert_eq!(
            counts(&resumed),
            counts(&baseline),
            "killed {delay:?} after the first customer"
        );
        assert_eq!(
            resumed["lake_records"], baseline["lake_records"],
            "killed {delay:?} after the first customer"
        );
        assert!(
            parked_sources(&resumed).is_empty(),
            "killed {delay:?} after the first customer"
        );
    }
}

#[test]
fn flow_resumes_after_sigkill_with_nothing_lost_or_repeated() {
    in_keychain_session(
        "flow_resumes_after_sigkill_with_nothing_lost_or_repeated",
        sigkill_resumes,
    );
}

fn unapplied_steps_are_named() {
    let folder = tempfile::tempdir().unwrap();
    let expect_step = |step: &str| {
        let output = run(flow(folder.path(), "42", "10", &[]), "the flow");
        assert_eq!(output.status.code(), Some(2));
        let stderr = stderr_of(&output);
        let command = format!("`eda-workshop apply --namespace {NAMESPACE} --step {step}`");
        assert!(stderr.contains(&command), "{stderr}");
        assert!(output.stdout.is_empty());
    };
    expect_step("resource-groups");
    apply(folder.path(), "resource-groups");
    expect_step("platform");
    apply(folder.path(), "platform");
    apply(folder.path(), "schema-registry");
    expect_step("publishers");
    apply(folder.path(), "publishers");
    expect_step("consumers");
}

#[test]
fn flow_on_unapplied_namespace_names_the_step() {
    in_keychain_session(
        "flow_on_unapplied_namespace_names_the_step",
        unapplied_steps_are_named,
    );
}

fn unfinished_run() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let mut command = cli(folder.path());
    command.args(["flow", "--namespace", NAMESPACE, "--customers", "30"]);
    command.args(["--seed", "42", "--json", "--timeout", "5"]);
    let output = run(command, "the short flow");
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not every event is accounted for after 5 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("capture window of hub `lead` from 300 s to 60 s"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["timed_out"], true);
    assert_eq!(report["sales"], 0);

    // Capture writes its first file after the 60 s window, so the run names what it waits for.
    let waiting = "capture has not written a file for hub `lead`";
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("note: ") && line.contains(waiting))
        .collect();
    assert_eq!(notes.len(), 1, "the notice is printed once: {stderr}");
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|notice| notice.as_str().unwrap().contains(waiting)),
        "{report}"
    );
    let error = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap();
    assert!(
        error.contains(&format!(". No lead can be sold yet, because {waiting}")),
        "{error}"
    );
    assert!(
        error.contains("a window of 60 s closes with events in it, so the next file can appear by"),
        "{error}"
    );
    assert!(
        error.contains(
            "run again with --demo-timing to have the local broker close capture windows every \
             5 s, or with a --timeout longer than the 60 s capture window. "
        ),
        "{error}"
    );
    assert!(
        error.ends_with("A run of the same command resumes where this one stopped"),
        "{error}"
    );
}

#[test]
fn unfinished_run_exits_non_zero() {
    in_keychain_session("unfinished_run_exits_non_zero", unfinished_run);
}

#[test]
fn azure_target_is_unavailable() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(
        flow(folder.path(), "42", "10", &["--target", "azure"]),
        "the flow on Azure",
    );
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("not available in this build"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn capture_window_out_of_range_is_rejected() {
    let folder = tempfile::tempdir().unwrap();
    let mut command = cli(folder.path());
    command.args(["flow", "--namespace", NAMESPACE, "--capture-window", "30"]);
    let output = run(command, "the flow with a 30 s window");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("--capture-window"), "{stderr}");
    assert!(stderr.contains("60..=900"), "{stderr}");
}

#[test]
fn demo_timing_excludes_capture_window() {
    let folder = tempfile::tempdir().unwrap();
    let mut command = cli(folder.path());
    command.args(["flow", "--namespace", NAMESPACE, "--demo-timing"]);
    command.args(["--capture-window", "120"]);
    let output = run(command, "the flow with demo timing and a capture window");
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("--demo-timing"), "{stderr}");
    assert!(stderr.contains("--capture-window"), "{stderr}");
}

/// Builds the command of a flow of 30 customers of seed 42 with demo timing and a JSON report,
/// allowed 120 s.
fn demo_flow(data_dir: &Path) -> Command {
    let mut command = cli(data_dir);
    command.args(["flow", "--namespace", NAMESPACE, "--customers", "30"]);
    command.args([
        "--seed",
        "42",
        "--json",
        "--demo-timing",
        "--timeout",
        "120",
    ]);
    command
}

fn lead_poison_run() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let mut command = demo_flow(folder.path());
    command.args(["--inject-poison", "lead"]);
    let output = run(command, "the flow with a poison event on lead");
    let stderr = stderr_of(&output);
    let report = report(&output);

    assert_checks_pass(&report);
    assert_counts_add_up(&report);
    let sources = parked_sources(&report);
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0].0, "lead");
    // The partner skips the same event in the capture file, once.
    let skipped = report["skipped_capture_records"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{report}");
    assert_eq!(skipped[0]["partition_id"], sources[0].1.as_str());
    assert_eq!(skipped[0]["sequence_number"], sources[0].2);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("note: the partner skipped the record"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(
        notes[0].contains(&format!(
            "with sequence number {} of partition {} in capture file",
            sources[0].2, sources[0].1
        )),
        "{}",
        notes[0]
    );
    assert!(
        !stderr.contains("cannot sell the leads of a capture file"),
        "{stderr}"
    );
}

#[test]
fn flow_lead_poison_sells_every_good_lead() {
    in_keychain_session("flow_lead_poison_sells_every_good_lead", lead_poison_run);
}

/// Runs the flow in a second private keychain session, which lacks the rule keys that `apply`
/// filed in the first: the rules get new keys, and the flow runs to the end.
fn keys_missing_run() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let script = repository_root().join("tests/keychain/with-secret-service.sh");
    let mut command = Command::new("sh");
    command
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_eda-workshop"))
        .arg("--data-dir")
        .arg(folder.path())
        .args(["flow", "--namespace", NAMESPACE, "--customers", "5"])
        .args(["--demo-timing", "--timeout", "60"])
        .env_remove("EDA_SECRET_SERVICE_INSIDE")
        .env_remove("AZURE_UNIQUE_NAMESPACE")
        .env_remove("EDA_WORKSHOP_DATA_DIR");
    let output = run(command, "the flow in another keychain session");
    let stderr = stderr_of(&output);

    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "the keychain has no keys for this rule, so it gets new keys; connection strings \
             made with its old keys no longer work"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("error: "), "{stderr}");
}

#[test]
fn flow_in_new_keychain_gets_new_keys() {
    in_keychain_session("flow_in_new_keychain_gets_new_keys", keys_missing_run);
}

fn demo_timing_run() {
    let folder = tempfile::tempdir().unwrap();
    apply(folder.path(), "all");
    let command = demo_flow(folder.path());
    let output = run(command, "the flow with demo timing");
    let stderr = stderr_of(&output);
    let report = report(&output);
    assert_checks_pass(&report);
    assert_counts_add_up(&report);
    assert!(
        stderr
            .contains("Demo timing: the local broker closes every hub's capture windows every 5 s"),
        "{stderr}"
    );
    assert!(!stderr.contains("with a PUT of the hub"), "{stderr}");

    // The hubs keep the plan's capture windows, so verify finds nothing to report.
    let mut verify = cli(folder.path());
    verify.args(["verify", "--namespace", NAMESPACE, "--target", "local"]);
    let verified = run(verify, "verify after the flow with demo timing");
    assert!(
        verified.status.success(),
        "verify found drift after demo timing: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        stderr_of(&verified)
    );
}

#[test]
fn flow_demo_timing_finishes_without_drift() {
    in_keychain_session("flow_demo_timing_finishes_without_drift", demo_timing_run);
}
