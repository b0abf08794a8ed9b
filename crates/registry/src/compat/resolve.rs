//! Avro schema resolution between a reader and a writer schema, field by field.
//!
//! The rules are those of the Avro specification's "Schema Resolution" section:
//!
//! - named types match by unqualified name or when a reader alias is the writer's full name,
//!   and fields match by name or a reader field alias;
//! - a reader field that the writer lacks needs a default, and writer fields that the reader
//!   lacks are skipped;
//! - primitives may be promoted: int to long, float or double; long to float or double; float
//!   to double; string and bytes either way;
//! - every branch of a writer union must be readable.
//!
//! Resolution ignores logical types, except that two decimals must agree. The walk still
//! records each pair of resolved types whose logical types differ, for the warnings of
//! [`super::logical`].

use std::collections::HashSet;

use super::defaults::{has_usable_default, suggested_default};
use crate::model::{
    describe_decimal, AvroType, Decimal, Field, LogicalType, NamedType, ParsedSchema,
};

/// One place where data written with the writer schema cannot be read with the reader schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// Dotted field path from the top-level record, such as `address.street`.
    pub(crate) path: String,
    pub(crate) kind: FindingKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FindingKind {
    /// The reader has a field without a usable default that the writer does not write.
    MissingField {
        /// Type of the reader's field, for messages.
        reader_type: String,
        /// The reader field's default as JSON text when it has one that is not a value of its
        /// type, which counts as no default.
        unusable_default: Option<String>,
        /// A default that would make the field optional, as JSON text.
        suggested_default: String,
        /// The field is a union whose first branch is not `null` although it contains `null`.
        null_not_first: bool,
    },
    /// The reader lacks a field (without default) the writer has a field of the same type for:
    /// most likely the same field under a new name.
    Renamed {
        reader_name: String,
        writer_name: String,
    },
    /// The reader's type cannot read the writer's type.
    TypeMismatch { reader: String, writer: String },
    /// Branches of the writer's union that no reader type reads.
    UnreadableBranches {
        reader: String,
        /// The writer's union, followed by the branches without a match.
        writer: String,
        /// The branches without a match, as types are described in messages.
        branches: Vec<String>,
        /// Whether one of those branches is a record, enum or fixed type, which an alias or
        /// an old name can match.
        has_named_branch: bool,
        /// Whether the reader's type is a union, as opposed to a single type.
        reader_is_union: bool,
    },
    /// Both sides are named types of the same kind whose names do not match.
    NameMismatch {
        reader: String,
        writer: String,
        /// A reader alias with the writer's unqualified name but in another namespace, which
        /// therefore names another type.
        misplaced_alias: Option<String>,
    },
    /// Both sides are named types with matching names but of different kinds, such as a record
    /// that became an enum: no data of one kind can be read as the other.
    KindChanged {
        reader_name: String,
        writer_name: String,
        reader_kind: &'static str,
        writer_kind: &'static str,
    },
    /// The writer's enum has symbols the reader lacks, and the reader's enum has no default.
    EnumSymbolsMissing { symbols: Vec<String> },
    /// Two fixed types differ in size.
    FixedSizeChanged { reader: u64, writer: u64 },
    /// Two decimal logical types differ in precision or scale.
    DecimalChanged { reader: Decimal, writer: Decimal },
}

/// A logical type in the form that the comparison of two versions uses: a decimal with its
/// precision and scale, or any other logical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logical {
    Decimal(Decimal),
    Other(LogicalType),
}

impl Logical {
    /// Returns the name for messages, such as `timestamp-millis` or `decimal(10, 2)`.
    pub(crate) fn name(&self) -> String {
        match self {
            Logical::Decimal(decimal) => describe_decimal(decimal),
            Logical::Other(logical_type) => logical_type.name().to_string(),
        }
    }
}

