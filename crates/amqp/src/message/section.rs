//! The sections of a message and their typed forms.

use crate::codec::decode::{type_name, Decoder};
use crate::codec::encode::{encode_described_list, encode_descriptor, encode_value};
use crate::codec::fields::Fields;
use crate::codec::format_code::DESCRIBED;
use crate::codec::value::{Descriptor, Symbol, Timestamp, Value};
use crate::definitions::{descriptor_code, opt_string, opt_symbol, opt_uint};
use crate::error::DecodeError;

use super::Message;

const HEADER: u64 = 0x70;
const DELIVERY_ANNOTATIONS: u64 = 0x71;
const MESSAGE_ANNOTATIONS: u64 = 0x72;
const PROPERTIES: u64 = 0x73;
const APPLICATION_PROPERTIES: u64 = 0x74;
const DATA: u64 = 0x75;
const SEQUENCE: u64 = 0x76;
const VALUE: u64 = 0x77;
const FOOTER: u64 = 0x78;

/// The kind of a message section, in the order the sections must appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SectionKind {
    /// `header`.
    Header,
    /// `delivery-annotations`.
    DeliveryAnnotations,
    /// `message-annotations`.
    MessageAnnotations,
    /// `properties`.
    Properties,
    /// `application-properties`.
    ApplicationProperties,
    /// One `data` body section.
    Data,
    /// One `amqp-sequence` body section.
    Sequence,
    /// The `amqp-value` body section.
    Value,
    /// `footer`.
    Footer,
}

impl SectionKind {
    fn from_code(code: u64) -> Option<SectionKind> {
        let kind = match code {
            HEADER => SectionKind::Header,
            DELIVERY_ANNOTATIONS => SectionKind::DeliveryAnnotations,
            MESSAGE_ANNOTATIONS => SectionKind::MessageAnnotations,
            PROPERTIES => SectionKind::Properties,
            APPLICATION_PROPERTIES => SectionKind::ApplicationProperties,
            DATA => SectionKind::Data,
            SEQUENCE => SectionKind::Sequence,
            VALUE => SectionKind::Value,
            FOOTER => SectionKind::Footer,
            _ => return None,
        };
        Some(kind)
    }

    pub(crate) fn code(self) -> u64 {
        match self {
            SectionKind::Header => HEADER,
            SectionKind::DeliveryAnnotations => DELIVERY_ANNOTATIONS,
            SectionKind::MessageAnnotations => MESSAGE_ANNOTATIONS,
            SectionKind::Properties => PROPERTIES,
            SectionKind::ApplicationProperties => APPLICATION_PROPERTIES,
            SectionKind::Data => DATA,
            SectionKind::Sequence => SEQUENCE,
            SectionKind::Value => VALUE,
            SectionKind::Footer => FOOTER,
        }
    }

    fn is_body(self) -> bool {
        matches!(
            self,
            SectionKind::Data | SectionKind::Sequence | SectionKind::Value
        )
    }
}

/// The `header` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Whether intermediaries must store the message durably.
    pub durable: bool,
    /// Relative priority, 4 by default.
    pub priority: u8,
    /// Time to live in milliseconds.
    pub ttl: Option<u32>,
    /// Whether the message has not been acquired by any other link before.
    pub first_acquirer: bool,
    /// Number of unsuccessful previous delivery attempts.
    pub delivery_count: u32,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            durable: false,
            priority: 4,
            ttl: None,
            first_acquirer: false,
            delivery_count: 0,
        }
    }
}

/// The `properties` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Properties {
    /// The message id: a ulong, uuid, binary or string. Event Hubs clients match a reply's
    /// correlation id against it.
    pub message_id: Option<Value>,
    /// The identity of the user that produced the message.
    pub user_id: Option<Vec<u8>>,
    /// The address of the node the message is destined for.
    pub to: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The node to send replies to.
    pub reply_to: Option<String>,
    /// The id of the message this one replies to.
    pub correlation_id: Option<Value>,
    /// The MIME type of the body.
    pub content_type: Option<Symbol>,
    /// The content encoding of the body.
    pub content_encoding: Option<Symbol>,
    /// When the message expires.
    pub absolute_expiry_time: Option<Timestamp>,
    /// When the message was created.
    pub creation_time: Option<Timestamp>,
    /// The group the message belongs to.
    pub group_id: Option<String>,
    /// The message's position in its group.
    pub group_sequence: Option<u32>,
    /// The group replies belong to.
    pub reply_to_group_id: Option<String>,
}

/// The body of a message.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body {
    /// No body section (the Python client's `$management` requests have none).
    #[default]
    Empty,
    /// One or more `data` sections of opaque bytes.
    Data(Vec<Vec<u8>>),
    /// One or more `amqp-sequence` sections.
    Sequence(Vec<Vec<Value>>),
    /// One `amqp-value` section.
    Value(Value),
}

