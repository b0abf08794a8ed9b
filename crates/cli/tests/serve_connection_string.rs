//! `eda-workshop serve --hub`, `eda-workshop connection-string` and `eda-workshop token` in
//! separate processes, with Microsoft's Python SDK and `eda-workshop send` and `receive` using
//! the printed connection strings, and Python's standard library calling the printed endpoints
//! with the printed tokens.
//!
//! The test re-runs itself inside `tests/keychain/with-secret-service.sh`, a private D-Bus
//! session with an unlocked gnome-keyring, so both processes share a real OS keychain and
//! the keyring of the person running the test is never touched. It needs the dbus and
//! gnome-keyring packages, and the Python peer environment `.venv` at the repository root.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Set in the re-run, inside the private session.
const INSIDE_SESSION: &str = "EDA_WORKSHOP_TEST_SERVE_SESSION";
/// How long `serve` may take to write its endpoints.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one child process may run.
const CHILD_TIMEOUT: Duration = Duration::from_secs(90);

fn cli(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eda-workshop"));
    command.arg("--data-dir").arg(data_dir);
    command
}

/// Runs a command to its end, killing it by its PID after [`CHILD_TIMEOUT`].
fn run(mut command: Command, label: &str) -> Output {
    peers::run_bounded(&mut command, b"", CHILD_TIMEOUT, label)
}

fn connection_string(data_dir: &Path, hub: &str, rule: &str) -> Output {
    let mut command = cli(data_dir);
    command.args(["connection-string", "--hub", hub, "--rule", rule]);
    run(command, "connection-string")
}

fn text_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "the command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .trim()
        .to_owned()
}

fn roundtrip(python: &Path, connection_string: &str, args: &[&str]) -> Value {
    let script = peers::repository_root().join("crates/local/tests/python/roundtrip.py");
    let mut command = Command::new(python);
    command
        .arg(script)
        .args(args)
        .env("EDA_CONNECTION_STRING", connection_string);
    let output = run(command, "the Python peer");
    let stdout = text_of(&output);
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

/// Calls URL with the bearer token TOKEN and prints the status code, trusting CA_FILE (or the
/// system's roots when it is empty) for HTTPS.
const BEARER_SCRIPT: &str = r#"
import ssl, sys, urllib.error, urllib.request
url, token, ca = sys.argv[1], sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=ca) if ca else None
request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token else {})
try:
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
"#;

fn token(data_dir: &Path, service: &str) -> Output {
    let mut command = cli(data_dir);
    command.args(["token", "--service", service]);
    run(command, "token")
}

/// Returns the HTTP status of a GET of `url` with `token`, from Python's standard library.
fn status_with_token(python: &Path, url: &str, token: &str, ca: &str) -> String {
    let mut command = Command::new(python);
    command.args(["-c", BEARER_SCRIPT, url, token, ca]);
    text_of(&run(command, "the bearer token call"))
}

/// Runs `eda-workshop send` or `receive` with `connection_string` in the environment.
fn events_command(data_dir: &Path, connection_string: &str, args: &[&str]) -> Output {
    let mut command = cli(data_dir);
    command
        .args(args)
        .env("EVENTHUB_CONNECTION_STRING", connection_string);
    run(command, args[0])
}

