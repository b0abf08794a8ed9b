use super::*;
use crate::course_schemas::{BACKWARD_ATTEMPTS, FORWARD_ATTEMPTS};

fn parse(text: &str) -> ParsedSchema {
    ParsedSchema::parse(text).unwrap()
}

/// Runs the attempts the way the registry does: each is compared with the latest accepted one.
fn run_exercise(mode: CompatibilityMode, attempts: &[&str]) -> Vec<Verdict> {
    let mut latest: Option<(ParsedSchema, u32)> = None;
    let mut verdicts = Vec::new();
    for text in attempts {
        let new = parse(text);
        let verdict = check(mode, &new, latest.as_ref().map(|(schema, v)| (schema, *v)));
        if verdict.accepted {
            let next = latest.as_ref().map_or(1, |(_, version)| version + 1);
            latest = Some((new, next));
        }
        verdicts.push(verdict);
    }
    verdicts
}

fn record(fields: &str) -> ParsedSchema {
    parse(&format!(
        r#"{{"type":"record","name":"E","namespace":"example.avro","fields":[{fields}]}}"#
    ))
}

#[test]
fn backward_exercise_accepts_1_2_4() {
    let verdicts = run_exercise(CompatibilityMode::Backward, &BACKWARD_ATTEMPTS);
    let accepted: Vec<bool> = verdicts.iter().map(|v| v.accepted).collect();
    assert_eq!(accepted, [true, true, false, true, false]);
}

#[test]
fn forward_exercise_accepts_1_2_3() {
    let verdicts = run_exercise(CompatibilityMode::Forward, &FORWARD_ATTEMPTS);
    let accepted: Vec<bool> = verdicts.iter().map(|v| v.accepted).collect();
    assert_eq!(accepted, [true, true, true, false, false]);
}

#[test]
fn exercise_attempt_2_warns_first_branch() {
    for (mode, attempts) in [
        (CompatibilityMode::Backward, &BACKWARD_ATTEMPTS),
        (CompatibilityMode::Forward, &FORWARD_ATTEMPTS),
    ] {
        let verdicts = run_exercise(mode, attempts);
        assert_eq!(verdicts[1].warnings.len(), 1, "{mode}");
        assert_eq!(verdicts[1].warnings[0].field, "optional_field", "{mode}");
        assert!(
            matches!(
                verdicts[1].warnings[0].problem,
                WarningProblem::Default(DefaultProblem::UnionDefaultNotFirstBranch { .. })
            ),
            "{mode}"
        );
        assert!(verdicts[0].warnings.is_empty(), "{mode}");
    }
}

#[test]
fn backward_attempt_3_names_mandatory_field() {
    let verdicts = run_exercise(CompatibilityMode::Backward, &BACKWARD_ATTEMPTS);
    let reasons = &verdicts[2].incompatibilities;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].field, "mandatory_field");
    assert_eq!(reasons[0].direction, Direction::Backward);
    assert_eq!(reasons[0].breakage, Breakage::FieldAddedWithoutDefault);
    assert_eq!(verdicts[2].compared_with_version, Some(2));
    assert!(
        reasons[0].reason.contains("version 2"),
        "{}",
        reasons[0].reason
    );
}

#[test]
fn backward_attempt_5_detects_rename() {
    let verdicts = run_exercise(CompatibilityMode::Backward, &BACKWARD_ATTEMPTS);
    let reasons = &verdicts[4].incompatibilities;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(
        reasons[0].breakage,
        Breakage::FieldRenamed {
            from: "test_guid".into(),
            to: "test_guid_renamed".into()
        }
    );
    assert_eq!(reasons[0].direction, Direction::Backward);
    assert!(reasons[0].fix.contains("aliases"), "{}", reasons[0].fix);
    assert_eq!(verdicts[4].compared_with_version, Some(3));
}

#[test]
fn forward_attempt_4_names_both_removed_fields() {
    let verdicts = run_exercise(CompatibilityMode::Forward, &FORWARD_ATTEMPTS);
    let reasons = &verdicts[3].incompatibilities;
    let fields: Vec<&str> = reasons.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(fields, ["product_id", "mandatory_field"]);
    for reason in reasons {
        assert_eq!(reason.breakage, Breakage::FieldRemoved);
        assert_eq!(reason.direction, Direction::Forward);
    }
}

#[test]
fn forward_attempt_5_detects_rename() {
    let verdicts = run_exercise(CompatibilityMode::Forward, &FORWARD_ATTEMPTS);
    let reasons = &verdicts[4].incompatibilities;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].field, "test_guid");
    assert_eq!(
        reasons[0].breakage,
        Breakage::FieldRenamed {
            from: "test_guid".into(),
            to: "test_guid_renamed".into()
        }
    );
    assert_eq!(reasons[0].direction, Direction::Forward);
}

