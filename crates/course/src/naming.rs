//! Azure's naming rules for every kind of resource the course creates.
//!
//! Each kind has a length range, a set of allowed characters and rules for the first and last
//! character. The rules are the ones Azure Resource Manager enforces at creation time, so Azure
//! does not reject a name that passes here for its shape. A globally unique name may still be
//! taken by someone else.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::look_alike::ascii_look_alike;

/// A kind of resource in the course's plan, named as in the plan's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// `Microsoft.Resources/resourceGroups`.
    ResourceGroup,
    /// `Microsoft.EventHub/namespaces`, used for the broker and for the schema registry.
    EventHubsNamespace,
    /// `Microsoft.EventHub/namespaces/authorizationRules` or `.../eventhubs/authorizationRules`.
    AuthorizationRule,
    /// `Microsoft.EventHub/namespaces/eventhubs`.
    EventHub,
    /// `Microsoft.EventHub/namespaces/eventhubs/consumergroups`.
    ConsumerGroup,
    /// `Microsoft.EventHub/namespaces/schemagroups`.
    SchemaGroup,
    /// `Microsoft.Storage/storageAccounts`.
    StorageAccount,
    /// `Microsoft.Storage/storageAccounts/blobServices`, always named `default`.
    BlobService,
    /// `Microsoft.Storage/storageAccounts/managementPolicies`, always named `default`.
    LifecyclePolicy,
    /// `Microsoft.Storage/storageAccounts/blobServices/containers`.
    BlobContainer,
    /// `.../containers/immutabilityPolicies`, always named `default`.
    ImmutabilityPolicy,
    /// `Microsoft.KeyVault/vaults`.
    KeyVault,
    /// `Microsoft.KeyVault/vaults/secrets`.
    KeyVaultSecret,
    /// `Microsoft.Databricks/workspaces`.
    DatabricksWorkspace,
}

impl ResourceKind {
    /// Every kind, in the order a plan lists them.
    pub const ALL: [ResourceKind; 14] = [
        ResourceKind::ResourceGroup,
        ResourceKind::EventHubsNamespace,
        ResourceKind::AuthorizationRule,
        ResourceKind::EventHub,
        ResourceKind::ConsumerGroup,
        ResourceKind::SchemaGroup,
        ResourceKind::StorageAccount,
        ResourceKind::BlobService,
        ResourceKind::LifecyclePolicy,
        ResourceKind::BlobContainer,
        ResourceKind::ImmutabilityPolicy,
        ResourceKind::KeyVault,
        ResourceKind::KeyVaultSecret,
        ResourceKind::DatabricksWorkspace,
    ];

