//! Checks of field defaults against the Avro specification, and the [`Warning`] type that
//! these checks and the logical type check produce.
//!
//! The specification requires a field's default to match the field's type, and a union's
//! default to match the union's first branch. Azure Schema Registry accepts schemas that break
//! either rule, so these checks produce warnings, never rejections by themselves. A nullable
//! field whose default is the string `"null"` follows both rules when the union has a string
//! branch, but it also gets a warning, because a reader fills the field with the text `null`.
//!
//! The compatibility check uses [`has_usable_default`] to decide whether a default can fill a
//! field. A union's default that matches a later branch counts, as Azure accepts it. A default that
//! matches no branch, or is of another type than the field, counts as no default, so adding
//! such a field in Backward mode is rejected.

use serde::Serialize;
use serde_json::Value;

use crate::model::{type_json, AvroType, Field, NamedType, ParsedSchema};

/// Depth of nested default values past which a default is taken as matching, so that checking
/// a recursive type's default always ends.
const MAX_DEPTH: usize = 32;

/// A problem with a field's default: a rule of the specification that it breaks, or a null
/// value written in quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DefaultProblem {
    /// The default matches a later branch of the union, not the first one.
    UnionDefaultNotFirstBranch {
        /// The union's first branch.
        first_branch: String,
        /// The branch the default does match.
        matching_branch: String,
    },
    /// The default matches no branch or is of another type than the field.
    DefaultWrongType {
        /// The field's type.
        expected: String,
    },
    /// The field is a union with a `null` branch and its default is the string `"null"` in
    /// quotes, which a string, bytes or enum branch reads as its own value, not as null.
    QuotedNull {
        /// The branch that reads the string, such as `string`.
        matching_branch: String,
    },
}

/// The subject of a warning: a changed logical type, or a default that breaks a rule. Both
/// serialize with a `kind` tag, such as `"kind": "logical_type_changed"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningProblem {
    /// The field keeps an underlying type that resolves with the latest version's, but its
    /// logical type differs, so the same encoded values mean something else.
    LogicalTypeChanged {
        /// The logical type in the latest version, such as `timestamp-millis`, or `None` for
        /// a type without one.
        old: Option<String>,
        /// The logical type in the new version, or `None` for a type without one.
        new: Option<String>,
        /// The underlying type in the new version, such as `long` or a fixed type's full name.
        underlying: String,
    },
    /// The field is bytes on one side and a string on the other, so a reader decodes bytes as
    /// UTF-8 text and fails on values that are not text.
    BytesReadAsText {
        /// The type in the latest version: `bytes` or `string`.
        old: String,
        /// The type in the new version.
        new: String,
    },
    /// A default breaks a rule of the specification.
    #[serde(untagged)]
    Default(DefaultProblem),
}

/// A problem that does not reject a version: a default that the Avro specification rejects,
/// which Azure Schema Registry accepts, or a logical type that differs from the latest
/// version's, which resolution ignores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// For a default, the field's name, such as `optional_field`. For a logical type, the
    /// dotted path from the top-level type, such as `payment.created_at` or `readings[].at`.
    pub field: String,
    /// Full name of the record that declares the field, empty for a type outside any record.
    pub record: String,
    /// The default as written, JSON text, for a warning about a default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The rule that is broken, or the change.
    pub problem: WarningProblem,
    /// Sentences stating the broken rule or the change, and why it matters.
    pub message: String,
    /// How to change the schema so that it follows the specification or keeps what the values
    /// mean.
    pub fix: String,
}

/// Lists every field default in the schema that breaks the specification, and every default
/// that is the string `"null"` on a union with a `null` branch.
pub fn check_defaults(schema: &ParsedSchema) -> Vec<Warning> {
    let mut records: Vec<&NamedType> = schema
        .named
        .values()
        .filter(|named| matches!(named, NamedType::Record { .. }))
        .collect();
    records.sort_by(|a, b| a.full_name().cmp(b.full_name()));

    let mut warnings = Vec::new();
    for record in records {
        let NamedType::Record {
            full_name, fields, ..
        } = record
        else {
            continue;
        };
        for field in fields {
            let Some(default) = &field.default else {
                continue;
            };
            // A default of the wrong type counts as no default, which matters more than what
            // the default was meant to be.
            let problem = match default_problem(schema, &field.ty, default) {
                wrong @ Some(DefaultProblem::DefaultWrongType { .. }) => wrong,
                other => quoted_null(schema, &field.ty, default).or(other),
            };
            if let Some(problem) = problem {
                warnings.push(warning(
                    schema,
                    full_name,
                    &field.name,
                    &field.ty,
                    default,
                    problem,
                ));
            }
        }
    }
    warnings
}