/// One side of a [`LogicalTypeChange`]: the underlying type and its logical type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Annotated {
    /// The underlying type as messages describe it, such as `long`, or a fixed type's full
    /// name.
    pub(crate) underlying: String,
    /// The fixed type's size, `None` for a primitive.
    pub(crate) fixed_size: Option<u64>,
    /// The logical type, `None` for a type without a valid one.
    pub(crate) logical: Option<Logical>,
}

impl Annotated {
    fn of_primitive(schema: &ParsedSchema, ty: &AvroType) -> Annotated {
        let logical = match ty {
            AvroType::Decimal(decimal) => Some(Logical::Decimal(*decimal)),
            AvroType::Logical { logical_type, .. } => Some(Logical::Other(*logical_type)),
            _ => None,
        };
        Annotated {
            underlying: schema.describe(ty.underlying()),
            fixed_size: None,
            logical,
        }
    }

    fn of_fixed(fixed: &NamedType) -> Option<Annotated> {
        let NamedType::Fixed {
            full_name,
            size,
            decimal,
            logical_type,
            ..
        } = fixed
        else {
            return None;
        };
        Some(Annotated {
            underlying: full_name.clone(),
            fixed_size: Some(*size),
            logical: decimal
                .map(Logical::Decimal)
                .or(logical_type.map(Logical::Other)),
        })
    }
}

/// Two types that resolve, at one place of the schema, whose logical types differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogicalTypeChange {
    /// Dotted field path from the top-level type, as in [`Finding::path`].
    pub(crate) path: String,
    /// Full name of the reader's record that declares the field, `None` outside any record.
    pub(crate) reader_record: Option<String>,
    /// Full name of the writer's record that declares the field.
    pub(crate) writer_record: Option<String>,
    pub(crate) reader: Annotated,
    pub(crate) writer: Annotated,
}

impl Finding {
    /// Describes the finding in one sentence, in terms of the reader and the writer.
    pub(crate) fn describe(&self) -> String {
        let path = if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        };
        match &self.kind {
            FindingKind::MissingField {
                reader_type,
                unusable_default: None,
                ..
            } => format!(
                "field `{path}` ({reader_type}) is missing from the writer's schema and has no \
                 default in the reader's"
            ),
            FindingKind::MissingField {
                reader_type,
                unusable_default: Some(default),
                ..
            } => format!(
                "field `{path}` ({reader_type}) is missing from the writer's schema, and its \
                 default {default} in the reader's is not a value of that type"
            ),
            FindingKind::Renamed { writer_name, .. } => format!(
                "field `{path}` is missing from the writer's schema, which has `{writer_name}` \
                 of the same type instead"
            ),
            FindingKind::TypeMismatch { reader, writer }
            | FindingKind::UnreadableBranches { reader, writer, .. } => format!(
                "field `{path}` is {reader} in the reader's schema but {writer} in the writer's"
            ),
            FindingKind::NameMismatch { reader, writer, .. } => format!(
                "the type at `{path}` is named `{reader}` in the reader's schema but `{writer}` \
                 in the writer's"
            ),
            FindingKind::KindChanged {
                reader_name,
                writer_name,
                reader_kind,
                writer_kind,
            } => format!(
                "the type at `{path}` is the {reader_kind} `{reader_name}` in the reader's schema \
                 but the {writer_kind} `{writer_name}` in the writer's"
            ),
            FindingKind::EnumSymbolsMissing { symbols } => format!(
                "the enum at `{path}` lacks the writer's symbols {}",
                symbols.join(", ")
            ),
            FindingKind::DecimalChanged { reader, writer } => format!(
                "field `{path}` is {} in the reader's schema but {} in the writer's",
                describe_decimal(reader),
                describe_decimal(writer)
            ),
            FindingKind::FixedSizeChanged { reader, writer } => format!(
                "the fixed type at `{path}` has {reader} bytes in the reader's schema but \
                 {writer} in the writer's"
            ),
        }
    }
}

/// Walks a reader schema against a writer schema and returns every finding.
pub(crate) fn resolve(reader: &ParsedSchema, writer: &ParsedSchema) -> Vec<Finding> {
    let mut walker = Walker::new(reader, writer);
    walker.resolve(&reader.root, &writer.root, "");
    walker.findings
}