    /// The kind's name in lower-case words, as messages and tables show it.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::ResourceGroup => "resource group",
            ResourceKind::EventHubsNamespace => "Event Hubs namespace",
            ResourceKind::AuthorizationRule => "authorization rule",
            ResourceKind::EventHub => "event hub",
            ResourceKind::ConsumerGroup => "consumer group",
            ResourceKind::SchemaGroup => "schema group",
            ResourceKind::StorageAccount => "storage account",
            ResourceKind::BlobService => "blob service",
            ResourceKind::LifecyclePolicy => "lifecycle policy",
            ResourceKind::BlobContainer => "blob container",
            ResourceKind::ImmutabilityPolicy => "immutability policy",
            ResourceKind::KeyVault => "key vault",
            ResourceKind::KeyVaultSecret => "key vault secret",
            ResourceKind::DatabricksWorkspace => "Databricks workspace",
        }
    }

    /// The ARM resource type.
    pub fn resource_type(self) -> &'static str {
        match self {
            ResourceKind::ResourceGroup => "Microsoft.Resources/resourceGroups",
            ResourceKind::EventHubsNamespace => "Microsoft.EventHub/namespaces",
            ResourceKind::AuthorizationRule => "Microsoft.EventHub/namespaces/authorizationRules",
            ResourceKind::EventHub => "Microsoft.EventHub/namespaces/eventhubs",
            ResourceKind::ConsumerGroup => "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
            ResourceKind::SchemaGroup => "Microsoft.EventHub/namespaces/schemagroups",
            ResourceKind::StorageAccount => "Microsoft.Storage/storageAccounts",
            ResourceKind::BlobService => "Microsoft.Storage/storageAccounts/blobServices",
            ResourceKind::LifecyclePolicy => "Microsoft.Storage/storageAccounts/managementPolicies",
            ResourceKind::BlobContainer => {
                "Microsoft.Storage/storageAccounts/blobServices/containers"
            }
            ResourceKind::ImmutabilityPolicy => {
                "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies"
            }
            ResourceKind::KeyVault => "Microsoft.KeyVault/vaults",
            ResourceKind::KeyVaultSecret => "Microsoft.KeyVault/vaults/secrets",
            ResourceKind::DatabricksWorkspace => "Microsoft.Databricks/workspaces",
        }
    }

    /// Whether ARM stores tags on this kind. Child resources such as hubs, consumer groups and
    /// containers take no tags, so teardown recognises them through their tagged parent.
    pub fn takes_tags(self) -> bool {
        matches!(
            self,
            ResourceKind::ResourceGroup
                | ResourceKind::EventHubsNamespace
                | ResourceKind::StorageAccount
                | ResourceKind::KeyVault
                | ResourceKind::KeyVaultSecret
                | ResourceKind::DatabricksWorkspace
        )
    }

    /// The naming rule Azure applies to this kind.
    pub fn rule(self) -> &'static NameRule {
        match self {
            ResourceKind::ResourceGroup => &RESOURCE_GROUP,
            ResourceKind::EventHubsNamespace => &EVENT_HUBS_NAMESPACE,
            ResourceKind::AuthorizationRule => &AUTHORIZATION_RULE,
            ResourceKind::EventHub => &EVENT_HUB,
            ResourceKind::ConsumerGroup => &CONSUMER_GROUP,
            ResourceKind::SchemaGroup => &SCHEMA_GROUP,
            ResourceKind::StorageAccount => &STORAGE_ACCOUNT,
            ResourceKind::BlobService
            | ResourceKind::LifecyclePolicy
            | ResourceKind::ImmutabilityPolicy => &FIXED_DEFAULT,
            ResourceKind::BlobContainer => &BLOB_CONTAINER,
            ResourceKind::KeyVault => &KEY_VAULT,
            ResourceKind::KeyVaultSecret => &KEY_VAULT_SECRET,
            ResourceKind::DatabricksWorkspace => &DATABRICKS_WORKSPACE,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The characters a kind of name may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `a-z` and `0-9` (storage accounts).
    LowerAlphanumeric,
    /// `a-z`, `0-9` and `-` (blob containers).
    LowerAlphanumericHyphen,
    /// ASCII letters, digits and `-`.
    AlphanumericHyphen,
    /// ASCII letters, digits, `-` and `_`.
    AlphanumericHyphenUnderscore,
    /// ASCII letters, digits, `.`, `-` and `_`.
    AlphanumericPeriodHyphenUnderscore,
    /// Letters and digits of any script, `.`, `-`, `_`, `(` and `)` (resource groups).
    ResourceGroup,
    /// Only the literal name `default`.
    DefaultOnly,
}

