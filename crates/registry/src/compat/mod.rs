//! Compatibility checks between a new schema version and the latest registered one, with a
//! reason and a fix for every field that breaks.
//!
//! Azure Schema Registry documents its compatibility modes as checks of a new version against
//! the latest version of the same schema, and nothing more. So this module compares with the
//! latest version only, and every verdict's explanation states it:
//!
//! - **Backward**: a reader on the new version must read data written with the latest one.
//! - **Forward**: a reader on the latest version must read data written with the new one.
//! - **None**: every version is accepted.
//!
//! Warnings never reject a version. They name field defaults that break the Avro specification
//! or that write null as the string `"null"`, in every version, and fields whose logical type
//! differs from the latest version's or that change between bytes and string, in every mode.

pub(crate) mod defaults;
mod explain;
mod logical;
pub(crate) mod resolve;
mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use defaults::{check_defaults, DefaultProblem, Warning, WarningProblem};
use explain::explain;
pub use logical::check_logical_types;
pub use text::check_bytes_read_as_text;

use crate::model::ParsedSchema;

/// A schema group's compatibility mode, with Azure's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompatibilityMode {
    /// Every version is accepted.
    None,
    /// New readers must read old data.
    Backward,
    /// Old readers must read new data.
    Forward,
}

impl CompatibilityMode {
    /// Returns Azure's name for the mode: `None`, `Backward` or `Forward`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompatibilityMode::None => "None",
            CompatibilityMode::Backward => "Backward",
            CompatibilityMode::Forward => "Forward",
        }
    }
}

impl fmt::Display for CompatibilityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compatibility mode name that is not `None`, `Backward` or `Forward`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compatibility mode `{0}`: use None, Backward or Forward")]
pub struct UnknownMode(pub String);

impl FromStr for CompatibilityMode {
    type Err = UnknownMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Ok(CompatibilityMode::None),
            "backward" => Ok(CompatibilityMode::Backward),
            "forward" => Ok(CompatibilityMode::Forward),
            _ => Err(UnknownMode(text.to_string())),
        }
    }
}

/// Direction of a broken read: which reader reads which data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A reader on the new version reading data written with the latest version.
    Backward,
    /// A reader on the latest version reading data written with the new version.
    Forward,
}

/// Kind of change that broke compatibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Breakage {
    /// The new version adds a field without a default.
    FieldAddedWithoutDefault,
    /// The new version removes a field that readers on the latest version require.
    FieldRemoved,
    /// A field looks renamed: one field went away and one of the same type appeared.
    FieldRenamed {
        /// The name in the latest version.
        from: String,
        /// The name in the new version.
        to: String,
    },
    /// A field's type changed in a way Avro cannot resolve.
    TypeChanged {
        /// The type in the latest version.
        old: String,
        /// The type in the new version.
        new: String,
    },
    /// A record, enum or fixed type changed its name.
    NameChanged {
        /// The name in the latest version.
        old: String,
        /// The name in the new version.
        new: String,
    },
    /// A record, enum or fixed type kept its name but became another kind of named type.
    KindChanged {
        /// The type's name in the latest version.
        name: String,
        /// The kind in the latest version: `record`, `enum` or `fixed type`.
        old: String,
        /// The kind in the new version.
        new: String,
    },
    /// The writer's enum has symbols the reader's enum lacks.
    EnumSymbolsMissing {
        /// The symbols that only the writer's enum has.
        symbols: Vec<String>,
    },
    /// A decimal logical type changed its precision or scale.
    DecimalChanged {
        /// The decimal in the latest version, such as `decimal(10, 2)`.
        old: String,
        /// The decimal in the new version.
        new: String,
    },
    /// A fixed type changed its size.
    FixedSizeChanged {
        /// The size in the latest version.
        old: u64,
        /// The size in the new version.
        new: u64,
    },
}