fn stderr_of(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "the command did not fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Sends and receives with `eda-workshop send` and `receive`, and checks that a wrong string,
/// hub, right or size fails before or at the broker with a message naming the fix.
fn send_and_receive(dir: &Path, send: &str, listen: &str) {
    let keyed = events_command(
        dir,
        send,
        &["send", "--partition-key", "customer-42", "hello-from-cli"],
    );
    assert!(text_of(&keyed).contains("from partition key `customer-42`"));
    let batch = events_command(
        dir,
        send,
        &["send", "--partition", "1", "--count", "3", "b"],
    );
    assert_eq!(
        text_of(&batch),
        "sent 3 events to event hub `demo`, partition 1"
    );
    let mut read = cli(dir);
    read.args([
        "--json",
        "receive",
        "--partition",
        "1",
        "--max",
        "10",
        "--wait",
        "2",
    ])
    .env("EVENTHUB_CONNECTION_STRING", listen);
    let events: Vec<Value> = text_of(&run(read, "receive"))
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let bodies: Vec<&str> = events
        .iter()
        .map(|event| event["body"].as_str().unwrap())
        .collect();
    assert!(bodies.ends_with(&["b", "b", "b"]), "{bodies:?}");
    let sequences: Vec<i64> = events
        .iter()
        .map(|event| event["sequence_number"].as_i64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|pair| pair[1] == pair[0] + 1));
    from_enqueued_times(dir, listen, &events);

    let listen_sends = stderr_of(&events_command(dir, listen, &["send", "x"]));
    assert!(
        listen_sends.contains("lacks the Send right"),
        "{listen_sends}"
    );
    let other_hub = stderr_of(&events_command(dir, send, &["send", "--hub", "lead", "x"]));
    assert!(
        other_hub.contains("scoped to event hub `demo`") && other_hub.contains("`lead`"),
        "{other_hub}"
    );
    let unscoped = send.replace(";EntityPath=demo", "");
    let no_hub = stderr_of(&events_command(dir, &unscoped, &["send", "x"]));
    assert!(
        no_hub.contains("name the event hub with --hub HUB"),
        "{no_hub}"
    );
    let both = stderr_of(&events_command(
        dir,
        send,
        &["send", "--partition-key", "k", "--partition", "0", "x"],
    ));
    assert!(both.contains("choose one"), "{both}");
    let big = dir.join("big.txt");
    std::fs::write(&big, vec![b'a'; 1_048_577]).unwrap();
    let too_big = stderr_of(&events_command(
        dir,
        send,
        &["send", "--body-file", big.to_str().unwrap()],
    ));
    assert!(
        too_big.contains("1048577 bytes") && too_big.contains("1 MB"),
        "{too_big}"
    );
    for output in [&listen_sends, &other_hub, &both, &too_big] {
        assert!(!output.contains(key_of(send)));
        assert!(!output.contains(key_of(listen)));
    }
    receive_with_signature(dir, listen);
    past_the_end_of_other_partitions(dir, send, listen);
    odd_send_inputs(dir, send);
}

