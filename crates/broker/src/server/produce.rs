//! Turning a producer's delivery into events for the log.

use amqp::{split_batch, Body, DecodeError, Message, MessageBytes, Value, BATCH_MESSAGE_FORMAT};

use crate::log::NewEvent;

/// The message annotation that carries a partition key.
pub(crate) const PARTITION_KEY: &str = "x-opt-partition-key";

/// The events of one delivery and the partition key that routes them.
#[derive(Debug)]
pub(crate) struct IncomingEvents {
    pub(crate) events: Vec<NewEvent>,
    pub(crate) partition_key: Option<String>,
}

/// Splits a delivery into events: a batch (message format `0x80013700`) into its inner
/// messages, kept byte for byte, and any other delivery into one event. The batch's own
/// partition key applies to all its events; a single message carries its own.
pub(crate) fn incoming_events(
    payload: Vec<u8>,
    message_format: u32,
) -> Result<IncomingEvents, DecodeError> {
    if message_format == BATCH_MESSAGE_FORMAT {
        let batch = split_batch(&payload)?;
        let mut partition_key = partition_key_of(&batch.envelope);
        let mut events = Vec::with_capacity(batch.messages.len());
        for inner in batch.messages {
            let message = inner.decode()?;
            if partition_key.is_none() {
                partition_key = partition_key_of(&message);
            }
            events.push(NewEvent {
                body_size: body_size(&message, &inner),
                message: inner.into_bytes(),
                partition_key: None,
            });
        }
        for event in &mut events {
            event.partition_key.clone_from(&partition_key);
        }
        return Ok(IncomingEvents {
            events,
            partition_key,
        });
    }
    let bytes = MessageBytes::parse(payload)?;
    let message = bytes.decode()?;
    let partition_key = partition_key_of(&message);
    Ok(IncomingEvents {
        events: vec![NewEvent {
            body_size: body_size(&message, &bytes),
            message: bytes.into_bytes(),
            partition_key: partition_key.clone(),
        }],
        partition_key,
    })
}

fn partition_key_of(message: &Message) -> Option<String> {
    message
        .message_annotation(PARTITION_KEY)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Returns the size the 1 MB limit applies to: the bytes of the data sections, or for another
/// body the encoded size of the whole message.
fn body_size(message: &Message, bytes: &MessageBytes) -> usize {
    match &message.body {
        Body::Data(sections) => sections.iter().map(Vec::len).sum(),
        Body::Value(Value::Binary(data)) => data.len(),
        Body::Empty => 0,
        Body::Sequence(_) | Body::Value(_) => bytes.as_bytes().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(body: &[u8], key: Option<&str>) -> Message {
        let mut message = Message::with_data(body.to_vec());
        if let Some(key) = key {
            message.message_annotations =
                Some(vec![(Value::symbol(PARTITION_KEY), Value::string(key))]);
        }
        message
    }

    #[test]
    fn single_message_kept_byte_for_byte() {
        let encoded = keyed(b"hello", Some("customer-42")).encode();
        let incoming = incoming_events(encoded.clone(), 0).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("customer-42"));
        assert_eq!(incoming.events.len(), 1);
        assert_eq!(incoming.events[0].message, encoded);
        assert_eq!(incoming.events[0].body_size, 5);
    }

    #[test]
    fn batch_split_in_order_with_envelope_key() {
        let inner: Vec<Vec<u8>> = (0..3)
            .map(|i| keyed(format!("event {i}").as_bytes(), None).encode())
            .collect();
        let mut envelope = keyed(b"", Some("lead-7"));
        envelope.body = Body::Data(inner.clone());
        let incoming = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("lead-7"));
        let messages: Vec<Vec<u8>> = incoming
            .events
            .iter()
            .map(|event| event.message.clone())
            .collect();
        assert_eq!(messages, inner);
        assert!(incoming
            .events
            .iter()
            .all(|event| event.partition_key.as_deref() == Some("lead-7")));
        assert_eq!(incoming.events[2].body_size, 7);
    }

    #[test]
    fn garbage_payload_is_a_decode_error() {
        assert!(incoming_events(vec![0xff, 0x00], 0).is_err());
    }
}