/// Decides whether a field's default can fill the field for a reader whose writer lacks it:
/// the default is present and is a value of the field's type. For a union, a value of any
/// branch counts, although the specification wants the first.
pub(crate) fn has_usable_default(schema: &ParsedSchema, field: &Field) -> bool {
    usable_at_depth(schema, field, 0)
}

/// Decides whether a field is a union whose default matches a later branch, not the first.
/// The registry counts such a default, but `apache-avro` 0.21 reads a union's default as its
/// first branch, so the serializer fills the field itself.
pub(crate) fn default_on_later_branch(schema: &ParsedSchema, field: &Field) -> bool {
    field.default.as_ref().is_some_and(|default| {
        matches!(
            default_problem(schema, &field.ty, default),
            Some(DefaultProblem::UnionDefaultNotFirstBranch { .. })
        )
    })
}

fn usable_at_depth(schema: &ParsedSchema, field: &Field, depth: usize) -> bool {
    match &field.default {
        None => false,
        Some(default) => !matches!(
            default_problem_at_depth(schema, &field.ty, default, depth),
            Some(DefaultProblem::DefaultWrongType { .. })
        ),
    }
}

fn default_problem(
    schema: &ParsedSchema,
    ty: &AvroType,
    default: &Value,
) -> Option<DefaultProblem> {
    default_problem_at_depth(schema, ty, default, 0)
}

fn default_problem_at_depth(
    schema: &ParsedSchema,
    ty: &AvroType,
    default: &Value,
    depth: usize,
) -> Option<DefaultProblem> {
    match ty {
        AvroType::Union(branches) => {
            let first = branches.first()?;
            if value_matches(schema, first, default, depth) {
                return None;
            }
            match branches
                .iter()
                .skip(1)
                .find(|branch| value_matches(schema, branch, default, depth))
            {
                Some(matching) => Some(DefaultProblem::UnionDefaultNotFirstBranch {
                    first_branch: schema.describe(first),
                    matching_branch: schema.describe(matching),
                }),
                None => Some(DefaultProblem::DefaultWrongType {
                    expected: schema.describe(ty),
                }),
            }
        }
        _ if value_matches(schema, ty, default, depth) => None,
        _ => Some(DefaultProblem::DefaultWrongType {
            expected: schema.describe(ty),
        }),
    }
}

/// Finds a default written as the string `"null"`, in any case, on a union that has a `null`
/// branch. The person most likely meant the null value, but a string, bytes or enum branch
/// reads it as its own value. Returns the branch that reads it.
fn quoted_null(schema: &ParsedSchema, ty: &AvroType, default: &Value) -> Option<DefaultProblem> {
    let AvroType::Union(branches) = ty else {
        return None;
    };
    let text = default.as_str()?;
    if !text.eq_ignore_ascii_case("null") || !branches.contains(&AvroType::Null) {
        return None;
    }
    let matching = branches
        .iter()
        .find(|branch| value_matches(schema, branch, default, 0))?;
    Some(DefaultProblem::QuotedNull {
        matching_branch: schema.describe(matching),
    })
}