/// Walks a reader schema against a writer schema and returns every pair of resolved types
/// whose logical types differ, except pairs of decimals, which resolution itself checks.
pub(crate) fn logical_type_changes(
    reader: &ParsedSchema,
    writer: &ParsedSchema,
) -> Vec<LogicalTypeChange> {
    let mut walker = Walker::new(reader, writer);
    walker.resolve(&reader.root, &writer.root, "");
    walker.logical_type_changes
}

/// A place of the schema where the reader's string reads the writer's bytes, which the
/// specification allows and which fails for bytes that are not UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BytesReadAsText {
    /// Dotted field path from the top-level type, as in [`Finding::path`].
    pub(crate) path: String,
    /// Full name of the reader's record that declares the field, `None` outside any record.
    pub(crate) reader_record: Option<String>,
}

/// Walks a reader schema against a writer schema and returns every place where a string of
/// the reader reads bytes of the writer.
pub(crate) fn bytes_read_as_text(
    reader: &ParsedSchema,
    writer: &ParsedSchema,
) -> Vec<BytesReadAsText> {
    let mut walker = Walker::new(reader, writer);
    walker.resolve(&reader.root, &writer.root, "");
    walker.bytes_read_as_text
}

struct Walker<'a> {
    reader: &'a ParsedSchema,
    writer: &'a ParsedSchema,
    /// Record pairs already being compared, so recursive types terminate.
    visiting: HashSet<(String, String)>,
    findings: Vec<Finding>,
    /// Full names of the reader's and the writer's records whose fields are being compared.
    records: (Option<String>, Option<String>),
    logical_type_changes: Vec<LogicalTypeChange>,
    bytes_read_as_text: Vec<BytesReadAsText>,
}

impl<'a> Walker<'a> {
    fn new(reader: &'a ParsedSchema, writer: &'a ParsedSchema) -> Self {
        Walker {
            reader,
            writer,
            visiting: HashSet::new(),
            findings: Vec::new(),
            records: (None, None),
            logical_type_changes: Vec::new(),
            bytes_read_as_text: Vec::new(),
        }
    }

    fn resolve(&mut self, reader: &AvroType, writer: &AvroType, path: &str) {
        match (reader, writer) {
            (_, AvroType::Union(writer_branches)) => {
                self.resolve_writer_union(reader, writer_branches, path)
            }
            (AvroType::Union(reader_branches), _) => {
                match self.pick_branch(reader_branches, writer, std::slice::from_ref(writer)) {
                    Some(branch) => self.resolve(branch, writer, path),
                    None => self.type_mismatch(reader, writer, path),
                }
            }
            (AvroType::Array(reader_items), AvroType::Array(writer_items)) => {
                self.resolve(reader_items, writer_items, &format!("{path}[]"))
            }
            (AvroType::Map(reader_values), AvroType::Map(writer_values)) => {
                self.resolve(reader_values, writer_values, &format!("{path}{{}}"))
            }
            (AvroType::Named(reader_name), AvroType::Named(writer_name)) => {
                self.resolve_named(reader_name, writer_name, path)
            }
            (AvroType::Decimal(reader_decimal), AvroType::Decimal(writer_decimal)) => {
                self.check_decimals(Some(reader_decimal), Some(writer_decimal), path)
            }
            _ if promotable(writer, reader) => {
                if matches!(
                    (writer.underlying(), reader.underlying()),
                    (AvroType::Bytes, AvroType::String)
                ) {
                    self.bytes_read_as_text.push(BytesReadAsText {
                        path: path.to_string(),
                        reader_record: self.records.0.clone(),
                    });
                }
                self.note_logical_types(
                    Annotated::of_primitive(self.reader, reader),
                    Annotated::of_primitive(self.writer, writer),
                    path,
                )
            }
            _ => self.type_mismatch(reader, writer, path),
        }
    }

