//! The table of connection strings: the kinds of text people paste, each as a few cases.

/// A shared access key as the Azure portal shows one: 44 base64 characters ending in `=`.
pub(crate) const KEY: &str = "c2VjcmV0LWtleS1vZi10aGUtc2VuZC1ydWxlMTIzNDU=";

/// A key ending in `==`, as a key of another length would.
pub(crate) const PADDED_KEY: &str = "bGlzdGVuLXJ1bGUta2V5LWZvci1ldmVudC1odWJzLTE==";

/// The URL-encoded signature of [`TOKEN`].
pub(crate) const SIGNATURE: &str = "K3ZhbG9yLW9mLXRoZS1zaWduYXR1cmUtZm9yLWxlYWQ%3D";

/// A SAS token for hub `lead`, valid until 2100, with the signature [`SIGNATURE`].
const TOKEN: &str = "SharedAccessSignature \
    sr=sb%3A%2F%2Feda-dgrf.servicebus.windows.net%2Flead\
    &sig=K3ZhbG9yLW9mLXRoZS1zaWduYXR1cmUtZm9yLWxlYWQ%3D&se=4102444800&skn=send";

const NAMESPACE: &str = "eda-dgrf.servicebus.windows.net";

/// One connection string of the table.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// A unique name that says what the case is.
    pub(crate) id: String,
    /// The kind of input the case stands for.
    pub(crate) kind: &'static str,
    /// The text as pasted.
    pub(crate) text: String,
}

struct Table {
    cases: Vec<Case>,
}

impl Table {
    fn add(&mut self, kind: &'static str, id: impl Into<String>, text: impl Into<String>) {
        self.cases.push(Case {
            id: id.into(),
            kind,
            text: text.into(),
        });
    }
}

fn endpoint() -> String {
    format!("Endpoint=sb://{NAMESPACE}/")
}

/// Returns the four parts of a portal string scoped to hub `lead`, in the portal's order.
fn portal_parts() -> [String; 4] {
    [
        endpoint(),
        "SharedAccessKeyName=send".to_owned(),
        format!("SharedAccessKey={KEY}"),
        "EntityPath=lead".to_owned(),
    ]
}

/// Builds a string of `endpoint`, the Endpoint part's whole text, and the portal's other parts.
fn with_endpoint(endpoint: &str) -> String {
    format!("{endpoint};SharedAccessKeyName=send;SharedAccessKey={KEY};EntityPath=lead")
}

/// Joins parts with `;`.
fn join(parts: &[&str]) -> String {
    parts.join(";")
}

/// Returns the portal's string scoped to hub `lead`, followed by `extra`.
fn portal(extra: &str) -> String {
    format!("{}{extra}", portal_parts().join(";"))
}

/// Builds every case of the table.
pub(crate) fn cases() -> Vec<Case> {
    let mut table = Table { cases: Vec::new() };
    order(&mut table);
    name_case(&mut table);
    whitespace(&mut table);
    separators(&mut table);
    repeated(&mut table);
    missing_and_empty(&mut table);
    equals_in_values(&mut table);
    schemes(&mut table);
    endpoint_shapes(&mut table);
    signatures(&mut table);
    emulator(&mut table);
    other_services(&mut table);
    quoting_and_line_breaks(&mut table);
    look_alikes(&mut table);
    entity_paths(&mut table);
    table.cases
}

/// Adds every order of the four parts.
fn order(table: &mut Table) {
    let parts = portal_parts();
    let mut permutation = [0, 1, 2, 3];
    let mut count = 0;
    permute(&mut permutation, 0, &mut |order| {
        count += 1;
        let text: Vec<&str> = order.iter().map(|index| parts[*index].as_str()).collect();
        let id = order
            .iter()
            .map(|index| index.to_string())
            .collect::<String>();
        table.add("order", format!("order-{id}"), text.join(";"));
    });
    assert_eq!(count, 24);
}

fn permute(items: &mut [usize; 4], start: usize, visit: &mut impl FnMut(&[usize; 4])) {
    if start == items.len() {
        visit(items);
        return;
    }
    for index in start..items.len() {
        items.swap(start, index);
        permute(items, start + 1, visit);
        items.swap(start, index);
    }
}

