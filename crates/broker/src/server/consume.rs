//! Turning a stored event into the message a consumer receives.

use amqp::{Descriptor, MessageBytes, SectionKind, Timestamp, Value};

use super::produce::PARTITION_KEY;
use crate::log::StoredEvent;
use crate::receiver::RuntimeMetrics;

/// The descriptor code of the delivery-annotations section.
const DELIVERY_ANNOTATIONS_CODE: u64 = 0x71;

/// Builds the delivery payload of a stored event: the message as the producer sent it, with
/// the broker's annotations set in its message annotations. Those are `x-opt-sequence-number`
/// (long), `x-opt-offset` (string), `x-opt-enqueued-time` (timestamp) and, when the event has
/// one, `x-opt-partition-key` (string). When `metrics` is given, the partition's runtime
/// metrics become delivery annotations. Every other section is copied byte for byte.
pub(crate) fn delivery_payload(
    event: &StoredEvent,
    metrics: Option<&RuntimeMetrics>,
) -> Result<Vec<u8>, amqp::DecodeError> {
    let bytes = MessageBytes::parse(event.message.clone())?;
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
    let annotated = bytes.with_message_annotations(&annotations);
    match metrics {
        None => Ok(annotated),
        Some(metrics) => Ok(with_delivery_annotations(
            MessageBytes::parse(annotated)?,
            metrics,
        )),
    }
}

/// Replaces or inserts the delivery-annotations section, which follows the header.
fn with_delivery_annotations(bytes: MessageBytes, metrics: &RuntimeMetrics) -> Vec<u8> {
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
    let section = Value::described(Descriptor::Code(DELIVERY_ANNOTATIONS_CODE), map).to_bytes();
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
