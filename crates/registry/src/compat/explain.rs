//! Sentences for each broken field: what broke, in which direction, and how to fix it.
//!
//! In Backward mode the reader is the new version and the writer the latest one; in Forward
//! mode it is the other way round. Every message speaks of "old" and "new" versions instead.

use super::resolve::{Finding, FindingKind};
use super::{Breakage, Direction, Incompatibility};
use crate::model::describe_decimal;

/// Turns a resolution finding into a reason and a fix for the given direction.
pub(super) fn explain(
    finding: Finding,
    direction: Direction,
    latest_version: u32,
) -> Incompatibility {
    let context = Context {
        field: finding.path,
        direction,
        latest_version,
    };
    match finding.kind {
        FindingKind::MissingField {
            reader_type,
            unusable_default,
            suggested_default,
            null_not_first,
        } => {
            let missing = MissingField {
                reader_type,
                unusable_default,
                suggested_default,
                null_not_first,
            };
            match direction {
                Direction::Backward => field_added(context, &missing),
                Direction::Forward => field_removed(context, &missing),
            }
        }
        FindingKind::Renamed {
            reader_name,
            writer_name,
        } => field_renamed(context, reader_name, writer_name),
        FindingKind::TypeMismatch { reader, writer } => {
            let (old, new) = context.old_and_new(reader, writer);
            let reason = format!(
                "field `{}` changed type from {old} to {new}: {}.",
                context.display_field(),
                context.side()
            );
            let fix = type_change_fix(direction);
            context.finish(Breakage::TypeChanged { old, new }, reason, fix)
        }
        FindingKind::UnreadableBranches {
            reader,
            writer,
            branches,
            has_named_branch,
            reader_is_union,
        } => {
            let (old, new) = context.old_and_new(reader, writer);
            let reason = format!(
                "field `{}` changed type from {old} to {new}: {}.",
                context.display_field(),
                context.side()
            );
            let fix = union_branch_fix(&context, &branches, has_named_branch, reader_is_union);
            context.finish(Breakage::TypeChanged { old, new }, reason, fix)
        }
        FindingKind::NameMismatch {
            reader,
            writer,
            misplaced_alias,
        } => {
            let alias_note = match &misplaced_alias {
                Some(alias) => format!(
                    " The alias `{alias}` does not name `{writer}`, because Avro compares \
                     aliases by full name, and an alias without a dot takes the namespace of \
                     the type that declares it."
                ),
                None => String::new(),
            };
            let (old, new) = context.old_and_new(reader, writer);
            let reason = format!(
                "the type at `{}` was renamed from `{old}` to `{new}`: {}.{alias_note}",
                context.display_field(),
                context.side()
            );
            let fix = match direction {
                Direction::Backward => {
                    format!("keep the name `{old}`, or add \"aliases\": [\"{old}\"] to `{new}`")
                }
                // Avro consults only the reader's aliases, and here the reader is the old
                // version, so no alias in the new version can help.
                Direction::Forward => format!(
                    "keep the name `{old}`: readers on version {latest_version} look the type \
                     up by their own name and aliases, so they cannot know a new name, and an \
                     alias on `{new}` does not help them"
                ),
            };
            context.finish(Breakage::NameChanged { old, new }, reason, fix)
        }
        FindingKind::KindChanged {
            reader_name,
            writer_name,
            reader_kind,
            writer_kind,
        } => {
            let (old_name, new_name) = context.old_and_new(reader_name, writer_name);
            let (old, new) = context.old_and_new(reader_kind, writer_kind);
            let reason = format!(
                "the type at `{}` changed from the {old} `{old_name}` to the {new} \
                 `{new_name}`: {}, because Avro cannot read {} as {}.",
                context.display_field(),
                context.side(),
                with_article(writer_kind),
                with_article(reader_kind)
            );
            let fix = format!(
                "keep `{old_name}` {}; to carry the data as {}, add a new field with a default \
                 whose type is {} of another name",
                with_article(old),
                with_article(new),
                with_article(new)
            );
            context.finish(
                Breakage::KindChanged {
                    name: old_name,
                    old: old.to_string(),
                    new: new.to_string(),
                },
                reason,
                fix,
            )
        }
        FindingKind::EnumSymbolsMissing { symbols } => enum_symbols(context, symbols),
        FindingKind::DecimalChanged { reader, writer } => {
            let (old, new) = context.old_and_new(reader, writer);
            let misread = if old.scale != new.scale {
                ". The data carries only the unscaled digits, so a reader with another scale \
                 misreads every value by a power of ten"
            } else {
                ""
            };
            let (old, new) = (describe_decimal(&old), describe_decimal(&new));
            let reason = format!(
                "field `{}` changed from {old} to {new}: {}, because the Avro specification \
                 matches two decimals only when their precision and scale are equal{misread}.",
                context.display_field(),
                context.side()
            );
            let fix = format!(
                "keep {old}, or add a new field of type {new} with a default and fill both \
                 while readers move over"
            );
            context.finish(Breakage::DecimalChanged { old, new }, reason, fix)
        }
        FindingKind::FixedSizeChanged { reader, writer } => {
            let (old, new) = context.old_and_new(reader, writer);
            let reason = format!(
                "the fixed type at `{}` changed size from {old} to {new} bytes: {}.",
                context.display_field(),
                context.side()
            );
            let fix =
                format!("keep the size {old}, or add a new field of the new size with a default");
            context.finish(Breakage::FixedSizeChanged { old, new }, reason, fix)
        }
    }
}

