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
fn json_position_counts_characters() {
    let column = |text: &str| match ParsedSchema::parse(text).unwrap_err() {
        SchemaError::Json { column, .. } => column,
        other => panic!("expected a JSON error, got {other:?}"),
    };
    let ascii = column(r#"{"doc":"abcde", "type":"record" "name":"T"}"#);
    let accented = column(r#"{"doc":"ééééé", "type":"record" "name":"T"}"#);
    let emoji = column(r#"{"doc":"🙂🙂", "type":"record" "name":"T"}"#);
    assert_eq!(accented, ascii);
    assert_eq!(emoji, ascii - 3);
    let second_line = "{\"doc\":\"é\",\n \"type\" \"record\"}";
    assert_eq!(column(second_line), 9);
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

/// Parses a text that must be invalid, and returns the error's path and message.
fn invalid_parts(text: &str) -> (String, String) {
    match ParsedSchema::parse(text) {
        Err(SchemaError::Invalid { path, message }) => (path, message),
        other => panic!("expected an invalid schema, got {other:?}"),
    }
}

#[test]
fn duplicate_enum_symbol_is_invalid() {
    let (path, message) = invalid_parts(r#"{"type":"enum","name":"E","symbols":["A","B","A"]}"#);
    assert_eq!(path, "E");
    assert_eq!(
        message,
        "the enum lists the symbol `A` twice: list each symbol once, because readers match a \
         writer's symbol by name"
    );
}

#[test]
fn enum_symbol_breaking_name_rule_is_invalid() {
    for (symbol, problem) in [
        ("A-B", "contains `-` (U+002D)"),
        ("1A", "starts with the digit `1`"),
        ("Ä", "contains `Ä` (U+00C4)"),
        ("", "is empty"),
    ] {
        let text = format!(r#"{{"type":"enum","name":"E","symbols":["A",{symbol:?}]}}"#);
        let (path, message) = invalid_parts(&text);
        assert_eq!(path, "E", "{symbol}");
        assert!(
            message.starts_with(&format!(
                "enum symbol `{symbol}` is not valid because it {problem}. An enum symbol must \
                 start with an ASCII letter (A-Z, a-z) or `_`"
            )),
            "{message}"
        );
    }
}

#[test]
fn enum_default_outside_symbols_is_invalid() {
    for default in [r#""C""#, "1", "null"] {
        let text =
            format!(r#"{{"type":"enum","name":"E","symbols":["A","B"],"default":{default}}}"#);
        let (_, message) = invalid_parts(&text);
        assert_eq!(
            message,
            format!(
                "the enum default {default} is not one of its symbols: use one of A, B, or \
                 remove the default"
            )
        );
    }
}

#[test]
fn union_of_same_primitive_twice_is_invalid() {
    for union in [r#"["null","null"]"#, r#"["string","null","string"]"#] {
        let text =
            format!(r#"{{"type":"record","name":"R","fields":[{{"name":"x","type":{union}}}]}}"#);
        let (path, message) = invalid_parts(&text);
        assert_eq!(path, "R.x", "{union}");
        assert!(message.starts_with("the union lists `"), "{message}");
        assert!(
            message.ends_with("Remove one of the two branches"),
            "{message}"
        );
    }
}

#[test]
fn union_with_logical_and_plain_int_is_invalid() {
    let (_, message) = invalid_parts(r#"["int",{"type":"int","logicalType":"date"}]"#);
    assert!(
        message.starts_with("the union lists `int` twice"),
        "{message}"
    );
}

#[test]
fn union_of_two_arrays_is_invalid() {
    let (path, message) =
        invalid_parts(r#"[{"type":"array","items":"int"},{"type":"array","items":"string"}]"#);
    assert_eq!(path, "(top level)");
    assert_eq!(
        message,
        "the union lists two arrays, `array<int>` and `array<string>`: a union may contain only \
         one array, because a writer could not tell which branch a value belongs to. Keep one \
         array, whose items may be a union"
    );
}

#[test]
fn union_of_two_maps_is_invalid() {
    let (_, message) =
        invalid_parts(r#"[{"type":"map","values":"int"},{"type":"map","values":"long"}]"#);
    assert!(
        message.starts_with("the union lists two maps, `map<int>` and `map<long>`"),
        "{message}"
    );
}

#[test]
fn union_of_same_named_type_twice_is_invalid() {
    let (path, message) = invalid_parts(
        r#"{"type":"record","name":"R","namespace":"ns","fields":[{"name":"x","type":[
            {"type":"fixed","name":"F","size":4},"null","ns.F"]}]}"#,
    );
    assert_eq!(path, "ns.R.x");
    assert!(
        message.starts_with("the union lists `ns.F` twice"),
        "{message}"
    );
}

#[test]
fn union_of_different_named_types_is_valid() {
    let schema = ParsedSchema::parse(
        r#"[{"type":"fixed","name":"A","size":4},{"type":"fixed","name":"B","size":4}]"#,
    )
    .unwrap();
    assert_eq!(
        schema.root,
        AvroType::Union(vec![
            AvroType::Named("A".into()),
            AvroType::Named("B".into())
        ])
    );
}

#[test]
fn union_inside_union_is_invalid() {
    for text in [
        r#"["null",["int","string"]]"#,
        r#"["null",{"type":["int","string"]}]"#,
    ] {
        let (_, message) = invalid_parts(text);
        assert_eq!(
            message,
            "a union cannot directly contain another union: list the inner union's branches \
             in the outer union instead",
            "{text}"
        );
    }
}

#[test]
fn duplicate_field_is_invalid() {
    let (path, message) = invalid_parts(
        r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":"int"},{"name":"a","type":"string"}]}"#,
    );
    assert_eq!(path, "R.a");
    assert_eq!(
        message,
        "the record declares the field `a` twice: give each field its own name, or remove one \
         of them"
    );
}

#[test]
fn field_name_breaking_name_rule_is_invalid() {
    let (path, message) =
        invalid_parts(r#"{"type":"record","name":"R","fields":[{"name":"grüße","type":"int"}]}"#);
    assert_eq!(path, "R.grüße");
    assert!(
        message.starts_with(
            "field name `grüße` is not valid because it contains `ü` (U+00FC). A field name \
             must start with an ASCII letter (A-Z, a-z) or `_`"
        ),
        "{message}"
    );
}

#[test]
fn named_type_defined_twice_is_invalid() {
    for text in [
        r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}},
            {"name":"b","type":{"type":"enum","name":"E","symbols":["B"]}}]}"#,
        r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":{"type":"fixed","name":"R","size":1}}]}"#,
    ] {
        let (_, message) = invalid_parts(text);
        assert!(
            message.starts_with("the name `") && message.contains("` is defined twice: "),
            "{message}"
        );
    }
}

#[test]
fn fixed_size_missing_or_negative_is_invalid() {
    let (path, message) = invalid_parts(r#"{"type":"fixed","name":"F"}"#);
    assert_eq!(path, "F");
    assert_eq!(
        message,
        "the fixed type has no `size`: add \"size\" with its number of bytes, such as 16"
    );
    for size in ["-1", "1.5", "\"16\""] {
        let (_, message) =
            invalid_parts(&format!(r#"{{"type":"fixed","name":"F","size":{size}}}"#));
        assert_eq!(
            message,
            format!(
                "the fixed type's `size` is {size}, but it must be a non-negative integer \
                 number of bytes, such as 16"
            )
        );
    }
}

#[test]
fn reference_to_undefined_type_is_invalid() {
    let (path, message) = invalid_parts(
        r#"{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"Address"}]}"#,
    );
    assert_eq!(path, "ns.R.a");
    assert_eq!(
        message,
        "unknown type `Address`: define it before its first use or fix the spelling"
    );
}

#[test]
fn non_ascii_type_name_names_character() {
    let (path, message) =
        invalid_parts(r#"{"type":"record","name":"Tü","fields":[{"name":"a","type":"int"}]}"#);
    assert_eq!(path, "(top level)");
    assert_eq!(
        message,
        "`Tü` is not a valid Avro name because it contains `ü` (U+00FC). Each dot-separated \
         part of a name must start with an ASCII letter (A-Z, a-z) or `_` and contain only \
         ASCII letters, digits (0-9) and `_`"
    );
}

#[test]
fn byte_order_mark_is_named_with_fix() {
    let text = format!("\u{feff}{}", r#"{"type":"string"}"#);
    let error = ParsedSchema::parse(&text).unwrap_err();
    assert_eq!(error, SchemaError::ByteOrderMark);
    assert_eq!(
        error.to_string(),
        "the schema text starts with a UTF-8 byte-order mark (the bytes EF BB BF), which JSON \
         does not allow: save the file as UTF-8 without a byte-order mark"
    );
    assert_eq!(normalized_content(&text), Err(SchemaError::ByteOrderMark));
}

#[test]
fn mark_after_whitespace_is_json_error() {
    // Only a leading mark is an encoding marker; elsewhere it is a stray character.
    let error = ParsedSchema::parse("\n\u{feff}\"string\"").unwrap_err();
    assert!(
        matches!(error, SchemaError::Json { line: 2, .. }),
        "{error:?}"
    );
}

#[test]
fn named_type_with_primitive_name_is_invalid() {
    let cases = [
        (r#"{"type":"record","name":"int","fields":[]}"#, "int"),
        (
            r#"{"type":"enum","name":"string","symbols":["A"]}"#,
            "string",
        ),
        (r#"{"type":"fixed","name":"bytes","size":4}"#, "bytes"),
        (
            r#"{"type":"record","name":"null","namespace":"example.avro","fields":[]}"#,
            "example.avro.null",
        ),
        (
            r#"{"type":"record","name":"example.avro.long","fields":[]}"#,
            "example.avro.long",
        ),
    ];
    for (text, name) in cases {
        let (path, message) = invalid_parts(text);
        assert_eq!(path, "(top level)", "{text}");
        assert!(
            message.starts_with(&format!("the name `{name}`")),
            "{text}: {message}"
        );
        assert!(message.contains("primitive type name"), "{text}: {message}");
        assert!(
            message.contains("give the type another name"),
            "{text}: {message}"
        );
    }
}

#[test]
fn nested_type_with_primitive_name_is_invalid() {
    let (path, message) = invalid_parts(
        r#"{"type":"record","name":"Order","fields":[
            {"name":"kind","type":{"type":"enum","name":"boolean","symbols":["A"]}}]}"#,
    );
    assert_eq!(path, "Order.kind");
    assert!(
        message.starts_with("the name `boolean` is a primitive type name"),
        "{message}"
    );
}

#[test]
fn union_with_decimal_and_plain_bytes_is_invalid() {
    let (_, message) = invalid_parts(
        r#"["bytes",{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}]"#,
    );
    assert!(message.starts_with("the union lists `bytes"), "{message}");
}

#[test]
fn decimal_attributes_are_kept() {
    let decimal = |text: &str| ParsedSchema::parse(text).unwrap().root;
    assert_eq!(
        decimal(r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#),
        AvroType::Decimal(Decimal {
            precision: 10,
            scale: 2
        })
    );
    assert_eq!(
        decimal(r#"{"type":"bytes","logicalType":"decimal","precision":10}"#),
        AvroType::Decimal(Decimal {
            precision: 10,
            scale: 0
        })
    );
    // Invalid decimals fall back to plain bytes, as the specification lets readers do.
    for invalid in [
        r#"{"type":"bytes","logicalType":"decimal","precision":0}"#,
        r#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}"#,
        r#"{"type":"bytes","logicalType":"decimal"}"#,
    ] {
        assert_eq!(decimal(invalid), AvroType::Bytes, "{invalid}");
    }
    // 4 bytes hold at most 9 decimal digits.
    let schema = ParsedSchema::parse(
        r#"{"type":"fixed","name":"F","size":4,"logicalType":"decimal","precision":10}"#,
    )
    .unwrap();
    assert!(matches!(
        schema.lookup("F"),
        Some(NamedType::Fixed { decimal: None, .. })
    ));
    let schema = ParsedSchema::parse(
        r#"{"type":"fixed","name":"F","size":4,"logicalType":"decimal","precision":9}"#,
    )
    .unwrap();
    assert!(matches!(
        schema.lookup("F"),
        Some(NamedType::Fixed {
            decimal: Some(Decimal { precision: 9, .. }),
            ..
        })
    ));
}

#[test]
fn valid_logical_types_are_kept() {
    let cases = [
        (
            r#"{"type":"int","logicalType":"date"}"#,
            LogicalType::Date,
            AvroType::Int,
        ),
        (
            r#"{"type":"long","logicalType":"timestamp-micros"}"#,
            LogicalType::TimestampMicros,
            AvroType::Long,
        ),
        (
            r#"{"type":"long","logicalType":"local-timestamp-nanos"}"#,
            LogicalType::LocalTimestampNanos,
            AvroType::Long,
        ),
        (
            r#"{"type":"string","logicalType":"uuid"}"#,
            LogicalType::Uuid,
            AvroType::String,
        ),
        (
            r#"{"type":"bytes","logicalType":"big-decimal"}"#,
            LogicalType::BigDecimal,
            AvroType::Bytes,
        ),
    ];
    for (text, logical_type, underlying) in cases {
        let root = ParsedSchema::parse(text).unwrap().root;
        assert_eq!(
            root,
            AvroType::Logical {
                logical_type,
                underlying: Box::new(underlying.clone()),
            },
            "{text}"
        );
        assert_eq!(root.underlying(), &underlying, "{text}");
    }
}

#[test]
fn invalid_logical_types_are_dropped() {
    let cases = [
        (
            r#"{"type":"string","logicalType":"timestamp-millis"}"#,
            AvroType::String,
        ),
        (r#"{"type":"long","logicalType":"date"}"#, AvroType::Long),
        (r#"{"type":"int","logicalType":"uuid"}"#, AvroType::Int),
        (
            r#"{"type":"long","logicalType":"epoch-days"}"#,
            AvroType::Long,
        ),
        (r#"{"type":"long","logicalType":5}"#, AvroType::Long),
        (
            r#"{"type":"double","logicalType":"duration"}"#,
            AvroType::Double,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(ParsedSchema::parse(text).unwrap().root, expected, "{text}");
    }
}

#[test]
fn fixed_logical_type_needs_its_size() {
    let logical_type = |size: u64, name: &str| {
        let text = format!(r#"{{"type":"fixed","name":"F","size":{size},"logicalType":"{name}"}}"#);
        match ParsedSchema::parse(&text).unwrap().lookup("F") {
            Some(NamedType::Fixed { logical_type, .. }) => *logical_type,
            other => panic!("{text}: {other:?}"),
        }
    };
    assert_eq!(logical_type(12, "duration"), Some(LogicalType::Duration));
    assert_eq!(logical_type(16, "uuid"), Some(LogicalType::Uuid));
    assert_eq!(logical_type(8, "duration"), None);
    assert_eq!(logical_type(12, "uuid"), None);
    assert_eq!(logical_type(12, "timestamp-millis"), None);
}

#[test]
fn logical_type_described_after_underlying() {
    let schema =
        ParsedSchema::parse(r#"{"type":"long","logicalType":"timestamp-millis"}"#).unwrap();
    assert_eq!(schema.describe(&schema.root), "long timestamp-millis");
    assert_eq!(
        type_json(&schema.root),
        r#"{"type": "long", "logicalType": "timestamp-millis"}"#
    );
}

#[test]
fn deep_nesting_names_limit_and_fix() {
    let depth = 200;
    let text = format!(
        "{}\"string\"{}",
        r#"{"type":"array","items":"#.repeat(depth),
        "}".repeat(depth)
    );
    let error = ParsedSchema::parse(&text).unwrap_err();
    assert!(
        matches!(error, SchemaError::TooDeep { line: 1, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "the schema nests JSON objects and arrays more than 128 levels deep, the most this \
             registry reads"
        ),
        "{message}"
    );
    assert!(message.contains(": flatten the schema"), "{message}");
}

#[test]
fn nesting_below_limit_parses() {
    let depth = 120;
    let text = format!(
        "{}\"string\"{}",
        r#"{"type":"array","items":"#.repeat(depth),
        "}".repeat(depth)
    );
    assert!(ParsedSchema::parse(&text).is_ok());
}

#[test]
fn field_order_outside_allowed_values_is_invalid() {
    for order in [r#""bogus""#, r#""ASCENDING""#, "1", "null"] {
        let text = format!(
            r#"{{"type":"record","name":"T","fields":[{{"name":"a","type":"int","order":{order}}}]}}"#
        );
        let (path, message) = invalid_parts(&text);
        assert_eq!(path, "T.a", "{order}");
        assert_eq!(
            message,
            format!(
                "the field's `order` is {order}, but it must be one of \"ascending\", \
                 \"descending\", \"ignore\": use one of them, or remove `order` to sort the \
                 field ascending"
            )
        );
    }
}

#[test]
fn field_order_allowed_values_parse() {
    for order in ["ascending", "descending", "ignore"] {
        let text = format!(
            r#"{{"type":"record","name":"T","fields":[{{"name":"a","type":"int","order":"{order}"}}]}}"#
        );
        assert!(ParsedSchema::parse(&text).is_ok(), "{order}");
    }
}
