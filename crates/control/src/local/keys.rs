//! The values the local Resource Manager makes up: random identifiers, rule keys, the keychain
//! entry names under which it keeps them, and the connection strings built from them.

use crate::secret::Secret;

/// Returns `bytes` random bytes from the operating system, hex-encoded.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer)
        .expect("the OS random source works");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Generates an authorization rule key: 32 random bytes, base64, as Event Hubs makes them.
pub(crate) fn new_key() -> Secret {
    use base64::Engine as _;
    let mut buffer = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buffer)
        .expect("the OS random source works");
    Secret::new(base64::engine::general_purpose::STANDARD.encode(buffer))
}

/// Builds the keychain entry name of a value of a local resource.
pub(crate) fn keychain_entry(subscription: &str, id: &str, part: Option<&str>) -> String {
    let mut name = format!("local/{subscription}{}", id.to_ascii_lowercase());
    if let Some(part) = part {
        name.push(':');
        name.push_str(part);
    }
    name
}

/// Builds an Event Hubs connection string. A local endpoint gets
/// `UseDevelopmentEmulator=true`, so the SDKs speak plain AMQP to the given port.
pub(crate) fn connection_string(
    endpoint: &str,
    rule: &str,
    key: &Secret,
    hub: Option<&str>,
) -> Secret {
    let mut text = format!(
        "Endpoint={endpoint}/;SharedAccessKeyName={rule};SharedAccessKey={}",
        key.expose()
    );
    if let Some(hub) = hub {
        text.push_str(&format!(";EntityPath={hub}"));
    }
    let host = endpoint.trim_start_matches("sb://");
    if host.starts_with("localhost") || host.starts_with("127.0.0.1") {
        text.push_str(";UseDevelopmentEmulator=true");
    }
    Secret::new(text)
}
