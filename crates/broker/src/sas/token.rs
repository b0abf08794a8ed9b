//! Parsing and generating `SharedAccessSignature` tokens.

use percent_encoding::percent_decode_str;

use super::signature::{encode_resource, sign};
use crate::secret::Secret;

const PREFIX: &str = "SharedAccessSignature";

/// A parsed shared access signature token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SasToken {
    resource: String,
    encoded_resource: String,
    signature: Secret<String>,
    expiry: u64,
    key_name: String,
}

/// A token that cannot be parsed. Messages never contain the signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text does not start with `SharedAccessSignature `.
    #[error("the token does not start with `SharedAccessSignature `: pass a SAS token")]
    MissingPrefix,
    /// A required field is absent.
    #[error("the token has no `{field}` field: a SAS token needs sr, sig, se and skn")]
    MissingField {
        /// The field name.
        field: &'static str,
    },
    /// A field occurs twice.
    #[error("the token has the `{field}` field twice: keep one")]
    DuplicateField {
        /// The field name.
        field: String,
    },
    /// A field is not `name=value`.
    #[error("the token has a part without `=`: separate fields as name=value with `&`")]
    MalformedField,
    /// A value is not valid URL-encoded UTF-8.
    #[error("the token's `{field}` field is not valid URL-encoded UTF-8")]
    InvalidEncoding {
        /// The field name.
        field: &'static str,
    },
    /// The expiry is not a whole number of seconds.
    #[error("the token's expiry `{value}` is not a number of seconds since the Unix epoch")]
    InvalidExpiry {
        /// The rejected value.
        value: String,
    },
}

impl SasToken {
    /// Parses a token. Fields may come in any order; unknown fields are ignored.
    pub fn parse(token: &str) -> Result<Self, TokenError> {
        let rest = token.trim();
        let fields = match rest.get(..PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => &rest[PREFIX.len()..],
            _ => return Err(TokenError::MissingPrefix),
        };
        if !fields.starts_with(' ') {
            return Err(TokenError::MissingPrefix);
        }

        let mut sr = None;
        let mut sig = None;
        let mut se = None;
        let mut skn = None;
        for part in fields.trim().split('&').filter(|part| !part.is_empty()) {
            let (name, value) = part.split_once('=').ok_or(TokenError::MalformedField)?;
            let slot = match name.trim() {
                "sr" => &mut sr,
                "sig" => &mut sig,
                "se" => &mut se,
                "skn" => &mut skn,
                _ => continue,
            };
            if slot.replace(value.trim()).is_some() {
                return Err(TokenError::DuplicateField {
                    field: name.trim().to_owned(),
                });
            }
        }

        let encoded_resource = sr.ok_or(TokenError::MissingField { field: "sr" })?;
        let signature = sig.ok_or(TokenError::MissingField { field: "sig" })?;
        let expiry = se.ok_or(TokenError::MissingField { field: "se" })?;
        let key_name = skn.ok_or(TokenError::MissingField { field: "skn" })?;

        let expiry_text = decode("se", expiry)?;
        let expiry = expiry_text
            .parse::<u64>()
            .map_err(|_| TokenError::InvalidExpiry { value: expiry_text })?;
        Ok(Self {
            resource: decode("sr", encoded_resource)?,
            encoded_resource: encoded_resource.to_owned(),
            signature: Secret::new(decode("sig", signature)?),
            expiry,
            key_name: decode("skn", key_name)?,
        })
    }

    /// Returns the decoded resource URI (`sr`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// Returns `sr` exactly as it appears in the token: the text the client signed.
    pub fn encoded_resource(&self) -> &str {
        &self.encoded_resource
    }

    /// Returns the decoded base64 signature (`sig`).
    pub fn signature(&self) -> &Secret<String> {
        &self.signature
    }

    /// Returns the expiry (`se`) in seconds since the Unix epoch.
    pub fn expiry(&self) -> u64 {
        self.expiry
    }

    /// Returns the name of the rule whose key signed the token (`skn`).
    pub fn key_name(&self) -> &str {
        &self.key_name
    }
}

