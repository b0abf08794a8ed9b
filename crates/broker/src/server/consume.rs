//! Turning a stored event into the message a consumer receives.

use amqp::{Descriptor, Message, MessageBytes, SectionKind, Timestamp, Value};

use super::produce::PARTITION_KEY;
use crate::log::StoredEvent;
use crate::receiver::RuntimeMetrics;

/// The descriptor code of the delivery-annotations section.
const DELIVERY_ANNOTATIONS_CODE: u64 = 0x71;

/// The descriptor code of the message-annotations section.
const MESSAGE_ANNOTATIONS_CODE: u64 = 0x72;

/// Builds the delivery payload of a stored event: the message as the producer sent it, with
/// the broker's annotations set in its message annotations. Those are `x-opt-sequence-number`
/// (long), `x-opt-offset` (string), `x-opt-enqueued-time` (timestamp) and, when the event has
/// one, `x-opt-partition-key` (string). When `metrics` is given, the partition's runtime
/// metrics become delivery annotations. Every other section is copied byte for byte.
///
/// The log validated the message when it was appended, so the sections are found by their
/// encoded sizes without decoding the body again. Only the existing message annotations, if
/// any, are decoded to be merged.
pub(crate) fn delivery_payload(
    event: &StoredEvent,
    metrics: Option<&RuntimeMetrics>,
) -> Result<Vec<u8>, amqp::DecodeError> {
    let raw = event.message.as_slice();
    let Some(sections) = scan_sections(raw) else {
        // The scanner cannot walk this message (for example a section named by a symbol
        // descriptor), so take the slower path through the full decoder.
        return delivery_payload_decoded(event, metrics);
    };
    let mut annotations = match sections
        .iter()
        .find(|section| section.code == MESSAGE_ANNOTATIONS_CODE)
    {
        Some(section) => Message::decode(&raw[section.range.clone()])?
            .message_annotations
            .unwrap_or_default(),
        None => Vec::new(),
    };
    for (key, value) in broker_annotations(event) {
        match annotations
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(slot) => slot.1 = value,
            None => annotations.push((key, value)),
        }
    }
    let annotations_section = Value::described(
        Descriptor::Code(MESSAGE_ANNOTATIONS_CODE),
        Value::Map(annotations),
    )
    .to_bytes();
    let metrics_section = metrics.map(delivery_annotations_section);

    let extra = annotations_section.len() + metrics_section.as_ref().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(raw.len() + extra);
    let mut metrics_section = metrics_section;
    let mut annotations_section = Some(annotations_section);
    for section in &sections {
        // Sections keep their defined order: header, delivery annotations, message
        // annotations, then the rest.
        if section.code > DELIVERY_ANNOTATIONS_CODE {
            if let Some(bytes) = metrics_section.take() {
                out.extend_from_slice(&bytes);
            }
        }
        if section.code > MESSAGE_ANNOTATIONS_CODE {
            if let Some(bytes) = annotations_section.take() {
                out.extend_from_slice(&bytes);
            }
        }
        let replaced = section.code == MESSAGE_ANNOTATIONS_CODE
            || (section.code == DELIVERY_ANNOTATIONS_CODE && metrics.is_some());
        if !replaced {
            out.extend_from_slice(&raw[section.range.clone()]);
        }
    }
    for bytes in [metrics_section, annotations_section].into_iter().flatten() {
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// Builds the annotations the broker sets on every delivered event.
fn broker_annotations(event: &StoredEvent) -> Vec<(Value, Value)> {
    let mut annotations = vec![
        (
            Value::symbol("x-opt-sequence-number"),
            Value::Long(event.sequence_number),
        ),
        (
            Value::symbol("x-opt-offset"),
            Value::string(event.offset.clone()),
        ),
        (
            Value::symbol("x-opt-enqueued-time"),
            Value::Timestamp(Timestamp(event.enqueued_time_ms)),
        ),
    ];
    if let Some(key) = &event.partition_key {
        annotations.push((Value::symbol(PARTITION_KEY), Value::string(key.clone())));
    }
    annotations
}

/// Builds the payload like [`delivery_payload`] through the full decoder.
fn delivery_payload_decoded(
    event: &StoredEvent,
    metrics: Option<&RuntimeMetrics>,
) -> Result<Vec<u8>, amqp::DecodeError> {
    let bytes = MessageBytes::parse(event.message.clone())?;
    let annotated = bytes.with_message_annotations(&broker_annotations(event));
    match metrics {
        None => Ok(annotated),
        Some(metrics) => Ok(with_delivery_annotations(
            MessageBytes::parse(annotated)?,
            metrics,
        )),
    }
}

/// One section of an encoded message: its descriptor code and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ScannedSection {
    code: u64,
    range: std::ops::Range<usize>,
}