/// A change of a part name's letter case.
type Rename = fn(&str) -> String;

/// Adds part names in other letter cases.
fn name_case(table: &mut Table) {
    let parts = portal_parts();
    let variants: [(&str, Rename); 3] = [
        ("lower", str::to_ascii_lowercase),
        ("upper", str::to_ascii_uppercase),
        ("first-lower", |name| {
            let mut chars = name.chars();
            let first = chars.next().unwrap().to_ascii_lowercase();
            format!("{first}{}", chars.as_str())
        }),
    ];
    for (variant, change) in variants {
        for (index, name) in ["endpoint", "key-name", "key", "entity-path"]
            .iter()
            .enumerate()
        {
            let mut changed = parts.clone();
            let (part_name, value) = changed[index].split_once('=').unwrap();
            changed[index] = format!("{}={value}", change(part_name));
            table.add(
                "name case",
                format!("name-case-{variant}-{name}"),
                changed.join(";"),
            );
        }
        let all: Vec<String> = parts
            .iter()
            .map(|part| {
                let (name, value) = part.split_once('=').unwrap();
                format!("{}={value}", change(name))
            })
            .collect();
        table.add(
            "name case",
            format!("name-case-{variant}-all"),
            all.join(";"),
        );
    }
    table.add(
        "name case",
        "name-case-emulator-lower",
        format!(
            "Endpoint=sb://localhost:5673;SharedAccessKeyName=send;SharedAccessKey={KEY};\
             EntityPath=lead;usedevelopmentemulator=true"
        ),
    );
}

/// Adds spaces, tabs and line breaks around and inside names, values and separators.
fn whitespace(table: &mut Table) {
    let parts = portal_parts();
    let around_equals = |spaced: &str| {
        let spaced: Vec<String> = parts
            .iter()
            .map(|part| part.replacen('=', spaced, 1))
            .collect();
        spaced.join(";")
    };
    let cases = [
        ("around-equals", around_equals(" = ")),
        ("before-equals", around_equals(" =")),
        ("after-equals", around_equals("= ")),
        ("around-semicolons", parts.join(" ; ")),
        ("after-semicolons", parts.join("; ")),
        ("tabs-around-semicolons", parts.join("\t;\t")),
        ("leading-and-trailing", format!("  {}  ", parts.join(";"))),
        ("leading-tab", format!("\t{}", parts.join(";"))),
        (
            "inside-key",
            portal("").replace(&KEY[..20], &format!("{} ", &KEY[..20])),
        ),
        (
            "inside-endpoint",
            with_endpoint("Endpoint=sb://eda-dgrf .servicebus.windows.net/"),
        ),
        ("inside-key-name", portal("").replace("=send", "=se nd")),
        ("inside-entity-path", portal("").replace("=lead", "=le ad")),
        (
            "non-breaking-after-key",
            portal("").replace(KEY, &format!("{KEY}\u{a0}")),
        ),
    ];
    for (id, text) in cases {
        table.add("whitespace", format!("whitespace-{id}"), text);
    }
}

/// Adds trailing, leading, doubled and missing `;`.
fn separators(table: &mut Table) {
    let parts = portal_parts();
    let cases = [
        ("trailing", portal(";")),
        ("trailing-twice", portal(";;")),
        ("leading", format!(";{}", portal(""))),
        ("doubled", parts.join(";;")),
        ("doubled-with-space", parts.join("; ;")),
        (
            "missing-before-key",
            portal("").replace(";SharedAccessKey=", "SharedAccessKey="),
        ),
        (
            "missing-before-entity-path",
            portal("").replace(";EntityPath", "EntityPath"),
        ),
        ("space-instead", parts.join(" ")),
        ("comma-instead", parts.join(",")),
        ("only-semicolons", ";;;".to_owned()),
    ];
    for (id, text) in cases {
        table.add("separators", format!("separator-{id}"), text);
    }
}

