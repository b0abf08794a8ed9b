//! Round-trip properties of the type codec and the message model.

use amqp::{
    decode_value, Array, Body, Descriptor, Header, Message, MessageBytes, Properties, SectionKind,
    Symbol, Timestamp, Value,
};
use proptest::collection::vec;
use proptest::prelude::*;

fn symbol() -> impl Strategy<Value = Symbol> {
    "[a-z:.-]{0,20}".prop_map(Symbol::new)
}

fn descriptor() -> impl Strategy<Value = Descriptor> {
    prop_oneof![
        any::<u64>().prop_map(Descriptor::Code),
        symbol().prop_map(Descriptor::Symbol)
    ]
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("NaN never equals itself", |v| !v.is_nan())
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("NaN never equals itself", |v| !v.is_nan())
}

/// Generates every primitive type, with lengths that cross the 8-bit and 32-bit encodings.
fn primitive() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u8>().prop_map(Value::Ubyte),
        any::<u16>().prop_map(Value::Ushort),
        prop_oneof![Just(0u32), 0u32..=255, any::<u32>()].prop_map(Value::Uint),
        prop_oneof![Just(0u64), 0u64..=255, any::<u64>()].prop_map(Value::Ulong),
        any::<i8>().prop_map(Value::Byte),
        any::<i16>().prop_map(Value::Short),
        prop_oneof![-128i32..=127, any::<i32>()].prop_map(Value::Int),
        prop_oneof![-128i64..=127, any::<i64>()].prop_map(Value::Long),
        finite_f32().prop_map(Value::Float),
        finite_f64().prop_map(Value::Double),
        any::<[u8; 4]>().prop_map(Value::Decimal32),
        any::<[u8; 8]>().prop_map(Value::Decimal64),
        any::<[u8; 16]>().prop_map(Value::Decimal128),
        any::<char>().prop_map(Value::Char),
        any::<i64>().prop_map(|t| Value::Timestamp(Timestamp(t))),
        any::<[u8; 16]>().prop_map(Value::Uuid),
        vec(any::<u8>(), 0..300).prop_map(Value::Binary),
        ".{0,300}".prop_map(Value::String),
        symbol().prop_map(Value::Symbol),
    ]
}

/// Arrays of one element type, in both 8-bit and 32-bit element encodings.
fn array() -> impl Strategy<Value = Value> {
    prop_oneof![
        vec(any::<i32>().prop_map(Value::Int), 0..20).prop_map(|items| (0x71u8, items)),
        vec(any::<u64>().prop_map(Value::Ulong), 0..20).prop_map(|items| (0x80u8, items)),
        vec(any::<bool>().prop_map(Value::Bool), 0..20).prop_map(|items| (0x56u8, items)),
        vec(".{0,10}".prop_map(Value::String), 0..20).prop_map(|items| (0xa1u8, items)),
        vec(".{0,300}".prop_map(Value::String), 0..4).prop_map(|items| (0xb1u8, items)),
        vec(symbol().prop_map(Value::Symbol), 0..20).prop_map(|items| (0xb3u8, items)),
        vec(Just(Value::Null), 0..20).prop_map(|items| (0x40u8, items)),
    ]
    .prop_flat_map(|(code, items)| {
        proptest::option::of(descriptor()).prop_map(move |descriptor| {
            Value::Array(Array::new(descriptor, code, items.clone()).unwrap())
        })
    })
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![primitive(), array()];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::List),
            vec((inner.clone(), inner.clone()), 0..6).prop_map(Value::Map),
            (descriptor(), inner)
                .prop_map(|(descriptor, value)| Value::described(descriptor, value)),
        ]
    })
}

fn annotations() -> impl Strategy<Value = Vec<(Value, Value)>> {
    vec((symbol().prop_map(Value::Symbol), primitive()), 0..5)
}