/// Finds the sections of an encoded message by the sizes their format codes give, without
/// decoding them. Returns `None` for bytes it cannot walk: a section named by a symbol, an
/// unknown format code, or a value that runs past the end.
fn scan_sections(raw: &[u8]) -> Option<Vec<ScannedSection>> {
    let mut sections = Vec::with_capacity(4);
    let mut at = 0;
    while at < raw.len() {
        // A section is a described value: 0x00, a numeric descriptor, then the value.
        if raw[at] != 0x00 {
            return None;
        }
        let (code, value_at) = match *raw.get(at + 1)? {
            // smallulong
            0x53 => (u64::from(*raw.get(at + 2)?), at + 3),
            // ulong
            0x80 => (
                u64::from_be_bytes(raw.get(at + 2..at + 10)?.try_into().ok()?),
                at + 10,
            ),
            _ => return None,
        };
        let end = skip_value(raw, value_at)?;
        sections.push(ScannedSection {
            code,
            range: at..end,
        });
        at = end;
    }
    Some(sections)
}

/// Returns where the value starting at `at` ends. AMQP 1.0 format codes carry their width in
/// the high nibble, so a value can be skipped without decoding it. Codes 0x4 to 0x9 are fixed
/// widths of 0, 1, 2, 4, 8 and 16 bytes. Codes 0xa, 0xc and 0xe have a 1-byte size, and 0xb,
/// 0xd and 0xf a 4-byte size. Described values inside section bodies are skipped descriptor first.
fn skip_value(raw: &[u8], at: usize) -> Option<usize> {
    skip_value_within(raw, at, 0)
}

fn skip_value_within(raw: &[u8], at: usize, depth: u32) -> Option<usize> {
    let code = *raw.get(at)?;
    if code == 0x00 {
        // A descriptor is itself a value; nesting beyond a few levels is not a real message.
        if depth > 4 {
            return None;
        }
        let descriptor_end = skip_value_within(raw, at + 1, depth + 1)?;
        return skip_value_within(raw, descriptor_end, depth + 1);
    }
    let body = at + 1;
    let sized = |width: usize| -> Option<usize> {
        let size = match width {
            1 => usize::from(*raw.get(body)?),
            _ => usize::try_from(u32::from_be_bytes(
                raw.get(body..body + 4)?.try_into().ok()?,
            ))
            .ok()?,
        };
        body.checked_add(width)?.checked_add(size)
    };
    let end = match code >> 4 {
        0x4 => Some(body),
        0x5 => Some(body + 1),
        0x6 => Some(body + 2),
        0x7 => Some(body + 4),
        0x8 => Some(body + 8),
        0x9 => Some(body + 16),
        0xa | 0xc | 0xe => sized(1),
        0xb | 0xd | 0xf => sized(4),
        _ => None,
    }?;
    (end <= raw.len()).then_some(end)
}

fn delivery_annotations_section(metrics: &RuntimeMetrics) -> Vec<u8> {
    let map = Value::Map(vec![
        (
            Value::symbol("last_enqueued_sequence_number"),
            Value::Long(metrics.last_enqueued_sequence_number),
        ),
        (
            Value::symbol("last_enqueued_offset"),
            Value::string(metrics.last_enqueued_offset.clone()),
        ),
        (
            Value::symbol("last_enqueued_time_utc"),
            Value::Timestamp(Timestamp(metrics.last_enqueued_time_ms)),
        ),
        (
            Value::symbol("runtime_info_retrieval_time_utc"),
            Value::Timestamp(Timestamp(metrics.retrieval_time_ms)),
        ),
    ]);
    Value::described(Descriptor::Code(DELIVERY_ANNOTATIONS_CODE), map).to_bytes()
}

/// Replaces or inserts the delivery-annotations section, which follows the header.
fn with_delivery_annotations(bytes: MessageBytes, metrics: &RuntimeMetrics) -> Vec<u8> {
    let section = delivery_annotations_section(metrics);
    let spans = bytes.sections();
    let existing = spans
        .iter()
        .find(|span| span.kind == SectionKind::DeliveryAnnotations)
        .map(|span| span.range.clone());
    let range = existing.unwrap_or_else(|| {
        let at = spans
            .iter()
            .find(|span| span.kind == SectionKind::Header)
            .map_or(0, |span| span.range.end);
        at..at
    });
    let raw = bytes.as_bytes();
    let mut out = Vec::with_capacity(raw.len() + section.len());
    out.extend_from_slice(&raw[..range.start]);
    out.extend_from_slice(&section);
    out.extend_from_slice(&raw[range.end..]);
    out
}

#[cfg(test)]
mod tests {
    use amqp::{Message, Properties};

