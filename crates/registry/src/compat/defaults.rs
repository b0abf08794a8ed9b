//! Checks of field defaults against the Avro specification.
//!
//! The specification requires a field's default to match the field's type, and a union's
//! default to match the union's first branch. Azure Schema Registry accepts schemas that break
//! either rule, so these checks produce warnings, never rejections.

use serde::Serialize;
use serde_json::Value;

use crate::model::{AvroType, NamedType, ParsedSchema};

/// Rule of the specification that a default breaks.
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
}

/// A default that Azure accepts but the Avro specification rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Dotted field path inside its record, such as `optional_field`.
    pub field: String,
    /// Full name of the record that declares the field.
    pub record: String,
    /// The default as written, JSON text.
    pub default: String,
    /// The rule that is broken.
    pub problem: DefaultProblem,
    /// A sentence stating the rule and why it matters.
    pub message: String,
    /// How to change the schema so that it follows the specification.
    pub fix: String,
}

/// Lists every field default in the schema that breaks the specification.
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
            if let Some(problem) = default_problem(schema, &field.ty, default) {
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

fn default_problem(
    schema: &ParsedSchema,
    ty: &AvroType,
    default: &Value,
) -> Option<DefaultProblem> {
    match ty {
        AvroType::Union(branches) => {
            let first = branches.first()?;
            if value_matches(schema, first, default, 0) {
                return None;
            }
            match branches
                .iter()
                .skip(1)
                .find(|branch| value_matches(schema, branch, default, 0))
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
        _ if value_matches(schema, ty, default, 0) => None,
        _ => Some(DefaultProblem::DefaultWrongType {
            expected: schema.describe(ty),
        }),
    }
}

/// Decides whether a JSON default is a valid value of the type, following the specification's
/// table of default encodings (bytes and fixed as strings, a union by its first branch).
fn value_matches(schema: &ParsedSchema, ty: &AvroType, value: &Value, depth: usize) -> bool {
    if depth > 32 {
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
        AvroType::Bytes | AvroType::String => value.is_string(),
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
                .is_some_and(|text| text.chars().count() as u64 == *size),
            Some(NamedType::Record { fields, .. }) => value.as_object().is_some_and(|object| {
                fields.iter().all(|field| match object.get(&field.name) {
                    Some(inner) => value_matches(schema, &field.ty, inner, depth + 1),
                    None => field.default.is_some(),
                })
            }),
            None => false,
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
                    let parts: Vec<String> = order
                        .iter()
                        .map(|branch| format!("\"{}\"", schema.describe(branch)))
                        .collect();
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
        DefaultProblem::DefaultWrongType { expected } => (
            format!(
                "field `{field}` has the default {default_text}, which is not a value of its \
                 type {expected}; the Avro specification requires the default to match the \
                 type (a union's default must match its first branch). Azure Schema Registry \
                 accepts this schema, but readers that need the default fail"
            ),
            format!("give `{field}` a default of type {expected}, or remove the default"),
        ),
    };
    Warning {
        field: field.to_string(),
        record: record.to_string(),
        default: default_text,
        problem,
        message,
        fix,
    }
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
            DefaultProblem::UnionDefaultNotFirstBranch {
                first_branch: "string".into(),
                matching_branch: "null".into()
            }
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
            DefaultProblem::DefaultWrongType {
                expected: "string".into()
            }
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