    /// Records a pair of resolved types whose logical types differ. Two decimals are left to
    /// [`Self::check_decimals`], which rejects a change of precision or scale.
    fn note_logical_types(&mut self, reader: Annotated, writer: Annotated, path: &str) {
        let both_decimals = matches!(
            (reader.logical, writer.logical),
            (Some(Logical::Decimal(_)), Some(Logical::Decimal(_)))
        );
        if reader.logical == writer.logical || both_decimals {
            return;
        }
        self.logical_type_changes.push(LogicalTypeChange {
            path: path.to_string(),
            reader_record: self.records.0.clone(),
            writer_record: self.records.1.clone(),
            reader,
            writer,
        });
    }

    /// Applies the specification's rule that two decimal logical types match only when their
    /// precisions and scales match. A decimal on one side only resolves as its underlying
    /// type, because that rule covers pairs of decimals only.
    fn check_decimals(&mut self, reader: Option<&Decimal>, writer: Option<&Decimal>, path: &str) {
        if let (Some(reader), Some(writer)) = (reader, writer) {
            if reader != writer {
                self.findings.push(Finding {
                    path: path.to_string(),
                    kind: FindingKind::DecimalChanged {
                        reader: *reader,
                        writer: *writer,
                    },
                });
            }
        }
    }

    fn resolve_writer_union(
        &mut self,
        reader: &AvroType,
        writer_branches: &[AvroType],
        path: &str,
    ) {
        let mut unreadable = Vec::new();
        let mut has_named_branch = false;
        for writer_branch in writer_branches {
            let reader_branches = match reader {
                AvroType::Union(reader_branches) => reader_branches.as_slice(),
                single => std::slice::from_ref(single),
            };
            let matched = self.pick_branch(reader_branches, writer_branch, writer_branches);
            match matched {
                Some(reader_branch) => self.resolve(reader_branch, writer_branch, path),
                None => {
                    has_named_branch |= matches!(writer_branch, AvroType::Named(_));
                    unreadable.push(self.writer.describe(writer_branch));
                }
            }
        }
        if !unreadable.is_empty() {
            let writer = format!(
                "{} ({} no match in the reader)",
                self.writer
                    .describe(&AvroType::Union(writer_branches.to_vec())),
                unmatched_branches(&unreadable)
            );
            self.findings.push(Finding {
                path: path.to_string(),
                kind: FindingKind::UnreadableBranches {
                    reader: self.reader.describe(reader),
                    writer,
                    branches: unreadable,
                    has_named_branch,
                    reader_is_union: matches!(reader, AvroType::Union(_)),
                },
            });
        }
    }

