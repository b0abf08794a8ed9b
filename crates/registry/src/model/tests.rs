use super::*;

#[test]
fn dotted_name_is_already_full() {
    let schema = ParsedSchema::parse(
        r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
            "fields":[{"name":"id","type":"string"}]}"#,
    )
    .unwrap();
    assert_eq!(schema.root_name(), Some("Customer.Created"));
}

#[test]
fn undotted_name_takes_namespace() {
    let schema = ParsedSchema::parse(
        r#"{"type":"record","name":"Order","namespace":"example.avro","fields":[]}"#,
    )
    .unwrap();
    assert_eq!(schema.root_name(), Some("example.avro.Order"));
}

#[test]
fn malformed_json_reports_position() {
    let error = ParsedSchema::parse("{\"type\" \"record\"}").unwrap_err();
    let SchemaError::Json { line, column, .. } = &error else {
        panic!("expected a JSON error, got {error:?}");
    };
    assert_eq!(*line, 1);
    assert_eq!(*column, 9);
    assert!(error.to_string().contains("line 1, position 9"), "{error}");
}

#[test]
fn unknown_type_is_invalid() {
    let error = ParsedSchema::parse(
        r#"{"type":"record","name":"A","fields":[{"name":"x","type":"strng"}]}"#,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("unknown type `strng`"),
        "{error}"
    );
    assert!(error.to_string().contains("`A.x`"), "{error}");
}

#[test]
fn normalized_content_ignores_whitespace_and_key_order() {
    let first = normalized_content(r#"{"type": "string", "doc": "x"}"#).unwrap();
    let second = normalized_content("{\"doc\":\"x\",\n \"type\":\"string\"}").unwrap();
    assert_eq!(first, second);
}

#[test]
fn recursive_record_parses() {
    let schema = ParsedSchema::parse(
        r#"{"type":"record","name":"Node","fields":[
            {"name":"next","type":["null","Node"],"default":null}]}"#,
    )
    .unwrap();
    let Some(NamedType::Record { fields, .. }) = schema.lookup("Node") else {
        panic!("Node is not a record");
    };
    assert_eq!(
        fields[0].ty,
        AvroType::Union(vec![AvroType::Null, AvroType::Named("Node".into())])
    );
}
