//! Azure's naming rules for Event Hubs entities.

use std::ops::RangeInclusive;

use super::EntityError;
use crate::limits::MAX_CONSUMER_GROUP_NAME_LEN;

/// The shape Azure requires of one kind of entity name.
struct NameRule {
    /// The kind of entity, as messages name it.
    kind: &'static str,
    /// The allowed lengths in characters.
    lengths: RangeInclusive<usize>,
    /// Whether a character may occur in the name.
    allowed: fn(char) -> bool,
    /// Whether a character may start the name.
    first: fn(char) -> bool,
    /// Whether a character may end the name.
    last: fn(char) -> bool,
    /// Endings the name may not have, in lower case, compared ignoring case.
    reserved_suffixes: &'static [&'static str],
    /// The whole rule, stated so that the caller can pick a valid name.
    text: &'static str,
}

/// Namespace names. Azure keeps the suffixes `-sb` and `-mgmt` for its own endpoints, so a
/// namespace name may not end with them.
const NAMESPACE: NameRule = NameRule {
    kind: "namespace",
    lengths: 6..=50,
    allowed: is_namespace_char,
    first: is_ascii_letter,
    last: is_ascii_letter_or_digit,
    reserved_suffixes: &["-sb", "-mgmt"],
    text: "use 6 to 50 ASCII letters (a-z, A-Z), digits or hyphens, starting with a letter and \
           ending with a letter or digit but not with -sb or -mgmt",
};

const HUB: NameRule = NameRule {
    kind: "event hub",
    lengths: 1..=256,
    allowed: is_entity_char,
    first: is_ascii_letter_or_digit,
    last: is_ascii_letter_or_digit,
    reserved_suffixes: &[],
    text: "use 1 to 256 ASCII letters (a-z, A-Z), digits, periods, hyphens or underscores, \
           starting and ending with a letter or digit",
};

const CONSUMER_GROUP: NameRule = NameRule {
    kind: "consumer group",
    lengths: 1..=MAX_CONSUMER_GROUP_NAME_LEN,
    allowed: is_entity_char,
    first: is_ascii_letter_or_digit,
    last: is_ascii_letter_or_digit,
    reserved_suffixes: &[],
    text: "use 1 to 50 ASCII letters (a-z, A-Z), digits, periods, hyphens or underscores, \
           starting and ending with a letter or digit",
};

const AUTHORIZATION_RULE: NameRule = NameRule {
    kind: "authorization rule",
    lengths: 1..=256,
    allowed: is_entity_char,
    first: is_ascii_letter_or_digit,
    last: is_ascii_letter_or_digit,
    reserved_suffixes: &[],
    text: "use 1 to 256 ASCII letters (a-z, A-Z), digits, periods, hyphens or underscores, \
           starting and ending with a letter or digit",
};

/// Checks a namespace name: 6 to 50 ASCII letters, digits and hyphens, starting with a letter,
/// ending with a letter or digit, and not ending with `-sb` or `-mgmt`.
pub fn validate_namespace_name(name: &str) -> Result<(), EntityError> {
    NAMESPACE.check(name)
}

/// Checks an event hub name: 1 to 256 ASCII letters, digits, periods, hyphens or underscores,
/// starting and ending with a letter or digit.
pub fn validate_hub_name(name: &str) -> Result<(), EntityError> {
    HUB.check(name)
}

/// Checks a consumer group name: 1 to 50 ASCII letters, digits, periods, hyphens or
/// underscores, starting and ending with a letter or digit. `$Default` is the one name allowed
/// outside that rule.
pub fn validate_consumer_group_name(name: &str) -> Result<(), EntityError> {
    if name == super::DEFAULT_CONSUMER_GROUP {
        return Ok(());
    }
    CONSUMER_GROUP.check(name)
}

/// Checks an authorization rule name: 1 to 256 ASCII letters, digits, periods, hyphens or
/// underscores, starting and ending with a letter or digit.
pub fn validate_rule_name(name: &str) -> Result<(), EntityError> {
    AUTHORIZATION_RULE.check(name)
}

impl NameRule {
    fn check(&self, name: &str) -> Result<(), EntityError> {
        match self.problem(name) {
            None => Ok(()),
            Some(problem) => Err(EntityError::InvalidName {
                kind: self.kind,
                name: name.to_owned(),
                problem,
                rule: self.text,
            }),
        }
    }

    /// Describes the first way `name` breaks the rule, or returns `None` for a valid name.
    fn problem(&self, name: &str) -> Option<String> {
        let length = name.chars().count();
        let (min, max) = (*self.lengths.start(), *self.lengths.end());
        if length == 0 {
            return Some("is empty".to_owned());
        }
        if length < min {
            return Some(format!(
                "is too short ({length} characters, the minimum is {min})"
            ));
        }
        if length > max {
            return Some(format!(
                "is too long ({length} characters, the maximum is {max})"
            ));
        }
        if let Some(c) = name.chars().find(|c| !(self.allowed)(*c)) {
            return Some(format!(
                "contains `{c}` (U+{:04X}), which is not allowed",
                u32::from(c)
            ));
        }
        let first = name.chars().next()?;
        if !(self.first)(first) {
            return Some(format!("starts with `{first}`"));
        }
        let last = name.chars().next_back()?;
        if !(self.last)(last) {
            return Some(format!("ends with `{last}`"));
        }
        let lower = name.to_ascii_lowercase();
        if let Some(suffix) = self
            .reserved_suffixes
            .iter()
            .find(|suffix| lower.ends_with(**suffix))
        {
            return Some(format!(
                "ends with `{suffix}`, a suffix Azure reserves for its own endpoints"
            ));
        }
        None
    }
}

