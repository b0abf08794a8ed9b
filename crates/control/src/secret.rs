//! A secret value whose `Debug` and `Display` print `***`, so a key or a connection string
//! cannot reach a log, an error message or a file by accident.

use std::fmt;

/// A secret value: a key, a connection string, a token or a client secret.
///
/// The only way to read the value is [`Secret::expose`], so every place that uses it is
/// easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself; call it only to send the value where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_prints_stars() {
        let secret = Secret::new("Endpoint=sb://x/;SharedAccessKey=abc");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(***)");
        assert_eq!(secret.expose(), "Endpoint=sb://x/;SharedAccessKey=abc");
    }
}