    fn resolve_named(&mut self, reader_name: &str, writer_name: &str, path: &str) {
        let (Some(reader_type), Some(writer_type)) = (
            self.reader.lookup(reader_name),
            self.writer.lookup(writer_name),
        ) else {
            return;
        };
        let kind = match (
            names_match(reader_type, writer_type),
            same_kind(reader_type, writer_type),
        ) {
            (true, true) => None,
            (true, false) => Some(FindingKind::KindChanged {
                reader_name: reader_name.to_string(),
                writer_name: writer_name.to_string(),
                reader_kind: kind_name(reader_type),
                writer_kind: kind_name(writer_type),
            }),
            (false, true) => Some(FindingKind::NameMismatch {
                reader: reader_name.to_string(),
                writer: writer_name.to_string(),
                misplaced_alias: misplaced_alias(reader_type, writer_type),
            }),
            (false, false) => Some(FindingKind::TypeMismatch {
                reader: reader_name.to_string(),
                writer: writer_name.to_string(),
            }),
        };
        if let Some(kind) = kind {
            self.findings.push(Finding {
                path: path.to_string(),
                kind,
            });
            return;
        }
        match (reader_type, writer_type) {
            (
                NamedType::Record {
                    fields: reader_fields,
                    ..
                },
                NamedType::Record {
                    fields: writer_fields,
                    ..
                },
            ) => {
                let key = (reader_name.to_string(), writer_name.to_string());
                if self.visiting.insert(key.clone()) {
                    let outer = std::mem::replace(
                        &mut self.records,
                        (Some(key.0.clone()), Some(key.1.clone())),
                    );
                    self.resolve_fields(reader_fields, writer_fields, path);
                    self.records = outer;
                    self.visiting.remove(&key);
                }
            }
            (
                NamedType::Enum {
                    symbols: reader_symbols,
                    default,
                    ..
                },
                NamedType::Enum {
                    symbols: writer_symbols,
                    ..
                },
            ) => {
                let missing: Vec<String> = writer_symbols
                    .iter()
                    .filter(|symbol| !reader_symbols.contains(symbol))
                    .cloned()
                    .collect();
                if !missing.is_empty() && default.is_none() {
                    self.findings.push(Finding {
                        path: path.to_string(),
                        kind: FindingKind::EnumSymbolsMissing { symbols: missing },
                    });
                }
            }
            (
                NamedType::Fixed {
                    size: reader_size, ..
                },
                NamedType::Fixed {
                    size: writer_size, ..
                },
            ) if reader_size != writer_size => self.findings.push(Finding {
                path: path.to_string(),
                kind: FindingKind::FixedSizeChanged {
                    reader: *reader_size,
                    writer: *writer_size,
                },
            }),
            (
                NamedType::Fixed {
                    decimal: reader_decimal,
                    ..
                },
                NamedType::Fixed {
                    decimal: writer_decimal,
                    ..
                },
            ) => {
                self.check_decimals(reader_decimal.as_ref(), writer_decimal.as_ref(), path);
                if let (Some(reader), Some(writer)) = (
                    Annotated::of_fixed(reader_type),
                    Annotated::of_fixed(writer_type),
                ) {
                    self.note_logical_types(reader, writer, path);
                }
            }
            // Named types of different kinds were reported above.
            _ => {}
        }
    }

    fn resolve_fields(&mut self, reader_fields: &[Field], writer_fields: &[Field], path: &str) {
        let mut matched_writer = vec![false; writer_fields.len()];
        let mut missing: Vec<&Field> = Vec::new();
        for reader_field in reader_fields {
            // An exact name wins over an alias, so a reader field `y` with the alias `x` reads
            // the writer's `y` when the writer has both.
            let found = writer_fields
                .iter()
                .position(|writer_field| writer_field.name == reader_field.name)
                .or_else(|| {
                    writer_fields
                        .iter()
                        .position(|writer_field| reader_field.aliases.contains(&writer_field.name))
                });
            match found {
                Some(index) => {
                    matched_writer[index] = true;
                    let field_path = join(path, &reader_field.name);
                    self.resolve(&reader_field.ty, &writer_fields[index].ty, &field_path);
                }
                None if !has_usable_default(self.reader, reader_field) => {
                    missing.push(reader_field)
                }
                None => {}
            }
        }

        let mut unmatched_writer: Vec<&Field> = writer_fields
            .iter()
            .zip(&matched_writer)
            .filter(|(_, matched)| !**matched)
            .map(|(field, _)| field)
            .collect();
        for reader_field in missing {
            let field_path = join(path, &reader_field.name);
            match self.take_rename_partner(reader_field, &mut unmatched_writer) {
                Some(writer_field) => self.findings.push(Finding {
                    path: field_path,
                    kind: FindingKind::Renamed {
                        reader_name: reader_field.name.clone(),
                        writer_name: writer_field.name.clone(),
                    },
                }),
                None => self.findings.push(Finding {
                    path: field_path,
                    kind: FindingKind::MissingField {
                        reader_type: self.reader.describe(&reader_field.ty),
                        unusable_default: reader_field.default.as_ref().map(ToString::to_string),
                        suggested_default: suggested_default(self.reader, &reader_field.ty, 0),
                        null_not_first: null_not_first(&reader_field.ty),
                    },
                }),
            }
        }
    }