fn is_ascii_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
}

fn is_ascii_letter_or_digit(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_namespace_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn is_entity_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<(), EntityError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn namespace_names() {
        assert!(validate_namespace_name("eda-ws1").is_ok());
        assert!(validate_namespace_name("ab").is_err());
        assert!(validate_namespace_name("1abcdef").is_err());
        assert!(validate_namespace_name("abcdef-").is_err());
        assert!(validate_namespace_name("abc_def").is_err());
        assert!(validate_namespace_name(&"a".repeat(51)).is_err());
        assert!(validate_namespace_name(&"a".repeat(50)).is_ok());
    }

    #[test]
    fn hub_names() {
        assert!(validate_hub_name("orders.v1_eu-west").is_ok());
        assert!(validate_hub_name("").is_err());
        assert!(validate_hub_name(".orders").is_err());
        assert!(validate_hub_name("orders/1").is_err());
        assert!(validate_hub_name(&"h".repeat(256)).is_ok());
        assert!(validate_hub_name(&"h".repeat(257)).is_err());
    }

    #[test]
    fn consumer_group_names() {
        assert!(validate_consumer_group_name("$Default").is_ok());
        assert!(validate_consumer_group_name("billing").is_ok());
        assert!(validate_consumer_group_name(&"g".repeat(50)).is_ok());
        assert!(validate_consumer_group_name(&"g".repeat(51)).is_err());
        assert!(validate_consumer_group_name("$billing").is_err());
    }

    #[test]
    fn invalid_name_message_names_value_and_rule() {
        assert_eq!(
            message(validate_namespace_name("ab")),
            "namespace name `ab` is too short (2 characters, the minimum is 6): use 6 to 50 ASCII \
             letters (a-z, A-Z), digits or hyphens, starting with a letter and ending with a \
             letter or digit but not with -sb or -mgmt"
        );
    }

    #[test]
    fn non_ascii_letter_named() {
        assert_eq!(
            message(validate_hub_name("héllo")),
            "event hub name `héllo` contains `é` (U+00E9), which is not allowed: use 1 to 256 \
             ASCII letters (a-z, A-Z), digits, periods, hyphens or underscores, starting and \
             ending with a letter or digit"
        );
        assert_eq!(
            message(validate_namespace_name("workshop-ß1")),
            "namespace name `workshop-ß1` contains `ß` (U+00DF), which is not allowed: use 6 to 50 \
             ASCII letters (a-z, A-Z), digits or hyphens, starting with a letter and ending with \
             a letter or digit but not with -sb or -mgmt"
        );
        let group = message(validate_consumer_group_name("billing\u{200b}"));
        assert!(group.contains("contains `\u{200b}` (U+200B)"), "{group}");
        let rule = message(validate_rule_name("sénd"));
        assert!(rule.contains("contains `é` (U+00E9)"), "{rule}");
    }

    #[test]
    fn too_long_name_gives_length_and_maximum() {
        let name = "h".repeat(257);
        assert_eq!(
            message(validate_hub_name(&name)),
            format!(
                "event hub name `{name}` is too long (257 characters, the maximum is 256): use 1 \
                 to 256 ASCII letters (a-z, A-Z), digits, periods, hyphens or underscores, \
                 starting and ending with a letter or digit"
            )
        );
        let group = message(validate_consumer_group_name(&"g".repeat(51)));
        assert!(
            group.contains("is too long (51 characters, the maximum is 50)"),
            "{group}"
        );
        let namespace = message(validate_namespace_name(&"n".repeat(51)));
        assert!(
            namespace.contains("is too long (51 characters, the maximum is 50)"),
            "{namespace}"
        );
    }

    #[test]
    fn first_and_last_characters_named() {
        assert!(message(validate_hub_name(".orders")).contains("`.orders` starts with `.`:"));
        assert!(message(validate_hub_name("orders_")).contains("`orders_` ends with `_`:"));
        assert!(message(validate_namespace_name("1abcdef")).contains("starts with `1`:"));
        assert_eq!(
            message(validate_hub_name("")),
            "event hub name `` is empty: use 1 to 256 ASCII letters (a-z, A-Z), digits, periods, \
             hyphens or underscores, starting and ending with a letter or digit"
        );
    }

    #[test]
    fn namespace_reserved_suffixes_rejected() {
        for (name, suffix) in [
            ("workshop-sb", "-sb"),
            ("workshop-mgmt", "-mgmt"),
            ("Workshop-SB", "-sb"),
        ] {
            assert_eq!(
                message(validate_namespace_name(name)),
                format!(
                    "namespace name `{name}` ends with `{suffix}`, a suffix Azure reserves for \
                     its own endpoints: use 6 to 50 ASCII letters (a-z, A-Z), digits or hyphens, \
                     starting with a letter and ending with a letter or digit but not with -sb \
                     or -mgmt"
                )
            );
        }
        assert!(validate_namespace_name("workshop-sb1").is_ok());
        assert!(validate_namespace_name("workshopsb").is_ok());
        assert!(validate_hub_name("orders-sb").is_ok());
    }
}
