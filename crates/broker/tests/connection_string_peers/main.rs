//! The connection string parser compared with Microsoft's Python `azure-eventhub` and Node
//! `@azure/event-hubs` SDKs on a table of the strings people paste (`cases.rs`).
//!
//! Each SDK constructs a producer client from each string without a hub name, which opens no
//! connection, and reports what it read: host, port, hub, key name and whether TLS is on. The
//! scripts are `tests/peers/broker/connection_string_judge.py` and
//! `tests/peers/node/connection_string_judge.cjs`. The parser's reading is
//! `ConnectionString::parse` followed by `hub(None)`, the same request without a hub name. Every
//! difference fails, except the deliberate ones in `KNOWN_DIFFERENCES`, and so does a listed
//! difference that no longer occurs. Two more tests need no SDK: no message for any case shows
//! a key, signature or password, and the canonical form that the flow hands `azeventhubs` reads
//! the same there as in the parser.
//!
//! The Python SDK runs from `.venv` at the repository root (or the interpreter named by
//! `EDA_PEER_PYTHON`), created with
//! `python3 -m venv .venv && .venv/bin/pip install -r tests/peers/requirements.txt`. The Node
//! SDK runs from `tests/peers/node/node_modules`, installed with
//! `npm ci --prefix tests/peers/node`. Without them the peer tests print a loud skip notice,
//! except under `CI=true`, where they fail. With `EDA_CONNECTION_STRING_TABLE=PATH`, each peer
//! test writes every case with both readings to `PATH.python.json` or `PATH.node.json`.

mod cases;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use broker::connection_string::{ConnectionString, Credential};
use serde_json::{json, Value};

use cases::{Case, KEY, PADDED_KEY, SIGNATURE};

/// Maximum run time of one SDK child, which is killed after that. Each read the whole table in
/// under a second on a 2-core machine.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// The minimum number of cases the table must contain.
const MIN_CASES: usize = 150;

/// What a parser made of one string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Accepted(Reading),
    Rejected(String),
}

/// What an accepting parser read. Hosts are compared in lower case, as DNS compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reading {
    host: String,
    /// The port the Endpoint names, as text, because a peer may keep a port that is no number.
    port: Option<String>,
    hub: Option<String>,
    key_name: Option<String>,
    credential: String,
    tls: bool,
}

/// The SDK a difference was found with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Python,
    Node,
}

/// How the parser deliberately differs from a peer on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Difference {
    /// The parser rejects a string the peer accepts.
    Rejects,
    /// The parser accepts a string the peer rejects.
    Accepts,
    /// Both accept the string and read it differently.
    Reads,
}

const INNER_WHITESPACE: &str = "a space, tab or line break inside a host, name or key is left \
    from copying and is never part of a valid value. The SDKs keep it, and the connection or \
    token fails later. The parser names the character and its position";
const NODE_CASE_SENSITIVE: &str = "Node matches part names case-sensitively, so it ignores \
    `endpoint=`, `sharedaccesskey=`, `sharedaccesssignature=` and the like. Python and the \
    parser match part names in any case, as .NET does, and the flow's readers hand azeventhubs \
    the parser's canonical form, so the whole product reads them alike";
const NODE_EMULATOR_NAME_CASE: &str = "Node misses `usedevelopmentemulator=true` in lower case \
    and connects over TLS. Python and the parser read the part in any case and use plain AMQP";
const NODE_SIGNATURE_PREFIX_CASE: &str = "Node finds a token only by the exact text \
    `SharedAccessSignature=SharedAccessSignature `, so it asks for a key name. Python and the \
    parser read the part name and the token's first word in any case";
const PYTHON_NO_TRIM: &str = "Python keeps the spaces, tabs and line breaks around part names, \
    so ` SharedAccessKey` is an unknown part and the client has no key. Node and the parser \
    trim them, because a copy with spaces after `;` means the same parts";
const PYTHON_VALUE_SPACE: &str = "Python keeps the space after `=`, so its hub and key name \
    start with a space and the first link fails. Node and the parser trim it";