    /// Picks, among the writer fields that no reader field matched, one whose type is
    /// interchangeable with the reader field's type. The longest shared name prefix wins a tie.
    fn take_rename_partner<'f>(
        &self,
        reader_field: &Field,
        unmatched_writer: &mut Vec<&'f Field>,
    ) -> Option<&'f Field> {
        let best = unmatched_writer
            .iter()
            .enumerate()
            .filter(|(_, writer_field)| self.equivalent(&reader_field.ty, &writer_field.ty))
            .max_by_key(|(_, writer_field)| common_prefix(&reader_field.name, &writer_field.name))
            .map(|(index, _)| index)?;
        Some(unmatched_writer.remove(best))
    }

    fn equivalent(&self, reader: &AvroType, writer: &AvroType) -> bool {
        let mut forward = Walker::new(self.reader, self.writer);
        forward.resolve(reader, writer, "");
        let mut backward = Walker::new(self.writer, self.reader);
        backward.resolve(writer, reader, "");
        forward.findings.is_empty() && backward.findings.is_empty()
    }

    /// Picks the reader branch that reads a writer type, or `None` when no branch can.
    ///
    /// The specification picks the first reader branch that matches. For a named writer type,
    /// a branch whose full name or alias is the writer's full name matches first. Only then
    /// does an unqualified name match, and only with a branch that reads the writer's type
    /// without findings or that no other writer branch matches by full name. So in a union of
    /// `a.R` and `b.R`, the writer's `b.R` is never paired with the reader's `a.R`.
    /// `writer_union` contains every branch of the writer's union, or the writer type alone.
    fn pick_branch<'t>(
        &self,
        reader_branches: &'t [AvroType],
        writer: &AvroType,
        writer_union: &[AvroType],
    ) -> Option<&'t AvroType> {
        let AvroType::Named(writer_name) = writer else {
            return reader_branches
                .iter()
                .find(|branch| self.shallow_match(branch, writer));
        };
        let writer_type = self.writer.lookup(writer_name)?;
        let named: Vec<(&'t AvroType, &NamedType)> = reader_branches
            .iter()
            .filter_map(|branch| match branch {
                AvroType::Named(name) => self.reader.lookup(name).map(|ty| (branch, ty)),
                _ => None,
            })
            .collect();
        let (same_kind_branches, other_kind_branches): (Vec<_>, Vec<_>) = named
            .into_iter()
            .partition(|(_, reader_type)| same_kind(reader_type, writer_type));

        // A branch of another kind with a matching name is returned last, so that the mismatch
        // is reported as a changed kind rather than as a missing branch.
        [same_kind_branches, other_kind_branches]
            .into_iter()
            .find_map(|branches| {
                branches
                    .iter()
                    .find(|(_, reader_type)| {
                        full_name_matches(reader_type, writer_type.full_name())
                    })
                    .map(|(branch, _)| *branch)
                    .or_else(|| self.unqualified_match(&branches, writer, writer_union))
            })
    }

    /// Finds, among named reader branches, one with the writer's unqualified name that reads
    /// the writer's type without findings, or else one that no other writer branch matches by
    /// full name.
    fn unqualified_match<'t>(
        &self,
        branches: &[(&'t AvroType, &NamedType)],
        writer: &AvroType,
        writer_union: &[AvroType],
    ) -> Option<&'t AvroType> {
        let AvroType::Named(writer_name) = writer else {
            return None;
        };
        let candidates: Vec<&(&AvroType, &NamedType)> = branches
            .iter()
            .filter(|(_, reader_type)| {
                unqualified(reader_type.full_name()) == unqualified(writer_name)
            })
            .collect();
        let claimed = |reader_type: &NamedType| {
            writer_union.iter().any(|other| match other {
                AvroType::Named(other_name) if other_name != writer_name => {
                    full_name_matches(reader_type, other_name)
                }
                _ => false,
            })
        };
        candidates
            .iter()
            .find(|(branch, _)| self.reads_cleanly(branch, writer))
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(_, reader_type)| !claimed(reader_type))
            })
            .map(|(branch, _)| *branch)
    }

    /// Decides whether the reader type reads the writer type without any finding.
    fn reads_cleanly(&self, reader: &AvroType, writer: &AvroType) -> bool {
        let mut trial = Walker {
            visiting: self.visiting.clone(),
            ..Walker::new(self.reader, self.writer)
        };
        trial.resolve(reader, writer, "");
        trial.findings.is_empty()
    }

    /// Decides whether a reader type could be chosen for an unnamed writer type without
    /// looking inside it, as the specification does when it picks a union branch.
    fn shallow_match(&self, reader: &AvroType, writer: &AvroType) -> bool {
        match (reader, writer) {
            (AvroType::Array(_), AvroType::Array(_)) | (AvroType::Map(_), AvroType::Map(_)) => true,
            (AvroType::Union(_), _) | (_, AvroType::Union(_)) => false,
            (AvroType::Named(_), _) | (_, AvroType::Named(_)) => false,
            _ => promotable(writer, reader),
        }
    }

    fn type_mismatch(&mut self, reader: &AvroType, writer: &AvroType, path: &str) {
        self.findings.push(Finding {
            path: path.to_string(),
            kind: FindingKind::TypeMismatch {
                reader: self.reader.describe(reader),
                writer: self.writer.describe(writer),
            },
        });
    }
}

