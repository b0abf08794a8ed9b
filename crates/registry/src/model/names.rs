//! The Avro specification's rule for names: a type name (each dot-separated part of a full
//! name), a field name and an enum symbol must each match `[A-Za-z_][A-Za-z0-9_]*`.

/// The rule as a person reads it, for error messages.
const RULE: &str = "start with an ASCII letter (A-Z, a-z) or `_` and contain only ASCII \
                    letters, digits (0-9) and `_`";

/// Checks a full name part by part, and returns the message for the first part that breaks
/// the rule.
pub(super) fn check_full_name(full_name: &str) -> Result<(), String> {
    for part in full_name.split('.') {
        if let Some(problem) = problem(part) {
            let subject = if part == full_name {
                "it".to_string()
            } else {
                format!("its part `{part}`")
            };
            return Err(format!(
                "`{full_name}` is not a valid Avro name because {subject} {problem}. Each \
                 dot-separated part of a name must {RULE}"
            ));
        }
    }
    Ok(())
}

/// The primitive type names. The Avro specification reserves them: "Primitive type names have
/// no namespace and their names may not be defined in any namespace".
const PRIMITIVE_NAMES: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

/// Checks that a named type's full name does not end in a primitive type name, such as `int`
/// or `example.avro.string`, and returns the message when it does.
pub(super) fn check_not_primitive(full_name: &str) -> Result<(), String> {
    let last = full_name.rsplit('.').next().unwrap_or(full_name);
    if !PRIMITIVE_NAMES.contains(&last) {
        return Ok(());
    }
    let subject = if last == full_name {
        format!("`{full_name}`")
    } else {
        format!("`{full_name}` ends in `{last}`, which")
    };
    Err(format!(
        "the name {subject} is a primitive type name, which the Avro specification reserves \
         in every namespace ({}): give the type another name, such as `{}Value` (names are \
         case-sensitive)",
        PRIMITIVE_NAMES.join(", "),
        capitalized(last)
    ))
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A kind of name that has no dots.
#[derive(Debug, Clone, Copy)]
pub(super) enum SimpleName {
    /// The name of a record's field.
    Field,
    /// A symbol of an enum.
    EnumSymbol,
}

impl SimpleName {
    fn noun(self) -> &'static str {
        match self {
            SimpleName::Field => "field name",
            SimpleName::EnumSymbol => "enum symbol",
        }
    }

    fn noun_with_article(self) -> &'static str {
        match self {
            SimpleName::Field => "A field name",
            SimpleName::EnumSymbol => "An enum symbol",
        }
    }
}

/// Checks a field name or an enum symbol, and returns the message when it breaks the rule.
pub(super) fn check_simple_name(kind: SimpleName, name: &str) -> Result<(), String> {
    match problem(name) {
        Some(problem) => Err(format!(
            "{} `{name}` is not valid because it {problem}. {} must {RULE}",
            kind.noun(),
            kind.noun_with_article()
        )),
        None => Ok(()),
    }
}

/// Describes how a name breaks the rule, as a verb phrase ("contains `ü` (U+00FC)"), or
/// returns `None` when it follows the rule.
fn problem(name: &str) -> Option<String> {
    let Some(first) = name.chars().next() else {
        return Some("is empty".to_string());
    };
    if first.is_ascii_digit() {
        return Some(format!("starts with the digit `{first}`"));
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map(|c| format!("contains `{c}` ({})", code_point(c)))
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_letter_is_named() {
        let error = check_full_name("Tü").unwrap_err();
        assert_eq!(
            error,
            "`Tü` is not a valid Avro name because it contains `ü` (U+00FC). Each \
             dot-separated part of a name must start with an ASCII letter (A-Z, a-z) or `_` \
             and contain only ASCII letters, digits (0-9) and `_`"
        );
    }

    #[test]
    fn bad_part_of_full_name_is_named() {
        let error = check_full_name("example.1st.Order").unwrap_err();
        assert!(
            error.starts_with(
                "`example.1st.Order` is not a valid Avro name because its part `1st` starts \
                 with the digit `1`."
            ),
            "{error}"
        );
    }

    #[test]
    fn empty_part_is_named() {
        let error = check_full_name("example..Order").unwrap_err();
        assert!(
            error.starts_with(
                "`example..Order` is not a valid Avro name because its part `` is empty."
            ),
            "{error}"
        );
    }

    #[test]
    fn valid_names_pass() {
        for name in ["Order", "_x", "example.avro.Customer_Created2", "a1"] {
            assert_eq!(check_full_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn primitive_names_are_reserved() {
        for name in PRIMITIVE_NAMES {
            let error = check_not_primitive(name).unwrap_err();
            assert!(
                error.starts_with(&format!("the name `{name}` is a primitive type name")),
                "{error}"
            );
        }
        let error = check_not_primitive("example.avro.string").unwrap_err();
        assert!(
            error.starts_with(
                "the name `example.avro.string` ends in `string`, which is a primitive type name"
            ),
            "{error}"
        );
        assert!(
            error.ends_with("such as `StringValue` (names are case-sensitive)"),
            "{error}"
        );
        for name in ["Int", "integer", "example.int.Order", "strings"] {
            assert_eq!(check_not_primitive(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn enum_symbol_with_hyphen_is_named() {
        let error = check_simple_name(SimpleName::EnumSymbol, "A-B").unwrap_err();
        assert_eq!(
            error,
            "enum symbol `A-B` is not valid because it contains `-` (U+002D). An enum symbol \
             must start with an ASCII letter (A-Z, a-z) or `_` and contain only ASCII letters, \
             digits (0-9) and `_`"
        );
    }

    #[test]
    fn field_name_with_space_is_named() {
        let error = check_simple_name(SimpleName::Field, "first name").unwrap_err();
        assert!(
            error.starts_with(
                "field name `first name` is not valid because it contains ` ` (U+0020). A \
                 field name must"
            ),
            "{error}"
        );
    }
}