const PYTHON_EMPTY_PART: &str = "Python rejects any part with no value and an empty part \
    between two `;`. Node and the parser skip empty parts, and the parser ignores an unknown \
    part, also an empty or repeated one, because it changes nothing";
const PYTHON_PORT_RANGE: &str = "Python keeps a port above 65535 and fails at connect time. \
    Node and the parser reject it";
const PYTHON_SIGNATURE_FORM: &str = "Python sends any SharedAccessSignature value as the token, \
    which the namespace rejects at put-token unless it is `SharedAccessSignature sr=...&sig=...\
    &se=...&skn=...`. Node and the parser reject the value at once";
const PYTHON_SIGNATURE_AND_KEY: &str = "Python takes the token and ignores a SharedAccessKey \
    beside it. Node and the parser reject the pair, because it is unclear which credential the \
    attendee meant";
const NODE_REPEATED_PART: &str = "Node keeps the last of two parts with the same name, so a \
    string may reach another namespace or hub than its first part names. Python and the parser \
    reject a repeated part, which names it";
const NODE_EMPTY_EMULATOR_FLAG: &str = "Node reads `UseDevelopmentEmulator=` as false. Python \
    rejects a part with no value, and so does the parser, because the attendee may have meant \
    true";
const NODE_NO_SCHEME: &str = "Node reads an Endpoint without `scheme://` as a host name, \
    slashes and all, so the connection fails later. Python and the parser reject it, the parser \
    with the form to write";
const NODE_MALFORMED_HOST: &str = "Node takes the text after `sb://` as the host even when it \
    is empty or has no closing `]`, so the connection fails later. Python and the parser reject \
    it";
const NODE_IPV6_LOOPBACK: &str = "Node reads any IPv6 address that contains `::1`, such as \
    `2001:db8::10`, as the loopback address, so it connects to this machine instead. Python \
    and the parser read the address as written";
const NODE_QUOTED_ENDPOINT: &str = "Node takes the quotation marks for part of the host, so \
    the connection fails later. Python rejects the Endpoint, and the parser names the marks";
const NODE_BYTE_ORDER_MARK: &str = "JavaScript's trim() drops a byte-order mark at the start, \
    so Node reads the string. Python rejects it, and the parser names the invisible character \
    and its position";
const SCHEME_NOT_AMQP: &str = "the SDKs ignore the Endpoint's scheme. The parser accepts the \
    AMQP schemes (`sb`, `amqps`, `amqp`) and rejects `https://`, `http://` and `ws://` with the \
    fix, because those are the namespace's HTTP and WebSocket addresses, whose ports (443, 80) \
    serve no AMQP over TCP";
const ENDPOINT_PATH: &str = "the SDKs drop a path, query or fragment after the Endpoint's \
    host. A path such as `/orders` suggests the attendee meant that hub, while the client uses \
    EntityPath or the hub it is given, so the parser rejects it and names EntityPath as the \
    place for the hub";
const PORT_INVALID: &str = "a port of 0, a port that is no number, or a `:` with no port \
    cannot be what the attendee meant. The SDKs connect to 5671 or fail at connect time, and \
    the parser rejects it with the valid range";
const HOST_INVALID: &str = "the host cannot be a DNS name (it contains `_` or an empty label) \
    or is an IPv6 address without brackets, so connecting fails later or reaches another host. \
    The parser rejects it with the rule";
const USER_INFO: &str = "a user name and password before `@` are never part of an Event Hubs \
    Endpoint. Node reads the user name as the host, Python drops them. The parser rejects \
    them without showing the password";
const SIGNATURE_WITH_KEY_NAME: &str = "the token carries its own rule name (`skn=`), so a \
    SharedAccessKeyName beside it is unused. The SDKs reject the pair, the parser uses the \
    token, because the name changes nothing";
const SIGNATURE_FIELDS: &str = "a token without `se=` or `skn=` is rejected by the namespace at \
    put-token. The SDKs send it, the parser rejects it at once with the expected form";
const EMULATOR_FLAG: &str = "the SDKs turn TLS off only for the exact text `true` and read \
    every other value as false. The parser reads `True` and `TRUE` as true, as .NET's bool \
    parsing does, and rejects values that are neither true nor false, because reading `1` or \
    `yes` as false would silently switch to TLS on another port";