/// Adds the same part twice, with equal or different values, in one or two letter cases.
fn repeated(table: &mut Table) {
    let cases = [
        ("endpoint-same", portal(&format!(";{}", endpoint()))),
        (
            "endpoint-other",
            portal(";Endpoint=sb://elsewhere.servicebus.windows.net/"),
        ),
        (
            "endpoint-other-case",
            portal(";endpoint=sb://elsewhere.servicebus.windows.net/"),
        ),
        ("entity-path-same", portal(";EntityPath=lead")),
        ("entity-path-other", portal(";EntityPath=orders")),
        ("entity-path-other-case", portal(";ENTITYPATH=orders")),
        ("key-name-other", portal(";SharedAccessKeyName=listen")),
        (
            "key-other",
            portal(&format!(";SharedAccessKey={PADDED_KEY}")),
        ),
        (
            "emulator-flag",
            portal(";UseDevelopmentEmulator=false;UseDevelopmentEmulator=false"),
        ),
        (
            "unknown-part",
            portal(";TransportType=Amqp;TransportType=AmqpWebSockets"),
        ),
    ];
    for (id, text) in cases {
        table.add("repeated", format!("repeated-{id}"), text);
    }
}

/// Adds strings without a required part, and parts with no value.
fn missing_and_empty(table: &mut Table) {
    let parts = portal_parts();
    for (index, name) in ["endpoint", "key-name", "key", "entity-path"]
        .iter()
        .enumerate()
    {
        let mut kept = parts.to_vec();
        kept.remove(index);
        table.add("missing", format!("missing-{name}"), kept.join(";"));

        let mut emptied = parts.to_vec();
        let part_name = emptied[index].split_once('=').unwrap().0.to_owned();
        emptied[index] = format!("{part_name}=");
        table.add("empty value", format!("empty-{name}"), emptied.join(";"));

        let mut bare = parts.to_vec();
        bare[index] = part_name;
        table.add("empty value", format!("bare-name-{name}"), bare.join(";"));
    }
    table.add(
        "missing",
        "missing-key-and-name",
        format!("{};EntityPath=lead", endpoint()),
    );
    table.add("missing", "missing-all-but-endpoint", endpoint());
    table.add("missing", "missing-everything", "");
    table.add("missing", "missing-everything-spaces", "   ");
    table.add(
        "empty value",
        "empty-emulator-flag",
        portal(";UseDevelopmentEmulator="),
    );
    table.add(
        "empty value",
        "empty-unknown-part",
        portal(";TransportType="),
    );
}

/// Adds values that contain `=`.
fn equals_in_values(table: &mut Table) {
    let cases = [
        ("key-padded-twice", portal("").replace(KEY, PADDED_KEY)),
        (
            "key-unpadded",
            portal("").replace(KEY, KEY.trim_end_matches('=')),
        ),
        (
            "key-equals-inside",
            portal("").replace(KEY, "abc=def=ghi=jkl=mno=pqr="),
        ),
        ("key-name", portal("").replace("=send", "=send=rule")),
        ("entity-path", portal("").replace("=lead", "=lead=1")),
        (
            "endpoint-query",
            with_endpoint(&format!("Endpoint=sb://{NAMESPACE}/?a=b")),
        ),
    ];
    for (id, text) in cases {
        table.add("equals in value", format!("equals-{id}"), text);
    }
}

/// Adds Endpoint schemes, with and without a trailing `/`.
fn schemes(table: &mut Table) {
    let schemes = [
        ("sb", "sb"),
        ("amqps", "amqps"),
        ("amqp", "amqp"),
        ("https", "https"),
        ("http", "http"),
        ("sb-upper", "SB"),
        ("ws", "ws"),
    ];
    for (id, scheme) in schemes {
        for slash in ["", "/"] {
            let name = if slash.is_empty() { "bare" } else { "slash" };
            table.add(
                "scheme",
                format!("scheme-{id}-{name}"),
                with_endpoint(&format!("Endpoint={scheme}://{NAMESPACE}{slash}")),
            );
        }
    }
    table.add(
        "scheme",
        "scheme-none",
        with_endpoint(&format!("Endpoint={NAMESPACE}")),
    );
    table.add(
        "scheme",
        "scheme-none-slash",
        with_endpoint(&format!("Endpoint={NAMESPACE}/")),
    );
    table.add(
        "scheme",
        "scheme-one-slash",
        with_endpoint(&format!("Endpoint=sb:/{NAMESPACE}/")),
    );
    table.add(
        "scheme",
        "scheme-no-slashes",
        with_endpoint(&format!("Endpoint=sb:{NAMESPACE}/")),
    );
    table.add(
        "scheme",
        "scheme-upper-host",
        with_endpoint(&format!(
            "Endpoint=sb://{}/",
            NAMESPACE.to_ascii_uppercase()
        )),
    );
}