/// One field that breaks compatibility, with the reason and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incompatibility {
    /// Dotted field path from the top-level record, such as `mandatory_field`.
    pub field: String,
    /// Reader and data that cannot be read.
    pub direction: Direction,
    /// What changed.
    pub breakage: Breakage,
    /// A sentence naming the field, the direction and why it breaks.
    pub reason: String,
    /// Change to make in the new version.
    pub fix: String,
}

/// The outcome of checking one new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The group's mode the check applied.
    pub mode: CompatibilityMode,
    /// Whether the registry accepts the version.
    pub accepted: bool,
    /// The version the new one was compared with: the latest, or none for a first version.
    pub compared_with_version: Option<u32>,
    /// Every field that breaks, empty when accepted.
    pub incompatibilities: Vec<Incompatibility>,
    /// Defaults that the Avro specification rejects, then fields whose logical type differs
    /// from the latest version's, then fields that change between bytes and string. None of
    /// them rejects the version.
    pub warnings: Vec<Warning>,
    /// Description of what was compared with what, in one or two sentences.
    pub explanation: String,
}

impl Verdict {
    /// Returns the verdict as a block of text: the outcome, then one line per reason and
    /// warning.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        text.push_str(if self.accepted {
            "accepted"
        } else {
            "rejected"
        });
        text.push_str(": ");
        text.push_str(&self.explanation);
        for incompatibility in &self.incompatibilities {
            text.push_str(&format!(
                "\n  - {} Fix: {}.",
                incompatibility.reason, incompatibility.fix
            ));
        }
        for warning in &self.warnings {
            text.push_str(&format!(
                "\n  warning: {}. Fix: {}.",
                warning.message, warning.fix
            ));
        }
        text
    }
}

/// Lists the warnings about what changes from the latest version, numbered `latest_version`,
/// to the new one: fields whose logical type differs, then fields that change between bytes
/// and string. None of them rejects the version.
pub fn check_changes(
    latest: &ParsedSchema,
    latest_version: u32,
    new: &ParsedSchema,
) -> Vec<Warning> {
    let mut warnings = check_logical_types(latest, latest_version, new);
    warnings.extend(check_bytes_read_as_text(latest, latest_version, new));
    warnings
}

/// Checks a new version against the latest registered version of the same schema.
///
/// `latest` is the latest version's schema and number, or `None` for the first version.
pub fn check(
    mode: CompatibilityMode,
    new: &ParsedSchema,
    latest: Option<(&ParsedSchema, u32)>,
) -> Verdict {
    let mut warnings = check_defaults(new);
    let Some((latest_schema, latest_version)) = latest else {
        return Verdict {
            mode,
            accepted: true,
            compared_with_version: None,
            incompatibilities: Vec::new(),
            warnings,
            explanation: "this is the first version of the schema, so there is nothing to \
                          compare it with"
                .to_string(),
        };
    };

    warnings.extend(check_changes(latest_schema, latest_version, new));

    let incompatibilities: Vec<Incompatibility> = match mode {
        CompatibilityMode::None => Vec::new(),
        CompatibilityMode::Backward => resolve::resolve(new, latest_schema)
            .into_iter()
            .map(|finding| explain(finding, Direction::Backward, latest_version))
            .collect(),
        CompatibilityMode::Forward => resolve::resolve(latest_schema, new)
            .into_iter()
            .map(|finding| explain(finding, Direction::Forward, latest_version))
            .collect(),
    };

    let explanation = match mode {
        CompatibilityMode::None => format!(
            "the group's compatibility mode is None, so the registry accepts the version without \
             checking its compatibility with the latest version ({latest_version})"
        ),
        _ => format!(
            "compared in {mode} mode with the latest version ({latest_version}) only; Azure \
             Schema Registry documents compatibility as a check against the latest version, \
             so earlier versions are not consulted"
        ),
    };
    Verdict {
        mode,
        accepted: incompatibilities.is_empty(),
        compared_with_version: Some(latest_version),
        incompatibilities,
        warnings,
        explanation,
    }
}

#[cfg(test)]
mod tests;