/// Reads one section: a described value with a section descriptor.
pub(crate) fn read_section(decoder: &mut Decoder<'_>) -> Result<(SectionKind, Value), DecodeError> {
    match decoder.read_value()? {
        Value::Described(described) => {
            let kind = descriptor_code(&described.descriptor).and_then(SectionKind::from_code);
            match kind {
                Some(kind) => Ok((kind, described.value)),
                None => Err(DecodeError::UnexpectedValue {
                    expected: "a message section",
                    found: format!("descriptor {:?}", described.descriptor),
                }),
            }
        }
        other => Err(DecodeError::UnexpectedValue {
            expected: "a message section",
            found: type_name(&other),
        }),
    }
}

/// Checks that `kind` may follow `last`: sections appear in their defined order, at most once
/// each, except that `data` and `amqp-sequence` may repeat.
/// The order of a message's sections as they are read, checked section by section.
#[derive(Debug, Default)]
pub(crate) struct SectionOrder {
    last: Option<SectionKind>,
    delivery_annotations: bool,
}

impl SectionOrder {
    /// Checks the next section's place. Delivery annotations may stand anywhere, once:
    /// Python's `azure-eventhub` writes them after the body, because Event Hubs reads them
    /// there, and they do not move the order of the other sections on.
    pub(crate) fn check(&mut self, kind: SectionKind, offset: usize) -> Result<(), DecodeError> {
        if kind != SectionKind::DeliveryAnnotations {
            check_order(self.last, kind, offset)?;
            self.last = Some(kind);
            return Ok(());
        }
        if self.delivery_annotations {
            return Err(DecodeError::UnexpectedValue {
                expected: "at most one delivery-annotations section",
                found: format!("a second one at byte {offset}"),
            });
        }
        self.delivery_annotations = true;
        Ok(())
    }
}

fn check_order(
    last: Option<SectionKind>,
    kind: SectionKind,
    offset: usize,
) -> Result<(), DecodeError> {
    let Some(last) = last else {
        return Ok(());
    };
    let repeats = kind == last && matches!(kind, SectionKind::Data | SectionKind::Sequence);
    let mixes_bodies = last.is_body() && kind.is_body() && kind != last;
    if repeats || (kind > last && !mixes_bodies) {
        return Ok(());
    }
    Err(DecodeError::UnexpectedValue {
        expected: "message sections in the order header, delivery-annotations, \
                   message-annotations, properties, application-properties, body, footer",
        found: format!("{kind:?} after {last:?} at byte {offset}"),
    })
}

/// Stores a decoded section in its slot of `message`.
pub(crate) fn store(
    message: &mut Message,
    kind: SectionKind,
    value: Value,
) -> Result<(), DecodeError> {
    match kind {
        SectionKind::Header => message.header = Some(decode_header(value)?),
        SectionKind::DeliveryAnnotations => {
            message.delivery_annotations = Some(expect_map(value, "delivery-annotations")?);
        }
        SectionKind::MessageAnnotations => {
            message.message_annotations = Some(expect_map(value, "message-annotations")?);
        }
        SectionKind::Properties => message.properties = Some(decode_properties(value)?),
        SectionKind::ApplicationProperties => {
            let mut properties = Vec::new();
            for (key, value) in expect_map(value, "application-properties")? {
                match key {
                    Value::String(key) => properties.push((key, value)),
                    other => {
                        return Err(DecodeError::InvalidField {
                            context: "application-properties",
                            field: "key",
                            expected: "a string",
                            found: type_name(&other),
                        })
                    }
                }
            }
            message.application_properties = Some(properties);
        }
        SectionKind::Data => match value {
            Value::Binary(data) => match &mut message.body {
                Body::Data(sections) => sections.push(data),
                body => *body = Body::Data(vec![data]),
            },
            other => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "binary in a data section",
                    found: type_name(&other),
                })
            }
        },
        SectionKind::Sequence => match value {
            Value::List(items) => match &mut message.body {
                Body::Sequence(sections) => sections.push(items),
                body => *body = Body::Sequence(vec![items]),
            },
            other => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a list in an amqp-sequence section",
                    found: type_name(&other),
                })
            }
        },
        SectionKind::Value => message.body = Body::Value(value),
        SectionKind::Footer => message.footer = Some(expect_map(value, "footer")?),
    }
    Ok(())
}

fn expect_map(value: Value, section: &'static str) -> Result<Vec<(Value, Value)>, DecodeError> {
    match value {
        Value::Map(pairs) => Ok(pairs),
        Value::Null => Ok(Vec::new()),
        other => Err(DecodeError::InvalidField {
            context: section,
            field: "value",
            expected: "a map",
            found: type_name(&other),
        }),
    }
}