impl Charset {
    fn allows(self, c: char) -> bool {
        match self {
            Charset::LowerAlphanumeric => c.is_ascii_lowercase() || c.is_ascii_digit(),
            Charset::LowerAlphanumericHyphen => {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
            }
            Charset::AlphanumericHyphen => c.is_ascii_alphanumeric() || c == '-',
            Charset::AlphanumericHyphenUnderscore => {
                c.is_ascii_alphanumeric() || c == '-' || c == '_'
            }
            Charset::AlphanumericPeriodHyphenUnderscore => {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
            }
            Charset::ResourceGroup => {
                c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')')
            }
            Charset::DefaultOnly => true,
        }
    }

    /// The allowed characters in words.
    pub fn describe(self) -> &'static str {
        match self {
            Charset::LowerAlphanumeric => "lower-case ASCII letters (a-z) and digits",
            Charset::LowerAlphanumericHyphen => {
                "lower-case ASCII letters (a-z), digits and hyphens"
            }
            Charset::AlphanumericHyphen => "ASCII letters (a-z, A-Z), digits and hyphens",
            Charset::AlphanumericHyphenUnderscore => {
                "ASCII letters (a-z, A-Z), digits, hyphens and underscores"
            }
            Charset::AlphanumericPeriodHyphenUnderscore => {
                "ASCII letters (a-z, A-Z), digits, periods, hyphens and underscores"
            }
            Charset::ResourceGroup => {
                "letters of any script, digits, periods, hyphens, underscores and parentheses"
            }
            Charset::DefaultOnly => "the literal name `default`",
        }
    }
}

/// The requirement on the first or last character of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Any allowed character.
    Any,
    /// An ASCII letter.
    Letter,
    /// An ASCII letter or digit.
    LetterOrDigit,
    /// Anything but a period.
    NotPeriod,
}

impl Edge {
    fn allows(self, c: char) -> bool {
        match self {
            Edge::Any => true,
            Edge::Letter => c.is_ascii_alphabetic(),
            Edge::LetterOrDigit => c.is_ascii_alphanumeric(),
            Edge::NotPeriod => c != '.',
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Edge::Any => "any allowed character",
            Edge::Letter => "an ASCII letter",
            Edge::LetterOrDigit => "an ASCII letter or a digit",
            Edge::NotPeriod => "a character other than a period",
        }
    }
}

/// Azure's rule for one kind of name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRule {
    /// The shortest allowed name, in characters.
    pub min: usize,
    /// The longest allowed name, in characters.
    pub max: usize,
    /// The characters the name may contain.
    pub charset: Charset,
    /// The requirement on the first character.
    pub first: Edge,
    /// The requirement on the last character.
    pub last: Edge,
    /// Whether two hyphens in a row are forbidden.
    pub no_double_hyphen: bool,
    /// Suffixes Azure keeps for itself.
    pub reserved_suffixes: &'static [&'static str],
}

