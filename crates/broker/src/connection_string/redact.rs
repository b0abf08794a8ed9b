//! Hiding keys in the connection string text that error messages show.

/// The text shown in place of a hidden one.
const HIDDEN: &str = "***";

/// The shortest secret looked for by value. Shorter ones would hide ordinary text, such as a
/// host name that happens to contain them.
const MIN_SECRET_LEN: usize = 8;

/// The shortest run of base64 characters hidden when it contains `+`, `=` or `%`: base64
/// padding and the escapes of a URL-encoded signature, which no host name contains.
const MIN_MARKED_RUN: usize = 8;

/// The shortest run of base64 characters hidden when it mixes upper and lower case, as random
/// base64 text of this length almost always does and host names written in lower case never do.
const MIN_MIXED_RUN: usize = 16;

/// Hides the secrets of one connection string in the text its errors show.
pub(super) struct Redactor<'a> {
    secrets: Vec<&'a str>,
}

impl<'a> Redactor<'a> {
    /// Creates a redactor that hides `secrets` wherever they occur, and any text that looks like
    /// a key or signature even when no part labels it as one.
    pub(super) fn new(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            secrets: secrets
                .into_iter()
                .filter(|secret| secret.len() >= MIN_SECRET_LEN)
                .collect(),
        }
    }

    /// Returns `text` with every secret and every key-like run of base64 characters replaced by
    /// `***`. A text that is a piece of a secret is hidden whole.
    pub(super) fn show(&self, text: &str) -> String {
        hide_key_like_runs(&self.show_name(text))
    }

    /// Returns an entity name with every secret replaced by `***`, and the whole name when it is
    /// a piece of a secret. Unlike [`Redactor::show`], it keeps mixed-case runs such as
    /// `CustomerOrdersFromWeb`: names have them, and a name cannot be a whole key because it
    /// contains no `+`, `/` or `=`.
    pub(super) fn show_name(&self, name: &str) -> String {
        let piece_of_secret =
            name.len() >= MIN_SECRET_LEN && self.secrets.iter().any(|secret| secret.contains(name));
        if piece_of_secret {
            return HIDDEN.to_owned();
        }
        self.secrets.iter().fold(name.to_owned(), |shown, secret| {
            shown.replace(secret, HIDDEN)
        })
    }

    /// Returns a path such as `lead/ConsumerGroups/$Default` as [`Redactor::show`] would show
    /// each of its `/`-separated segments, after hiding every secret in the whole path. Segments
    /// are looked at one by one because `/` is a base64 character, so a whole path of names
    /// would look like a key.
    pub(super) fn show_path(&self, path: &str) -> String {
        self.show_name(path)
            .split('/')
            .map(|segment| self.show(segment))
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn hide_key_like_runs(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_base64_char) {
        shown.push_str(&rest[..start]);
        let run_len = rest[start..]
            .find(|c| !is_base64_char(c))
            .unwrap_or(rest.len() - start);
        let run = &rest[start..start + run_len];
        shown.push_str(if looks_like_key(run) { HIDDEN } else { run });
        rest = &rest[start + run_len..];
    }
    shown.push_str(rest);
    shown
}

/// Returns whether `c` occurs in base64 text or in its URL-encoded form.
fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '%')
}

fn looks_like_key(run: &str) -> bool {
    let marked = run.contains(['+', '=', '%']);
    let mixed = run.contains(|c: char| c.is_ascii_uppercase())
        && run.contains(|c: char| c.is_ascii_lowercase());
    (marked && run.len() >= MIN_MARKED_RUN) || (mixed && run.len() >= MIN_MIXED_RUN)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "c2VjcmV0LWtleS1vZi10aGUtc2VuZC1ydWxlMTIzNDU=";

    #[test]
    fn host_names_shown_as_written() {
        let redactor = Redactor::new([KEY]);
        for text in [
            "sb://ns.servicebus.windows.net/",
            "sb://eda-workshop-2024.servicebus.windows.net:5671",
            "127.0.0.1:5672",
            "[::1]",
            "yes",
            "customer",
        ] {
            assert_eq!(redactor.show(text), text);
        }
    }

    #[test]
    fn secrets_and_key_like_runs_hidden() {
        let redactor = Redactor::new([KEY]);
        assert_eq!(
            redactor.show(&format!("sb://127.0.0.1:{KEY}")),
            "sb://127.0.0.1:***"
        );
        assert_eq!(redactor.show(&KEY[..20]), "***");
        let unlabelled = Redactor::new([]);
        assert_eq!(
            unlabelled.show(&format!("sb://{KEY}/")),
            "sb:***",
            "the slashes are base64 characters and join the run"
        );
        assert_eq!(unlabelled.show("sig=abc%2Bdef%3D"), "***");
        assert_eq!(unlabelled.show("aYXkbLqoZrdTbqMw"), "***");
        assert_eq!(unlabelled.show("aYXkbLqoZrdTbqM"), "aYXkbLqoZrdTbqM");
    }

    #[test]
    fn short_secrets_not_searched() {
        let redactor = Redactor::new(["abc"]);
        assert_eq!(redactor.show("abc.example"), "abc.example");
    }
}