/// Adds Endpoints with a path, a port, IPv6 literals, `localhost` and malformed hosts.
fn endpoint_shapes(table: &mut Table) {
    let cases = [
        ("path-hub", format!("sb://{NAMESPACE}/lead")),
        ("path-hub-slash", format!("sb://{NAMESPACE}/lead/")),
        ("path-other-hub", format!("sb://{NAMESPACE}/orders")),
        (
            "path-deep",
            format!("sb://{NAMESPACE}/lead/ConsumerGroups/$Default"),
        ),
        ("fragment", format!("sb://{NAMESPACE}/#lead")),
        ("port-5671", format!("sb://{NAMESPACE}:5671/")),
        ("port-5673", format!("sb://{NAMESPACE}:5673")),
        ("port-443", format!("sb://{NAMESPACE}:443/")),
        ("port-zero", format!("sb://{NAMESPACE}:0/")),
        ("port-too-large", format!("sb://{NAMESPACE}:70000/")),
        ("port-not-number", format!("sb://{NAMESPACE}:amqp/")),
        ("port-empty", format!("sb://{NAMESPACE}:/")),
        ("ipv6-loopback", "sb://[::1]/".to_owned()),
        ("ipv6-loopback-port", "sb://[::1]:5673/".to_owned()),
        ("ipv6-full", "sb://[2001:db8::10]:5671/".to_owned()),
        ("ipv6-unbracketed", "sb://::1/".to_owned()),
        ("ipv6-unclosed", "sb://[::1/".to_owned()),
        ("localhost", "sb://localhost".to_owned()),
        ("localhost-port", "sb://localhost:5673/".to_owned()),
        ("loopback-ip-port", "sb://127.0.0.1:5673".to_owned()),
        (
            "host-underscore",
            "sb://eda_dgrf.servicebus.windows.net/".to_owned(),
        ),
        ("host-trailing-dot", format!("sb://{NAMESPACE}./")),
        (
            "host-doubled-dot",
            "sb://eda-dgrf..servicebus.windows.net/".to_owned(),
        ),
        ("host-empty", "sb:///".to_owned()),
        (
            "user-info",
            format!("sb://admin:hunter2hunter2@{NAMESPACE}/"),
        ),
        ("namespace-only", "sb://eda-dgrf/".to_owned()),
    ];
    for (id, endpoint) in cases {
        table.add(
            "endpoint shape",
            format!("endpoint-{id}"),
            with_endpoint(&format!("Endpoint={endpoint}")),
        );
    }
}

/// Adds `SharedAccessSignature` forms, with and without a key name or key beside them.
fn signatures(table: &mut Table) {
    let endpoint = endpoint();
    let key_name = "SharedAccessKeyName=send";
    let key = format!("SharedAccessKey={KEY}");
    let signature = format!("SharedAccessSignature={TOKEN}");
    let hub = "EntityPath=lead";
    let with_token = |token: &str| format!("{endpoint};SharedAccessSignature={token};{hub}");
    let cases = [
        ("alone", join(&[&endpoint, &signature, hub])),
        ("first", join(&[&signature, &endpoint, hub])),
        (
            "with-key-name",
            join(&[&endpoint, key_name, &signature, hub]),
        ),
        ("with-key", join(&[&endpoint, &key, &signature, hub])),
        (
            "with-key-and-name",
            join(&[&endpoint, key_name, &key, &signature, hub]),
        ),
        (
            "without-prefix",
            with_token(TOKEN.trim_start_matches("SharedAccessSignature ")),
        ),
        ("without-skn", with_token(&TOKEN.replace("&skn=send", ""))),
        (
            "without-expiry",
            with_token(&TOKEN.replace("&se=4102444800", "")),
        ),
        (
            "lower-name",
            join(&[&endpoint, &format!("sharedaccesssignature={TOKEN}"), hub]),
        ),
        (
            "lower-prefix",
            with_token(&TOKEN.replace("SharedAccessSignature sr", "sharedaccesssignature sr")),
        ),
        ("no-entity-path", join(&[&endpoint, &signature])),
        ("empty", with_token("")),
        ("prefix-only", with_token("SharedAccessSignature")),
    ];
    for (id, text) in cases {
        table.add("shared access signature", format!("signature-{id}"), text);
    }
}