/// Returns the fix for a type change. Avro promotes a writer's type to a wider reader's type,
/// so a new reader may widen the type and a new writer may narrow it.
fn type_change_fix(direction: Direction) -> String {
    match direction {
        Direction::Backward => "keep the type, or change it only to one the old type promotes \
                                to (int to long, float or double; long to float or double; \
                                float to double; string and bytes), or add a new field with a \
                                default instead"
            .to_string(),
        Direction::Forward => "keep the type, or change it only to one that promotes to the \
                               old type (int to long, float or double; long to float or \
                               double; float to double; string and bytes), because readers on \
                               the old version must read it; or add a new field with a \
                               default instead"
            .to_string(),
    }
}

/// Returns the fix for union branches that the reader cannot read. In Backward mode they are
/// branches of the old version that the new one dropped, and in Forward mode branches that
/// the new version added. `reader_is_union` is false when the reader's type is a single type.
fn union_branch_fix(
    context: &Context,
    branches: &[String],
    has_named_branch: bool,
    reader_is_union: bool,
) -> String {
    let (noun, pronoun) = match branches {
        [_] => ("branch", "it"),
        _ => ("branches", "them"),
    };
    let list = branches.join(", ");
    let latest = context.latest_version;
    match context.direction {
        Direction::Backward => {
            let rename = if has_named_branch {
                "; if a record, enum or fixed type was renamed, keep its old name or add the \
                 old full name to its \"aliases\""
            } else {
                ""
            };
            let keep = if reader_is_union {
                format!("keep the {noun} {list} in the union")
            } else {
                format!("keep the field a union that contains the {noun} {list}")
            };
            format!(
                "{keep}, because data written with version {latest} may contain \
                 {pronoun}{rename}"
            )
        }
        Direction::Forward => {
            let rename = if has_named_branch {
                "; a renamed record, enum or fixed type counts as a new branch, so keep its \
                 old name, because old readers look a branch up by their own names and aliases"
            } else {
                ""
            };
            format!(
                "do not add the {noun} {list}, because readers on version {latest} cannot \
                 read values written as {pronoun}{rename}. To carry such values, add a new \
                 field with a default instead"
            )
        }
    }
}

/// Data shared by every message of one finding.
struct Context {
    field: String,
    direction: Direction,
    latest_version: u32,
}

impl Context {
    /// Returns the sentence naming which reader cannot read which data.
    fn side(&self) -> String {
        let latest = self.latest_version;
        match self.direction {
            Direction::Backward => format!(
                "a reader on the new version cannot read data written with version {latest} \
                 (backward)"
            ),
            Direction::Forward => format!(
                "a reader still on version {latest} cannot read data written with the new \
                 version (forward)"
            ),
        }
    }

    /// Orders a reader and a writer value as (latest version, new version).
    fn old_and_new<T>(&self, reader: T, writer: T) -> (T, T) {
        match self.direction {
            Direction::Backward => (writer, reader),
            Direction::Forward => (reader, writer),
        }
    }

    fn display_field(&self) -> &str {
        if self.field.is_empty() {
            "(top level)"
        } else {
            &self.field
        }
    }

    fn finish(self, breakage: Breakage, reason: String, fix: String) -> Incompatibility {
        Incompatibility {
            field: self.field,
            direction: self.direction,
            breakage,
            reason,
            fix,
        }
    }
}

/// A reader's field that the writer lacks, with what the messages need to say about it.
struct MissingField {
    reader_type: String,
    /// A default that is not a value of the field's type, as JSON text.
    unusable_default: Option<String>,
    suggested_default: String,
    null_not_first: bool,
}