fn decode(field: &'static str, value: &str) -> Result<String, TokenError> {
    // `+` stays a plus sign: base64 signatures contain it, and no resource contains a space.
    percent_decode_str(value)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| TokenError::InvalidEncoding { field })
}

/// Builds a token for `resource` signed with a rule's key, valid until `expiry` (seconds since
/// the Unix epoch).
pub fn generate_token(
    resource: &str,
    key_name: &str,
    key: &Secret<String>,
    expiry: u64,
) -> Secret<String> {
    let encoded = encode_resource(resource);
    let signature = sign(&encoded, expiry, key);
    Secret::new(format!(
        "{PREFIX} sr={encoded}&sig={}&se={expiry}&skn={}",
        encode_resource(&signature),
        encode_resource(key_name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_in_any_order() {
        let token = SasToken::parse(
            "SharedAccessSignature skn=send&se=1700000000&sig=abc%2Bdef%3D&sr=sb%3A%2F%2Fns%2Fhub",
        )
        .unwrap();
        assert_eq!(token.resource(), "sb://ns/hub");
        assert_eq!(token.encoded_resource(), "sb%3A%2F%2Fns%2Fhub");
        assert_eq!(token.signature().expose(), "abc+def=");
        assert_eq!(token.expiry(), 1_700_000_000);
        assert_eq!(token.key_name(), "send");
    }

    #[test]
    fn generated_token_round_trips() {
        let key = Secret::new("a2V5LWZvci10ZXN0cw==".to_owned());
        let token = generate_token("sb://127.0.0.1:5673/orders", "send", &key, 42);
        let parsed = SasToken::parse(token.expose()).unwrap();
        assert_eq!(parsed.resource(), "sb://127.0.0.1:5673/orders");
        assert_eq!(parsed.key_name(), "send");
        assert_eq!(parsed.expiry(), 42);
        assert_eq!(
            parsed.signature().expose(),
            &sign(parsed.encoded_resource(), 42, &key)
        );
    }

    #[test]
    fn rejects_missing_prefix_and_fields() {
        assert_eq!(
            SasToken::parse("sr=a&sig=b&se=1&skn=c"),
            Err(TokenError::MissingPrefix)
        );
        assert_eq!(
            SasToken::parse("SharedAccessSignatures sr=a&sig=b&se=1&skn=c"),
            Err(TokenError::MissingPrefix)
        );
        assert_eq!(
            SasToken::parse("SharedAccessSignature sr=a&se=1&skn=c"),
            Err(TokenError::MissingField { field: "sig" })
        );
        assert_eq!(
            SasToken::parse("SharedAccessSignature sr=a&sig=b&se=soon&skn=c"),
            Err(TokenError::InvalidExpiry {
                value: "soon".to_owned()
            })
        );
        assert_eq!(
            SasToken::parse("SharedAccessSignature sr=a&sr=b&sig=b&se=1&skn=c"),
            Err(TokenError::DuplicateField {
                field: "sr".to_owned()
            })
        );
    }

    #[test]
    fn errors_never_show_signature() {
        let error =
            SasToken::parse("SharedAccessSignature sr=a&sig=c2VjcmV0&se=x&skn=c").unwrap_err();
        assert!(!error.to_string().contains("c2VjcmV0"));
        assert!(!format!("{error:?}").contains("c2VjcmV0"));
        let token = SasToken::parse("SharedAccessSignature sr=a&sig=c2VjcmV0&se=1&skn=c").unwrap();
        assert!(!format!("{token:?}").contains("c2VjcmV0"));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(text in ".*") {
            let _ = SasToken::parse(&text);
        }

        #[test]
        fn parser_never_panics_on_near_tokens(
            fields in proptest::collection::vec("(sr|sig|se|skn|x)=[%0-9A-Za-z&=+/]{0,12}", 0..6)
        ) {
            let _ = SasToken::parse(&format!("SharedAccessSignature {}", fields.join("&")));
        }
    }
}
