//! Matches the fields of a value decoded with the writer's schema to the reader's fields,
//! before `apache-avro` resolves the value against the reader schema.
//!
//! `Value::resolve` in `apache-avro` 0.21 skips two rules that the compatibility check in
//! [`crate::compat::resolve`] applies, so without this step a version the registry accepts
//! would decode wrongly:
//!
//! - A reader field matches a writer field through one of its aliases. `apache-avro` matches by
//!   name only, so it fails on a renamed field without a default and fills one with a default
//!   in place of the writer's value. This step renames the writer's field to the reader's name.
//!   An exact name still wins over an alias.
//! - A union field that the writer lacks takes a default that matches a later branch than the
//!   first, such as `["string", "null"]` with `"default": null`. The registry accepts it with a
//!   warning, but `apache-avro` reads a union's default as its first branch and fails. This step
//!   fills the field with the default.

use apache_avro::types::Value;

use crate::compat::defaults::default_on_later_branch;
use crate::model::{AvroType, Field, NamedType, ParsedSchema};

/// Renames aliased fields and fills union defaults in `value`, written with `writer` and to be
/// read with `reader`, at every depth.
pub(super) fn match_reader_fields(
    value: Value,
    writer: &ParsedSchema,
    reader: &ParsedSchema,
) -> Value {
    let schemas = Schemas { writer, reader };
    schemas.walk(value, &writer.root, &reader.root)
}

struct Schemas<'a> {
    writer: &'a ParsedSchema,
    reader: &'a ParsedSchema,
}

impl Schemas<'_> {
    fn walk(&self, value: Value, writer: &AvroType, reader: &AvroType) -> Value {
        match (value, writer) {
            // The decoded value carries the index of the writer's branch it was written as.
            (Value::Union(index, inner), AvroType::Union(branches)) => {
                let branch = usize::try_from(index)
                    .ok()
                    .and_then(|index| branches.get(index));
                match branch {
                    Some(branch) => {
                        Value::Union(index, Box::new(self.walk(*inner, branch, reader)))
                    }
                    None => Value::Union(index, inner),
                }
            }
            (value, _) => match reader {
                AvroType::Union(branches) => match self.reader_branch(branches, writer) {
                    Some(branch) => self.walk(value, writer, branch),
                    None => value,
                },
                _ => self.walk_matching(value, writer, reader),
            },
        }
    }

    /// Walks into arrays, maps and records of the same shape on both sides.
    fn walk_matching(&self, value: Value, writer: &AvroType, reader: &AvroType) -> Value {
        match (value, writer, reader) {
            (Value::Array(items), AvroType::Array(writer_items), AvroType::Array(reader_items)) => {
                Value::Array(
                    items
                        .into_iter()
                        .map(|item| self.walk(item, writer_items, reader_items))
                        .collect(),
                )
            }
            (Value::Map(entries), AvroType::Map(writer_values), AvroType::Map(reader_values)) => {
                Value::Map(
                    entries
                        .into_iter()
                        .map(|(key, entry)| (key, self.walk(entry, writer_values, reader_values)))
                        .collect(),
                )
            }
            (Value::Record(fields), AvroType::Named(writer_name), AvroType::Named(reader_name)) => {
                match (
                    self.writer.lookup(writer_name),
                    self.reader.lookup(reader_name),
                ) {
                    (
                        Some(NamedType::Record {
                            fields: writer_fields,
                            ..
                        }),
                        Some(NamedType::Record {
                            fields: reader_fields,
                            ..
                        }),
                    ) => Value::Record(self.record(fields, writer_fields, reader_fields)),
                    _ => Value::Record(fields),
                }
            }
            (value, _, _) => value,
        }
    }

    fn record(
        &self,
        values: Vec<(String, Value)>,
        writer_fields: &[Field],
        reader_fields: &[Field],
    ) -> Vec<(String, Value)> {
        let mut matched = Vec::with_capacity(values.len() + reader_fields.len());
        for (name, value) in values {
            let writer_field = writer_fields.iter().find(|field| field.name == name);
            let reader_field = reader_field_for(reader_fields, writer_fields, &name);
            match (writer_field, reader_field) {
                (Some(writer_field), Some(reader_field)) => matched.push((
                    reader_field.name.clone(),
                    self.walk(value, &writer_field.ty, &reader_field.ty),
                )),
                // The reader lacks the field, and resolution skips it.
                _ => matched.push((name, value)),
            }
        }
        for reader_field in reader_fields {
            let present = matched.iter().any(|(name, _)| *name == reader_field.name);
            if present || !default_on_later_branch(self.reader, reader_field) {
                continue;
            }
            if let Some(default) = &reader_field.default {
                // Resolution picks the union branch the default is a value of.
                matched.push((reader_field.name.clone(), Value::from(default.clone())));
            }
        }
        matched
    }

    /// Picks the reader branch that a record, array or map written as `writer` is read as, by
    /// the rules of [`crate::compat::resolve`]: a named type by full name or alias first, then
    /// by unqualified name. Other types hold no fields, so they need no branch.
    fn reader_branch<'t>(
        &self,
        branches: &'t [AvroType],
        writer: &AvroType,
    ) -> Option<&'t AvroType> {
        match writer {
            AvroType::Array(_) => branches
                .iter()
                .find(|branch| matches!(branch, AvroType::Array(_))),
            AvroType::Map(_) => branches
                .iter()
                .find(|branch| matches!(branch, AvroType::Map(_))),
            AvroType::Named(writer_name) => {
                let Some(NamedType::Record { .. }) = self.writer.lookup(writer_name) else {
                    return None;
                };
                let records: Vec<(&AvroType, &NamedType)> = branches
                    .iter()
                    .filter_map(|branch| match branch {
                        AvroType::Named(name) => match self.reader.lookup(name) {
                            Some(record @ NamedType::Record { .. }) => Some((branch, record)),
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect();
                records
                    .iter()
                    .find(|(_, record)| {
                        record.full_name() == writer_name
                            || record.aliases().iter().any(|alias| alias == writer_name)
                    })
                    .or_else(|| {
                        records.iter().find(|(_, record)| {
                            unqualified(record.full_name()) == unqualified(writer_name)
                        })
                    })
                    .map(|(branch, _)| *branch)
            }
            _ => None,
        }
    }
}

/// Finds the reader field that reads the writer's field `name`: the reader field of that name,
/// or else the reader field that lists `name` as an alias. A reader field that a writer field
/// matches by name, or an earlier writer field by alias, is not matched again.
fn reader_field_for<'f>(
    reader_fields: &'f [Field],
    writer_fields: &[Field],
    name: &str,
) -> Option<&'f Field> {
    if let Some(field) = reader_fields.iter().find(|field| field.name == name) {
        return Some(field);
    }
    reader_fields.iter().find(|reader_field| {
        let claimed_by_name = writer_fields
            .iter()
            .any(|writer_field| writer_field.name == reader_field.name);
        let first_aliased = writer_fields
            .iter()
            .find(|writer_field| reader_field.aliases.contains(&writer_field.name));
        !claimed_by_name && first_aliased.is_some_and(|writer_field| writer_field.name == name)
    })
}

fn unqualified(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}