#[test]
fn nullable_field_without_default_suggests_null() {
    let old = record(r#"{"name":"id","type":"string"}"#);
    let new = record(r#"{"name":"id","type":"string"},{"name":"note","type":["null","string"]}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(!verdict.accepted);
    assert_eq!(verdict.incompatibilities.len(), 1);
    let reason = &verdict.incompatibilities[0];
    assert_eq!(reason.field, "note");
    assert_eq!(reason.breakage, Breakage::FieldAddedWithoutDefault);
    assert!(
        reason.reason.contains("new version cannot read data"),
        "{}",
        reason.reason
    );
    assert!(reason.fix.contains("\"default\": null"), "{}", reason.fix);
}

#[test]
fn null_second_branch_suggests_reordering() {
    let old = record(r#"{"name":"id","type":"string"}"#);
    let new = record(r#"{"name":"id","type":"string"},{"name":"note","type":["string","null"]}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    let fix = &verdict.incompatibilities[0].fix;
    assert!(fix.contains("\"default\": null"), "{fix}");
    assert!(fix.contains("\"null\" first"), "{fix}");
}

#[test]
fn string_default_with_null_first_union_warns() {
    let new = record(r#"{"name":"note","type":["null","string"],"default":"x"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, None);
    assert!(verdict.accepted);
    assert_eq!(verdict.warnings.len(), 1);
}

#[test]
fn verdict_says_latest_version_only() {
    let old = record(r#"{"name":"id","type":"string"}"#);
    let verdict = check(CompatibilityMode::Forward, &old, Some((&old, 7)));
    assert!(verdict.accepted);
    assert!(
        verdict.explanation.contains("latest version (7) only"),
        "{}",
        verdict.explanation
    );
    assert!(
        verdict.explanation.contains("Azure"),
        "{}",
        verdict.explanation
    );
}

#[test]
fn type_change_names_old_and_new_types() {
    let old = record(r#"{"name":"count","type":"long"}"#);
    let new = record(r#"{"name":"count","type":"int"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert_eq!(
        verdict.incompatibilities[0].breakage,
        Breakage::TypeChanged {
            old: "long".into(),
            new: "int".into()
        }
    );
    // int widens to long, so the other direction is fine.
    let verdict = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
}

#[test]
fn union_branch_removed_breaks_backward() {
    let old = record(r#"{"name":"v","type":["null","string"],"default":null}"#);
    let new = record(r#"{"name":"v","type":"string"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(!verdict.accepted);
    let reason = &verdict.incompatibilities[0];
    assert_eq!(reason.field, "v");
    assert!(matches!(reason.breakage, Breakage::TypeChanged { .. }));
    assert!(reason.reason.contains("\"null\""), "{}", reason.reason);
}

#[test]
fn union_branches_without_match_named() {
    let old = record(r#"{"name":"v","type":["null","string","long"],"default":null}"#);
    let new = record(r#"{"name":"v","type":"string"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    let reason = &verdict.incompatibilities[0].reason;
    assert!(
        reason.contains("(its branches null, long have no match in the reader)"),
        "{reason}"
    );

    let old = record(r#"{"name":"v","type":["null","string"],"default":null}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    let reason = &verdict.incompatibilities[0].reason;
    assert!(
        reason.contains("(its branch null has no match in the reader)"),
        "{reason}"
    );
}

#[test]
fn nested_record_field_reports_path() {
    let old = record(
        r#"{"name":"address","type":{"type":"record","name":"Address",
            "fields":[{"name":"street","type":"string"}]}}"#,
    );
    let new = record(
        r#"{"name":"address","type":{"type":"record","name":"Address",
            "fields":[{"name":"street","type":"string"},{"name":"zip","type":"string"}]}}"#,
    );
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert_eq!(verdict.incompatibilities.len(), 1);
    assert_eq!(verdict.incompatibilities[0].field, "address.zip");
}

#[test]
fn alias_makes_rename_backward_compatible() {
    let old = record(r#"{"name":"test_guid","type":"string"}"#);
    let new = record(r#"{"name":"guid","type":"string","aliases":["test_guid"]}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
}

#[test]
fn enum_symbol_added_breaks_forward() {
    let old = record(r#"{"name":"s","type":{"type":"enum","name":"S","symbols":["A"]}}"#);
    let new = record(r#"{"name":"s","type":{"type":"enum","name":"S","symbols":["A","B"]}}"#);
    let verdict = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    assert_eq!(
        verdict.incompatibilities[0].breakage,
        Breakage::EnumSymbolsMissing {
            symbols: vec!["B".into()]
        }
    );
    assert!(check(CompatibilityMode::Backward, &new, Some((&old, 1))).accepted);
}

#[test]
fn none_mode_accepts_anything() {
    let old = record(r#"{"name":"a","type":"string"}"#);
    let new = record(r#"{"name":"b","type":"int"}"#);
    let verdict = check(CompatibilityMode::None, &new, Some((&old, 1)));
    assert!(verdict.accepted);
}

#[test]
fn mode_parses_case_insensitively() {
    assert_eq!("backward".parse(), Ok(CompatibilityMode::Backward));
    assert_eq!("Forward".parse(), Ok(CompatibilityMode::Forward));
    assert!("full".parse::<CompatibilityMode>().is_err());
}

/// Checks adding the field `x` of the given type and default to a record in Backward mode.
fn add_field_backward(ty: &str, default: &str) -> Verdict {
    let old = record(r#"{"name":"id","type":"string"}"#);
    let new = record(&format!(
        r#"{{"name":"id","type":"string"}},{{"name":"x","type":{ty},"default":{default}}}"#
    ));
    check(CompatibilityMode::Backward, &new, Some((&old, 1)))
}

#[test]
fn wrong_type_default_rejected_with_fix() {
    let verdict = add_field_backward(r#""string""#, "5");
    assert!(!verdict.accepted);
    assert_eq!(verdict.incompatibilities.len(), 1);
    let reason = &verdict.incompatibilities[0];
    assert_eq!(reason.field, "x");
    assert_eq!(reason.breakage, Breakage::FieldAddedWithoutDefault);
    assert_eq!(
        reason.reason,
        "field `x` (string) is new and its default 5 is not a value of type string, so it \
         counts as no default: a reader on the new version cannot read data written with \
         version 1 (backward), because that data has no `x` and the reader has no value to \
         fill it with."
    );
    assert_eq!(
        reason.fix,
        "replace the default 5 of `x` with a value of type string, such as \"default\": \"\""
    );
}

#[test]
fn unusable_defaults_count_as_none() {
    let cases = [
        (r#""string""#, "5"),
        (r#""string""#, "null"),
        (r#""string""#, "[]"),
        (r#""int""#, r#""5""#),
        (r#""int""#, "2147483648"),
        (r#""int""#, "1.5"),
        (r#""long""#, "9223372036854775808"),
        (r#""long""#, r#""0""#),
        (r#""float""#, r#""1.0""#),
        (r#""double""#, "true"),
        (r#""boolean""#, "0"),
        (r#""boolean""#, r#""true""#),
        (r#""null""#, "0"),
        (r#""bytes""#, "1"),
        (r#""bytes""#, r#""\u0100""#),
        (r#"{"type":"fixed","name":"F","size":2}"#, r#""abc""#),
        (r#"{"type":"fixed","name":"F","size":1}"#, r#""\u0100""#),
        (
            r#"{"type":"enum","name":"S","symbols":["A","B"]}"#,
            r#""C""#,
        ),
        (r#"{"type":"enum","name":"S","symbols":["A","B"]}"#, "0"),
        (r#"{"type":"array","items":"int"}"#, r#"[1,"2"]"#),
        (r#"{"type":"array","items":"int"}"#, "{}"),
        (r#"{"type":"map","values":"int"}"#, r#"{"a":"b"}"#),
        (r#"{"type":"map","values":"int"}"#, "[]"),
        (
            r#"{"type":"record","name":"P","fields":[{"name":"a","type":"int"}]}"#,
            "{}",
        ),
        (
            r#"{"type":"record","name":"P","fields":[{"name":"a","type":"int"}]}"#,
            r#"{"a":"1"}"#,
        ),
        (
            r#"{"type":"record","name":"P","fields":[
                {"name":"a","type":"int","default":"not an int"}]}"#,
            "{}",
        ),
        (r#"["null","string"]"#, "5"),
        (r#"["int","string"]"#, "true"),
        (r#"{"type":"array","items":["null","string"]}"#, r#"["x"]"#),
    ];
    for (ty, default) in cases {
        let verdict = add_field_backward(ty, default);
        // Messages show the default as JSON re-serialized, so `"\u0100"` reads `"Ā"`.
        let shown = serde_json::from_str::<serde_json::Value>(default)
            .unwrap()
            .to_string();
        let default = shown.as_str();
        assert!(
            !verdict.accepted,
            "{ty} with default {default} was accepted"
        );
        let reason = &verdict.incompatibilities[0];
        assert_eq!(reason.field, "x", "{ty}");
        assert!(
            reason
                .reason
                .contains(&format!("its default {default} is not a value of type")),
            "{}",
            reason.reason
        );
        assert!(
            reason
                .fix
                .starts_with(&format!("replace the default {default} of `x`")),
            "{}",
            reason.fix
        );
    }
}

#[test]
fn usable_defaults_are_accepted() {
    let cases = [
        (r#""string""#, r#""""#),
        (r#""int""#, "5"),
        (r#""int""#, "-2147483648"),
        (r#""long""#, "9007199254740993"),
        (r#""float""#, "1"),
        (r#""double""#, "1.5"),
        (r#""boolean""#, "false"),
        (r#""null""#, "null"),
        (r#""bytes""#, r#""\u00ff""#),
        (r#"{"type":"fixed","name":"F","size":2}"#, r#""ab""#),
        (
            r#"{"type":"enum","name":"S","symbols":["A","B"]}"#,
            r#""B""#,
        ),
        (r#"{"type":"array","items":"int"}"#, "[1,2]"),
        (r#"{"type":"map","values":"long"}"#, r#"{"a":1}"#),
        (
            r#"{"type":"record","name":"P","fields":[{"name":"a","type":"int"}]}"#,
            r#"{"a":1}"#,
        ),
        (
            r#"{"type":"record","name":"P","fields":[{"name":"a","type":"int","default":0}]}"#,
            "{}",
        ),
        (r#"["null","string"]"#, "null"),
        (r#"{"type":"int","logicalType":"date"}"#, "0"),
    ];
    for (ty, default) in cases {
        let verdict = add_field_backward(ty, default);
        assert!(
            verdict.accepted,
            "{ty} with default {default}: {:?}",
            verdict.incompatibilities
        );
        assert!(verdict.warnings.is_empty(), "{ty}: {:?}", verdict.warnings);
    }
}

#[test]
fn later_branch_default_accepted_with_warning() {
    for (ty, default) in [
        (r#"["string","null"]"#, "null"),
        (r#"["int","string"]"#, r#""x""#),
    ] {
        let verdict = add_field_backward(ty, default);
        assert!(verdict.accepted, "{ty}: {:?}", verdict.incompatibilities);
        assert_eq!(verdict.warnings.len(), 1, "{ty}");
        assert!(
            matches!(
                verdict.warnings[0].problem,
                WarningProblem::Default(DefaultProblem::UnionDefaultNotFirstBranch { .. })
            ),
            "{ty}"
        );
    }
}

#[test]
fn quoted_null_default_warns_with_fix() {
    // (type, default, branch that reads the string, the type the fix proposes)
    let cases = [
        (
            r#"["null","string"]"#,
            r#""null""#,
            "string",
            r#"["null", "string"]"#,
        ),
        (
            r#"["string","null"]"#,
            r#""null""#,
            "string",
            r#"["null", "string"]"#,
        ),
        (
            r#"["string","null"]"#,
            r#""NULL""#,
            "string",
            r#"["null", "string"]"#,
        ),
        (
            r#"["bytes","null"]"#,
            r#""Null""#,
            "bytes",
            r#"["null", "bytes"]"#,
        ),
        (
            r#"["int","null","string"]"#,
            r#""null""#,
            "string",
            r#"["null", "int", "string"]"#,
        ),
    ];
    for (ty, default, branch, fixed_type) in cases {
        let verdict = add_field_backward(ty, default);
        assert!(verdict.accepted, "{ty}: {:?}", verdict.incompatibilities);
        assert_eq!(verdict.warnings.len(), 1, "{ty} {default}");
        let warning = &verdict.warnings[0];
        assert_eq!(
            warning.problem,
            WarningProblem::Default(DefaultProblem::QuotedNull {
                matching_branch: branch.to_string()
            }),
            "{ty} {default}"
        );
        assert_eq!(
            warning.message,
            format!(
                "field `x` has the default {default} in quotes, which is a string, not the null \
                 value: a reader that fills the field from its default reads it as a value of \
                 the branch `{branch}`, not as null"
            )
        );
        assert_eq!(
            warning.fix,
            format!(
                "write the default without quotes and put \"null\" first in the union: \
                 \"type\": {fixed_type}, \"default\": null"
            )
        );
    }
}

#[test]
fn quoted_null_without_string_branch_is_wrong_type() {
    // No branch reads the string, so the field has no usable default, and the warning names
    // the default's type as wrong.
    let verdict = add_field_backward(r#"["null","int"]"#, r#""null""#);
    assert!(!verdict.accepted);
    assert_eq!(
        verdict.incompatibilities[0].fix,
        "replace the default \"null\" of `x` with a value of type [\"null\", \"int\"], such \
         as \"default\": null"
    );
    assert!(matches!(
        verdict.warnings[..],
        [Warning {
            problem: WarningProblem::Default(DefaultProblem::DefaultWrongType { .. }),
            ..
        }]
    ));

    // A plain string field may well mean the text "null", so it gets no warning.
    let verdict = add_field_backward(r#""string""#, r#""null""#);
    assert!(verdict.accepted);
    assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
}

#[test]
fn case_only_rename_names_case_sensitivity() {
    let old = record(r#"{"name":"test_guid","type":"string"}"#);
    let new = record(r#"{"name":"Test_Guid","type":"string"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(!verdict.accepted);
    let reason = &verdict.incompatibilities[0];
    assert_eq!(
        reason.breakage,
        Breakage::FieldRenamed {
            from: "test_guid".into(),
            to: "Test_Guid".into()
        }
    );
    assert_eq!(
        reason.reason,
        "field `test_guid` looks renamed to `Test_Guid` (one field of that type went away and \
         one appeared); Avro matches fields by name and names are case-sensitive, so a reader \
         on the new version cannot read data written with version 1 (backward): the reader \
         finds no `Test_Guid` in the data."
    );

    let verdict = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    assert!(verdict.incompatibilities[0]
        .reason
        .contains("names are case-sensitive"));
}

#[test]
fn nested_rename_names_field_path() {
    let address = |street: &str| {
        format!(
            r#"{{"name":"address","type":{{"type":"record","name":"Address","fields":[
                {{"name":"{street}","type":"string"}},{{"name":"city","type":"string"}}]}}}}"#
        )
    };
    let old = record(&address("street"));
    let new = record(&address("road"));

    let backward = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    let reason = &backward.incompatibilities[0];
    assert_eq!(reason.field, "address.street");
    assert!(
        reason
            .reason
            .starts_with("field `address.street` looks renamed to `road` "),
        "{}",
        reason.reason
    );
    assert_eq!(
        reason.fix,
        "keep the name `street`, or add \"aliases\": [\"street\"] to `address.road` so that \
         new readers find the old name"
    );

    let forward = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    let reason = &forward.incompatibilities[0];
    assert_eq!(reason.field, "address.street");
    assert!(
        reason
            .reason
            .starts_with("field `address.street` looks renamed to `road` "),
        "{}",
        reason.reason
    );
    assert!(
        reason.fix.starts_with("keep `address.street` "),
        "{}",
        reason.fix
    );
}

#[test]
fn removing_field_with_wrong_default_breaks_forward() {
    let old = record(r#"{"name":"id","type":"string"},{"name":"x","type":"int","default":"5"}"#);
    let new = record(r#"{"name":"id","type":"string"}"#);
    let verdict = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    assert!(!verdict.accepted);
    let reason = &verdict.incompatibilities[0];
    assert_eq!(reason.field, "x");
    assert_eq!(reason.breakage, Breakage::FieldRemoved);
    assert!(
        reason.reason.contains(
            "version 1 requires it (its default \"5\" there is not a value of type int, so it \
             counts as no default)"
        ),
        "{}",
        reason.reason
    );
}

/// Places a named type's definition at one depth of a record field's type: directly, as array
/// items, as map values, as a union branch, or inside a nested record.
fn field_with_type_at(depth: &str, definition: &str) -> (String, String) {
    match depth {
        "field" => (format!(r#"{{"name":"i","type":{definition}}}"#), "i".into()),
        "array" => (
            format!(r#"{{"name":"i","type":{{"type":"array","items":{definition}}}}}"#),
            "i[]".into(),
        ),
        "map" => (
            format!(r#"{{"name":"i","type":{{"type":"map","values":{definition}}}}}"#),
            "i{}".into(),
        ),
        "union" => (
            format!(r#"{{"name":"i","type":["null",{definition}],"default":null}}"#),
            "i".into(),
        ),
        "nested" => (
            format!(
                r#"{{"name":"o","type":{{"type":"record","name":"Outer",
                    "fields":[{{"name":"i","type":{definition}}}]}}}}"#
            ),
            "o.i".into(),
        ),
        other => panic!("unknown depth {other}"),
    }
}

#[test]
fn named_type_kind_change_rejected() {
    let record_type = r#"{"type":"record","name":"Inner","fields":[{"name":"a","type":"string"}]}"#;
    let enum_type = r#"{"type":"enum","name":"Inner","symbols":["A"]}"#;
    let fixed_type = r#"{"type":"fixed","name":"Inner","size":4}"#;
    let kinds = [
        (record_type, "record"),
        (enum_type, "enum"),
        (fixed_type, "fixed type"),
    ];
    for (old_type, old_kind) in kinds {
        for (new_type, new_kind) in kinds.iter().filter(|(_, kind)| *kind != old_kind) {
            for depth in ["field", "array", "map", "union", "nested"] {
                let (old_field, path) = field_with_type_at(depth, old_type);
                let (new_field, _) = field_with_type_at(depth, new_type);
                let old = record(&old_field);
                let new = record(&new_field);
                for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
                    let case = format!("{old_kind} to {new_kind} at {depth} in {mode}");
                    let verdict = check(mode, &new, Some((&old, 1)));
                    assert!(!verdict.accepted, "{case}");
                    assert_eq!(verdict.incompatibilities.len(), 1, "{case}");
                    let incompatibility = &verdict.incompatibilities[0];
                    assert_eq!(incompatibility.field, path, "{case}");
                    assert_eq!(
                        incompatibility.breakage,
                        Breakage::KindChanged {
                            name: "example.avro.Inner".into(),
                            old: old_kind.into(),
                            new: new_kind.to_string(),
                        },
                        "{case}"
                    );
                    assert!(
                        incompatibility.reason.starts_with(&format!(
                            "the type at `{path}` changed from the {old_kind} \
                             `example.avro.Inner` to the {new_kind} `example.avro.Inner`"
                        )),
                        "{case}: {}",
                        incompatibility.reason
                    );
                    assert!(
                        incompatibility
                            .fix
                            .starts_with("keep `example.avro.Inner` a"),
                        "{case}: {}",
                        incompatibility.fix
                    );
                }
            }
        }
    }
}

#[test]
fn top_level_kind_change_rejected() {
    let old = parse(r#"{"type":"record","name":"E","fields":[]}"#);
    let new = parse(r#"{"type":"enum","name":"E","symbols":["A"]}"#);
    for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
        let verdict = check(mode, &new, Some((&old, 1)));
        assert!(!verdict.accepted, "{mode}");
        assert_eq!(verdict.incompatibilities[0].field, "", "{mode}");
        assert!(
            verdict.incompatibilities[0]
                .reason
                .starts_with("the type at `(top level)` changed from the record `E` to the enum"),
            "{}",
            verdict.incompatibilities[0].reason
        );
    }
}

#[test]
fn renamed_type_fix_depends_on_direction() {
    let old = parse(r#"{"type":"record","name":"E","namespace":"t","fields":[]}"#);
    let aliased =
        parse(r#"{"type":"record","name":"E2","namespace":"t","aliases":["t.E"],"fields":[]}"#);
    let plain = parse(r#"{"type":"record","name":"E2","namespace":"t","fields":[]}"#);

    assert!(check(CompatibilityMode::Backward, &aliased, Some((&old, 1))).accepted);
    let backward = check(CompatibilityMode::Backward, &plain, Some((&old, 1)));
    assert_eq!(
        backward.incompatibilities[0].fix,
        "keep the name `t.E`, or add \"aliases\": [\"t.E\"] to `t.E2`"
    );

    for new in [&aliased, &plain] {
        let forward = check(CompatibilityMode::Forward, new, Some((&old, 1)));
        assert!(!forward.accepted);
        let fix = &forward.incompatibilities[0].fix;
        assert!(fix.starts_with("keep the name `t.E`:"), "{fix}");
        assert!(!fix.contains("add \"aliases\""), "{fix}");
    }
}

#[test]
fn nested_renamed_type_fix_in_forward() {
    let old = record(r#"{"name":"i","type":{"type":"enum","name":"Inner","symbols":["A"]}}"#);
    let new = record(
        r#"{"name":"i","type":{"type":"enum","name":"Inner2","aliases":["Inner"],
            "symbols":["A"]}}"#,
    );
    let verdict = check(CompatibilityMode::Forward, &new, Some((&old, 1)));
    assert_eq!(verdict.incompatibilities[0].field, "i");
    assert!(
        verdict.incompatibilities[0]
            .fix
            .starts_with("keep the name `example.avro.Inner`:"),
        "{}",
        verdict.incompatibilities[0].fix
    );
}

#[test]
fn type_change_fix_depends_on_direction() {
    let int = record(r#"{"name":"n","type":"int"}"#);
    let long = record(r#"{"name":"n","type":"long"}"#);

    let backward = check(CompatibilityMode::Backward, &int, Some((&long, 1)));
    assert!(
        backward.incompatibilities[0]
            .fix
            .starts_with("keep the type, or change it only to one the old type promotes to"),
        "{}",
        backward.incompatibilities[0].fix
    );

    let forward = check(CompatibilityMode::Forward, &long, Some((&int, 1)));
    assert!(
        forward.incompatibilities[0]
            .fix
            .starts_with("keep the type, or change it only to one that promotes to the old type"),
        "{}",
        forward.incompatibilities[0].fix
    );
}

#[test]
fn exact_field_name_wins_over_alias() {
    let old = record(r#"{"name":"x","type":"string"},{"name":"y","type":"int"}"#);
    let new = record(r#"{"name":"y","type":"int","aliases":["x"]}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
}

fn decimal_field(precision: u64, scale: u64) -> ParsedSchema {
    record(&format!(
        r#"{{"name":"price","type":{{"type":"bytes","logicalType":"decimal",
            "precision":{precision},"scale":{scale}}}}}"#
    ))
}

#[test]
fn decimal_scale_change_rejected() {
    let old = decimal_field(10, 2);
    let new = decimal_field(10, 3);
    for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
        let verdict = check(mode, &new, Some((&old, 1)));
        assert!(!verdict.accepted, "{mode}");
        let incompatibility = &verdict.incompatibilities[0];
        assert_eq!(incompatibility.field, "price", "{mode}");
        assert_eq!(
            incompatibility.breakage,
            Breakage::DecimalChanged {
                old: "decimal(10, 2)".into(),
                new: "decimal(10, 3)".into(),
            },
            "{mode}"
        );
        assert!(
            incompatibility
                .reason
                .contains("misreads every value by a power of ten"),
            "{}",
            incompatibility.reason
        );
        assert!(
            incompatibility.fix.starts_with("keep decimal(10, 2)"),
            "{}",
            incompatibility.fix
        );
    }
}

#[test]
fn decimal_precision_change_rejected() {
    let old = decimal_field(10, 2);
    let new = decimal_field(12, 2);
    for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
        let verdict = check(mode, &new, Some((&old, 1)));
        assert!(!verdict.accepted, "{mode}");
        let reason = &verdict.incompatibilities[0].reason;
        assert!(
            reason.contains("matches two decimals only when their precision and scale are equal"),
            "{reason}"
        );
        assert!(!reason.contains("power of ten"), "{reason}");
    }
}

#[test]
fn fixed_decimal_change_rejected() {
    let fixed = |scale: u64| {
        record(&format!(
            r#"{{"name":"price","type":{{"type":"fixed","name":"Money","size":8,
                "logicalType":"decimal","precision":10,"scale":{scale}}}}}"#
        ))
    };
    let verdict = check(CompatibilityMode::Backward, &fixed(3), Some((&fixed(2), 1)));
    assert!(!verdict.accepted);
    assert_eq!(verdict.incompatibilities[0].field, "price");
    assert!(check(CompatibilityMode::Backward, &fixed(2), Some((&fixed(2), 1))).accepted);
}

#[test]
fn decimal_on_one_side_reads_as_bytes() {
    let decimal = decimal_field(10, 2);
    let bytes = record(r#"{"name":"price","type":"bytes"}"#);
    let string = record(r#"{"name":"price","type":"string"}"#);
    // A scale above the precision makes the decimal invalid, so readers use plain bytes.
    let invalid = decimal_field(2, 3);
    for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
        assert!(check(mode, &decimal, Some((&bytes, 1))).accepted, "{mode}");
        assert!(check(mode, &bytes, Some((&decimal, 1))).accepted, "{mode}");
        assert!(check(mode, &string, Some((&decimal, 1))).accepted, "{mode}");
        assert!(
            check(mode, &decimal, Some((&invalid, 1))).accepted,
            "{mode}"
        );
        assert!(
            check(mode, &decimal, Some((&decimal, 1))).accepted,
            "{mode}"
        );
    }
}

/// Returns a schema whose top-level record `t.U` has one field `v` of the given type.
fn holder(ty: &str) -> ParsedSchema {
    parse(&format!(
        r#"{{"type":"record","name":"U","namespace":"t","fields":[{{"name":"v","type":{ty}}}]}}"#
    ))
}

#[test]
fn alias_in_other_namespace_does_not_match() {
    let definitions = [
        r#""type":"record","fields":[{"name":"a","type":"string"}]"#,
        r#""type":"enum","symbols":["A"]"#,
        r#""type":"fixed","size":4"#,
    ];
    for definition in definitions {
        let old_top = parse(&format!(r#"{{"name":"E","namespace":"t",{definition}}}"#));
        let new_top = parse(&format!(
            r#"{{"name":"E2","namespace":"t","aliases":["u.E"],{definition}}}"#
        ));
        let old_nested = holder(&format!(r#"{{"name":"E",{definition}}}"#));
        let new_nested = holder(&format!(
            r#"{{"name":"E2","aliases":["u.E"],{definition}}}"#
        ));
        for (old, new) in [(&old_top, &new_top), (&old_nested, &new_nested)] {
            // The alias sits in the new version, which reads in Backward mode.
            let backward = check(CompatibilityMode::Backward, new, Some((old, 1)));
            assert!(!backward.accepted, "{definition}");
            let reason = &backward.incompatibilities[0].reason;
            assert!(
                reason.contains("The alias `u.E` does not name `t.E`"),
                "{reason}"
            );
            assert_eq!(
                backward.incompatibilities[0].fix,
                "keep the name `t.E`, or add \"aliases\": [\"t.E\"] to `t.E2`"
            );

            // The alias sits in the old version, which reads in Forward mode.
            let forward = check(CompatibilityMode::Forward, old, Some((new, 1)));
            assert!(!forward.accepted, "{definition}");
        }
    }
}

#[test]
fn relative_alias_takes_declaring_namespace() {
    let old = holder(r#"{"type":"record","name":"E","namespace":"u","fields":[]}"#);
    // The alias `E` is relative to `t`, the namespace of `t.E2`, so it names `t.E`.
    let relative = holder(r#"{"type":"record","name":"E2","aliases":["E"],"fields":[]}"#);
    let full = holder(r#"{"type":"record","name":"E2","aliases":["u.E"],"fields":[]}"#);

    assert!(!check(CompatibilityMode::Backward, &relative, Some((&old, 1))).accepted);
    let verdict = check(CompatibilityMode::Backward, &full, Some((&old, 1)));
    assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
}

#[test]
fn dotted_field_alias_does_not_match() {
    let old = record(r#"{"name":"a","type":"string"}"#);
    let new = record(r#"{"name":"b","type":"string","aliases":["example.avro.a"]}"#);
    assert!(!check(CompatibilityMode::Backward, &new, Some((&old, 1))).accepted);
}

#[test]
fn union_alias_other_namespace_rejected() {
    let old = holder(r#"["null",{"type":"record","name":"E","fields":[]}]"#);
    let new = holder(r#"["null",{"type":"record","name":"E2","aliases":["u.E"],"fields":[]}]"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert!(!verdict.accepted);
    let reason = &verdict.incompatibilities[0].reason;
    assert!(reason.contains("its branch t.E has"), "{reason}");
}

const SAME_SHORT_NAME_RECORDS: &str = r#"[
    {"type":"record","name":"R","namespace":"a","fields":[{"name":"a","type":"string"}]},
    {"type":"record","name":"R","namespace":"b","fields":[{"name":"b","type":"int"}]}]"#;

const SAME_SHORT_NAME_ENUMS: &str = r#"[
    {"type":"enum","name":"C","namespace":"a","symbols":["A"]},
    {"type":"enum","name":"C","namespace":"b","symbols":["B"]}]"#;

#[test]
fn union_branches_pair_by_full_name() {
    for union in [SAME_SHORT_NAME_RECORDS, SAME_SHORT_NAME_ENUMS] {
        let old = holder(union);
        let documented = parse(&format!(
            r#"{{"type":"record","name":"U","namespace":"t","doc":"x",
                "fields":[{{"name":"v","type":{union}}}]}}"#
        ));
        let nullable = holder(&format!(r#"["null",{}"#, &union.trim_start()[1..]));
        for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
            let verdict = check(mode, &documented, Some((&old, 1)));
            assert!(verdict.accepted, "{mode}: {:?}", verdict.incompatibilities);
        }
        let verdict = check(CompatibilityMode::Backward, &nullable, Some((&old, 1)));
        assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
    }
}

#[test]
fn union_branch_not_paired_with_other_namespace() {
    // The new version drops `b.R`: its data has no branch to go to, and `a.R` is not it.
    let old = holder(SAME_SHORT_NAME_RECORDS);
    let new = holder(
        r#"[{"type":"record","name":"R","namespace":"a","fields":[{"name":"a","type":"string"}]}]"#,
    );
    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert_eq!(verdict.incompatibilities.len(), 1, "{:?}", verdict);
    let reason = &verdict.incompatibilities[0].reason;
    assert!(reason.contains("its branch b.R has no match"), "{reason}");
}

#[test]
fn union_branch_namespace_change_still_matches() {
    let old = holder(r#"["null",{"type":"record","name":"R","namespace":"a","fields":[]}]"#);
    let new = holder(r#"["null",{"type":"record","name":"R","namespace":"b","fields":[]}]"#);
    for mode in [CompatibilityMode::Backward, CompatibilityMode::Forward] {
        let verdict = check(mode, &new, Some((&old, 1)));
        assert!(verdict.accepted, "{mode}: {:?}", verdict.incompatibilities);
    }
}

#[test]
fn union_branch_fix_depends_on_direction() {
    let branch_a = r#"{"type":"record","name":"RA","fields":[]}"#;
    let branch_c = r#"{"type":"record","name":"RC","fields":[]}"#;
    let old = holder(&format!("[{branch_a}]"));
    let added = holder(&format!("[{branch_a},{branch_c}]"));
    let nullable = holder(&format!(r#"["null",{branch_a}]"#));

    let forward = check(CompatibilityMode::Forward, &added, Some((&old, 1)));
    assert_eq!(
        forward.incompatibilities[0].fix,
        "do not add the branch t.RC, because readers on version 1 cannot read values written \
         as it; a renamed record, enum or fixed type counts as a new branch, so keep its old \
         name, because old readers look a branch up by their own names and aliases. To carry \
         such values, add a new field with a default instead"
    );
    let forward = check(CompatibilityMode::Forward, &nullable, Some((&old, 1)));
    assert_eq!(
        forward.incompatibilities[0].fix,
        "do not add the branch null, because readers on version 1 cannot read values written \
         as it. To carry such values, add a new field with a default instead"
    );

    let backward = check(CompatibilityMode::Backward, &old, Some((&added, 1)));
    assert_eq!(
        backward.incompatibilities[0].fix,
        "keep the branch t.RC in the union, because data written with version 1 may contain \
         it; if a record, enum or fixed type was renamed, keep its old name or add the old \
         full name to its \"aliases\""
    );
    let old = holder(r#"["null","string","long"]"#);
    let new = holder(r#""string""#);
    let backward = check(CompatibilityMode::Backward, &new, Some((&old, 1)));
    assert_eq!(
        backward.incompatibilities[0].fix,
        "keep the field a union that contains the branches null, long, because data written \
         with version 1 may contain them"
    );
}

fn bytes_text_warnings(verdict: &Verdict) -> Vec<&Warning> {
    verdict
        .warnings
        .iter()
        .filter(|warning| matches!(warning.problem, WarningProblem::BytesReadAsText { .. }))
        .collect()
}

#[test]
fn bytes_to_string_warns_new_readers() {
    let latest = record(r#"{"name":"payload","type":"bytes"}"#);
    let new = record(r#"{"name":"payload","type":"string"}"#);
    for mode in [
        CompatibilityMode::Backward,
        CompatibilityMode::Forward,
        CompatibilityMode::None,
    ] {
        let verdict = check(mode, &new, Some((&latest, 3)));
        assert!(verdict.accepted, "{mode}");
        let warnings = bytes_text_warnings(&verdict);
        assert_eq!(warnings.len(), 1, "{mode}");
        assert_eq!(warnings[0].field, "payload");
        assert_eq!(warnings[0].record, "example.avro.E");
        assert_eq!(
            warnings[0].problem,
            WarningProblem::BytesReadAsText {
                old: "bytes".into(),
                new: "string".into()
            }
        );
        assert!(
            warnings[0].message.starts_with(
                "field `payload` changes from bytes to string. The registry accepts the version"
            ),
            "{}",
            warnings[0].message
        );
        assert!(
            warnings[0]
                .message
                .contains("readers of the new version decode the bytes that version 3 wrote"),
            "{}",
            warnings[0].message
        );
        assert!(
            warnings[0]
                .fix
                .starts_with("keep field `payload` as bytes."),
            "{}",
            warnings[0].fix
        );
    }
}

#[test]
fn string_to_bytes_warns_old_readers() {
    let latest = record(r#"{"name":"payload","type":"string"}"#);
    let new = record(r#"{"name":"payload","type":"bytes"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&latest, 2)));
    assert!(verdict.accepted);
    let warnings = bytes_text_warnings(&verdict);
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .message
            .contains("readers of version 2 decode the bytes that the new version writes"),
        "{}",
        warnings[0].message
    );
    assert!(
        warnings[0]
            .fix
            .starts_with("keep field `payload` as string."),
        "{}",
        warnings[0].fix
    );
}

#[test]
fn bytes_text_nested_places_warn() {
    let latest = record(
        r#"{"name":"parts","type":{"type":"array","items":"bytes"}},
           {"name":"note","type":["null","bytes"],"default":null}"#,
    );
    let new = record(
        r#"{"name":"parts","type":{"type":"array","items":"string"}},
           {"name":"note","type":["null","string"],"default":null}"#,
    );
    let verdict = check(CompatibilityMode::Backward, &new, Some((&latest, 1)));
    assert!(verdict.accepted);
    let fields: Vec<&str> = bytes_text_warnings(&verdict)
        .iter()
        .map(|warning| warning.field.as_str())
        .collect();
    assert_eq!(fields, ["parts[]", "note"]);
}

#[test]
fn same_text_type_gives_no_bytes_warning() {
    let latest = record(r#"{"name":"payload","type":"string"},{"name":"raw","type":"bytes"}"#);
    let new = record(r#"{"name":"payload","type":"string"},{"name":"raw","type":"bytes"}"#);
    let verdict = check(CompatibilityMode::Backward, &new, Some((&latest, 1)));
    assert!(bytes_text_warnings(&verdict).is_empty());
}
