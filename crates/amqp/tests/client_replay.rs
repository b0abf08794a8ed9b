//! Replays whole connections captured from the Python `azure-eventhub` 5.15.1 and Node
//! `@azure/event-hubs` 6.0.4 SDKs through the engine and the test mini broker, and checks what
//! the engine replies.

mod support;

use std::sync::{Arc, Mutex};

use amqp::frame::{parse_frame, split_body};
use amqp::{
    Body, Connection, ConnectionConfig, DeliveryState, Event, Message, Performative, Value,
};
use support::frames::{load_all, load_stream};
use support::mini_broker::{Handler, SharedStore, Store, StoredEvent};

/// The performatives and payloads the engine wrote, after its protocol headers and SASL frames.
struct Replay {
    frames: Vec<(Performative, Vec<u8>)>,
    events: Vec<Event>,
    store: SharedStore,
}

/// Feeds each captured frame in order, driving the mini broker after each one.
fn replay(folder: &str, store: Store) -> Replay {
    let store = Arc::new(Mutex::new(store));
    let mut connection = Connection::new(ConnectionConfig::default());
    let mut handler = Handler::new(store.clone());
    let mut output = Vec::new();
    let mut events = Vec::new();
    for (_, bytes) in load_all(folder) {
        connection.feed(&bytes);
        events.extend(handler.drive(&mut connection));
        output.extend(connection.take_output());
    }
    Replay {
        frames: amqp_frames(&output),
        events,
        store,
    }
}

/// Parses the server's output, skipping protocol headers and SASL frames.
fn amqp_frames(mut bytes: &[u8]) -> Vec<(Performative, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        if bytes.starts_with(b"AMQP") {
            bytes = &bytes[8..];
            continue;
        }
        let (frame, used) = parse_frame(bytes, u32::MAX).unwrap().unwrap();
        if frame.frame_type == 0 && !frame.body.is_empty() {
            let (value, payload) = split_body(frame.body).unwrap();
            frames.push((Performative::from_value(value).unwrap(), payload.to_vec()));
        }
        bytes = &bytes[used..];
    }
    frames
}

/// Returns the decoded messages the server sent in transfers.
fn sent_messages(replay: &Replay) -> Vec<Message> {
    replay
        .frames
        .iter()
        .filter(|(performative, _)| matches!(performative, Performative::Transfer(_)))
        .map(|(_, payload)| Message::decode(payload).unwrap())
        .collect()
}

fn assert_closed_cleanly(replay: &Replay) {
    let last = replay.frames.last().map(|(performative, _)| performative);
    assert_eq!(last, Some(&Performative::Close(None)));
    let closed = replay
        .events
        .iter()
        .find(|event| matches!(event, Event::Closed { .. }));
    assert_eq!(
        closed,
        Some(&Event::Closed {
            error: None,
            by_peer: true
        })
    );
}

#[test]
fn stream_in_small_reads_handled() {
    let stream = load_stream("python/producer");
    let store = Arc::new(Mutex::new(Store::default()));
    let mut connection = Connection::new(ConnectionConfig::default());
    let mut handler = Handler::new(store.clone());
    // Reads of 7 bytes cut through headers, frame headers and bodies alike.
    for chunk in stream.chunks(7) {
        connection.feed(chunk);
        handler.drive(&mut connection);
    }
    assert!(connection.is_closed());
    let store = store.lock().unwrap();
    assert_eq!(store.get("single-event"), 1);
    assert_eq!(store.get("batched-event"), 2);
    assert!(store.errors.is_empty(), "{:?}", store.errors);
}

#[test]
fn management_connection_answered() {
    let replay = replay("python/management", Store::default());
    assert_closed_cleanly(&replay);
    let messages = sent_messages(&replay);
    assert_eq!(messages.len(), 2, "a put-token reply and a READ reply");

    let status = |message: &Message| message.application_property("status-code").cloned();
    assert_eq!(status(&messages[0]), Some(Value::Int(202)));
    assert_eq!(status(&messages[1]), Some(Value::Int(200)));
    for message in &messages {
        let correlation = message.properties.as_ref().unwrap().correlation_id.clone();
        assert!(
            matches!(correlation, Some(Value::Uuid(_))),
            "{correlation:?}"
        );
    }
    let Body::Value(Value::Map(hub)) = &messages[1].body else {
        panic!("READ reply body is not a map: {:?}", messages[1].body);
    };
    assert!(hub
        .iter()
        .any(|(key, _)| key.as_str() == Some("partition_ids")));
    let store = replay.store.lock().unwrap();
    assert_eq!(store.get("put-token"), 1);
    assert_eq!(store.get("read-eventhub"), 1);
    assert!(store.errors.is_empty(), "{:?}", store.errors);
}