/// Decides whether data of the writer's primitive type can be read as the reader's.
fn promotable(writer: &AvroType, reader: &AvroType) -> bool {
    use AvroType::*;
    matches!(
        (writer.underlying(), reader.underlying()),
        (Null, Null)
            | (Boolean, Boolean)
            | (Int, Int | Long | Float | Double)
            | (Long, Long | Float | Double)
            | (Float, Float | Double)
            | (Double, Double)
            | (Bytes, Bytes | String)
            | (String, String | Bytes)
    )
}

fn same_kind(left: &NamedType, right: &NamedType) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

fn kind_name(named: &NamedType) -> &'static str {
    match named {
        NamedType::Record { .. } => "record",
        NamedType::Enum { .. } => "enum",
        NamedType::Fixed { .. } => "fixed type",
    }
}

/// Applies the specification's name rule: unqualified names equal, or one of the reader's
/// aliases is the writer's full name. Aliases are stored as full names, so an alias `u.E`
/// never matches the writer's `t.E`.
fn names_match(reader: &NamedType, writer: &NamedType) -> bool {
    let writer_name = writer.full_name();
    full_name_matches(reader, writer_name)
        || unqualified(reader.full_name()) == unqualified(writer_name)
}

/// Decides whether the reader's full name or one of its aliases is the writer's full name.
fn full_name_matches(reader: &NamedType, writer_full_name: &str) -> bool {
    reader.full_name() == writer_full_name
        || reader
            .aliases()
            .iter()
            .any(|alias| alias == writer_full_name)
}

/// Returns a reader alias that has the writer's unqualified name but another namespace, which
/// a person may have meant as the writer's name.
fn misplaced_alias(reader: &NamedType, writer: &NamedType) -> Option<String> {
    let writer_name = writer.full_name();
    reader
        .aliases()
        .iter()
        .find(|alias| *alias != writer_name && unqualified(alias) == unqualified(writer_name))
        .cloned()
}

fn unqualified(full_name: &str) -> &str {
    full_name.rsplit('.').next().unwrap_or(full_name)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn common_prefix(left: &str, right: &str) -> usize {
    left.chars()
        .zip(right.chars())
        .take_while(|(a, b)| a == b)
        .count()
}

fn null_not_first(ty: &AvroType) -> bool {
    match ty {
        AvroType::Union(branches) => {
            branches.contains(&AvroType::Null) && branches.first() != Some(&AvroType::Null)
        }
        _ => false,
    }
}

/// Names the writer's union branches that no reader type matches, as the subject of "has" or
/// "have".
fn unmatched_branches(branches: &[String]) -> String {
    match branches {
        [branch] => format!("its branch {branch} has"),
        _ => format!("its branches {} have", branches.join(", ")),
    }
}