const EMULATOR_NOT_LOCAL: &str = "`UseDevelopmentEmulator=true` turns TLS off, so the key \
    would cross the network in plain text. The parser allows it only with localhost or \
    127.0.0.1, the only address the local broker listens on";
const ENTITY_PATH_NOT_HUB: &str = "EntityPath must be an event hub name: no `/`, `=` or `:` \
    and at most 256 characters. A Service Bus subscription path, a consumer group path or a URL \
    fails at the first link, so the parser rejects it with the fix";
const QUOTED_VALUE: &str = "a quotation mark at the end of the string or around a value is \
    left from a shell or a document. The SDKs keep it in the hub name, and the first link \
    fails. The parser names it";
const LOOK_ALIKE_EMULATOR: &str = "a look-alike letter in `UseDevelopmentEmulator` makes the \
    SDKs ignore the part and silently connect over TLS. The parser names the character";

/// The cases where the parser deliberately differs from a peer, with the reason.
const KNOWN_DIFFERENCES: &[(&str, Peer, Difference, &str)] = {
    use Difference::{Accepts, Reads, Rejects};
    use Peer::{Node, Python};
    &[
        (
            "name-case-lower-endpoint",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-lower-key-name",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        ("name-case-lower-key", Node, Accepts, NODE_CASE_SENSITIVE),
        (
            "name-case-lower-entity-path",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        ("name-case-lower-all", Node, Accepts, NODE_CASE_SENSITIVE),
        (
            "name-case-upper-endpoint",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-upper-key-name",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        ("name-case-upper-key", Node, Accepts, NODE_CASE_SENSITIVE),
        (
            "name-case-upper-entity-path",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        ("name-case-upper-all", Node, Accepts, NODE_CASE_SENSITIVE),
        (
            "name-case-first-lower-endpoint",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-first-lower-key-name",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-first-lower-key",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-first-lower-entity-path",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-first-lower-all",
            Node,
            Accepts,
            NODE_CASE_SENSITIVE,
        ),
        (
            "name-case-emulator-lower",
            Node,
            Reads,
            NODE_EMULATOR_NAME_CASE,
        ),
        ("whitespace-around-equals", Python, Accepts, PYTHON_NO_TRIM),
        ("whitespace-before-equals", Python, Accepts, PYTHON_NO_TRIM),
        ("whitespace-after-equals", Python, Reads, PYTHON_VALUE_SPACE),
        (
            "whitespace-around-semicolons",
            Python,
            Accepts,
            PYTHON_NO_TRIM,
        ),
        (
            "whitespace-after-semicolons",
            Python,
            Accepts,
            PYTHON_NO_TRIM,
        ),
        (
            "whitespace-tabs-around-semicolons",
            Python,
            Accepts,
            PYTHON_NO_TRIM,
        ),
        ("whitespace-inside-key", Python, Rejects, INNER_WHITESPACE),
        ("whitespace-inside-key", Node, Rejects, INNER_WHITESPACE),
        (
            "whitespace-inside-endpoint",
            Python,
            Rejects,
            INNER_WHITESPACE,
        ),
        (
            "whitespace-inside-endpoint",
            Node,
            Rejects,
            INNER_WHITESPACE,
        ),
        (
            "whitespace-inside-key-name",
            Python,
            Rejects,
            INNER_WHITESPACE,
        ),
        (
            "whitespace-inside-key-name",
            Node,
            Rejects,
            INNER_WHITESPACE,
        ),
        (
            "whitespace-inside-entity-path",
            Python,
            Rejects,
            INNER_WHITESPACE,
        ),
        (
            "whitespace-inside-entity-path",
            Node,
            Rejects,
            INNER_WHITESPACE,
        ),
        ("separator-leading", Python, Accepts, PYTHON_EMPTY_PART),
        ("separator-doubled", Python, Accepts, PYTHON_EMPTY_PART),
        (
            "separator-doubled-with-space",
            Python,
            Accepts,
            PYTHON_EMPTY_PART,
        ),
        ("repeated-endpoint-same", Node, Rejects, NODE_REPEATED_PART),
        ("repeated-endpoint-other", Node, Rejects, NODE_REPEATED_PART),
        (
            "repeated-endpoint-other-case",
            Node,
            Rejects,
            NODE_REPEATED_PART,
        ),
        (
            "repeated-entity-path-same",
            Node,
            Rejects,
            NODE_REPEATED_PART,
        ),
        (
            "repeated-entity-path-other",
            Node,
            Rejects,
            NODE_REPEATED_PART,
        ),
        (
            "repeated-entity-path-other-case",
            Node,
            Rejects,
            NODE_REPEATED_PART,
        ),
        ("repeated-key-name-other", Node, Rejects, NODE_REPEATED_PART),
        ("repeated-key-other", Node, Rejects, NODE_REPEATED_PART),
        ("repeated-emulator-flag", Node, Rejects, NODE_REPEATED_PART),
        ("repeated-unknown-part", Python, Accepts, PYTHON_EMPTY_PART),
        (
            "empty-emulator-flag",
            Node,
            Rejects,
            NODE_EMPTY_EMULATOR_FLAG,
        ),
        ("empty-unknown-part", Python, Accepts, PYTHON_EMPTY_PART),
        ("equals-entity-path", Python, Rejects, ENTITY_PATH_NOT_HUB),
        ("equals-entity-path", Node, Rejects, ENTITY_PATH_NOT_HUB),
        ("equals-endpoint-query", Python, Rejects, ENDPOINT_PATH),
        ("equals-endpoint-query", Node, Rejects, ENDPOINT_PATH),
        ("scheme-https-bare", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-https-bare", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-https-slash", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-https-slash", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-http-bare", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-http-bare", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-http-slash", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-http-slash", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-ws-bare", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-ws-bare", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-ws-slash", Python, Rejects, SCHEME_NOT_AMQP),
        ("scheme-ws-slash", Node, Rejects, SCHEME_NOT_AMQP),
        ("scheme-none", Node, Rejects, NODE_NO_SCHEME),
        ("scheme-none-slash", Node, Rejects, NODE_NO_SCHEME),
        ("scheme-one-slash", Node, Rejects, NODE_NO_SCHEME),
        ("scheme-no-slashes", Node, Rejects, NODE_NO_SCHEME),
        ("endpoint-path-hub", Python, Rejects, ENDPOINT_PATH),
        ("endpoint-path-hub", Node, Rejects, ENDPOINT_PATH),
        ("endpoint-path-hub-slash", Python, Rejects, ENDPOINT_PATH),
        ("endpoint-path-hub-slash", Node, Rejects, ENDPOINT_PATH),
        ("endpoint-path-other-hub", Python, Rejects, ENDPOINT_PATH),
        ("endpoint-path-other-hub", Node, Rejects, ENDPOINT_PATH),
        ("endpoint-path-deep", Python, Rejects, ENDPOINT_PATH),
        ("endpoint-path-deep", Node, Rejects, ENDPOINT_PATH),
        ("endpoint-fragment", Python, Rejects, ENDPOINT_PATH),
        ("endpoint-fragment", Node, Rejects, ENDPOINT_PATH),
        ("endpoint-port-zero", Python, Rejects, PORT_INVALID),
        ("endpoint-port-zero", Node, Rejects, PORT_INVALID),
        (
            "endpoint-port-too-large",
            Python,
            Rejects,
            PYTHON_PORT_RANGE,
        ),
        ("endpoint-port-not-number", Python, Rejects, PORT_INVALID),
        ("endpoint-port-not-number", Node, Rejects, PORT_INVALID),
        ("endpoint-port-empty", Python, Rejects, PORT_INVALID),
        ("endpoint-port-empty", Node, Rejects, PORT_INVALID),
        ("endpoint-ipv6-full", Node, Reads, NODE_IPV6_LOOPBACK),
        ("endpoint-ipv6-unbracketed", Python, Rejects, HOST_INVALID),
        ("endpoint-ipv6-unbracketed", Node, Rejects, HOST_INVALID),
        ("endpoint-ipv6-unclosed", Node, Rejects, NODE_MALFORMED_HOST),
        ("endpoint-host-underscore", Python, Rejects, HOST_INVALID),
        ("endpoint-host-underscore", Node, Rejects, HOST_INVALID),
        ("endpoint-host-doubled-dot", Python, Rejects, HOST_INVALID),
        ("endpoint-host-doubled-dot", Node, Rejects, HOST_INVALID),
        ("endpoint-host-empty", Node, Rejects, NODE_MALFORMED_HOST),
        ("endpoint-user-info", Python, Rejects, USER_INFO),
        ("endpoint-user-info", Node, Rejects, USER_INFO),
        (
            "signature-with-key-name",
            Python,
            Accepts,
            SIGNATURE_WITH_KEY_NAME,
        ),
        (
            "signature-with-key-name",
            Node,
            Accepts,
            SIGNATURE_WITH_KEY_NAME,
        ),
        (
            "signature-with-key-and-name",
            Python,
            Rejects,
            PYTHON_SIGNATURE_AND_KEY,
        ),
        (
            "signature-without-prefix",
            Python,
            Rejects,
            PYTHON_SIGNATURE_FORM,
        ),
        ("signature-without-skn", Python, Rejects, SIGNATURE_FIELDS),
        ("signature-without-skn", Node, Rejects, SIGNATURE_FIELDS),
        (
            "signature-without-expiry",
            Python,
            Rejects,
            SIGNATURE_FIELDS,
        ),
        ("signature-without-expiry", Node, Rejects, SIGNATURE_FIELDS),
        ("signature-lower-name", Node, Accepts, NODE_CASE_SENSITIVE),
        (
            "signature-lower-prefix",
            Node,
            Accepts,
            NODE_SIGNATURE_PREFIX_CASE,
        ),
        (
            "signature-prefix-only",
            Python,
            Rejects,
            PYTHON_SIGNATURE_FORM,
        ),
        ("emulator-true-capitalized", Python, Reads, EMULATOR_FLAG),
        ("emulator-true-capitalized", Node, Reads, EMULATOR_FLAG),
        ("emulator-true-upper", Python, Reads, EMULATOR_FLAG),
        ("emulator-true-upper", Node, Reads, EMULATOR_FLAG),
        ("emulator-one", Python, Rejects, EMULATOR_FLAG),
        ("emulator-one", Node, Rejects, EMULATOR_FLAG),
        ("emulator-zero", Python, Rejects, EMULATOR_FLAG),
        ("emulator-zero", Node, Rejects, EMULATOR_FLAG),
        ("emulator-yes", Python, Rejects, EMULATOR_FLAG),
        ("emulator-yes", Node, Rejects, EMULATOR_FLAG),
        ("emulator-on", Python, Rejects, EMULATOR_FLAG),
        ("emulator-on", Node, Rejects, EMULATOR_FLAG),
        ("emulator-true-remote", Python, Rejects, EMULATOR_NOT_LOCAL),
        ("emulator-true-remote", Node, Rejects, EMULATOR_NOT_LOCAL),
        (
            "emulator-true-other-loopback-ip",
            Python,
            Rejects,
            EMULATOR_NOT_LOCAL,
        ),
        (
            "emulator-true-other-loopback-ip",
            Node,
            Rejects,
            EMULATOR_NOT_LOCAL,
        ),
        (
            "emulator-true-ipv6-loopback",
            Python,
            Rejects,
            EMULATOR_NOT_LOCAL,
        ),
        (
            "emulator-true-ipv6-loopback",
            Node,
            Rejects,
            EMULATOR_NOT_LOCAL,
        ),
        (
            "service-service-bus-subscription",
            Python,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        (
            "service-service-bus-subscription",
            Node,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        ("pasted-quote-at-end-only", Python, Rejects, QUOTED_VALUE),
        ("pasted-quote-at-end-only", Node, Rejects, QUOTED_VALUE),
        ("pasted-quoted-value", Python, Rejects, QUOTED_VALUE),
        ("pasted-quoted-value", Node, Rejects, QUOTED_VALUE),
        (
            "pasted-quoted-endpoint",
            Node,
            Rejects,
            NODE_QUOTED_ENDPOINT,
        ),
        (
            "pasted-newline-between-parts",
            Python,
            Accepts,
            PYTHON_NO_TRIM,
        ),
        (
            "pasted-newline-inside-key",
            Python,
            Rejects,
            INNER_WHITESPACE,
        ),
        ("pasted-newline-inside-key", Node, Rejects, INNER_WHITESPACE),
        (
            "pasted-byte-order-mark",
            Node,
            Rejects,
            NODE_BYTE_ORDER_MARK,
        ),
        (
            "look-alike-emulator-cyrillic-o",
            Python,
            Rejects,
            LOOK_ALIKE_EMULATOR,
        ),
        (
            "look-alike-emulator-cyrillic-o",
            Node,
            Rejects,
            LOOK_ALIKE_EMULATOR,
        ),
        (
            "entity-path-consumer-group-path",
            Python,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        (
            "entity-path-consumer-group-path",
            Node,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        (
            "entity-path-partition-path",
            Python,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        (
            "entity-path-partition-path",
            Node,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        ("entity-path-url", Python, Rejects, ENTITY_PATH_NOT_HUB),
        ("entity-path-url", Node, Rejects, ENTITY_PATH_NOT_HUB),
        (
            "entity-path-trailing-slash",
            Python,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        (
            "entity-path-trailing-slash",
            Node,
            Rejects,
            ENTITY_PATH_NOT_HUB,
        ),
        ("entity-path-too-long", Python, Rejects, ENTITY_PATH_NOT_HUB),
        ("entity-path-too-long", Node, Rejects, ENTITY_PATH_NOT_HUB),
    ]
};

/// The name the skip notices give this test.
const TEST: &str = "connection string peer test";

/// Returns whether Node and the Node peer packages are installed, after a skip notice if not.
fn node_installed() -> bool {
    let package = peers::repository_root().join("tests/peers/node/node_modules/@azure/event-hubs");
    let node_runs = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if node_runs && package.exists() {
        return true;
    }
    peers::skip(
        TEST,
        "Node.js or the Node peer packages are missing: install Node.js 20 or newer and run \
         `npm ci --prefix tests/peers/node` at the repository root",
    );
    false
}

/// Runs an SDK child with the table as JSON on stdin and returns its outcome per case id.
fn run_peer(program: &Path, script: &Path, cases: &[Case]) -> BTreeMap<String, Outcome> {
    let input: Vec<Value> = cases
        .iter()
        .map(|case| json!({"id": case.id, "text": case.text}))
        .collect();
    let output = peers::run_bounded(
        Command::new(program).arg(script),
        Value::Array(input).to_string().as_bytes(),
        CHILD_TIMEOUT,
        &script.display().to_string(),
    );
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed: {errors}",
        script.display()
    );
    let outcomes: Vec<Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{} printed no JSON ({error}): {errors}", script.display()));
    outcomes
        .iter()
        .map(|outcome| {
            (
                outcome["id"].as_str().unwrap().to_owned(),
                peer_outcome(outcome),
            )
        })
        .collect()
}

fn peer_outcome(outcome: &Value) -> Outcome {
    if outcome["accepted"] != Value::Bool(true) {
        return Outcome::Rejected(outcome["error"].as_str().unwrap_or_default().to_owned());
    }
    let text = |field: &str| outcome[field].as_str().map(str::to_owned);
    let port = match &outcome["port"] {
        Value::Null => None,
        Value::Number(number) => Some(number.to_string()),
        Value::String(port) => Some(port.clone()),
        other => panic!("port {other} is neither a number nor text"),
    };
    Outcome::Accepted(Reading {
        host: text("host").unwrap_or_default().to_ascii_lowercase(),
        port,
        hub: text("hub"),
        key_name: text("key_name"),
        credential: text("credential").unwrap(),
        tls: outcome["tls"].as_bool().unwrap(),
    })
}

/// Reads a string as the parser does, asked for no particular hub.
fn product_outcome(text: &str) -> Outcome {
    let parsed = match ConnectionString::parse(text) {
        Ok(parsed) => parsed,
        Err(error) => return Outcome::Rejected(error.to_string()),
    };
    let hub = match parsed.hub(None) {
        Ok(hub) => hub.to_owned(),
        Err(error) => return Outcome::Rejected(error.to_string()),
    };
    let (key_name, credential) = match parsed.credential() {
        Credential::SharedAccessKey { key_name, .. } => (Some(key_name.clone()), "key"),
        Credential::SharedAccessSignature(_) => (None, "signature"),
    };
    Outcome::Accepted(Reading {
        host: parsed.endpoint().host.to_ascii_lowercase(),
        port: parsed.endpoint().port.map(|port| port.to_string()),
        hub: Some(hub),
        key_name,
        credential: credential.to_owned(),
        tls: parsed.uses_tls(),
    })
}

/// Classifies how the parser's outcome differs from a peer's, or `None` when they agree.
fn difference(product: &Outcome, peer: &Outcome) -> Option<Difference> {
    match (product, peer) {
        (Outcome::Rejected(_), Outcome::Rejected(_)) => None,
        (Outcome::Rejected(_), Outcome::Accepted(_)) => Some(Difference::Rejects),
        (Outcome::Accepted(_), Outcome::Rejected(_)) => Some(Difference::Accepts),
        (Outcome::Accepted(mine), Outcome::Accepted(theirs)) => {
            (mine != theirs).then_some(Difference::Reads)
        }
    }
}

/// Compares the parser with one peer and returns a line per unexpected or missing difference.
fn compare(peer: Peer, cases: &[Case], outcomes: &BTreeMap<String, Outcome>) -> Vec<String> {
    let known: BTreeMap<&str, Difference> = KNOWN_DIFFERENCES
        .iter()
        .filter(|(_, listed_peer, _, _)| *listed_peer == peer)
        .map(|(id, _, difference, _)| (*id, *difference))
        .collect();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for case in cases {
        let peer_outcome = outcomes
            .get(&case.id)
            .unwrap_or_else(|| panic!("{peer:?} reported nothing for {}", case.id));
        let product = product_outcome(&case.text);
        let found = difference(&product, peer_outcome);
        let expected = known.get(case.id.as_str()).copied();
        if found.is_some() {
            seen.insert(case.id.as_str());
        }
        if found != expected {
            failures.push(format!(
                "{} ({}): expected {expected:?}, found {found:?}\n  text: {:?}\n  parser: \
                 {product:?}\n  {peer:?}: {peer_outcome:?}",
                case.id, case.kind, case.text
            ));
        }
    }
    for id in known.keys() {
        if !cases.iter().any(|case| case.id == *id) {
            failures.push(format!("{id}: listed for {peer:?} but not in the table"));
        }
    }
    failures
}

/// Writes every case with each reading to `EDA_CONNECTION_STRING_TABLE`, when it is set.
fn write_table(peer: Peer, cases: &[Case], outcomes: &BTreeMap<String, Outcome>) {
    let Some(path) = std::env::var_os("EDA_CONNECTION_STRING_TABLE") else {
        return;
    };
    let rows: Vec<Value> = cases
        .iter()
        .map(|case| {
            json!({
                "id": case.id,
                "kind": case.kind,
                "text": case.text,
                "parser": format!("{:?}", product_outcome(&case.text)),
                "peer": format!("{:?}", outcomes[&case.id]),
            })
        })
        .collect();
    let path = PathBuf::from(path).with_extension(format!("{peer:?}.json").to_lowercase());
    std::fs::write(path, serde_json::to_string_pretty(&rows).unwrap()).unwrap();
}

fn assert_agrees(peer: Peer, outcomes: &BTreeMap<String, Outcome>) {
    let cases = cases::cases();
    write_table(peer, &cases, outcomes);
    let failures = compare(peer, &cases, outcomes);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from {peer:?} other than KNOWN_DIFFERENCES lists:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn table_covers_every_kind() {
    let cases = cases::cases();
    assert!(cases.len() >= MIN_CASES, "only {} cases", cases.len());
    let ids: BTreeSet<&str> = cases.iter().map(|case| case.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "case ids must be unique");
    let kinds: BTreeSet<&str> = cases.iter().map(|case| case.kind).collect();
    assert_eq!(kinds.len(), 16, "{kinds:?}");
    for (id, _, _, reason) in KNOWN_DIFFERENCES {
        assert!(ids.contains(id), "{id} is listed but not in the table");
        assert!(!reason.is_empty(), "{id} has no reason");
    }
}

/// The secrets of the table, as 16-character pieces, so that a message showing part of one is
/// caught too. The signature is also looked for decoded, as `sig=` carries it URL-encoded.
fn secret_pieces() -> Vec<String> {
    let decoded_signature = SIGNATURE.replace("%3D", "=");
    [
        KEY,
        PADDED_KEY,
        SIGNATURE,
        decoded_signature.as_str(),
        "hunter2hunter2",
    ]
    .iter()
    .flat_map(|secret| {
        let length = secret.len().min(16);
        (0..=secret.len() - length).map(move |start| secret[start..start + length].to_owned())
    })
    .collect()
}

#[test]
fn no_message_shows_a_secret() {
    let pieces = secret_pieces();
    for case in cases::cases() {
        let messages = match ConnectionString::parse(&case.text) {
            Err(error) => vec![error.to_string(), format!("{error:?}")],
            Ok(parsed) => {
                let mut messages = vec![format!("{parsed:?}")];
                for requested in [None, Some("elsewhere")] {
                    if let Err(error) = parsed.hub(requested) {
                        messages.push(error.to_string());
                        messages.push(format!("{error:?}"));
                    }
                }
                messages
            }
        };
        for message in messages {
            let shown_piece = pieces.iter().find(|piece| message.contains(piece.as_str()));
            assert!(
                shown_piece.is_none(),
                "{}: the message shows `{}`: {message}",
                case.id,
                shown_piece.unwrap()
            );
        }
    }
}

/// The flow's readers hand `azeventhubs` 0.20 the canonical form, because it matches part names
/// case-sensitively. That form must read the same in the parser and in `azeventhubs`.
#[test]
fn canonical_form_reads_the_same() {
    use azeventhubs::EventHubsConnectionStringProperties;

    for case in cases::cases() {
        let Ok(parsed) = ConnectionString::parse(&case.text) else {
            continue;
        };
        let canonical = parsed.to_canonical();
        let reparsed = ConnectionString::parse(canonical.expose());
        assert_eq!(reparsed.as_ref(), Ok(&parsed), "{}", case.id);

        let client = EventHubsConnectionStringProperties::parse(canonical.expose())
            .unwrap_or_else(|error| panic!("{}: azeventhubs rejects it: {error}", case.id));
        let host = client.endpoint().and_then(|url| url.host_str()).unwrap();
        assert_eq!(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase(),
            parsed.endpoint().host.to_ascii_lowercase(),
            "{}",
            case.id
        );
        let port = client.endpoint().and_then(|url| url.port());
        // `url` drops a scheme's default port, and `sb` has none.
        assert_eq!(port, parsed.endpoint().port, "{}", case.id);
        assert_eq!(client.event_hub_name(), parsed.entity_path(), "{}", case.id);
        match parsed.credential() {
            Credential::SharedAccessKey { key_name, key } => {
                assert_eq!(client.shared_access_key_name(), Some(key_name.as_str()));
                assert_eq!(client.shared_access_key(), Some(key.expose().as_str()));
            }
            Credential::SharedAccessSignature(signature) => {
                assert_eq!(
                    client.shared_access_signature(),
                    Some(signature.expose().as_str())
                );
            }
        }
    }
}

#[test]
fn parser_agrees_with_python_sdk() {
    let Some(python) = peers::python(TEST) else {
        return;
    };
    let script = peers::repository_root().join("tests/peers/broker/connection_string_judge.py");
    let outcomes = run_peer(&python, &script, &cases::cases());
    assert_agrees(Peer::Python, &outcomes);
}

#[test]
fn parser_agrees_with_node_sdk() {
    if !node_installed() {
        return;
    }
    let script = peers::repository_root().join("tests/peers/node/connection_string_judge.cjs");
    let outcomes = run_peer(Path::new("node"), &script, &cases::cases());
    assert_agrees(Peer::Node, &outcomes);
}