/// Receives partition 1 from an enqueued time: from one long past, every event of `earlier`
/// (partition 1 read from the earliest), and from the time of the last one, none.
fn from_enqueued_times(dir: &Path, listen: &str, earlier: &[Value]) {
    let receive_from = |from: &str| -> Vec<Value> {
        let mut read = cli(dir);
        read.args([
            "--json",
            "receive",
            "--partition",
            "1",
            "--from",
            from,
            "--max",
            "10",
            "--wait",
            "2",
        ])
        .env("EVENTHUB_CONNECTION_STRING", listen);
        text_of(&run(read, "receive"))
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    assert_eq!(receive_from("time:2000-01-01T00:00:00Z"), earlier);
    let last_time = earlier.last().unwrap()["enqueued_time"].as_str().unwrap();
    assert_eq!(
        receive_from(&format!("time:{last_time}")),
        Vec::<Value>::new()
    );
}

/// Checks `send` with a byte-order mark before the string, a control character in the
/// partition key, an empty content type, partition key or signature, and a key that takes a
/// full body over 1 MB.
fn odd_send_inputs(dir: &Path, send: &str) {
    let with_mark = events_command(dir, &format!("\u{feff}{send}"), &["send", "marked"]);
    assert!(text_of(&with_mark).starts_with("sent 1 event"));

    let forged = events_command(
        dir,
        send,
        &["send", "--partition-key", "k\npartition 0\u{1b}[31m", "x"],
    );
    let confirmation = text_of(&forged);
    assert!(
        confirmation.ends_with("partition key `k\\npartition 0\\u{1b}[31m`"),
        "{confirmation}"
    );

    let no_type = stderr_of(&events_command(
        dir,
        send,
        &["send", "--content-type", "", "x"],
    ));
    assert!(no_type.contains("--content-type is empty"), "{no_type}");

    let no_key = stderr_of(&events_command(
        dir,
        send,
        &["send", "--partition-key", "", "x"],
    ));
    assert!(no_key.contains("--partition-key is empty"), "{no_key}");

    let endpoint = send
        .split(';')
        .find(|part| part.starts_with("Endpoint="))
        .unwrap();
    let empty =
        format!("{endpoint};SharedAccessSignature=;EntityPath=demo;UseDevelopmentEmulator=true");
    let empty_signature = stderr_of(&events_command(dir, &empty, &["send", "x"]));
    assert!(
        empty_signature.contains("SharedAccessSignature is empty"),
        "{empty_signature}"
    );

    let full = dir.join("full.txt");
    std::fs::write(&full, vec![b'a'; 1_048_576]).unwrap();
    let key = "k".repeat(3000);
    let with_key = stderr_of(&events_command(
        dir,
        send,
        &[
            "send",
            "--partition-key",
            &key,
            "--body-file",
            full.to_str().unwrap(),
        ],
    ));
    assert!(
        with_key.contains("the event is 1051576 bytes"),
        "{with_key}"
    );
}

/// Receives from every partition with `--from sequence:N`, where N is the last sequence number
/// of partition 1 and past the end of a shorter partition. Partition 1's event is printed, and
/// the shorter partition's error is a note that quotes N itself.
fn past_the_end_of_other_partitions(dir: &Path, send: &str, listen: &str) {
    let longer = events_command(
        dir,
        send,
        &["send", "--partition", "1", "--count", "20", "x"],
    );
    assert_eq!(longer.status.code(), Some(0));
    let mut read_all = cli(dir);
    read_all
        .args(["--json", "receive", "--max", "1000", "--wait", "2"])
        .env("EVENTHUB_CONNECTION_STRING", listen);
    let mut last_of = std::collections::BTreeMap::<String, i64>::new();
    for line in text_of(&run(read_all, "receive")).lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let partition = event["partition_id"].as_str().unwrap().to_owned();
        let sequence = event["sequence_number"].as_i64().unwrap();
        let last = last_of.entry(partition).or_insert(sequence);
        *last = (*last).max(sequence);
    }
    let last = last_of["1"];
    let (short, _) = last_of
        .iter()
        .find(|(_, other)| **other + 1 < last)
        .expect("another partition holds fewer events than partition 1");

    let from = format!("sequence:{last}");
    let mut read = cli(dir);
    read.args([
        "--json", "receive", "--from", &from, "--max", "5", "--wait", "2",
    ])
    .env("EVENTHUB_CONNECTION_STRING", listen);
    let output = run(read, "receive");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let events: Vec<Value> = text_of(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|event| event["partition_id"] == "1" && event["sequence_number"] == last),
        "{events:?} {stderr}"
    );
    assert!(
        stderr.contains(&format!("note: partition {short}: ")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("'{last}'")), "{stderr}");
    assert!(!stderr.contains(&format!("'{}'", last - 1)), "{stderr}");
}

/// Returns `connection_string` with its key replaced by a `SharedAccessSignature` for hub
/// `demo` that expires at `expiry` (seconds since the Unix epoch).
fn signature_string(connection_string: &str, expiry: u64) -> String {
    let part = |name: &str| {
        connection_string
            .split(';')
            .find_map(|part| part.strip_prefix(name))
            .expect("the connection string has the part")
            .to_owned()
    };
    let key = broker::secret::Secret::new(part("SharedAccessKey="));
    let endpoint = part("Endpoint=");
    let host = endpoint
        .trim_start_matches("sb://")
        .split(':')
        .next()
        .unwrap();
    let resource = format!("sb://{host}/demo");
    let token = broker::sas::generate_token(&resource, &part("SharedAccessKeyName="), &key, expiry);
    format!(
        "Endpoint={endpoint};SharedAccessSignature={};EntityPath=demo;\
         UseDevelopmentEmulator=true",
        token.expose()
    )
}