/// Resource groups: 1 to 90 characters, must not end in a period.
const RESOURCE_GROUP: NameRule = NameRule {
    min: 1,
    max: 90,
    charset: Charset::ResourceGroup,
    first: Edge::Any,
    last: Edge::NotPeriod,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Event Hubs namespaces: 6 to 50 characters, start with a letter, end with a letter or digit.
/// Azure keeps the suffixes `-sb` and `-mgmt` for its own endpoints.
const EVENT_HUBS_NAMESPACE: NameRule = NameRule {
    min: 6,
    max: 50,
    charset: Charset::AlphanumericHyphen,
    first: Edge::Letter,
    last: Edge::LetterOrDigit,
    no_double_hyphen: false,
    reserved_suffixes: &["-sb", "-mgmt"],
};

/// Authorization rules at namespace or hub scope: 1 to 256 characters.
const AUTHORIZATION_RULE: NameRule = NameRule {
    min: 1,
    max: 256,
    charset: Charset::AlphanumericPeriodHyphenUnderscore,
    first: Edge::LetterOrDigit,
    last: Edge::LetterOrDigit,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Event hubs: 1 to 256 characters, starting and ending with a letter or digit.
const EVENT_HUB: NameRule = NameRule {
    min: 1,
    max: 256,
    charset: Charset::AlphanumericPeriodHyphenUnderscore,
    first: Edge::LetterOrDigit,
    last: Edge::LetterOrDigit,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Consumer groups: ARM allows 1 to 50 characters, and 50 is also the longest name a receiver
/// may use over AMQP.
const CONSUMER_GROUP: NameRule = NameRule {
    min: 1,
    max: 50,
    charset: Charset::AlphanumericPeriodHyphenUnderscore,
    first: Edge::LetterOrDigit,
    last: Edge::LetterOrDigit,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Schema groups: at most 50 characters.
const SCHEMA_GROUP: NameRule = NameRule {
    min: 1,
    max: 50,
    charset: Charset::AlphanumericPeriodHyphenUnderscore,
    first: Edge::LetterOrDigit,
    last: Edge::LetterOrDigit,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Storage accounts: 3 to 24 lower-case letters and digits, unique across Azure.
const STORAGE_ACCOUNT: NameRule = NameRule {
    min: 3,
    max: 24,
    charset: Charset::LowerAlphanumeric,
    first: Edge::Any,
    last: Edge::Any,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Blob containers: 3 to 63 characters, start and end with a letter or digit, no `--`.
const BLOB_CONTAINER: NameRule = NameRule {
    min: 3,
    max: 63,
    charset: Charset::LowerAlphanumericHyphen,
    first: Edge::LetterOrDigit,
    last: Edge::LetterOrDigit,
    no_double_hyphen: true,
    reserved_suffixes: &[],
};

/// Key vaults: 3 to 24 characters, start with a letter, end with a letter or digit, no `--`.
/// Names are unique across Azure, and a deleted vault keeps its name until it is purged.
const KEY_VAULT: NameRule = NameRule {
    min: 3,
    max: 24,
    charset: Charset::AlphanumericHyphen,
    first: Edge::Letter,
    last: Edge::LetterOrDigit,
    no_double_hyphen: true,
    reserved_suffixes: &[],
};

/// Key vault secrets: 1 to 127 letters, digits and hyphens. Underscores are not allowed, which
/// is why the secrets of hub `lead_purchased` are named `eh-lead-purchased-*`.
const KEY_VAULT_SECRET: NameRule = NameRule {
    min: 1,
    max: 127,
    charset: Charset::AlphanumericHyphen,
    first: Edge::Any,
    last: Edge::Any,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Databricks workspaces: 3 to 64 letters, digits, hyphens and underscores.
const DATABRICKS_WORKSPACE: NameRule = NameRule {
    min: 3,
    max: 64,
    charset: Charset::AlphanumericHyphenUnderscore,
    first: Edge::Any,
    last: Edge::Any,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// Blob services, lifecycle policies and immutability policies have exactly one instance per
/// parent, and ARM requires it to be named `default`.
const FIXED_DEFAULT: NameRule = NameRule {
    min: 7,
    max: 7,
    charset: Charset::DefaultOnly,
    first: Edge::Any,
    last: Edge::Any,
    no_double_hyphen: false,
    reserved_suffixes: &[],
};

/// One way a name breaks its kind's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "violation", rename_all = "snake_case")]
pub enum Violation {
    /// Shorter than the minimum.
    TooShort {
        /// Length of the name, in characters.
        length: usize,
        /// The minimum length.
        min: usize,
    },
    /// Longer than the maximum.
    TooLong {
        /// Length of the name, in characters.
        length: usize,
        /// The maximum length.
        max: usize,
    },
    /// Contains characters outside the kind's charset.
    ForbiddenCharacters {
        /// The offending characters, each listed once, in order of appearance.
        characters: Vec<char>,
        /// The allowed characters in words.
        allowed: &'static str,
    },
    /// Starts with a character the kind does not allow first.
    InvalidFirst {
        /// The first character.
        character: char,
        /// The required first character, in words.
        required: &'static str,
    },
    /// Ends with a character the kind does not allow last.
    InvalidLast {
        /// The last character.
        character: char,
        /// The required last character, in words.
        required: &'static str,
    },
    /// Contains `--`.
    DoubleHyphen,
    /// Ends with a suffix Azure keeps for itself.
    ReservedSuffix {
        /// The reserved suffix.
        suffix: &'static str,
    },
    /// Not the fixed name `default`.
    NotDefault,
}

/// Writes a character for a message: in backticks, and with its code point when it is not
/// ASCII, such as "`é` (U+00E9)", so that a letter from another script that looks like an
/// ASCII one can be distinguished. A character that prints as nothing or acts on a terminal, and the backtick
/// itself, appear as the code point alone, such as "U+200B".
pub(crate) fn quote_character(c: char) -> String {
    if is_unprintable(c) || c == '`' {
        code_point(c)
    } else if c.is_ascii() {
        format!("`{c}`")
    } else {
        format!("`{c}` ({})", code_point(c))
    }
}

/// Writes a name for a message with each character that prints as nothing, acts on a terminal
/// or is a backtick replaced by its code point in angle brackets, such as `dg<U+200B>rf`.
pub(crate) fn printable_name(name: &str) -> String {
    let mut printable = String::with_capacity(name.len());
    for c in name.chars() {
        if is_unprintable(c) || c == '`' {
            printable.push('<');
            printable.push_str(&code_point(c));
            printable.push('>');
        } else {
            printable.push(c);
        }
    }
    printable
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Decides whether a character prints as nothing or acts on a terminal: controls, whitespace
/// other than the space, and the format characters, combining marks and variation selectors
/// that pasted text carries.
// NOTE: the format character and combining mark ranges are the common ones, not the whole
// Unicode categories Cf and Mn, because the standard library has no category lookup.
fn is_unprintable(c: char) -> bool {
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        return true;
    }
    matches!(
        u32::from(c),
        0x00AD
            | 0x0300..=0x036F
            | 0x061C
            | 0x180E
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x20D0..=0x20FF
            | 0xFE00..=0xFE0F
            | 0xFE20..=0xFE2F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xE0000..=0xE01EF
    )
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::TooShort { length, min } => {
                write!(f, "it is {length} characters long and the minimum is {min}")
            }
            Violation::TooLong { length, max } => {
                write!(f, "it is {length} characters long and the maximum is {max}")
            }
            Violation::ForbiddenCharacters {
                characters,
                allowed,
            } => {
                let listed: Vec<String> = characters.iter().map(|c| quote_character(*c)).collect();
                write!(
                    f,
                    "it contains {}, but only {allowed} are allowed",
                    listed.join(", ")
                )
            }
            Violation::InvalidFirst {
                character,
                required,
            } => {
                write!(
                    f,
                    "it starts with {}, but must start with {required}",
                    quote_character(*character)
                )
            }
            Violation::InvalidLast {
                character,
                required,
            } => {
                write!(
                    f,
                    "it ends with {}, but must end with {required}",
                    quote_character(*character)
                )
            }
            Violation::DoubleHyphen => f.write_str("it contains `--`, which is not allowed"),
            Violation::ReservedSuffix { suffix } => {
                write!(
                    f,
                    "it ends with `{suffix}`, a suffix Azure reserves for its own endpoints"
                )
            }
            Violation::NotDefault => f.write_str("it must be named `default`"),
        }
    }
}

impl NameRule {
    /// Lists every way `name` breaks this rule; an empty list means the name is valid.
    pub fn violations(&self, name: &str) -> Vec<Violation> {
        if self.charset == Charset::DefaultOnly {
            return if name == "default" {
                Vec::new()
            } else {
                vec![Violation::NotDefault]
            };
        }

        let mut found = Vec::new();
        let length = name.chars().count();
        if length < self.min {
            found.push(Violation::TooShort {
                length,
                min: self.min,
            });
        }
        if length > self.max {
            found.push(Violation::TooLong {
                length,
                max: self.max,
            });
        }

        let mut forbidden: Vec<char> = Vec::new();
        for c in name.chars().filter(|&c| !self.charset.allows(c)) {
            if !forbidden.contains(&c) {
                forbidden.push(c);
            }
        }
        if !forbidden.is_empty() {
            found.push(Violation::ForbiddenCharacters {
                characters: forbidden,
                allowed: self.charset.describe(),
            });
        }

        if let Some(first) = name.chars().next() {
            if !self.first.allows(first) {
                found.push(Violation::InvalidFirst {
                    character: first,
                    required: self.first.describe(),
                });
            }
        }
        if let Some(last) = name.chars().last() {
            if !self.last.allows(last) {
                found.push(Violation::InvalidLast {
                    character: last,
                    required: self.last.describe(),
                });
            }
        }

        if self.no_double_hyphen && name.contains("--") {
            found.push(Violation::DoubleHyphen);
        }
        let lower = name.to_ascii_lowercase();
        if let Some(suffix) = self.reserved_suffixes.iter().find(|s| lower.ends_with(**s)) {
            found.push(Violation::ReservedSuffix { suffix });
        }
        found
    }

    /// The rule in one phrase, e.g. "6 to 50 letters, digits and hyphens".
    pub fn summary(&self) -> String {
        if self.charset == Charset::DefaultOnly {
            return "the literal name `default`".to_string();
        }
        format!("{} to {} {}", self.min, self.max, self.charset.describe())
    }
}

/// A name that breaks Azure's rule for its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    /// The kind of resource the name is for.
    pub kind: ResourceKind,
    /// The name as given.
    pub name: String,
    /// Every way the name breaks the rule.
    pub violations: Vec<Violation>,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons: Vec<String> = self.violations.iter().map(Violation::to_string).collect();
        write!(
            f,
            "{} name `{}` is invalid: {}; ",
            self.kind.label(),
            printable_name(&self.name),
            reasons.join("; ")
        )?;
        let replacements = self.look_alike_replacements();
        if !replacements.is_empty() {
            write!(f, "type {}, and ", replacements.join(", "))?;
        }
        write!(f, "use {}", self.kind.rule().summary())?;
        let rule = self.kind.rule();
        if rule.first != Edge::Any {
            write!(f, ", starting with {}", rule.first.describe())?;
        }
        if rule.last != Edge::Any {
            write!(f, ", ending with {}", rule.last.describe())?;
        }
        Ok(())
    }
}

impl NameError {
    /// Lists each forbidden character that looks like an ASCII letter or digit with that
    /// character, such as "`e` in place of `е` (U+0435)", in lower case for kinds that allow
    /// only lower case.
    fn look_alike_replacements(&self) -> Vec<String> {
        let lower_case_only = matches!(
            self.kind.rule().charset,
            Charset::LowerAlphanumeric | Charset::LowerAlphanumericHyphen
        );
        self.violations
            .iter()
            .filter_map(|violation| match violation {
                Violation::ForbiddenCharacters { characters, .. } => Some(characters),
                _ => None,
            })
            .flatten()
            .filter_map(|&c| {
                let ascii = ascii_look_alike(c)?;
                let ascii = if lower_case_only {
                    ascii.to_ascii_lowercase()
                } else {
                    ascii
                };
                Some(format!("`{ascii}` in place of {}", quote_character(c)))
            })
            .collect()
    }
}

impl std::error::Error for NameError {}

/// Checks `name` against Azure's rule for `kind`.
///
/// ```
/// use course::{validate_name, ResourceKind};
///
/// assert!(validate_name(ResourceKind::EventHub, "lead_purchased").is_ok());
/// let error = validate_name(ResourceKind::EventHubsNamespace, "abcde").unwrap_err();
/// assert!(error.to_string().contains("the minimum is 6"));
/// ```
pub fn validate_name(kind: ResourceKind, name: &str) -> Result<(), NameError> {
    let violations = kind.rule().violations(name);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(NameError {
            kind,
            name: name.to_string(),
            violations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(kind: ResourceKind, name: &str) -> Vec<Violation> {
        kind.rule().violations(name)
    }

    #[test]
    fn event_hubs_namespace_of_five_characters_is_too_short() {
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "abcde"),
            vec![Violation::TooShort { length: 5, min: 6 }]
        );
    }

    #[test]
    fn event_hubs_namespace_with_hyphen_is_allowed() {
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "dev-lab"),
            vec![]
        );
    }

    #[test]
    fn event_hubs_namespace_reserved_suffixes_are_rejected() {
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "workshop-sb"),
            vec![Violation::ReservedSuffix { suffix: "-sb" }]
        );
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "workshop-mgmt"),
            vec![Violation::ReservedSuffix { suffix: "-mgmt" }]
        );
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "WORKSHOP-SB"),
            vec![Violation::ReservedSuffix { suffix: "-sb" }]
        );
    }

    #[test]
    fn event_hubs_namespace_starting_with_digit_is_rejected() {
        assert_eq!(
            violations(ResourceKind::EventHubsNamespace, "1workshop"),
            vec![Violation::InvalidFirst {
                character: '1',
                required: "an ASCII letter"
            }]
        );
    }

    #[test]
    fn hub_names_allow_periods_and_underscores() {
        assert_eq!(violations(ResourceKind::EventHub, "lead_purchased"), vec![]);
        assert_eq!(violations(ResourceKind::EventHub, "customer.v1"), vec![]);
    }

    #[test]
    fn hub_name_must_end_with_letter_or_digit() {
        assert_eq!(
            violations(ResourceKind::EventHub, "customer_"),
            vec![Violation::InvalidLast {
                character: '_',
                required: "an ASCII letter or a digit"
            }]
        );
    }

    #[test]
    fn key_vault_with_double_hyphen_is_rejected() {
        assert_eq!(
            violations(ResourceKind::KeyVault, "dv--customer-kv"),
            vec![Violation::DoubleHyphen]
        );
    }

    #[test]
    fn key_vault_of_twenty_five_characters_is_too_long() {
        assert_eq!(
            violations(ResourceKind::KeyVault, "dv-customer-kv-eun-dgrfxy"),
            vec![Violation::TooLong {
                length: 25,
                max: 24
            }]
        );
    }

    #[test]
    fn storage_account_lists_each_forbidden_character_once() {
        assert_eq!(
            violations(ResourceKind::StorageAccount, "dv-lake-sa"),
            vec![Violation::ForbiddenCharacters {
                characters: vec!['-'],
                allowed: "lower-case ASCII letters (a-z) and digits"
            }]
        );
    }

    #[test]
    fn blob_container_rejects_underscore() {
        assert_eq!(
            violations(ResourceKind::BlobContainer, "lead_purchased"),
            vec![Violation::ForbiddenCharacters {
                characters: vec!['_'],
                allowed: "lower-case ASCII letters (a-z), digits and hyphens"
            }]
        );
    }

    #[test]
    fn resource_group_must_not_end_with_period() {
        assert_eq!(
            violations(ResourceKind::ResourceGroup, "dv-events."),
            vec![Violation::InvalidLast {
                character: '.',
                required: "a character other than a period"
            }]
        );
    }

    #[test]
    fn fixed_names_must_be_default() {
        assert_eq!(violations(ResourceKind::BlobService, "default"), vec![]);
        assert_eq!(
            violations(ResourceKind::LifecyclePolicy, "policy"),
            vec![Violation::NotDefault]
        );
    }

    #[test]
    fn name_error_names_kind_value_rule_and_fix() {
        let error = validate_name(ResourceKind::EventHubsNamespace, "abcde").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Event Hubs namespace name `abcde` is invalid: it is 5 characters long and the \
             minimum is 6; use 6 to 50 ASCII letters (a-z, A-Z), digits and hyphens, starting \
             with an ASCII letter, ending with an ASCII letter or a digit"
        );
    }
}
