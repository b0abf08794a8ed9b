//! The events the benchmark sends: 1 KB bodies that carry their send time, alone or in an
//! Event Hubs batch.

use fe2o3_amqp::types::messaging::message::__private::Serializable;
use fe2o3_amqp::types::messaging::{Batch, Body, Data, Header, Message};
use fe2o3_amqp::types::primitives::{Binary, Value};

/// The size of every event body, in bytes.
pub(crate) const EVENT_SIZE: usize = 1024;

/// Builds a 1 KB body whose first 8 bytes are the send time (nanoseconds since the clock base
/// of the run, little-endian) and whose other bytes are a fixed pattern.
pub(crate) fn event_body(sent_at_nanos: u64) -> Vec<u8> {
    let mut body = Vec::with_capacity(EVENT_SIZE);
    body.extend_from_slice(&sent_at_nanos.to_le_bytes());
    body.extend_from_slice(&PATTERN[8..]);
    body
}

/// The fixed bytes of every body, computed once so that building a body is two copies: the
/// producer builds 100,000 bodies a second in the batch runs.
static PATTERN: std::sync::LazyLock<[u8; EVENT_SIZE]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|index| (index % 251) as u8));

/// Reads the send time from a received message with one data section, `None` for any other
/// body.
pub(crate) fn sent_at_nanos(body: &Body<Value>) -> Option<u64> {
    let Body::Data(sections) = body else {
        return None;
    };
    let first = sections.first()?;
    let stamp: [u8; 8] = first.0.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(stamp))
}

/// Builds a durable message with one data section, so that RabbitMQ stores it on disk.
pub(crate) fn event_message(body: Vec<u8>) -> Message<Data> {
    Message::builder()
        .header(Header {
            durable: true,
            ..Header::default()
        })
        .data(Binary::from(body))
        .build()
}

/// Builds an Event Hubs batch: a message whose body contains one data section per event, each
/// the complete encoding of that event's message. It is sent with message format
/// [`amqp::BATCH_MESSAGE_FORMAT`].
pub(crate) fn batch_message(
    bodies: Vec<Vec<u8>>,
) -> Result<Message<Batch<Data>>, serde_amqp::Error> {
    let mut sections = Vec::with_capacity(bodies.len());
    for body in bodies {
        let encoded = serde_amqp::to_vec(&Serializable(event_message(body)))?;
        sections.push(Data(Binary::from(encoded)));
    }
    Ok(Message::builder()
        .header(Header {
            durable: true,
            ..Header::default()
        })
        .body(Batch::from(sections))
        .build())
}

#[cfg(test)]
mod tests {
    use fe2o3_amqp::types::messaging::AmqpValue;

    use super::*;

    #[test]
    fn body_is_one_kilobyte_with_send_time() {
        let body = event_body(123_456_789);
        assert_eq!(body.len(), EVENT_SIZE);
        assert_eq!(body[8], 8);
        assert_eq!(body[251], 0);
        assert_eq!(body[EVENT_SIZE - 1], ((EVENT_SIZE - 1) % 251) as u8);
        let received: Body<Value> = Body::Data(Batch::from(vec![Data(Binary::from(body))]));
        assert_eq!(sent_at_nanos(&received), Some(123_456_789));
    }

    #[test]
    fn send_time_missing_from_value_body() {
        let received: Body<Value> = Body::Value(AmqpValue(Value::Null));
        assert_eq!(sent_at_nanos(&received), None);
    }

    #[test]
    fn batch_splits_into_events_in_order() {
        let bodies: Vec<Vec<u8>> = (0..100).map(event_body).collect();
        let batch = batch_message(bodies).unwrap();
        let encoded = serde_amqp::to_vec(&Serializable(batch)).unwrap();

        let split = amqp::split_batch(&encoded).unwrap();
        assert_eq!(split.messages.len(), 100);
        for (index, inner) in split.messages.iter().enumerate() {
            let message = inner.decode().unwrap();
            let amqp::Body::Data(sections) = &message.body else {
                panic!("event {index} has no data section");
            };
            assert_eq!(sections.len(), 1);
            assert_eq!(sections[0], event_body(index as u64));
            assert_eq!(
                message.header.as_ref().map(|header| header.durable),
                Some(true)
            );
        }
    }
}
