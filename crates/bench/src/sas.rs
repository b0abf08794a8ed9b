//! Shared access signature tokens, signed the way Event Hubs clients sign them for `$cbs`.
//!
//! A token is `SharedAccessSignature sr={resource}&sig={signature}&se={expiry}&skn={rule}`,
//! where the signature is the base64 HMAC-SHA256, keyed with the rule's key text, of the
//! URL-encoded resource, a line feed and the expiry in seconds since the Unix epoch.

use base64::Engine as _;
use broker::secret::Secret;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ring::hmac;

/// Bytes that stay as they are in an encoded resource: the unreserved set of RFC 3986.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes a URI component: every byte outside the unreserved set becomes `%XX`.
fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// Signs a token for `resource` (for example `sb://127.0.0.1/orders`) with a rule's key,
/// valid until `expiry` (seconds since the Unix epoch).
pub(crate) fn sign_token(
    resource: &str,
    rule: &str,
    key: &Secret<String>,
    expiry: u64,
) -> Secret<String> {
    let encoded_resource = encode_component(resource);
    let string_to_sign = format!("{encoded_resource}\n{expiry}");
    let hmac_key = hmac::Key::new(hmac::HMAC_SHA256, key.expose().as_bytes());
    let tag = hmac::sign(&hmac_key, string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
    Secret::new(format!(
        "SharedAccessSignature sr={encoded_resource}&sig={}&se={expiry}&skn={}",
        encode_component(&signature),
        encode_component(rule)
    ))
}

#[cfg(test)]
mod tests {
    use broker::entity::{HubSettings, Namespace, Right, RuleScope};

    use super::*;

    const EXPIRY: u64 = 1_800_000_000;

    fn namespace() -> Namespace {
        let mut namespace = Namespace::new("bench-local").unwrap();
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        namespace.create_hub("orders", settings, 0).unwrap();
        namespace
            .create_rule(RuleScope::Namespace, "bench", &[Right::Send, Right::Listen])
            .unwrap();
        namespace
    }

    fn key_of(namespace: &Namespace) -> Secret<String> {
        namespace
            .rule(&RuleScope::Namespace, "bench")
            .unwrap()
            .primary_key
            .clone()
    }

    #[test]
    fn token_has_encoded_fields_in_order() {
        let key = Secret::new("a2V5LWZvci10ZXN0cw==".to_owned());
        let token = sign_token("sb://127.0.0.1/orders", "send rule", &key, EXPIRY);
        let text = token.expose();
        assert!(
            text.starts_with("SharedAccessSignature sr=sb%3A%2F%2F127.0.0.1%2Forders&sig="),
            "{text}"
        );
        assert!(text.ends_with("&se=1800000000&skn=send%20rule"), "{text}");
    }

    #[test]
    fn token_equals_broker_generated_token() {
        let namespace = namespace();
        let key = key_of(&namespace);
        let ours = sign_token("sb://127.0.0.1/orders", "bench", &key, EXPIRY);
        let broker = broker::sas::generate_token("sb://127.0.0.1/orders", "bench", &key, EXPIRY);
        assert_eq!(ours.expose(), broker.expose());
    }

    #[test]
    fn token_authorized_by_broker() {
        let namespace = namespace();
        let key = key_of(&namespace);
        let token = sign_token("sb://127.0.0.1/orders", "bench", &key, EXPIRY);
        let hosts = ["127.0.0.1".to_owned()];
        let grant = broker::sas::authorize(&namespace, &hosts, token.expose(), EXPIRY - 60)
            .expect("the broker accepts the token");
        assert_eq!(grant.rule(), "bench");
        assert!(grant
            .check("orders", Some(Right::Send), EXPIRY - 60)
            .is_ok());
    }

    #[test]
    fn token_with_other_key_rejected_by_broker() {
        let namespace = namespace();
        let wrong = Secret::new("d3Jvbmcta2V5LWZvci10ZXN0cw==".to_owned());
        let token = sign_token("sb://127.0.0.1/orders", "bench", &wrong, EXPIRY);
        let hosts = ["127.0.0.1".to_owned()];
        let result = broker::sas::authorize(&namespace, &hosts, token.expose(), EXPIRY - 60);
        assert!(result.is_err());
    }
}