/// Decides whether a JSON default is a valid value of the type, following the specification's
/// table of default encodings. Bytes and fixed are strings of code points U+0000 to U+00FF,
/// one per byte, and a union nested in a default matches by its first branch only.
fn value_matches(schema: &ParsedSchema, ty: &AvroType, value: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match ty {
        AvroType::Null => value.is_null(),
        AvroType::Boolean => value.is_boolean(),
        AvroType::Int => value
            .as_i64()
            .is_some_and(|number| i32::try_from(number).is_ok()),
        AvroType::Long => value.is_i64(),
        AvroType::Float | AvroType::Double => value.is_number(),
        AvroType::String => value.is_string(),
        AvroType::Bytes | AvroType::Decimal(_) => value.as_str().is_some_and(is_byte_string),
        AvroType::Logical { underlying, .. } => value_matches(schema, underlying, value, depth),
        AvroType::Array(items) => value.as_array().is_some_and(|elements| {
            elements
                .iter()
                .all(|element| value_matches(schema, items, element, depth + 1))
        }),
        AvroType::Map(values) => value.as_object().is_some_and(|entries| {
            entries
                .values()
                .all(|entry| value_matches(schema, values, entry, depth + 1))
        }),
        AvroType::Union(branches) => branches
            .first()
            .is_some_and(|first| value_matches(schema, first, value, depth + 1)),
        AvroType::Named(name) => match schema.lookup(name) {
            Some(NamedType::Enum { symbols, .. }) => value
                .as_str()
                .is_some_and(|symbol| symbols.iter().any(|known| known == symbol)),
            Some(NamedType::Fixed { size, .. }) => value
                .as_str()
                .is_some_and(|text| is_byte_string(text) && text.chars().count() as u64 == *size),
            Some(NamedType::Record { fields, .. }) => value.as_object().is_some_and(|object| {
                fields.iter().all(|field| match object.get(&field.name) {
                    Some(inner) => value_matches(schema, &field.ty, inner, depth + 1),
                    None => usable_at_depth(schema, field, depth + 1),
                })
            }),
            None => false,
        },
    }
}

/// Decides whether a JSON string can stand for bytes: each character is one byte, so none may
/// be above U+00FF.
fn is_byte_string(text: &str) -> bool {
    text.chars().all(|c| u32::from(c) <= 0xFF)
}

