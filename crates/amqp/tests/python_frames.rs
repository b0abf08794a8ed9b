//! Decode tests on frames captured from the Python `azure-eventhub` 5.15.1 SDK (pure-Python
//! AMQP layer) talking to this engine, one test per performative or message kind.

mod support;

use amqp::frame::{parse_frame, split_body, FRAME_TYPE_AMQP, FRAME_TYPE_SASL};
use amqp::sasl::SaslFrame;
use amqp::{
    split_batch, Body, Message, MessageBytes, Performative, ReceiverSettleMode, Role,
    SenderSettleMode, Symbol, Value, BATCH_MESSAGE_FORMAT,
};
use support::frames::load;

/// Decodes a captured AMQP frame into its channel, performative and payload.
fn performative(relative: &str) -> (u16, Performative, Vec<u8>) {
    let bytes = load(relative);
    let (frame, used) = parse_frame(&bytes, u32::MAX).unwrap().unwrap();
    assert_eq!(used, bytes.len(), "{relative} holds exactly one frame");
    assert_eq!(frame.frame_type, FRAME_TYPE_AMQP);
    let (value, payload) = split_body(frame.body).unwrap();
    let performative = Performative::from_value(value).unwrap();
    (frame.channel, performative, payload.to_vec())
}

/// Decodes, re-encodes and decodes again, checking that no field changes.
fn assert_reencodes(performative: &Performative) {
    let mut encoded = Vec::new();
    performative.encode(&mut encoded);
    let (value, rest) = split_body(&encoded).unwrap();
    assert!(rest.is_empty());
    assert_eq!(&Performative::from_value(value).unwrap(), performative);
}

#[test]
fn protocol_headers() {
    assert_eq!(
        load("python/producer/000-header.hex"),
        b"AMQP\x03\x01\x00\x00"
    );
    assert_eq!(
        load("python/producer/002-header.hex"),
        b"AMQP\x00\x01\x00\x00"
    );
}

#[test]
fn sasl_init_anonymous() {
    let bytes = load("python/producer/001-sasl-init.hex");
    let (frame, _) = parse_frame(&bytes, u32::MAX).unwrap().unwrap();
    assert_eq!(frame.frame_type, FRAME_TYPE_SASL);
    let (value, _) = split_body(frame.body).unwrap();
    let SaslFrame::Init {
        mechanism,
        initial_response,
        hostname,
    } = SaslFrame::from_value(value).unwrap()
    else {
        panic!("not a sasl-init");
    };
    assert_eq!(mechanism, Symbol::from("ANONYMOUS"));
    assert_eq!(initial_response, Some(Vec::new()));
    assert_eq!(hostname.as_deref(), Some("127.0.0.1"));
}

#[test]
fn open_fields() {
    let (channel, performative, _) = performative("python/producer/003-open.hex");
    assert_eq!(channel, 0);
    let Performative::Open(open) = &performative else {
        panic!("not an open: {performative:?}");
    };
    assert!(
        open.container_id.starts_with("EHProducer-") && open.container_id.ends_with("-partition0"),
        "{}",
        open.container_id
    );
    assert_eq!(open.hostname.as_deref(), Some("127.0.0.1"));
    assert_eq!(open.max_frame_size, Some(1_048_576));
    assert_eq!(open.channel_max, Some(65_535));
    assert_eq!(open.idle_time_out, None);
    assert_reencodes(&performative);
}

#[test]
fn begin_fields() {
    let (channel, performative, _) = performative("python/producer/004-begin.hex");
    assert_eq!(channel, 1);
    let Performative::Begin(begin) = &performative else {
        panic!("not a begin: {performative:?}");
    };
    assert_eq!(begin.remote_channel, None);
    assert_eq!(begin.next_outgoing_id, 0);
    assert_eq!(begin.incoming_window, 65_536);
    assert_eq!(begin.outgoing_window, 65_536);
    assert_eq!(begin.handle_max, Some(u32::MAX));
    assert_reencodes(&performative);
}