fn message() -> impl Strategy<Value = Message> {
    let header = (
        any::<bool>(),
        any::<u8>(),
        proptest::option::of(any::<u32>()),
        any::<bool>(),
        any::<u32>(),
    )
        .prop_map(
            |(durable, priority, ttl, first_acquirer, delivery_count)| Header {
                durable,
                priority,
                ttl,
                first_acquirer,
                delivery_count,
            },
        );
    let properties = (
        proptest::option::of(prop_oneof![
            any::<[u8; 16]>().prop_map(Value::Uuid),
            any::<u64>().prop_map(Value::Ulong),
            ".{0,40}".prop_map(Value::String),
        ]),
        proptest::option::of(".{0,40}"),
        proptest::option::of(symbol()),
        proptest::option::of(any::<i64>().prop_map(Timestamp)),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(
            |(message_id, subject, content_type, creation_time, group_sequence)| Properties {
                correlation_id: message_id.clone(),
                message_id,
                subject,
                content_type,
                creation_time,
                group_sequence,
                ..Properties::default()
            },
        );
    let body = prop_oneof![
        Just(Body::Empty),
        vec(vec(any::<u8>(), 0..400), 1..4).prop_map(Body::Data),
        vec(vec(primitive(), 0..4), 1..3).prop_map(Body::Sequence),
        value().prop_map(Body::Value),
    ];
    (
        proptest::option::of(header),
        proptest::option::of(annotations()),
        proptest::option::of(annotations()),
        proptest::option::of(properties),
        proptest::option::of(vec(("[a-z-]{1,12}", primitive()), 0..5)),
        body,
        proptest::option::of(annotations()),
    )
        .prop_map(
            |(
                header,
                delivery_annotations,
                message_annotations,
                properties,
                application_properties,
                body,
                footer,
            )| {
                Message {
                    header,
                    delivery_annotations,
                    message_annotations,
                    properties,
                    application_properties,
                    body,
                    footer,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn value_round_trips(value in value()) {
        let bytes = value.to_bytes();
        prop_assert_eq!(decode_value(&bytes), Ok(value));
    }

    #[test]
    fn value_prefix_is_truncated(value in value()) {
        let bytes = value.to_bytes();
        for end in 0..bytes.len() {
            prop_assert!(decode_value(&bytes[..end]).is_err(), "prefix of {} bytes decoded", end);
        }
    }

    #[test]
    fn arbitrary_bytes_decode_without_panic(bytes in vec(any::<u8>(), 0..512)) {
        let _ = decode_value(&bytes);
        let _ = Message::decode(&bytes);
        let _ = MessageBytes::parse(bytes);
    }

    #[test]
    fn message_round_trips(message in message()) {
        let bytes = message.encode();
        prop_assert_eq!(Message::decode(&bytes), Ok(message));
    }

    #[test]
    fn message_bytes_keep_every_byte(message in message(), extra in annotations()) {
        let bytes = message.encode();
        let kept = MessageBytes::parse(bytes.clone()).unwrap();
        prop_assert_eq!(kept.as_bytes(), bytes.as_slice());

        let annotated = kept.with_message_annotations(&extra);
        let reparsed = MessageBytes::parse(annotated).unwrap();
        let untouched = [
            SectionKind::Header,
            SectionKind::Properties,
            SectionKind::ApplicationProperties,
            SectionKind::Footer,
        ];
        for kind in untouched {
            prop_assert_eq!(reparsed.section_bytes(kind), kept.section_bytes(kind));
        }
        let decoded = reparsed.decode().unwrap();
        prop_assert_eq!(&decoded.body, &message.body);
        for (index, (key, value)) in extra.iter().enumerate() {
            // A key repeated in `extra` ends with its last value.
            if extra[index + 1..].iter().any(|(later, _)| later == key) {
                continue;
            }
            let found = decoded
                .message_annotations
                .as_ref()
                .unwrap()
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v);
            prop_assert_eq!(found, Some(value));
        }
    }
}

#[test]
fn nesting_beyond_limit_rejected() {
    let mut value = Value::Null;
    for _ in 0..=amqp::MAX_DEPTH {
        value = Value::List(vec![value]);
    }
    let error = decode_value(&value.to_bytes()).unwrap_err();
    assert!(
        matches!(error, amqp::DecodeError::TooDeep { .. }),
        "{error}"
    );
}

#[test]
fn huge_declared_count_rejected_before_allocation() {
    // list32 of 8 bytes declaring 4 billion elements.
    let bytes = [
        0xd0, 0x00, 0x00, 0x00, 0x08, 0xff, 0xff, 0xff, 0xff, 0x40, 0x40, 0x40, 0x40,
    ];
    let error = decode_value(&bytes).unwrap_err();
    assert!(
        matches!(error, amqp::DecodeError::CountTooLarge { .. }),
        "{error}"
    );
}

#[test]
fn zero_width_array_bounded_by_input() {
    // array32 of 4 billion nulls in 5 bytes after its count.
    let bytes = [0xf0, 0x00, 0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0x40];
    let error = decode_value(&bytes).unwrap_err();
    assert!(
        matches!(error, amqp::DecodeError::CountTooLarge { .. }),
        "{error}"
    );
}

#[test]
fn empty_list_never_list0() {
    assert_eq!(Value::List(Vec::new()).to_bytes(), vec![0xc0, 0x01, 0x00]);
    assert_eq!(decode_value(&[0x45]), Ok(Value::List(Vec::new())));
}

#[test]
fn smallest_integer_encodings() {
    assert_eq!(Value::Uint(0).to_bytes(), vec![0x43]);
    assert_eq!(Value::Uint(7).to_bytes(), vec![0x52, 7]);
    assert_eq!(Value::Uint(256).to_bytes(), vec![0x70, 0, 0, 1, 0]);
    assert_eq!(Value::Long(-1).to_bytes(), vec![0x55, 0xff]);
    assert_eq!(Value::Ulong(0).to_bytes(), vec![0x44]);
}

#[test]
fn compound_width_follows_body_size() {
    // A binary of `n` bytes encodes in `n + 2` bytes, so a list of one binary has a body of
    // `n + 2` bytes and a size (body plus count byte) of `n + 3`.
    let list_of = |n: usize| Value::List(vec![Value::Binary(vec![7; n])]);
    let widest_8bit = list_of(252).to_bytes();
    assert_eq!(widest_8bit[..3], [0xc0, 0xff, 0x01]);
    assert_eq!(widest_8bit.len(), 3 + 254);
    let narrowest_32bit = list_of(253).to_bytes();
    assert_eq!(narrowest_32bit[..9], [0xd0, 0, 0, 1, 3, 0, 0, 0, 1]);
    assert_eq!(decode_value(&narrowest_32bit), Ok(list_of(253)));

    let pairs = |count: usize| {
        Value::Map(
            (0..count)
                .map(|i| (Value::Uint(i as u32), Value::Null))
                .collect(),
        )
    };
    // 128 pairs are 256 items, over the 8-bit count even though the body is small.
    let counted_32bit = pairs(128).to_bytes();
    assert_eq!(counted_32bit[0], 0xd1);
    assert_eq!(decode_value(&counted_32bit), Ok(pairs(128)));
    // Keys 0, 1 and 2 take 1, 2 and 2 bytes and each null 1: a body of 8, a size of 9.
    assert_eq!(pairs(3).to_bytes()[..3], [0xc1, 9, 6]);
}