fn decode_header(value: Value) -> Result<Header, DecodeError> {
    let mut f = Fields::new("header", value)?;
    Ok(Header {
        durable: f.bool(0, "durable")?.unwrap_or(false),
        priority: f.ubyte(1, "priority")?.unwrap_or(4),
        ttl: f.uint(2, "ttl")?,
        first_acquirer: f.bool(3, "first-acquirer")?.unwrap_or(false),
        delivery_count: f.uint(4, "delivery-count")?.unwrap_or(0),
    })
}

fn decode_properties(value: Value) -> Result<Properties, DecodeError> {
    let mut f = Fields::new("properties", value)?;
    Ok(Properties {
        message_id: non_null(f.take(0)),
        user_id: f.binary(1, "user-id")?,
        to: address(&mut f, 2, "to")?,
        subject: f.string(3, "subject")?,
        reply_to: address(&mut f, 4, "reply-to")?,
        correlation_id: non_null(f.take(5)),
        content_type: f.symbol(6, "content-type")?,
        content_encoding: f.symbol(7, "content-encoding")?,
        absolute_expiry_time: timestamp(&mut f, 8, "absolute-expiry-time")?,
        creation_time: timestamp(&mut f, 9, "creation-time")?,
        group_id: f.string(10, "group-id")?,
        group_sequence: f.uint(11, "group-sequence")?,
        reply_to_group_id: f.string(12, "reply-to-group-id")?,
    })
}

fn non_null(value: Value) -> Option<Value> {
    (!value.is_null()).then_some(value)
}

fn address(
    f: &mut Fields,
    index: usize,
    field: &'static str,
) -> Result<Option<String>, DecodeError> {
    match f.take(index) {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Symbol(s) => Ok(Some(s.0)),
        other => Err(DecodeError::InvalidField {
            context: "properties",
            field,
            expected: "a string",
            found: type_name(&other),
        }),
    }
}

fn timestamp(
    f: &mut Fields,
    index: usize,
    field: &'static str,
) -> Result<Option<Timestamp>, DecodeError> {
    match f.take(index) {
        Value::Null => Ok(None),
        Value::Timestamp(t) => Ok(Some(t)),
        other => Err(DecodeError::InvalidField {
            context: "properties",
            field,
            expected: "a timestamp",
            found: type_name(&other),
        }),
    }
}

/// Appends one section with a map or other single value.
pub(crate) fn write_value_section(kind: SectionKind, value: &Value, out: &mut Vec<u8>) {
    out.push(DESCRIBED);
    encode_descriptor(&Descriptor::Code(kind.code()), out);
    encode_value(value, out);
}

/// Appends every section of `message` in order.
pub(crate) fn write_all(message: &Message, out: &mut Vec<u8>) {
    if let Some(header) = &message.header {
        let fields = [
            Value::Bool(header.durable),
            Value::Ubyte(header.priority),
            opt_uint(header.ttl),
            Value::Bool(header.first_acquirer),
            Value::Uint(header.delivery_count),
        ];
        encode_described_list(HEADER, &fields, out);
    }
    if let Some(map) = &message.delivery_annotations {
        write_value_section(
            SectionKind::DeliveryAnnotations,
            &Value::Map(map.clone()),
            out,
        );
    }
    if let Some(map) = &message.message_annotations {
        write_value_section(
            SectionKind::MessageAnnotations,
            &Value::Map(map.clone()),
            out,
        );
    }
    if let Some(p) = &message.properties {
        let timestamp = |t: Option<Timestamp>| t.map_or(Value::Null, Value::Timestamp);
        let fields = [
            p.message_id.clone().unwrap_or(Value::Null),
            p.user_id.clone().map_or(Value::Null, Value::Binary),
            opt_string(&p.to),
            opt_string(&p.subject),
            opt_string(&p.reply_to),
            p.correlation_id.clone().unwrap_or(Value::Null),
            opt_symbol(&p.content_type),
            opt_symbol(&p.content_encoding),
            timestamp(p.absolute_expiry_time),
            timestamp(p.creation_time),
            opt_string(&p.group_id),
            opt_uint(p.group_sequence),
            opt_string(&p.reply_to_group_id),
        ];
        encode_described_list(PROPERTIES, &fields, out);
    }
    if let Some(properties) = &message.application_properties {
        let map = properties
            .iter()
            .map(|(key, value)| (Value::String(key.clone()), value.clone()))
            .collect();
        write_value_section(SectionKind::ApplicationProperties, &Value::Map(map), out);
    }
    match &message.body {
        Body::Empty => {}
        Body::Data(sections) => {
            for data in sections {
                write_value_section(SectionKind::Data, &Value::Binary(data.clone()), out);
            }
        }
        Body::Sequence(sections) => {
            for items in sections {
                write_value_section(SectionKind::Sequence, &Value::List(items.clone()), out);
            }
        }
        Body::Value(value) => write_value_section(SectionKind::Value, value, out),
    }
    if let Some(map) = &message.footer {
        write_value_section(SectionKind::Footer, &Value::Map(map.clone()), out);
    }
}