#[test]
fn put_token_reply_echoes_message_id() {
    let replay = replay("python/management", Store::default());
    let (_, request_frame) = &load_all("python/management")[9];
    let (frame, _) = parse_frame(request_frame, u32::MAX).unwrap().unwrap();
    let (_, payload) = split_body(frame.body).unwrap();
    let request = Message::decode(payload).unwrap();
    let message_id = request.properties.unwrap().message_id;
    let reply = &sent_messages(&replay)[0];
    assert_eq!(
        reply.properties.as_ref().unwrap().correlation_id,
        message_id
    );
}

#[test]
fn producer_connection_accepted() {
    let replay = replay("python/producer", Store::default());
    assert_closed_cleanly(&replay);
    let dispositions: Vec<(u32, bool, Option<DeliveryState>)> = replay
        .frames
        .iter()
        .filter_map(|(performative, _)| match performative {
            Performative::Disposition(d) => Some((d.first, d.settled, d.state.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        dispositions,
        vec![
            (0, true, Some(DeliveryState::Accepted)),
            (1, true, Some(DeliveryState::Accepted)),
            (2, true, Some(DeliveryState::Accepted)),
        ]
    );
    let store = replay.store.lock().unwrap();
    assert_eq!(store.get("single-event"), 1);
    assert_eq!(store.get("batch"), 1);
    assert_eq!(store.partitions["0"].len(), 3);
}

#[test]
fn consumer_connection_gets_settled_events() {
    let mut store = Store::default();
    let events = ["first", "second"].map(|body| StoredEvent {
        bytes: Message::with_data(body.as_bytes().to_vec()).encode(),
        enqueued_ms: 1_700_000_000_000,
    });
    store.partitions.insert("0".to_owned(), events.to_vec());
    let replay = replay("python/consumer", store);
    assert_closed_cleanly(&replay);
    let deliveries: Vec<(&amqp::Transfer, Message)> = replay
        .frames
        .iter()
        .filter_map(|(performative, payload)| match performative {
            Performative::Transfer(t) if !payload.is_empty() => {
                Some((t, Message::decode(payload).unwrap()))
            }
            _ => None,
        })
        .filter(|(_, message)| matches!(message.body, Body::Data(_)))
        .collect();
    assert_eq!(deliveries.len(), 2);
    for (index, (transfer, message)) in deliveries.iter().enumerate() {
        assert_eq!(transfer.settled, Some(true));
        assert_eq!(
            message.message_annotation("x-opt-sequence-number"),
            Some(&Value::Long(index as i64))
        );
        assert_eq!(
            message.message_annotation("x-opt-offset"),
            Some(&Value::string(index.to_string()))
        );
    }
}

#[test]
fn node_producer_connection_accepted() {
    let replay = replay("node/producer", Store::default());
    assert_closed_cleanly(&replay);
    let messages = sent_messages(&replay);
    let statuses: Vec<Option<Value>> = messages
        .iter()
        .map(|message| message.application_property("status-code").cloned())
        .collect();
    assert_eq!(
        statuses,
        vec![
            Some(Value::Int(202)),
            Some(Value::Int(200)),
            Some(Value::Int(202))
        ]
    );
    let store = replay.store.lock().unwrap();
    assert_eq!(store.get("batched-event"), 2);
    assert_eq!(store.partitions["0"].len(), 2);
    assert!(store.errors.is_empty(), "{:?}", store.errors);
}

#[test]
fn node_consumer_connection_gets_events() {
    let mut store = Store::default();
    let event = StoredEvent {
        bytes: Message::with_data(b"stored".to_vec()).encode(),
        enqueued_ms: 1_700_000_000_000,
    };
    store.partitions.insert("0".to_owned(), vec![event]);
    let replay = replay("node/consumer", store);
    assert_closed_cleanly(&replay);
    let bodies: Vec<Body> = sent_messages(&replay)
        .into_iter()
        .map(|message| message.body)
        .filter(|body| matches!(body, Body::Data(_)))
        .collect();
    assert_eq!(bodies, vec![Body::Data(vec![b"stored".to_vec()])]);
}