/// Adds `UseDevelopmentEmulator` values, on this machine and elsewhere.
fn emulator(table: &mut Table) {
    let values = [
        ("true", "true"),
        ("true-capitalized", "True"),
        ("true-upper", "TRUE"),
        ("false", "false"),
        ("false-capitalized", "False"),
        ("one", "1"),
        ("zero", "0"),
        ("yes", "yes"),
        ("on", "on"),
    ];
    for (id, value) in values {
        table.add(
            "emulator flag",
            format!("emulator-{id}"),
            format!(
                "Endpoint=sb://localhost:5673;SharedAccessKeyName=send;SharedAccessKey={KEY};\
                 EntityPath=lead;UseDevelopmentEmulator={value}"
            ),
        );
    }
    let hosts = [
        ("remote", format!("sb://{NAMESPACE}/")),
        ("loopback-ip", "sb://127.0.0.1".to_owned()),
        ("other-loopback-ip", "sb://127.0.0.2:5672".to_owned()),
        ("ipv6-loopback", "sb://[::1]:5672".to_owned()),
        ("amqps-localhost", "amqps://localhost:5673".to_owned()),
    ];
    for (id, endpoint) in hosts {
        table.add(
            "emulator flag",
            format!("emulator-true-{id}"),
            format!(
                "{};UseDevelopmentEmulator=true",
                with_endpoint(&format!("Endpoint={endpoint}"))
            ),
        );
    }
}

/// Adds connection strings of IoT Hub, Service Bus, Storage and Cosmos DB. A Service Bus
/// queue's string is indistinguishable from an event hub's, so every parser accepts it.
fn other_services(table: &mut Table) {
    let key = format!("SharedAccessKey={KEY}");
    let iot_hub = "HostName=eda-hub.azure-devices.net";
    let bus = "Endpoint=sb://eda-bus.servicebus.windows.net/";
    let cases = [
        (
            "iot-hub",
            join(&[iot_hub, "SharedAccessKeyName=iothubowner", &key]),
        ),
        (
            "iot-hub-device",
            join(&[iot_hub, "DeviceId=sensor-1", &key]),
        ),
        (
            "iot-hub-compatible-endpoint",
            join(&[
                "Endpoint=sb://ihsuprodamres001dednamespace.servicebus.windows.net/",
                "SharedAccessKeyName=iothubowner",
                &key,
                "EntityPath=eda-hub",
            ]),
        ),
        (
            "service-bus-namespace",
            join(&[bus, "SharedAccessKeyName=RootManageSharedAccessKey", &key]),
        ),
        (
            "service-bus-queue",
            join(&[
                bus,
                "SharedAccessKeyName=send",
                &key,
                "EntityPath=orders-queue",
            ]),
        ),
        (
            "service-bus-subscription",
            join(&[
                bus,
                "SharedAccessKeyName=listen",
                &key,
                "EntityPath=orders/subscriptions/audit",
            ]),
        ),
        (
            "storage",
            join(&[
                "DefaultEndpointsProtocol=https",
                "AccountName=edacapture",
                &format!("AccountKey={KEY}"),
                "EndpointSuffix=core.windows.net",
            ]),
        ),
        (
            "storage-blob-sas",
            join(&[
                "BlobEndpoint=https://edacapture.blob.core.windows.net/",
                &format!("SharedAccessSignature=sv=2022-11-02&sig={SIGNATURE}"),
            ]),
        ),
        (
            "cosmos",
            format!("AccountEndpoint=https://eda-db.documents.azure.com:443/;AccountKey={KEY};"),
        ),
    ];
    for (id, text) in cases {
        table.add("other service", format!("service-{id}"), text);
    }
}

