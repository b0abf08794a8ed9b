//! The schema compatibility exercise: five successive versions of one schema, registered first
//! in a Backward group and then in a Forward group, with the verdict Azure Schema Registry gives
//! each attempt.
//!
//! Each attempt changes the latest *accepted* version, because a rejected version is never
//! stored. That is why attempt 4 drops `mandatory_field` too (it never made it into the
//! Backward group) and why the Forward rename starts from attempt 3.

use serde::Serialize;

use crate::spec::Compatibility;

/// Whether the registry stores an attempt as a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Stored as a new version.
    Accepted,
    /// Refused as incompatible with the latest version.
    Rejected,
}

/// A field of an exercise schema. Every field's type is a union of the listed branches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExerciseField {
    /// The field's name.
    pub name: &'static str,
    /// The union's branches, in order, such as `["string"]` or `["string", "null"]`.
    pub branches: &'static [&'static str],
    /// Whether the field declares `"default": null`.
    pub default_null: bool,
}

/// One registration attempt of the exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExerciseAttempt {
    /// The group's compatibility mode.
    pub mode: Compatibility,
    /// The attempt's number, 1 to 5.
    pub number: u8,
    /// The schema name, which is also the record's full name.
    pub schema_name: &'static str,
    /// What changed from the latest accepted version.
    pub change: &'static str,
    /// The fields of the attempted version, in order.
    pub fields: Vec<ExerciseField>,
    /// The verdict Azure gives.
    pub expected: Verdict,
    /// The schema file under the repository's `schemas/` folder.
    pub file: String,
}

const fn required(name: &'static str) -> ExerciseField {
    ExerciseField {
        name,
        branches: &["string"],
        default_null: false,
    }
}

const TEST_GUID: ExerciseField = required("test_guid");
const TEST_DATE: ExerciseField = required("test_date");
const PRODUCT_ID: ExerciseField = required("product_id");
const MANDATORY: ExerciseField = required("mandatory_field");
const RENAMED_GUID: ExerciseField = required("test_guid_renamed");
/// Azure accepts this default although the Avro specification wants a union's default to match
/// its first branch, which here is `string`.
const OPTIONAL: ExerciseField = ExerciseField {
    name: "optional_field",
    branches: &["string", "null"],
    default_null: true,
};

/// The five attempts for one compatibility mode, in order. Mode `None` has no exercise and
/// returns an empty list.
pub fn exercise(mode: Compatibility) -> Vec<ExerciseAttempt> {
    use Verdict::{Accepted, Rejected};

    let (prefix, schema_name) = match mode {
        Compatibility::Backward => ("backward", "BackwardCompatibleEvent.Created"),
        Compatibility::Forward => ("forward", "ForwardCompatibleEvent.Created"),
        Compatibility::None => return Vec::new(),
    };
    let backward = mode == Compatibility::Backward;

    let first = vec![TEST_GUID, TEST_DATE, PRODUCT_ID];
    let second = vec![TEST_GUID, TEST_DATE, PRODUCT_ID, OPTIONAL];
    let third = vec![TEST_GUID, TEST_DATE, PRODUCT_ID, OPTIONAL, MANDATORY];
    let fourth = vec![TEST_GUID, TEST_DATE, OPTIONAL];
    let fifth = if backward {
        vec![RENAMED_GUID, TEST_DATE, OPTIONAL]
    } else {
        vec![RENAMED_GUID, TEST_DATE, PRODUCT_ID, OPTIONAL, MANDATORY]
    };

    let steps = [
        (
            first,
            "fields `test_guid`, `test_date` and `product_id`",
            Accepted,
            Accepted,
        ),
        (
            second,
            "adds `optional_field`, `[\"string\", \"null\"]` with default `null`",
            Accepted,
            Accepted,
        ),
        (
            third,
            "adds `mandatory_field` with no default",
            Rejected,
            Accepted,
        ),
        (
            fourth,
            "drops `product_id` (and `mandatory_field`)",
            Accepted,
            Rejected,
        ),
        (
            fifth,
            "renames `test_guid` to `test_guid_renamed`",
            Rejected,
            Rejected,
        ),
    ];

    steps
        .into_iter()
        .zip(1u8..)
        .map(
            |((fields, change, in_backward, in_forward), number)| ExerciseAttempt {
                mode,
                number,
                schema_name,
                change,
                fields,
                expected: if backward { in_backward } else { in_forward },
                file: format!("exercise/{prefix}-{number}.avsc"),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(mode: Compatibility) -> Vec<Verdict> {
        exercise(mode)
            .iter()
            .map(|attempt| attempt.expected)
            .collect()
    }

    #[test]
    fn backward_accepts_one_two_four() {
        use Verdict::*;
        assert_eq!(
            verdicts(Compatibility::Backward),
            [Accepted, Accepted, Rejected, Accepted, Rejected]
        );
    }

    #[test]
    fn forward_accepts_one_two_three() {
        use Verdict::*;
        assert_eq!(
            verdicts(Compatibility::Forward),
            [Accepted, Accepted, Accepted, Rejected, Rejected]
        );
    }

    #[test]
    fn rename_starts_from_latest_accepted_version() {
        let backward = &exercise(Compatibility::Backward)[4];
        let forward = &exercise(Compatibility::Forward)[4];
        let names = |attempt: &ExerciseAttempt| -> Vec<&str> {
            attempt.fields.iter().map(|field| field.name).collect()
        };
        assert_eq!(
            names(backward),
            ["test_guid_renamed", "test_date", "optional_field"]
        );
        assert_eq!(
            names(forward),
            [
                "test_guid_renamed",
                "test_date",
                "product_id",
                "optional_field",
                "mandatory_field"
            ]
        );
    }
}
