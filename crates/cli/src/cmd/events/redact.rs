//! Hiding the connection string's secrets in everything `send` and `receive` print.
//!
//! The broker's and the client's messages quote names from the connection string (the hub, the
//! rule, the audience), and a key pasted into the wrong part would show up there, sometimes in
//! lower case or URL-encoded. Every line these commands print about the connection goes
//! through [`Redactor::hide`] first. Event data is printed as it arrived.

/// The text shown in place of a secret.
const HIDDEN: &str = "***";

/// The shortest secret looked for. A shorter one, such as `SharedAccessKey=key`, is no real key
/// (Event Hubs keys are 44 base64 characters), and hiding it would hide the same letters in
/// every word of the message that explains the failure.
const MIN_SECRET_LEN: usize = 8;

/// The secrets of one connection string: its key or signature and the signature's `sig`.
#[derive(Debug, Default)]
pub(super) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Collects the secret values of `connection_string`, whether or not it parses.
    pub(super) fn for_connection_string(connection_string: &str) -> Self {
        let mut secrets = Vec::new();
        for part in connection_string.split(';') {
            let Some((name, value)) = part.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let value = value.trim();
            let secret = name.eq_ignore_ascii_case("SharedAccessKey")
                || name.eq_ignore_ascii_case("SharedAccessSignature");
            if secret && !value.is_empty() {
                secrets.push(value.to_owned());
                secrets.extend(signature_of(value));
            }
        }
        let encoded: Vec<String> = secrets.iter().map(|secret| url_encoded(secret)).collect();
        secrets.extend(encoded);
        secrets.retain(|secret| secret.len() >= MIN_SECRET_LEN);
        // Longer secrets first, so that a signature inside a token is not hidden piece by piece.
        secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
        Redactor { secrets }
    }

    /// Returns `text` with every secret replaced by `***`, ignoring ASCII case.
    pub(super) fn hide(&self, text: &str) -> String {
        let mut shown = text.to_owned();
        for secret in &self.secrets {
            shown = replace_ignoring_case(&shown, secret);
        }
        shown
    }
}

/// Returns the `sig` field of a `SharedAccessSignature sr=...&sig=...` token, decoded.
fn signature_of(token: &str) -> Vec<String> {
    token
        .split(['&', ' '])
        .filter_map(|field| field.strip_prefix("sig="))
        .flat_map(|sig| [sig.to_owned(), url_decoded(sig)])
        .collect()
}

fn url_encoded(text: &str) -> String {
    text.replace('%', "%25")
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

fn url_decoded(text: &str) -> String {
    text.replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%3D", "=")
        .replace("%3d", "=")
        .replace("%25", "%")
}

fn replace_ignoring_case(text: &str, secret: &str) -> String {
    let lower_text = text.to_ascii_lowercase();
    let lower_secret = secret.to_ascii_lowercase();
    let mut shown = String::with_capacity(text.len());
    let mut position = 0;
    while let Some(found) = lower_text[position..].find(&lower_secret) {
        let start = position + found;
        shown.push_str(&text[position..start]);
        shown.push_str(HIDDEN);
        position = start + secret.len();
    }
    shown.push_str(&text[position..]);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDF5CYoEbiqnr1a44h34Pj2J9xmA4/jg8yjMY+wq/+A=";

    #[test]
    fn key_hidden_in_any_case_and_encoding() {
        let redactor = Redactor::for_connection_string(&format!(
            "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=send;SharedAccessKey={KEY}"
        ));
        let lower = KEY.to_ascii_lowercase();
        let text = format!(
            "hub `{KEY}`, audience amqps://h/{lower}, sr={}",
            url_encoded(KEY)
        );
        assert_eq!(
            redactor.hide(&text),
            "hub `***`, audience amqps://h/***, sr=***"
        );
    }

    #[test]
    fn short_key_leaves_message_readable() {
        let redactor = Redactor::for_connection_string(
            "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=send;SharedAccessKey=key",
        );
        let message = "the token's signature does not match either key of rule `send`: check \
                       SharedAccessKey";
        assert_eq!(redactor.hide(message), message);
    }

    #[test]
    fn signature_and_its_sig_hidden() {
        let token = "SharedAccessSignature sr=sb%3A%2F%2Fh%2Fdemo&sig=abc%2Bdef%3D&se=1&skn=send";
        let redactor = Redactor::for_connection_string(&format!(
            "Endpoint=sb://h;SharedAccessSignature={token}"
        ));
        assert_eq!(redactor.hide(&format!("token {token}")), "token ***");
        assert_eq!(redactor.hide("sig abc+def= seen"), "sig *** seen");
    }
}
