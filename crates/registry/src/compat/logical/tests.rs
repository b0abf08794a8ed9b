use crate::compat::{check, CompatibilityMode, Verdict, Warning, WarningProblem};
use crate::model::ParsedSchema;

const MODES: [CompatibilityMode; 2] = [CompatibilityMode::Backward, CompatibilityMode::Forward];

/// Parses a record `example.avro.Reading` with the given fields.
fn record(fields: &str) -> ParsedSchema {
    ParsedSchema::parse(&format!(
        r#"{{"type":"record","name":"Reading","namespace":"example.avro","fields":[{fields}]}}"#
    ))
    .unwrap()
}

/// Parses a record whose field `at` has the given type.
fn with_field(ty: &str) -> ParsedSchema {
    record(&format!(r#"{{"name":"at","type":{ty}}}"#))
}

/// Checks `new_type` against `old_type`, the type of the field `at` in version 3.
fn verdict(mode: CompatibilityMode, old_type: &str, new_type: &str) -> Verdict {
    check(
        mode,
        &with_field(new_type),
        Some((&with_field(old_type), 3)),
    )
}

fn logical_warnings(verdict: &Verdict) -> Vec<&Warning> {
    verdict
        .warnings
        .iter()
        .filter(|warning| matches!(warning.problem, WarningProblem::LogicalTypeChanged { .. }))
        .collect()
}

fn change(warning: &Warning) -> (Option<&str>, Option<&str>) {
    match &warning.problem {
        WarningProblem::LogicalTypeChanged { old, new, .. } => (old.as_deref(), new.as_deref()),
        other => panic!("not a logical type change: {other:?}"),
    }
}

const TIMESTAMP_MILLIS: &str = r#"{"type":"long","logicalType":"timestamp-millis"}"#;
const TIMESTAMP_MICROS: &str = r#"{"type":"long","logicalType":"timestamp-micros"}"#;

#[test]
fn millis_to_micros_accepted_with_warning() {
    for mode in MODES {
        let verdict = verdict(mode, TIMESTAMP_MILLIS, TIMESTAMP_MICROS);

        assert!(verdict.accepted, "{mode}: {:?}", verdict.incompatibilities);
        assert_eq!(verdict.warnings.len(), 1, "{mode}");
        let warning = &verdict.warnings[0];
        assert_eq!(warning.field, "at", "{mode}");
        assert_eq!(warning.record, "example.avro.Reading", "{mode}");
        assert_eq!(warning.default, None, "{mode}");
        assert_eq!(
            warning.problem,
            WarningProblem::LogicalTypeChanged {
                old: Some("timestamp-millis".into()),
                new: Some("timestamp-micros".into()),
                underlying: "long".into(),
            },
            "{mode}"
        );
        assert_eq!(
            warning.message,
            "field `at` changes from long with the logical type `timestamp-millis` to long with \
             the logical type `timestamp-micros`. The registry accepts the version, because Avro \
             resolves schemas on the underlying types, but the values change meaning. Values \
             that version 3 wrote as milliseconds since 1970-01-01 00:00 UTC are read as \
             microseconds since 1970-01-01 00:00 UTC by readers of the new version, so every \
             value is off by a factor of 1,000. Readers of version 3 misread values that the new \
             version writes the other way round",
            "{mode}"
        );
        assert_eq!(
            warning.fix,
            "keep the logical type `timestamp-millis` on field `at`, so that old and new values \
             mean the same. To store values of the new kind, add a new field of type [\"null\", \
             {\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}] with \"default\": null, \
             and leave the old field as it is. A new field with a default is compatible in both \
             directions",
            "{mode}"
        );
    }
}

#[test]
fn each_changed_pair_warns_in_both_modes() {
    let fixed = |size: u64, logical: &str| {
        format!(r#"{{"type":"fixed","name":"Span","size":{size}{logical}}}"#)
    };
    let cases: Vec<(String, String, Option<&str>, Option<&str>)> = vec![
        (
            TIMESTAMP_MILLIS.into(),
            TIMESTAMP_MICROS.into(),
            Some("timestamp-millis"),
            Some("timestamp-micros"),
        ),
        (
            TIMESTAMP_MICROS.into(),
            TIMESTAMP_MILLIS.into(),
            Some("timestamp-micros"),
            Some("timestamp-millis"),
        ),
        (
            r#"{"type":"int","logicalType":"date"}"#.into(),
            r#""int""#.into(),
            Some("date"),
            None,
        ),
        (
            r#"{"type":"int","logicalType":"date"}"#.into(),
            r#"{"type":"int","logicalType":"time-millis"}"#.into(),
            Some("date"),
            Some("time-millis"),
        ),
        (
            r#"{"type":"long","logicalType":"time-micros"}"#.into(),
            TIMESTAMP_MICROS.into(),
            Some("time-micros"),
            Some("timestamp-micros"),
        ),
        (
            TIMESTAMP_MICROS.into(),
            r#"{"type":"long","logicalType":"time-micros"}"#.into(),
            Some("timestamp-micros"),
            Some("time-micros"),
        ),
        (
            r#"{"type":"long","logicalType":"local-timestamp-millis"}"#.into(),
            TIMESTAMP_MILLIS.into(),
            Some("local-timestamp-millis"),
            Some("timestamp-millis"),
        ),
        (
            TIMESTAMP_MILLIS.into(),
            r#"{"type":"long","logicalType":"local-timestamp-millis"}"#.into(),
            Some("timestamp-millis"),
            Some("local-timestamp-millis"),
        ),
        (
            r#"{"type":"long","logicalType":"timestamp-nanos"}"#.into(),
            r#"{"type":"long","logicalType":"local-timestamp-nanos"}"#.into(),
            Some("timestamp-nanos"),
            Some("local-timestamp-nanos"),
        ),
        (
            r#"{"type":"string","logicalType":"uuid"}"#.into(),
            r#""string""#.into(),
            Some("uuid"),
            None,
        ),
        (
            r#""string""#.into(),
            r#"{"type":"string","logicalType":"uuid"}"#.into(),
            None,
            Some("uuid"),
        ),
        (
            fixed(12, r#","logicalType":"duration""#),
            fixed(12, ""),
            Some("duration"),
            None,
        ),
        (
            fixed(12, ""),
            fixed(12, r#","logicalType":"duration""#),
            None,
            Some("duration"),
        ),
        (
            fixed(16, r#","logicalType":"uuid""#),
            fixed(16, ""),
            Some("uuid"),
            None,
        ),
        (
            fixed(12, r#","logicalType":"duration""#),
            fixed(12, r#","logicalType":"decimal","precision":10,"scale":2"#),
            Some("duration"),
            Some("decimal(10, 2)"),
        ),
        (
            r#""long""#.into(),
            TIMESTAMP_MILLIS.into(),
            None,
            Some("timestamp-millis"),
        ),
        (
            TIMESTAMP_MILLIS.into(),
            r#""long""#.into(),
            Some("timestamp-millis"),
            None,
        ),
        (
            r#""int""#.into(),
            r#"{"type":"int","logicalType":"date"}"#.into(),
            None,
            Some("date"),
        ),
        (
            r#""bytes""#.into(),
            r#"{"type":"bytes","logicalType":"big-decimal"}"#.into(),
            None,
            Some("big-decimal"),
        ),
        (
            r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#.into(),
            r#""bytes""#.into(),
            Some("decimal(10, 2)"),
            None,
        ),
        (
            r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#.into(),
            r#"{"type":"bytes","logicalType":"big-decimal"}"#.into(),
            Some("decimal(10, 2)"),
            Some("big-decimal"),
        ),
    ];
    for (old_type, new_type, old, new) in &cases {
        for mode in MODES {
            let verdict = verdict(mode, old_type, new_type);
            let case = format!("{mode}: {old_type} to {new_type}");

            assert!(verdict.accepted, "{case}: {:?}", verdict.incompatibilities);
            let warnings = logical_warnings(&verdict);
            assert_eq!(warnings.len(), 1, "{case}: {warnings:?}");
            assert_eq!(warnings[0].field, "at", "{case}");
            assert_eq!(change(warnings[0]), (*old, *new), "{case}");
        }
    }
}

#[test]
fn promotion_with_new_logical_type_warns() {
    let verdict = verdict(
        CompatibilityMode::Backward,
        r#"{"type":"int","logicalType":"date"}"#,
        TIMESTAMP_MILLIS,
    );

    assert!(verdict.accepted, "{:?}", verdict.incompatibilities);
    let warnings = logical_warnings(&verdict);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        change(warnings[0]),
        (Some("date"), Some("timestamp-millis"))
    );
    assert!(
        warnings[0]
            .message
            .contains("changes from int with the logical type `date` to long"),
        "{}",
        warnings[0].message
    );
    assert!(
        warnings[0]
            .message
            .contains("off by a factor of 86,400,000"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn time_zone_change_names_offset() {
    let verdict = verdict(
        CompatibilityMode::Backward,
        r#"{"type":"long","logicalType":"local-timestamp-millis"}"#,
        TIMESTAMP_MILLIS,
    );

    let message = &logical_warnings(&verdict)[0].message;
    assert!(
        message.contains(
            "milliseconds since 1970-01-01 00:00 local time are read as milliseconds since \
             1970-01-01 00:00 UTC"
        ),
        "{message}"
    );
    assert!(
        message
            .contains("so every value moves by the offset between UTC and the reader's time zone"),
        "{message}"
    );
    assert!(!message.contains("factor"), "{message}");
}

#[test]
fn removed_logical_type_names_plain_values() {
    let verdict = verdict(
        CompatibilityMode::Forward,
        r#"{"type":"string","logicalType":"uuid"}"#,
        r#""string""#,
    );

    let warning = logical_warnings(&verdict)[0];
    assert!(
        warning
            .message
            .contains("wrote as UUIDs in text form are read as plain string values"),
        "{}",
        warning.message
    );
    assert!(
        warning
            .fix
            .starts_with("keep the logical type `uuid` on field `at`"),
        "{}",
        warning.fix
    );
    assert!(
        warning
            .fix
            .contains(r#"["null", "string"] with "default": null"#),
        "{}",
        warning.fix
    );
}

#[test]
fn added_logical_type_fix_keeps_plain_type() {
    let verdict = verdict(CompatibilityMode::Backward, r#""long""#, TIMESTAMP_MILLIS);

    let warning = logical_warnings(&verdict)[0];
    assert!(
        warning
            .message
            .contains("which is right only if every old value already meant that"),
        "{}",
        warning.message
    );
    assert!(
        warning
            .fix
            .starts_with("keep field `at` without a logical type"),
        "{}",
        warning.fix
    );
}

#[test]
fn fixed_type_fix_asks_for_new_name() {
    let old = r#"{"type":"fixed","name":"Span","size":12,"logicalType":"duration"}"#;
    let new = r#"{"type":"fixed","name":"Span","size":12}"#;
    let verdict = verdict(CompatibilityMode::Backward, old, new);

    let warning = logical_warnings(&verdict)[0];
    assert!(
        warning.message.contains(
            "changes from the fixed type `example.avro.Span` (12 bytes) with the logical type \
             `duration` to the fixed type `example.avro.Span` (12 bytes) without a logical type"
        ),
        "{}",
        warning.message
    );
    assert!(
        warning
            .fix
            .contains("a fixed type of 12 bytes without a logical type under a name of its own"),
        "{}",
        warning.fix
    );
}

#[test]
fn nested_fields_named_by_path() {
    let nested = |ty: &str| {
        format!(
            r#"{{"name":"payment","type":{{"type":"record","name":"Payment","fields":[
                {{"name":"paid_at","type":{ty}}}]}}}},
            {{"name":"samples","type":{{"type":"array","items":{ty}}}}},
            {{"name":"events","type":{{"type":"array","items":{{"type":"record","name":"Event",
                "fields":[{{"name":"seen_at","type":{ty}}}]}}}}}},
            {{"name":"latest","type":{{"type":"map","values":{ty}}}}},
            {{"name":"maybe","type":["null",{ty}],"default":null}}"#
        )
    };
    let old = record(&nested(TIMESTAMP_MILLIS));
    let new = record(&nested(TIMESTAMP_MICROS));

    for mode in MODES {
        let verdict = check(mode, &new, Some((&old, 1)));

        assert!(verdict.accepted, "{mode}: {:?}", verdict.incompatibilities);
        let warnings = logical_warnings(&verdict);
        let fields: Vec<(&str, &str)> = warnings
            .iter()
            .map(|warning| (warning.field.as_str(), warning.record.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("payment.paid_at", "example.avro.Payment"),
                ("samples[]", "example.avro.Reading"),
                ("events[].seen_at", "example.avro.Event"),
                ("latest{}", "example.avro.Reading"),
                ("maybe", "example.avro.Reading"),
            ],
            "{mode}"
        );
        for warning in &warnings {
            assert_eq!(
                change(warning),
                (Some("timestamp-millis"), Some("timestamp-micros")),
                "{mode}: {}",
                warning.field
            );
        }
        assert!(
            warnings[1]
                .fix
                .contains("add a new field whose items have the logical type `timestamp-micros`"),
            "{mode}: {}",
            warnings[1].fix
        );
        assert!(
            warnings[3]
                .fix
                .contains("add a new field whose values have the logical type `timestamp-micros`"),
            "{mode}: {}",
            warnings[3].fix
        );
    }
}

#[test]
fn recursive_record_warns_once() {
    let node = |ty: &str| {
        format!(
            r#"{{"type":"record","name":"Node","fields":[{{"name":"at","type":{ty}}},
            {{"name":"next","type":["null","Node"],"default":null}}]}}"#
        )
    };
    let old = ParsedSchema::parse(&node(TIMESTAMP_MILLIS)).unwrap();
    let new = ParsedSchema::parse(&node(TIMESTAMP_MICROS)).unwrap();

    let verdict = check(CompatibilityMode::Backward, &new, Some((&old, 1)));

    let fields: Vec<&str> = logical_warnings(&verdict)
        .iter()
        .map(|warning| warning.field.as_str())
        .collect();
    assert_eq!(fields, ["at"]);
}

#[test]
fn none_mode_also_warns() {
    let verdict = verdict(CompatibilityMode::None, TIMESTAMP_MILLIS, TIMESTAMP_MICROS);

    assert!(verdict.accepted);
    assert_eq!(logical_warnings(&verdict).len(), 1);
}

#[test]
fn first_version_has_no_change() {
    let verdict = check(
        CompatibilityMode::Backward,
        &with_field(TIMESTAMP_MILLIS),
        None,
    );

    assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
}

#[test]
fn unchanged_or_ignored_logical_types_do_not_warn() {
    let cases = [
        // The same logical type.
        (TIMESTAMP_MILLIS, TIMESTAMP_MILLIS),
        (
            r#"{"type":"int","logicalType":"date"}"#,
            r#"{"type":"int","logicalType":"date"}"#,
        ),
        // Logical types that are invalid on a string, on both sides.
        (
            r#"{"type":"string","logicalType":"timestamp-millis"}"#,
            r#"{"type":"string","logicalType":"timestamp-micros"}"#,
        ),
        // An invalid logical type removed, and an unknown one added.
        (
            r#"{"type":"string","logicalType":"timestamp-millis"}"#,
            r#""string""#,
        ),
        (r#""long""#, r#"{"type":"long","logicalType":"epoch-days"}"#),
        // `date` is valid on an int only.
        (r#""long""#, r#"{"type":"long","logicalType":"date"}"#),
        // `duration` needs a fixed type of 12 bytes, `uuid` one of 16.
        (
            r#"{"type":"fixed","name":"Span","size":8,"logicalType":"duration"}"#,
            r#"{"type":"fixed","name":"Span","size":8}"#,
        ),
        (
            r#"{"type":"fixed","name":"Id","size":12}"#,
            r#"{"type":"fixed","name":"Id","size":12,"logicalType":"uuid"}"#,
        ),
        // A decimal that is invalid (scale above precision) counts as plain bytes.
        (
            r#""bytes""#,
            r#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}"#,
        ),
        // A `logicalType` that is not a string.
        (r#""long""#, r#"{"type":"long","logicalType":5}"#),
    ];
    for (old_type, new_type) in cases {
        for mode in [
            CompatibilityMode::Backward,
            CompatibilityMode::Forward,
            CompatibilityMode::None,
        ] {
            let verdict = verdict(mode, old_type, new_type);

            assert!(verdict.accepted, "{mode}: {old_type} to {new_type}");
            assert!(
                verdict.warnings.is_empty(),
                "{mode}: {old_type} to {new_type}: {:?}",
                verdict.warnings
            );
        }
    }
}

#[test]
fn invalid_to_valid_logical_type_warns_as_added() {
    let verdict = verdict(
        CompatibilityMode::Backward,
        r#"{"type":"string","logicalType":"timestamp-millis"}"#,
        r#"{"type":"string","logicalType":"uuid"}"#,
    );

    let warnings = logical_warnings(&verdict);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(change(warnings[0]), (None, Some("uuid")));
}

#[test]
fn decimal_scale_change_rejects_without_warning() {
    for mode in MODES {
        let verdict = verdict(
            mode,
            r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#,
            r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":3}"#,
        );

        assert!(!verdict.accepted, "{mode}");
        assert!(
            verdict.warnings.is_empty(),
            "{mode}: {:?}",
            verdict.warnings
        );
    }
}

#[test]
fn warning_reaches_verdict_text() {
    let verdict = verdict(
        CompatibilityMode::Backward,
        TIMESTAMP_MILLIS,
        TIMESTAMP_MICROS,
    );

    let text = verdict.to_text();

    assert!(
        text.contains("\n  warning: field `at` changes from long with the logical type"),
        "{text}"
    );
    assert!(
        text.contains("Fix: keep the logical type `timestamp-millis` on field `at`"),
        "{text}"
    );
}

#[test]
fn logical_type_warning_serializes_kind() {
    let verdict = verdict(
        CompatibilityMode::Backward,
        TIMESTAMP_MILLIS,
        TIMESTAMP_MICROS,
    );

    let json = serde_json::to_value(&verdict.warnings[0]).unwrap();

    assert_eq!(
        json["problem"],
        serde_json::json!({
            "kind": "logical_type_changed",
            "old": "timestamp-millis",
            "new": "timestamp-micros",
            "underlying": "long",
        })
    );
    assert!(json.get("default").is_none(), "{json}");
}

#[test]
fn default_warning_keeps_flat_kind() {
    let new = record(r#"{"name":"note","type":["string","null"],"default":null}"#);
    let verdict = check(CompatibilityMode::Backward, &new, None);

    let json = serde_json::to_value(&verdict.warnings[0]).unwrap();

    assert_eq!(json["problem"]["kind"], "union_default_not_first_branch");
    assert_eq!(json["default"], "null");
}

#[test]
fn thousands_separators_group_digits() {
    assert_eq!(super::with_thousands_separators(7), "7");
    assert_eq!(super::with_thousands_separators(1_000), "1,000");
    assert_eq!(super::with_thousands_separators(86_400_000), "86,400,000");
    assert_eq!(
        super::with_thousands_separators(123_456_789_012),
        "123,456,789,012"
    );
}