#[test]
fn attach_cbs_pair() {
    let (_, requests, _) = performative("python/producer/006-attach.hex");
    let Performative::Attach(requests) = &requests else {
        panic!("not an attach");
    };
    assert_eq!(requests.role, Role::Sender);
    assert_eq!(requests.handle, 1);
    let target = requests.target.as_ref().unwrap();
    assert_eq!(target.address.as_deref(), Some("$cbs"));

    let (_, replies, _) = performative("python/producer/005-attach.hex");
    let Performative::Attach(replies) = &replies else {
        panic!("not an attach");
    };
    assert_eq!(replies.role, Role::Receiver);
    assert_eq!(replies.handle, 2);
    assert_eq!(
        replies.source.as_ref().unwrap().address.as_deref(),
        Some("$cbs")
    );
    assert_eq!(replies.snd_settle_mode, SenderSettleMode::Unsettled);
    assert_eq!(replies.rcv_settle_mode, ReceiverSettleMode::First);
    assert_reencodes(&Performative::Attach(requests.clone()));
    assert_reencodes(&Performative::Attach(replies.clone()));
}

#[test]
fn flow_cbs_credit() {
    let (_, performative, _) = performative("python/producer/007-flow.hex");
    let Performative::Flow(flow) = &performative else {
        panic!("not a flow");
    };
    assert_eq!(flow.next_incoming_id, Some(0));
    assert_eq!(flow.incoming_window, 65_536);
    assert_eq!(flow.handle, Some(2));
    assert_eq!(flow.delivery_count, Some(0));
    assert_eq!(flow.link_credit, Some(10_000));
    assert!(!flow.drain);
    assert_reencodes(&performative);
}

#[test]
fn transfer_put_token() {
    let (_, performative, payload) = performative("python/producer/009-transfer.hex");
    let Performative::Transfer(transfer) = &performative else {
        panic!("not a transfer");
    };
    assert_eq!(transfer.handle, 1);
    assert_eq!(transfer.delivery_id, Some(0));
    assert_eq!(transfer.message_format, Some(0));
    assert_eq!(transfer.settled, Some(false));
    assert!(!transfer.more);
    assert_reencodes(&performative);

    let message = Message::decode(&payload).unwrap();
    let message_id = message.properties.as_ref().unwrap().message_id.as_ref();
    assert!(matches!(message_id, Some(Value::Uuid(_))), "{message_id:?}");
    let property = |name| message.application_property(name).and_then(Value::as_str);
    assert_eq!(property("operation"), Some("put-token"));
    assert_eq!(property("type"), Some("servicebus.windows.net:sastoken"));
    assert!(property("name").unwrap().starts_with("sb://127.0.0.1:"));
    assert!(matches!(
        message.application_property("expiration"),
        Some(Value::Timestamp(_))
    ));
    let Body::Value(Value::String(token)) = &message.body else {
        panic!("token body is not a string: {:?}", message.body);
    };
    assert!(token.starts_with("SharedAccessSignature sr="));
    assert!(token.contains("&skn=x"));
}

#[test]
fn transfer_management_read_hub() {
    let (_, performative, payload) = performative("python/management/014-transfer.hex");
    assert!(matches!(performative, Performative::Transfer(_)));
    let message = Message::decode(&payload).unwrap();
    let property = |name| message.application_property(name).and_then(Value::as_str);
    assert_eq!(property("operation"), Some("READ"));
    assert_eq!(property("type"), Some("com.microsoft:eventhub"));
    assert_eq!(property("name"), Some("hub"));
    assert!(property("security_token")
        .unwrap()
        .starts_with("SharedAccessSignature"));
    assert_eq!(message.body, Body::Empty, "Python sends no body section");
}

#[test]
fn transfer_management_read_partition() {
    let (_, _, payload) = performative("python/partition-read/014-transfer.hex");
    let message = Message::decode(&payload).unwrap();
    let property = |name| message.application_property(name).and_then(Value::as_str);
    assert_eq!(property("type"), Some("com.microsoft:partition"));
    assert_eq!(property("partition"), Some("0"));
}

#[test]
fn attach_producer_asks_second() {
    let (_, performative, _) = performative("python/producer/010-attach.hex");
    let Performative::Attach(attach) = &performative else {
        panic!("not an attach");
    };
    assert_eq!(attach.role, Role::Sender);
    assert_eq!(attach.rcv_settle_mode, ReceiverSettleMode::Second);
    assert_eq!(attach.initial_delivery_count, Some(0));
    let address = attach.target.as_ref().unwrap().address.as_deref().unwrap();
    assert!(address.starts_with("amqps://127.0.0.1:"), "{address}");
    assert!(address.ends_with("/hub/Partitions/0"), "{address}");
    let timeout = attach
        .properties
        .as_ref()
        .unwrap()
        .iter()
        .find(|(key, _)| key.as_str() == Some("com.microsoft:timeout"))
        .map(|(_, value)| value.clone());
    assert_eq!(timeout, Some(Value::Long(60)));
    assert_reencodes(&performative);
}