/// Receives with a `SharedAccessSignature` string, from one partition and from all, and checks
/// that an expired one fails at once with its expiry and the fix.
fn receive_with_signature(dir: &Path, listen: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signed = signature_string(listen, now + 3600);
    for partitions in [&["--partition", "1"][..], &[]] {
        let mut args = vec!["--json", "receive", "--max", "3", "--wait", "2"];
        args.extend_from_slice(partitions);
        let mut read = cli(dir);
        read.args(&args).env("EVENTHUB_CONNECTION_STRING", &signed);
        let received = text_of(&run(read, "receive"));
        assert_eq!(received.lines().count(), 3, "{received}");
    }

    let expired = signature_string(listen, now - 60);
    let failed = stderr_of(&events_command(dir, &expired, &["receive", "--wait", "1"]));
    assert!(
        failed.contains("SharedAccessSignature expired at"),
        "{failed}"
    );
    assert!(failed.contains("create a new signature"), "{failed}");
}

/// Returns `connection_string` for the TLS listener at `tls_endpoint` (`sb://localhost:PORT`):
/// its Endpoint replaced and `UseDevelopmentEmulator=true` dropped, as Azure's strings read.
fn tls_string(connection_string: &str, tls_endpoint: &str) -> String {
    connection_string
        .split(';')
        .filter(|part| !part.starts_with("UseDevelopmentEmulator"))
        .map(|part| {
            if part.starts_with("Endpoint=") {
                format!("Endpoint={tls_endpoint}")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Sends and receives over the TLS listener with its CA, reads a binary body back as base64, and
/// checks that a key placed in any part of the string or in `--hub` is never printed.
fn tls_and_secrets(dir: &Path, send: &str, listen: &str, endpoints: &Value) {
    let namespace = &endpoints["namespaces"][0];
    let tls_endpoint = namespace["tls_endpoint"].as_str().unwrap();
    let ca_file = endpoints["broker_ca_certificate"].as_str().unwrap();
    let tls_send = tls_string(send, tls_endpoint);
    let tls_listen = tls_string(listen, tls_endpoint);

    let binary = dir.join("binary.dat");
    std::fs::write(&binary, [0xff, 0x00, 0x41]).unwrap();
    let sent = events_command(
        dir,
        &tls_send,
        &[
            "send",
            "--ca-file",
            ca_file,
            "--partition",
            "0",
            "--body-file",
            binary.to_str().unwrap(),
        ],
    );
    assert_eq!(
        text_of(&sent),
        "sent 1 event to event hub `demo`, partition 0"
    );
    let untrusted = stderr_of(&events_command(dir, &tls_send, &["send", "x"]));
    assert!(
        untrusted.contains("not signed by a trusted CA"),
        "{untrusted}"
    );
    let read = events_command(
        dir,
        &tls_listen,
        &[
            "--json",
            "receive",
            "--ca-file",
            ca_file,
            "--partition",
            "0",
            "--max",
            "100",
            "--wait",
            "2",
        ],
    );
    let last: Value = serde_json::from_str(text_of(&read).lines().last().unwrap()).unwrap();
    assert_eq!(last["body_base64"], "/wBB");
    assert_eq!(last["body"], Value::Null);

    let plain_as_tls = tls_string(send, namespace["endpoint"].as_str().unwrap());
    let no_tls = stderr_of(&events_command(dir, &plain_as_tls, &["send", "x"]));
    assert!(no_tls.contains("does not offer TLS"), "{no_tls}");
    let emulator_to_tls = format!("{tls_send};UseDevelopmentEmulator=true");
    let plain_to_tls = stderr_of(&events_command(dir, &emulator_to_tls, &["receive"]));
    assert!(plain_to_tls.contains("answered with TLS"), "{plain_to_tls}");
    let untrusted_receive = stderr_of(&events_command(dir, &tls_listen, &["receive"]));
    assert!(
        untrusted_receive.contains("`eda-workshop receive`"),
        "{untrusted_receive}"
    );

    let key = key_of(send);
    let misplaced = [
        send.replace("EntityPath=demo", &format!("EntityPath={key}")),
        send.replace(
            "SharedAccessKeyName=send",
            &format!("SharedAccessKeyName={key}"),
        ),
        send.replace(";EntityPath=demo", ""),
    ];
    for (index, string) in misplaced.iter().enumerate() {
        let mut args = vec!["send"];
        if index == 2 {
            args.extend(["--hub", key]);
        }
        args.push("x");
        let output = events_command(dir, string, &args);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .to_ascii_lowercase();
        assert!(
            !printed.contains(&key.to_ascii_lowercase()),
            "case {index}: {printed}"
        );
        assert!(printed.contains("***"), "case {index}: {printed}");
    }
}

/// A running `eda-workshop serve`, stopped with SIGTERM by its PID. Its log goes to a file,
/// because an unread pipe could fill while it runs and block it.
struct Serve {
    child: Option<Child>,
    log: std::fs::File,
}

impl Serve {
    fn start(data_dir: &Path, hubs: &[&str]) -> Serve {
        let endpoints = data_dir.join("endpoints.json");
        let _ = std::fs::remove_file(&endpoints);
        let mut command = cli(data_dir);
        command.arg("serve");
        for hub in hubs {
            command.args(["--hub", hub]);
        }
        let log = tempfile::tempfile().unwrap();
        let child = command
            .stdout(Stdio::null())
            .stderr(log.try_clone().unwrap())
            .spawn()
            .unwrap();
        let mut serve = Serve {
            child: Some(child),
            log,
        };
        let started = Instant::now();
        while !endpoints.exists() {
            let child = serve.child.as_mut().unwrap();
            if let Some(status) = child.try_wait().unwrap() {
                panic!("serve exited with {status}: {}", serve.log_text());
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "serve did not start in time"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        serve
    }

    fn stop(&mut self) {
        let Some(child) = self.child.take() else {
            return;
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = peers::wait_bounded(child, CHILD_TIMEOUT, "serve after SIGTERM");
        assert!(
            output.status.success(),
            "serve stopped with {}: {}",
            output.status,
            self.log_text()
        );
    }

    /// Returns what serve has logged so far.
    fn log_text(&mut self) -> String {
        let mut text = String::new();
        self.log.seek(SeekFrom::Start(0)).unwrap();
        self.log.read_to_string(&mut text).unwrap();
        text
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Returns the value of `SharedAccessKey` in a connection string.
fn key_of(connection_string: &str) -> &str {
    connection_string
        .split(';')
        .find_map(|part| part.strip_prefix("SharedAccessKey="))
        .expect("the connection string has a key")
}

fn inside_session(python: &Path) {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();

    let never = connection_string(dir, "demo", "send");
    assert_eq!(never.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(stderr.contains("eda-workshop serve"), "{stderr}");

    let mut serve = Serve::start(dir, &["demo:2"]);
    let send = text_of(&connection_string(dir, "demo", "send"));
    let listen = text_of(&connection_string(dir, "demo", "listen"));
    assert!(send.starts_with("Endpoint=sb://127.0.0.1:"), "{send}");
    assert!(send.contains(";SharedAccessKeyName=send;"));
    assert!(send.ends_with(";EntityPath=demo;UseDevelopmentEmulator=true"));
    assert!(listen.contains(";SharedAccessKeyName=listen;"));

    let unknown = connection_string(dir, "orders", "send");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("hub `orders` is not served"), "{stderr}");

    let endpoints = std::fs::read_to_string(dir.join("endpoints.json")).unwrap();
    for key in [key_of(&send), key_of(&listen)] {
        assert!(!endpoints.contains(key), "endpoints.json contains a key");
    }
    assert!(!endpoints.contains("SharedAccessKey"));
    let parsed: Value = serde_json::from_str(&endpoints).unwrap();
    assert_eq!(parsed["namespaces"][0]["name"], "eda-workshop-local");
    assert_eq!(parsed["namespaces"][0]["hubs"][0]["partitions"], 2);

    // The endpoints `serve` prints take the tokens `token` prints, and no other.
    let registry_token = text_of(&token(dir, "registry"));
    let arm_token = text_of(&token(dir, "resource-manager"));
    let registry_url = format!(
        "https://{}/$schemaGroups?api-version=2022-10",
        parsed["registry"].as_str().unwrap()
    );
    let registry_ca = parsed["registry_ca_certificate"].as_str().unwrap();
    assert_eq!(
        status_with_token(python, &registry_url, &registry_token, registry_ca),
        "200"
    );
    assert_eq!(
        status_with_token(python, &registry_url, "", registry_ca),
        "401"
    );
    let group_url = format!(
        "{}/subscriptions/{}/resourceGroups/eda-workshop-local?api-version=2021-04-01",
        parsed["arm"].as_str().unwrap(),
        parsed["subscription"].as_str().unwrap()
    );
    assert_eq!(status_with_token(python, &group_url, &arm_token, ""), "200");
    assert_eq!(status_with_token(python, &group_url, "wrong", ""), "401");
    assert!(
        !endpoints.contains(&registry_token),
        "endpoints.json contains a token"
    );

    // A schema command stops at once instead of starting a second registry over the folder,
    // whose new CA would replace the one clients of `serve` trust.
    let ca_before = std::fs::read(registry_ca).unwrap();
    let schema = peers::repository_root().join("schemas/events/Customer.Created.avsc");
    let mut command = cli(dir);
    command
        .args(["schema", "register", "--group", "myschemagroup"])
        .arg(&schema);
    let refused = run(command, "schema register");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("already run over"), "{stderr}");
    assert_eq!(std::fs::read(registry_ca).unwrap(), ca_before);

    // Every command that would start the services names the process that serves the folder.
    let holder = format!("(process id {})", serve.child.as_ref().unwrap().id());
    let mut second_serve = cli(dir);
    second_serve.arg("serve");
    let mut apply = cli(dir);
    apply.args(["apply", "--namespace", "srvcs", "--step", "1"]);
    for (label, command) in [("a second serve", second_serve), ("apply", apply)] {
        let refused = run(command, label);
        assert_eq!(refused.status.code(), Some(2), "{label}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(&holder), "{label}: {stderr}");
    }

    let sent = roundtrip(python, &send, &["send", "demo", "hello-from-python"]);
    assert_eq!(sent["sent"], "hello-from-python");
    let read = roundtrip(python, &listen, &["receive", "demo"]);
    assert_eq!(read["errors"], serde_json::json!([]));
    assert_eq!(read["received"], serde_json::json!(["hello-from-python"]));
    send_and_receive(dir, &send, &listen);
    tls_and_secrets(dir, &send, &listen, &parsed);
    serve.stop();

    // Served again without `--hub`, the hub comes back with its port and keys, so the
    // connection strings printed before are still the right ones.
    let mut serve = Serve::start(dir, &[]);
    assert_eq!(text_of(&connection_string(dir, "demo", "send")), send);
    let read = roundtrip(python, &listen, &["receive", "demo"]);
    assert!(read["received"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("hello-from-python")));
    serve.stop();

    // The tokens stop working with the services and leave the keychain with them.
    let stopped = token(dir, "registry");
    assert_eq!(stopped.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        stderr.contains("start them with `eda-workshop serve`"),
        "{stderr}"
    );
}

#[test]
fn serve_hub_and_connection_string_work_together() {
    let Some(python) = peers::python("serve and connection-string test") else {
        return;
    };
    if std::env::var_os(INSIDE_SESSION).is_some() {
        inside_session(&python);
        return;
    }
    let script = peers::repository_root().join("tests/keychain/with-secret-service.sh");
    let status = Command::new("sh")
        .arg(script)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "serve_hub_and_connection_string_work_together",
            "--nocapture",
        ])
        .env(INSIDE_SESSION, "1")
        .status()
        .expect("the keychain script runs (install the dbus and gnome-keyring packages)");
    assert!(
        status.success(),
        "the test inside the private session failed: {status}"
    );
}
