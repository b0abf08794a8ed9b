//! Azure's naming rules for Event Hubs entities.

use super::EntityError;
use crate::limits::MAX_CONSUMER_GROUP_NAME_LEN;

const NAMESPACE_RULE: &str =
    "use 6 to 50 letters, digits or hyphens, starting with a letter and ending with a letter or digit";
const HUB_RULE: &str = "use 1 to 256 letters, digits, periods, hyphens or underscores, \
    starting and ending with a letter or digit";
const CONSUMER_GROUP_RULE: &str = "use 1 to 50 letters, digits, periods, hyphens or underscores, \
    starting and ending with a letter or digit";
const RULE_RULE: &str = "use 1 to 256 letters, digits, periods, hyphens or underscores, \
    starting and ending with a letter or digit";

/// Checks a namespace name: 6 to 50 characters, letters, digits and hyphens, starting with a
/// letter and ending with a letter or digit.
pub fn validate_namespace_name(name: &str) -> Result<(), EntityError> {
    let valid = (6..=50).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    check(valid, "namespace", name, NAMESPACE_RULE)
}

/// Checks an event hub name: 1 to 256 letters, digits, periods, hyphens or underscores,
/// starting and ending with a letter or digit.
pub fn validate_hub_name(name: &str) -> Result<(), EntityError> {
    check(is_entity_name(name, 256), "event hub", name, HUB_RULE)
}

/// Checks a consumer group name: 1 to 50 letters, digits, periods, hyphens or underscores,
/// starting and ending with a letter or digit. `$Default` is the one name allowed outside
/// that rule.
pub fn validate_consumer_group_name(name: &str) -> Result<(), EntityError> {
    if name == super::DEFAULT_CONSUMER_GROUP {
        return Ok(());
    }
    let valid = is_entity_name(name, MAX_CONSUMER_GROUP_NAME_LEN);
    check(valid, "consumer group", name, CONSUMER_GROUP_RULE)
}

/// Checks an authorization rule name: 1 to 256 letters, digits, periods, hyphens or
/// underscores, starting and ending with a letter or digit.
pub fn validate_rule_name(name: &str) -> Result<(), EntityError> {
    check(
        is_entity_name(name, 256),
        "authorization rule",
        name,
        RULE_RULE,
    )
}

fn is_entity_name(name: &str, max_len: usize) -> bool {
    (1..=max_len).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn check(
    valid: bool,
    kind: &'static str,
    name: &str,
    rule: &'static str,
) -> Result<(), EntityError> {
    if valid {
        Ok(())
    } else {
        Err(EntityError::InvalidName {
            kind,
            name: name.to_owned(),
            rule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let message = validate_namespace_name("ab").unwrap_err().to_string();
        assert_eq!(
            message,
            "namespace name `ab` is invalid: use 6 to 50 letters, digits or hyphens, \
             starting with a letter and ending with a letter or digit"
        );
    }
}