#[test]
fn transfer_single_event() {
    let (_, performative, payload) = performative("python/producer/012-transfer.hex");
    let Performative::Transfer(transfer) = &performative else {
        panic!("not a transfer");
    };
    assert_eq!(transfer.message_format, Some(0));
    let message = Message::decode(&payload).unwrap();
    assert_eq!(message.body, Body::Data(vec![b"single event".to_vec()]));
    let bytes = MessageBytes::parse(payload.clone()).unwrap();
    assert_eq!(bytes.as_bytes(), payload.as_slice());
}

#[test]
fn transfer_batch_splits() {
    let (_, performative, payload) = performative("python/producer/013-transfer-batch.hex");
    let Performative::Transfer(transfer) = &performative else {
        panic!("not a transfer");
    };
    assert_eq!(transfer.message_format, Some(BATCH_MESSAGE_FORMAT));
    assert_eq!(transfer.settled, Some(false));
    let batch = split_batch(&payload).unwrap();
    assert_eq!(batch.messages.len(), 2);
    let bodies: Vec<Body> = batch
        .messages
        .iter()
        .map(|message| message.decode().unwrap().body)
        .collect();
    assert_eq!(bodies[0], Body::Data(vec![b"batched event 1".to_vec()]));
    assert_eq!(bodies[1], Body::Data(vec![b"batched event 2".to_vec()]));
}

#[test]
fn attach_consumer_filter() {
    let (_, performative, _) = performative("python/consumer/010-attach.hex");
    let Performative::Attach(attach) = &performative else {
        panic!("not an attach");
    };
    assert_eq!(attach.role, Role::Receiver);
    let source = attach.source.as_ref().unwrap();
    let address = source.address.as_deref().unwrap();
    assert!(
        address.ends_with("/hub/ConsumerGroups/$Default/Partitions/0"),
        "{address}"
    );
    let filter = source.filter.as_ref().unwrap();
    assert_eq!(filter.len(), 1);
    assert_eq!(
        filter[0].0,
        Value::symbol("apache.org:selector-filter:string")
    );
    let Value::Described(described) = &filter[0].1 else {
        panic!("filter value is not described: {:?}", filter[0].1);
    };
    assert_eq!(
        described.value,
        Value::string("amqp.annotation.x-opt-offset > '-1'")
    );
    assert_eq!(
        attach.desired_capabilities,
        vec![Symbol::from("com.microsoft:georeplication")]
    );
    assert_reencodes(&performative);
}

#[test]
fn flow_consumer_credit_zero_then_300() {
    let credits: Vec<Option<u32>> = ["011", "012"]
        .iter()
        .map(|index| {
            let (_, performative, _) = performative(&format!("python/consumer/{index}-flow.hex"));
            let Performative::Flow(flow) = performative else {
                panic!("not a flow");
            };
            flow.link_credit
        })
        .collect();
    assert_eq!(credits, vec![Some(0), Some(300)]);
}

#[test]
fn detach_closed() {
    let (_, performative, _) = performative("python/producer/014-detach.hex");
    let Performative::Detach(detach) = &performative else {
        panic!("not a detach");
    };
    assert_eq!(detach.handle, 3);
    assert!(detach.closed);
    assert_eq!(detach.error, None);
    assert_reencodes(&performative);
}

#[test]
fn detach_after_end() {
    let (_, end, _) = performative("python/management/017-end.hex");
    assert_eq!(end, Performative::End(None));
    let (channel, performative, _) = performative("python/management/018-detach.hex");
    assert_eq!(channel, 1);
    let Performative::Detach(detach) = performative else {
        panic!("not a detach");
    };
    assert!(!detach.closed);
}

#[test]
fn end_and_close() {
    let (_, end, _) = performative("python/producer/017-end.hex");
    assert_eq!(end, Performative::End(None));
    let (channel, close, _) = performative("python/producer/018-close.hex");
    assert_eq!(channel, 0);
    assert_eq!(close, Performative::Close(None));
}