/// Adds strings as copied from a shell, a document or a terminal.
fn quoting_and_line_breaks(table: &mut Table) {
    let plain = portal("");
    let cases = [
        ("double-quotes", format!("\"{plain}\"")),
        ("single-quotes", format!("'{plain}'")),
        ("typographic-quotes", format!("\u{201c}{plain}\u{201d}")),
        ("backticks", format!("`{plain}`")),
        ("quote-at-end-only", format!("{plain}\"")),
        ("quoted-value", portal("").replace("=lead", "=\"lead\"")),
        (
            "quoted-endpoint",
            with_endpoint(&format!("Endpoint=\"sb://{NAMESPACE}/\"")),
        ),
        (
            "export-line",
            format!("export EVENTHUB_CONNECTION_STRING=\"{plain}\""),
        ),
        ("newline-at-end", format!("{plain}\n")),
        ("crlf-at-end", format!("{plain}\r\n")),
        ("newline-after-semicolon", format!("{plain};\n")),
        ("newline-between-parts", portal_parts().join(";\n")),
        (
            "newline-inside-key",
            plain.replace(&KEY[..20], &format!("{}\n", &KEY[..20])),
        ),
        ("byte-order-mark", format!("\u{feff}{plain}")),
    ];
    for (id, text) in cases {
        table.add("quoting and line breaks", format!("pasted-{id}"), text);
    }
}

/// Adds part names and separators with a character that looks like an ASCII one, or an
/// invisible one.
fn look_alikes(table: &mut Table) {
    let plain = portal("");
    let emulator = format!(
        "Endpoint=sb://localhost:5673;SharedAccessKeyName=send;SharedAccessKey={KEY};\
         EntityPath=lead;UseDevelopmentEmulator=true"
    );
    // Cyrillic small o (U+043E), e (U+0435) and a (U+0430), Cyrillic capital E (U+0415) and
    // Greek capital epsilon (U+0395) in place of the Latin letters. U+FF1D and U+FF1B are the
    // full-width `=` and `;`, and U+037E, the Greek question mark, looks like `;`.
    let cases = [
        (
            "endpoint-cyrillic-o",
            plain.replacen("Endpoint=", "Endp\u{043e}int=", 1),
        ),
        (
            "key-name-cyrillic-e",
            plain.replacen("SharedAccessKeyName=", "SharedAcc\u{0435}ssKeyName=", 1),
        ),
        (
            "key-cyrillic-a",
            plain.replacen("SharedAccessKey=", "Sh\u{0430}redAccessKey=", 1),
        ),
        (
            "entity-path-greek-e",
            plain.replacen("EntityPath=", "\u{0395}ntityPath=", 1),
        ),
        (
            "entity-path-cyrillic-only",
            plain.replacen(";EntityPath=lead", ";\u{0415}ntityPath=orders", 1),
        ),
        (
            "emulator-cyrillic-o",
            emulator.replacen("UseDevelopment", "UseDevel\u{043e}pment", 1),
        ),
        (
            "key-name-zero-width-space",
            plain.replacen("SharedAccessKeyName=", "SharedAccess\u{200b}KeyName=", 1),
        ),
        (
            "fullwidth-equals",
            plain.replacen("EntityPath=", "EntityPath\u{ff1d}", 1),
        ),
        (
            "fullwidth-semicolon",
            plain.replacen(";EntityPath", "\u{ff1b}EntityPath", 1),
        ),
        (
            "greek-question-mark",
            plain.replacen(";EntityPath", "\u{037e}EntityPath", 1),
        ),
    ];
    for (id, text) in cases {
        table.add("look-alike characters", format!("look-alike-{id}"), text);
    }
}

/// Adds `EntityPath` values: names, paths and names in other letter cases.
fn entity_paths(table: &mut Table) {
    let cases = [
        ("upper-case", "Lead".to_owned()),
        (
            "consumer-group-path",
            "lead/ConsumerGroups/$Default".to_owned(),
        ),
        ("partition-path", "lead/Partitions/0".to_owned()),
        ("url", format!("sb://{NAMESPACE}/lead")),
        ("trailing-slash", "lead/".to_owned()),
        ("too-long", "h".repeat(257)),
        ("longest", "h".repeat(256)),
        ("dots-and-dashes", "sales.lead-2026_v1".to_owned()),
    ];
    for (id, entity_path) in cases {
        table.add(
            "entity path",
            format!("entity-path-{id}"),
            portal("").replace("EntityPath=lead", &format!("EntityPath={entity_path}")),
        );
    }
}
