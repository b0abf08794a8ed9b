//! Every `.avsc` file under `schemas/` parses with apache-avro and matches the course model, so
//! the schema files and the model cannot drift apart.

use std::path::{Path, PathBuf};

use apache_avro::schema::{RecordSchema, Schema, UnionSchema};
use course::{exercise, Compatibility, ExerciseAttempt};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn parse(relative: &str) -> RecordSchema {
    let path = schemas_dir().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    match Schema::parse_str(&text).unwrap_or_else(|error| panic!("{relative}: {error}")) {
        Schema::Record(record) => record,
        other => panic!("{relative} is not a record: {other:?}"),
    }
}

fn string_union_branches(union: &UnionSchema) -> Vec<&'static str> {
    union
        .variants()
        .iter()
        .map(|variant| match variant {
            Schema::String => "string",
            Schema::Null => "null",
            other => panic!("unexpected union branch {other:?}"),
        })
        .collect()
}

#[test]
fn event_schemas_match_flow_events() {
    for event in course::flow::EVENTS {
        let record = parse(&format!("events/{}.avsc", event.name));
        assert_eq!(
            record.name.fullname(None),
            event.name,
            "record name of {}",
            event.name
        );
        let fields: Vec<&str> = record
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(fields, event.fields, "fields of {}", event.name);
        for field in &record.fields {
            assert_eq!(
                field.schema,
                Schema::String,
                "{}.{} is a string",
                event.name,
                field.name
            );
        }
    }
}

#[test]
fn event_schemas_declare_course_namespace() {
    for event in course::flow::EVENTS {
        let path = schemas_dir().join(format!("events/{}.avsc", event.name));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(
            json["namespace"],
            course::flow::SCHEMA_NAMESPACE,
            "{}",
            event.name
        );
    }
}

fn assert_attempt_matches(attempt: &ExerciseAttempt) {
    let record = parse(&attempt.file);
    assert_eq!(
        record.name.fullname(None),
        attempt.schema_name,
        "{}",
        attempt.file
    );
    assert_eq!(
        record.fields.len(),
        attempt.fields.len(),
        "{} field count",
        attempt.file
    );
    for (field, expected) in record.fields.iter().zip(&attempt.fields) {
        assert_eq!(field.name, expected.name, "{}", attempt.file);
        let Schema::Union(union) = &field.schema else {
            panic!("{}: field {} is not a union", attempt.file, field.name)
        };
        assert_eq!(
            string_union_branches(union),
            expected.branches,
            "{} {}",
            attempt.file,
            field.name
        );
        let default_null = field.default == Some(serde_json::Value::Null);
        assert_eq!(
            default_null, expected.default_null,
            "{} {} default",
            attempt.file, field.name
        );
    }
}

#[test]
fn exercise_schemas_match_course_attempts() {
    for mode in [Compatibility::Backward, Compatibility::Forward] {
        let attempts = exercise(mode);
        assert_eq!(attempts.len(), 5);
        for attempt in &attempts {
            assert_attempt_matches(attempt);
        }
    }
}

#[test]
fn schemas_folder_holds_only_modelled_files() {
    let mut modelled: Vec<String> = course::flow::EVENTS
        .iter()
        .map(|event| format!("events/{}.avsc", event.name))
        .collect();
    for mode in [Compatibility::Backward, Compatibility::Forward] {
        modelled.extend(exercise(mode).into_iter().map(|attempt| attempt.file));
    }
    modelled.sort();

    let mut found = Vec::new();
    for folder in ["events", "exercise"] {
        for entry in std::fs::read_dir(schemas_dir().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            found.push(format!("{folder}/{name}"));
        }
    }
    found.sort();
    assert_eq!(found, modelled);
}