fn field_added(context: Context, missing: &MissingField) -> Incompatibility {
    let field = context.display_field().to_string();
    let reader_type = &missing.reader_type;
    let suggested_default = &missing.suggested_default;
    let reorder = if missing.null_not_first {
        " and list \"null\" first in the union, as the Avro specification wants the default to \
         match the first branch"
    } else {
        ""
    };
    let (has_no_default, fix) = match &missing.unusable_default {
        None => (
            "has no default".to_string(),
            format!("add \"default\": {suggested_default} to `{field}`{reorder}"),
        ),
        Some(default) => (
            format!(
                "its default {default} is not a value of type {reader_type}, so it counts as \
                 no default"
            ),
            format!(
                "replace the default {default} of `{field}` with a value of type \
                 {reader_type}, such as \"default\": {suggested_default}{reorder}"
            ),
        ),
    };
    let reason = format!(
        "field `{field}` ({reader_type}) is new and {has_no_default}: {}, because that data has \
         no `{field}` and the reader has no value to fill it with.",
        context.side()
    );
    context.finish(Breakage::FieldAddedWithoutDefault, reason, fix)
}

fn field_removed(context: Context, missing: &MissingField) -> Incompatibility {
    let field = context.display_field().to_string();
    let no_default_there = match &missing.unusable_default {
        None => "it has no default there".to_string(),
        Some(default) => format!(
            "its default {default} there is not a value of type {}, so it counts as no default",
            missing.reader_type
        ),
    };
    let reason = format!(
        "field `{field}` is removed, but version {} requires it ({no_default_there}): {}.",
        context.latest_version,
        context.side()
    );
    let fix = format!(
        "keep `{field}` in the new version; to retire it, first register a version that gives \
         `{field}` a default, and remove it in a later version"
    );
    context.finish(Breakage::FieldRemoved, reason, fix)
}

/// Reports a rename under the old name, with the field the reader looks for in vain. The
/// reason and the fix name the field by its dotted path, so that a rename inside a nested
/// record names the record it is in.
fn field_renamed(
    mut context: Context,
    reader_name: String,
    writer_name: String,
) -> Incompatibility {
    let (from, to) = context.old_and_new(reader_name, writer_name);
    let from_path = with_last_segment(&context.field, &from);
    let to_path = with_last_segment(&context.field, &to);
    let (looked_for, fix) = match context.direction {
        Direction::Backward => (
            &to,
            format!(
                "keep the name `{from}`, or add \"aliases\": [\"{from}\"] to `{to_path}` so that \
                 new readers find the old name"
            ),
        ),
        Direction::Forward => (
            &from,
            format!(
                "keep `{from_path}` (old readers cannot know a new name; add `{to}` as a new \
                 field with a default if you need it)"
            ),
        ),
    };
    // A change of case alone looks like no change to a person, so the reason states that case
    // counts.
    let matched_by = if from != to && from.eq_ignore_ascii_case(&to) {
        "Avro matches fields by name and names are case-sensitive"
    } else {
        "Avro matches fields by name"
    };
    let reason = format!(
        "field `{from_path}` looks renamed to `{to}` (one field of that type went away and one \
         appeared); {matched_by}, so {}: the reader finds no `{looked_for}` in the data.",
        context.side()
    );
    context.field = from_path;
    context.finish(
        Breakage::FieldRenamed {
            from: from.clone(),
            to: to.clone(),
        },
        reason,
        fix,
    )
}

fn enum_symbols(context: Context, symbols: Vec<String>) -> Incompatibility {
    let list = symbols.join(", ");
    let at = context.display_field().to_string();
    let latest = context.latest_version;
    let (reason, fix) = match context.direction {
        Direction::Backward => (
            format!(
                "the enum at `{at}` drops the symbols {list}, which data written with version \
                 {latest} may contain, and it has no \"default\" symbol: {}.",
                context.side()
            ),
            format!("keep the symbols {list}, or give the enum a \"default\" symbol"),
        ),
        Direction::Forward => (
            format!(
                "the enum at `{at}` adds the symbols {list}, which readers on version {latest} \
                 do not know, and their enum has no \"default\" symbol: {}.",
                context.side()
            ),
            format!(
                "do not add the symbols {list} until a registered version's enum has a \
                 \"default\" symbol and readers use it"
            ),
        ),
    };
    context.finish(Breakage::EnumSymbolsMissing { symbols }, reason, fix)
}

/// Replaces the last segment of a dotted field path with another name.
fn with_last_segment(path: &str, name: &str) -> String {
    match path.rsplit_once('.') {
        Some((parent, _)) => format!("{parent}.{name}"),
        None => name.to_string(),
    }
}

/// Puts "a" or "an" before a kind of named type: `record`, `enum` or `fixed type`.
fn with_article(kind: &str) -> String {
    match kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => format!("an {kind}"),
        false => format!("a {kind}"),
    }
}