/// Proposes a default, as JSON text, that would let a reader fill the field. Nested records
/// deeper than a few levels get `{}`, which also ends recursive types.
pub(crate) fn suggested_default(schema: &ParsedSchema, ty: &AvroType, depth: usize) -> String {
    if depth > 4 {
        return "{}".into();
    }
    match ty {
        AvroType::Union(branches) if branches.contains(&AvroType::Null) => "null".into(),
        AvroType::Union(branches) => branches
            .first()
            .map(|first| suggested_default(schema, first, depth + 1))
            .unwrap_or_else(|| "null".into()),
        AvroType::Null => "null".into(),
        AvroType::Boolean => "false".into(),
        AvroType::Int | AvroType::Long => "0".into(),
        AvroType::Float | AvroType::Double => "0.0".into(),
        AvroType::Bytes | AvroType::Decimal(_) | AvroType::String => "\"\"".into(),
        AvroType::Logical { underlying, .. } => suggested_default(schema, underlying, depth),
        AvroType::Array(_) => "[]".into(),
        AvroType::Map(_) => "{}".into(),
        AvroType::Named(name) => match schema.lookup(name) {
            Some(NamedType::Enum { symbols, .. }) => format!("\"{}\"", symbols[0]),
            Some(NamedType::Fixed { size, .. }) => {
                format!("\"{}\"", "\\u0000".repeat(*size as usize))
            }
            Some(NamedType::Record { fields, .. }) => {
                let parts: Vec<String> = fields
                    .iter()
                    .filter(|field| !has_usable_default(schema, field))
                    .map(|field| {
                        format!(
                            "\"{}\": {}",
                            field.name,
                            suggested_default(schema, &field.ty, depth + 1)
                        )
                    })
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            None => "null".into(),
        },
    }
}

fn warning(
    schema: &ParsedSchema,
    record: &str,
    field: &str,
    ty: &AvroType,
    default: &Value,
    problem: DefaultProblem,
) -> Warning {
    let default_text = default.to_string();
    let (message, fix) = match &problem {
        DefaultProblem::UnionDefaultNotFirstBranch {
            first_branch,
            matching_branch,
        } => {
            let reordered = match ty {
                AvroType::Union(branches) => {
                    let mut order: Vec<&AvroType> = branches.iter().collect();
                    if let Some(index) = order
                        .iter()
                        .position(|branch| schema.describe(branch) == *matching_branch)
                    {
                        let moved = order.remove(index);
                        order.insert(0, moved);
                    }
                    let parts: Vec<String> = order.iter().map(|branch| type_json(branch)).collect();
                    format!("[{}]", parts.join(", "))
                }
                _ => schema.describe(ty),
            };
            (
                format!(
                    "field `{field}` has the default {default_text}, which matches the union \
                     branch `{matching_branch}` but not its first branch `{first_branch}`; the \
                     Avro specification requires a union's default to match the first branch. \
                     Azure Schema Registry accepts this schema, but strict Avro libraries \
                     reject it"
                ),
                format!(
                    "put \"{matching_branch}\" first in the union: \"type\": {reordered}, \
                     \"default\": {default_text}"
                ),
            )
        }
        DefaultProblem::QuotedNull { matching_branch } => (
            format!(
                "field `{field}` has the default {default_text} in quotes, which is a string, \
                 not the null value: a reader that fills the field from its default reads it \
                 as a value of the branch `{matching_branch}`, not as null"
            ),
            format!(
                "write the default without quotes and put \"null\" first in the union: \
                 \"type\": {}, \"default\": null",
                null_first(ty)
            ),
        ),
        DefaultProblem::DefaultWrongType { expected } => (
            format!(
                "field `{field}` has the default {default_text}, which is not a value of its \
                 type {expected}, so the field counts as having no default. The compatibility \
                 check treats the field as required, and readers that need the default fail. \
                 The Avro specification requires the default to be a value of the field's \
                 type (for a union, of its first branch)"
            ),
            format!(
                "give `{field}` a default of type {expected}, such as \"default\": {}, or \
                 remove the default",
                suggested_default(schema, ty, 0)
            ),
        ),
    };
    Warning {
        field: field.to_string(),
        record: record.to_string(),
        default: Some(default_text),
        problem: WarningProblem::Default(problem),
        message,
        fix,
    }
}

/// Writes a union's type as JSON with its `null` branch moved first.
fn null_first(ty: &AvroType) -> String {
    let AvroType::Union(branches) = ty else {
        return type_json(ty);
    };
    let mut order: Vec<&AvroType> = branches.iter().collect();
    if let Some(index) = order.iter().position(|branch| **branch == AvroType::Null) {
        let null = order.remove(index);
        order.insert(0, null);
    }
    let parts: Vec<String> = order.iter().map(|branch| type_json(branch)).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings_of(text: &str) -> Vec<Warning> {
        check_defaults(&ParsedSchema::parse(text).unwrap())
    }

    #[test]
    fn null_default_after_string_branch_warns() {
        let warnings = warnings_of(
            r#"{"type":"record","name":"E","fields":[
                {"name":"optional_field","type":["string","null"],"default":null}]}"#,
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "optional_field");
        assert_eq!(
            warnings[0].problem,
            WarningProblem::Default(DefaultProblem::UnionDefaultNotFirstBranch {
                first_branch: "string".into(),
                matching_branch: "null".into()
            })
        );
        assert!(
            warnings[0].fix.contains(r#"["null", "string"]"#),
            "{}",
            warnings[0].fix
        );
    }

    #[test]
    fn null_default_on_null_first_is_clean() {
        let warnings = warnings_of(
            r#"{"type":"record","name":"E","fields":[
                {"name":"a","type":["null","string"],"default":null}]}"#,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn number_default_on_string_warns_wrong_type() {
        let warnings = warnings_of(
            r#"{"type":"record","name":"E","fields":[{"name":"a","type":"string","default":5}]}"#,
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].problem,
            WarningProblem::Default(DefaultProblem::DefaultWrongType {
                expected: "string".into()
            })
        );
        assert_eq!(
            warnings[0].message,
            "field `a` has the default 5, which is not a value of its type string, so the field \
             counts as having no default. The compatibility check treats the field as required, \
             and readers that need the default fail. The Avro specification requires the \
             default to be a value of the field's type (for a union, of its first branch)"
        );
        assert_eq!(
            warnings[0].fix,
            "give `a` a default of type string, such as \"default\": \"\", or remove the default"
        );
    }

    #[test]
    fn int_default_out_of_range_warns() {
        let warnings = warnings_of(
            r#"{"type":"record","name":"E","fields":[
                {"name":"a","type":"int","default":4294967296}]}"#,
        );
        assert_eq!(warnings.len(), 1);
    }
}