    use super::*;

    fn stored(message: Vec<u8>, partition_key: Option<&str>) -> StoredEvent {
        StoredEvent {
            sequence_number: 41,
            offset: "1024".to_owned(),
            enqueued_time_ms: 1_790_000_000_123,
            partition_key: partition_key.map(str::to_owned),
            message,
        }
    }

    #[test]
    fn annotations_added_and_rest_kept() {
        let mut sent = Message::with_data(b"{\"lead\":7}".to_vec());
        sent.properties = Some(Properties {
            message_id: Some(Value::string("m-1")),
            ..Properties::default()
        });
        sent.application_properties = Some(vec![("team".to_owned(), Value::string("blue"))]);
        let payload = delivery_payload(&stored(sent.encode(), Some("customer-42")), None).unwrap();
        let received = Message::decode(&payload).unwrap();

        assert_eq!(
            received.message_annotation("x-opt-sequence-number"),
            Some(&Value::Long(41))
        );
        assert_eq!(
            received.message_annotation("x-opt-offset"),
            Some(&Value::string("1024"))
        );
        assert_eq!(
            received.message_annotation("x-opt-enqueued-time"),
            Some(&Value::Timestamp(Timestamp(1_790_000_000_123)))
        );
        assert_eq!(
            received.message_annotation("x-opt-partition-key"),
            Some(&Value::string("customer-42"))
        );
        assert_eq!(received.properties, sent.properties);
        assert_eq!(received.application_properties, sent.application_properties);
        assert_eq!(received.body, sent.body);
    }

    fn full_message() -> Message {
        let mut sent = Message::with_data(b"{\"lead\":7}".to_vec());
        sent.header = Some(amqp::Header {
            durable: true,
            ..amqp::Header::default()
        });
        sent.message_annotations = Some(vec![
            (Value::symbol("x-opt-sequence-number"), Value::Long(-5)),
            (Value::symbol("team"), Value::string("blue")),
        ]);
        sent.properties = Some(Properties {
            message_id: Some(Value::string("m-1")),
            ..Properties::default()
        });
        sent.application_properties = Some(vec![("n".to_owned(), Value::Long(3))]);
        sent
    }

    #[test]
    fn scanner_and_decoder_paths_agree() {
        let metrics = RuntimeMetrics {
            last_enqueued_sequence_number: 99,
            last_enqueued_offset: "5000".to_owned(),
            last_enqueued_time_ms: 7,
            retrieval_time_ms: 8,
        };
        let messages = [
            full_message(),
            Message::with_data(b"x".to_vec()),
            Message::with_value(Value::string("value body")),
            Message::default(),
        ];
        for sent in messages {
            let event = stored(sent.encode(), Some("customer-42"));
            for metrics in [None, Some(&metrics)] {
                let scanned = delivery_payload(&event, metrics).unwrap();
                let decoded = delivery_payload_decoded(&event, metrics).unwrap();
                assert_eq!(scanned, decoded, "{sent:?} with metrics {metrics:?}");
            }
        }
    }

    #[test]
    fn existing_annotations_kept_and_replaced() {
        let payload = delivery_payload(&stored(full_message().encode(), None), None).unwrap();
        let received = Message::decode(&payload).unwrap();
        assert_eq!(
            received.message_annotation("x-opt-sequence-number"),
            Some(&Value::Long(41))
        );
        assert_eq!(
            received.message_annotation("team"),
            Some(&Value::string("blue"))
        );
        assert_eq!(received.header, full_message().header);
    }

    #[test]
    fn scanner_rejects_truncated_values() {
        let encoded = Message::with_data(vec![1; 300]).encode();
        assert!(scan_sections(&encoded).is_some());
        assert_eq!(scan_sections(&encoded[..encoded.len() - 1]), None);
        assert_eq!(scan_sections(&[0x00, 0x53]), None);
        assert_eq!(scan_sections(&[0x45]), None);
    }

    #[test]
    fn runtime_metrics_become_delivery_annotations() {
        let sent = Message::with_data(b"x".to_vec());
        let metrics = RuntimeMetrics {
            last_enqueued_sequence_number: 99,
            last_enqueued_offset: "5000".to_owned(),
            last_enqueued_time_ms: 7,
            retrieval_time_ms: 8,
        };
        let payload = delivery_payload(&stored(sent.encode(), None), Some(&metrics)).unwrap();
        let received = Message::decode(&payload).unwrap();
        let annotations = received.delivery_annotations.clone().unwrap();
        assert!(annotations.contains(&(
            Value::symbol("last_enqueued_sequence_number"),
            Value::Long(99)
        )));
        assert_eq!(received.body, sent.body);
        assert!(received.message_annotation("x-opt-partition-key").is_none());
    }
}
