//! Bearer tokens the app issues for its local registry, checked without I/O.
//!
//! A token is `{expiry}.{nonce}.{signature}`: the expiry in Unix seconds, 16 random bytes in
//! hexadecimal, and an HMAC-SHA256 over the first two parts. The signing key is drawn at start
//! and lives only in this process's memory, so tokens die with the process and nothing secret
//! is ever written to disk.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::secret::Secret;

/// Reason a request's token is rejected. The messages follow the wording of Azure Service Bus,
/// the front end of Schema Registry, which prefixes each with a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header.
    #[error(
        "MissingToken: The authorization header was not found. Send \"Authorization: Bearer \
         <token>\" with a token the app issued."
    )]
    Missing,
    /// An `Authorization` header with a scheme other than `Bearer`, or with no scheme.
    #[error(
        "InvalidAuthorizationScheme: The authorization header {0}, but this registry expects \
         the Bearer scheme. Send \"Authorization: Bearer <token>\" with a token the app issued."
    )]
    WrongScheme(String),
    /// The token is not in the issued format.
    #[error("InvalidToken: The token is malformed. Use a token the app issued.")]
    Malformed,
    /// The signature does not match: not issued by this registry process.
    #[error(
        "InvalidSignature: The token has an invalid signature. Tokens are valid only for the \
         registry process that issued them: request a new one."
    )]
    BadSignature,
    /// The token's lifetime has passed.
    #[error("ExpiredToken: The token is expired. Request a new token from the app.")]
    Expired,
}

/// Issues and verifies bearer tokens with a key that exists only in memory.
#[derive(Debug)]
pub struct TokenIssuer {
    key: Secret<hmac::Key>,
    random: SystemRandom,
}

impl TokenIssuer {
    /// Creates an issuer with a fresh random signing key.
    pub fn new() -> Self {
        let random = SystemRandom::new();
        // Without the operating system's random source no signing key can be drawn, so a
        // failure here is final.
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &random)
            .expect("the operating system's random number generator failed");
        TokenIssuer {
            key: Secret::new(key),
            random,
        }
    }

    /// Issues a token valid for the given lifetime.
    pub fn issue(&self, lifetime: Duration) -> Secret<String> {
        let expiry = unix_now().saturating_add(lifetime.as_secs());
        let mut nonce = [0u8; 16];
        self.random
            .fill(&mut nonce)
            .expect("the operating system's random number generator failed");
        let payload = format!("{expiry}.{}", hex::encode(nonce));
        let signature = hmac::sign(self.key.expose(), payload.as_bytes());
        Secret::new(format!("{payload}.{}", hex::encode(signature.as_ref())))
    }

    /// Verifies an `Authorization` header value (`Bearer <token>`).
    pub fn verify_header(&self, header: Option<&str>) -> Result<(), TokenError> {
        let header = header.ok_or(TokenError::Missing)?;
        let Some((scheme, token)) = header.trim().split_once(' ') else {
            return Err(TokenError::WrongScheme(
                "has no scheme before the token".to_string(),
            ));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(TokenError::WrongScheme(describe_scheme(scheme)));
        }
        self.verify(token.trim())
    }

    /// Verifies a bare token.
    pub fn verify(&self, token: &str) -> Result<(), TokenError> {
        let (payload, signature_hex) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (expiry, _nonce) = payload.split_once('.').ok_or(TokenError::Malformed)?;
        let expiry: u64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
        let signature = hex::decode(signature_hex).map_err(|_| TokenError::Malformed)?;
        hmac::verify(self.key.expose(), payload.as_bytes(), &signature)
            .map_err(|_| TokenError::BadSignature)?;
        if unix_now() >= expiry {
            return Err(TokenError::Expired);
        }
        Ok(())
    }
}

impl Default for TokenIssuer {
    fn default() -> Self {
        Self::new()
    }
}

/// Names a scheme that is not `Bearer` for the error message. Only a short word is repeated,
/// because a header that starts with the token would otherwise put the token into the message,
/// which the registry logs.
fn describe_scheme(scheme: &str) -> String {
    let is_word = scheme.len() <= 20 && scheme.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
    if is_word {
        format!("uses the scheme `{scheme}`")
    } else {
        "does not start with a scheme".to_string()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies() {
        let issuer = TokenIssuer::new();
        let token = issuer.issue(Duration::from_secs(60));
        let header = format!("Bearer {}", token.expose());
        assert_eq!(issuer.verify_header(Some(&header)), Ok(()));
    }

    #[test]
    fn other_issuer_token_fails_signature() {
        let token = TokenIssuer::new().issue(Duration::from_secs(60));
        assert_eq!(
            TokenIssuer::new().verify(token.expose()),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn zero_lifetime_token_is_expired() {
        let issuer = TokenIssuer::new();
        let token = issuer.issue(Duration::ZERO);
        assert_eq!(issuer.verify(token.expose()), Err(TokenError::Expired));
    }

    #[test]
    fn missing_and_malformed_headers() {
        let issuer = TokenIssuer::new();
        assert_eq!(issuer.verify_header(None), Err(TokenError::Missing));
        assert_eq!(
            issuer.verify_header(Some("Basic abc")),
            Err(TokenError::WrongScheme("uses the scheme `Basic`".into()))
        );
        assert_eq!(
            issuer.verify_header(Some("tokenwithoutscheme")),
            Err(TokenError::WrongScheme(
                "has no scheme before the token".into()
            ))
        );
        // A long first word may be the token itself, so the message does not repeat it.
        assert_eq!(
            issuer.verify_header(Some("1767000000.abcdef.0123 extra")),
            Err(TokenError::WrongScheme(
                "does not start with a scheme".into()
            ))
        );
        assert_eq!(
            issuer.verify_header(Some("Bearer nonsense")),
            Err(TokenError::Malformed)
        );
    }
}
