//! Decode tests on frames captured from the Node `@azure/event-hubs` 6.0.4 SDK (Node 20,
//! rhea underneath) talking to this engine, one test per performative or message kind.

mod support;

use amqp::frame::{parse_frame, split_body, FRAME_TYPE_SASL};
use amqp::sasl::SaslFrame;
use amqp::{
    split_batch, Body, Descriptor, Message, MessageBytes, Performative, ReceiverSettleMode, Role,
    SenderSettleMode, Symbol, Value, BATCH_MESSAGE_FORMAT,
};
use support::frames::load;

fn performative(relative: &str) -> (u16, Performative, Vec<u8>) {
    let bytes = load(relative);
    let (frame, used) = parse_frame(&bytes, u32::MAX).unwrap().unwrap();
    assert_eq!(used, bytes.len(), "{relative} holds exactly one frame");
    let (value, payload) = split_body(frame.body).unwrap();
    (
        frame.channel,
        Performative::from_value(value).unwrap(),
        payload.to_vec(),
    )
}

fn assert_reencodes(performative: &Performative) {
    let mut encoded = Vec::new();
    performative.encode(&mut encoded);
    let (value, _) = split_body(&encoded).unwrap();
    assert_eq!(&Performative::from_value(value).unwrap(), performative);
}

#[test]
fn sasl_init_anonymous() {
    let bytes = load("node/producer/001-sasl-init.hex");
    let (frame, _) = parse_frame(&bytes, u32::MAX).unwrap().unwrap();
    assert_eq!(frame.frame_type, FRAME_TYPE_SASL);
    let (value, _) = split_body(frame.body).unwrap();
    let SaslFrame::Init { mechanism, .. } = SaslFrame::from_value(value).unwrap() else {
        panic!("not a sasl-init");
    };
    assert_eq!(mechanism, Symbol::from("ANONYMOUS"));
}

#[test]
fn open_fields() {
    let (_, performative, _) = performative("node/producer/003-open.hex");
    let Performative::Open(open) = &performative else {
        panic!("not an open");
    };
    assert_eq!(
        open.max_frame_size, None,
        "rhea leaves max-frame-size at its 4 GiB default"
    );
    assert_eq!(open.idle_time_out, Some(60_000));
    let properties = open.properties.as_ref().unwrap();
    let product = properties
        .iter()
        .find(|(key, _)| key.as_str() == Some("product"))
        .map(|(_, value)| value.clone());
    assert_eq!(product, Some(Value::string("MSJSClient")));
    assert_reencodes(&performative);
}

#[test]
fn begin_fields() {
    let (channel, performative, _) = performative("node/producer/004-begin.hex");
    assert_eq!(channel, 0);
    let Performative::Begin(begin) = &performative else {
        panic!("not a begin");
    };
    assert_eq!(begin.incoming_window, 2048);
    assert_eq!(begin.outgoing_window, u32::MAX);
    assert_eq!(begin.handle_max, None);
    // The encoder writes the default handle-max as a number, never as null.
    let mut encoded = Vec::new();
    performative.encode(&mut encoded);
    let Performative::Begin(reencoded) =
        Performative::from_value(split_body(&encoded).unwrap().0).unwrap()
    else {
        panic!("not a begin");
    };
    assert_eq!(reencoded.handle_max, Some(u32::MAX));
}

#[test]
fn attach_cbs_mixed_mode() {
    let (_, performative, _) = performative("node/producer/005-attach.hex");
    let Performative::Attach(attach) = &performative else {
        panic!("not an attach");
    };
    assert_eq!(attach.role, Role::Sender);
    assert_eq!(attach.snd_settle_mode, SenderSettleMode::Mixed);
    assert_eq!(attach.rcv_settle_mode, ReceiverSettleMode::First);
    assert_eq!(
        attach.target.as_ref().unwrap().address.as_deref(),
        Some("$cbs")
    );
    assert_reencodes(&performative);
}

#[test]
fn flow_cbs_credit() {
    let (_, performative, _) = performative("node/producer/007-flow.hex");
    let Performative::Flow(flow) = performative else {
        panic!("not a flow");
    };
    assert_eq!(flow.handle, Some(1));
    assert_eq!(flow.link_credit, Some(1000));
    assert_eq!(flow.incoming_window, 2048);
}

#[test]
fn transfer_put_token_with_reply_to() {
    let (_, _, payload) = performative("node/producer/008-transfer.hex");
    let message = Message::decode(&payload).unwrap();
    let properties = message.properties.as_ref().unwrap();
    assert!(matches!(properties.message_id, Some(Value::String(_))));
    assert_eq!(properties.to.as_deref(), Some("$cbs"));
    assert!(properties.reply_to.as_deref().unwrap().starts_with("cbs-"));
    let operation = message
        .application_property("operation")
        .and_then(Value::as_str);
    assert_eq!(operation, Some("put-token"));
    assert!(matches!(message.body, Body::Value(Value::String(_))));
}

#[test]
fn transfer_management_read() {
    let (_, _, payload) = performative("node/producer/013-transfer.hex");
    let message = Message::decode(&payload).unwrap();
    let property = |name| message.application_property(name).and_then(Value::as_str);
    assert_eq!(property("operation"), Some("READ"));
    assert_eq!(property("type"), Some("com.microsoft:eventhub"));
}

#[test]
fn attach_producer_plain_address() {
    let (channel, performative, _) = performative("node/producer/016-attach.hex");
    assert_eq!(channel, 2, "each link pair gets its own session");
    let Performative::Attach(attach) = &performative else {
        panic!("not an attach");
    };
    assert_eq!(attach.role, Role::Sender);
    assert_eq!(
        attach.target.as_ref().unwrap().address.as_deref(),
        Some("hub/Partitions/0")
    );
    assert_eq!(attach.rcv_settle_mode, ReceiverSettleMode::First);
    assert_reencodes(&performative);
}

#[test]
fn transfer_batch_keeps_inner_bytes() {
    let (_, performative, payload) = performative("node/producer/017-transfer-batch.hex");
    let Performative::Transfer(transfer) = performative else {
        panic!("not a transfer");
    };
    assert_eq!(transfer.message_format, Some(BATCH_MESSAGE_FORMAT));
    let batch = split_batch(&payload).unwrap();
    assert_eq!(batch.messages.len(), 2);
    for (index, inner) in batch.messages.iter().enumerate() {
        let message = inner.decode().unwrap();
        // The SDK serializes string bodies as JSON in a data section.
        let expected = format!("\"node event {}\"", index + 1);
        assert_eq!(message.body, Body::Data(vec![expected.into_bytes()]));
        // Its header is a `list0` and its annotations a `map32`: the canonical encoding
        // differs, and only the kept bytes are exact.
        let bytes = inner.as_bytes().to_vec();
        assert_ne!(message.encode(), bytes);
        assert_eq!(Message::decode(&message.encode()).unwrap(), message);
        assert_eq!(
            MessageBytes::parse(bytes.clone()).unwrap().as_bytes(),
            bytes.as_slice()
        );
    }
}

#[test]
fn attach_consumer_numeric_filter_descriptor() {
    let (_, performative, _) = performative("node/consumer/010-attach.hex");
    let Performative::Attach(attach) = &performative else {
        panic!("not an attach");
    };
    assert_eq!(attach.role, Role::Receiver);
    let source = attach.source.as_ref().unwrap();
    assert_eq!(
        source.address.as_deref(),
        Some("hub/ConsumerGroups/$Default/Partitions/0")
    );
    let filter = source.filter.as_ref().unwrap();
    let Value::Described(described) = &filter[0].1 else {
        panic!("filter is not described");
    };
    assert_eq!(
        described.descriptor,
        Descriptor::Code(0x0000_468c_0000_0004)
    );
    assert_eq!(
        described.value,
        Value::string("amqp.annotation.x-opt-offset > '-1'")
    );
    assert_reencodes(&performative);
}

#[test]
fn flow_consumer_credit() {
    let (_, performative, _) = performative("node/consumer/011-flow.hex");
    let Performative::Flow(flow) = performative else {
        panic!("not a flow");
    };
    assert_eq!(flow.link_credit, Some(3));
}

#[test]
fn detach_end_close() {
    let (_, detach, _) = performative("node/producer/018-detach.hex");
    let Performative::Detach(detach) = detach else {
        panic!("not a detach");
    };
    assert!(detach.closed);
    assert_eq!(detach.error, None);
    let (_, end, _) = performative("node/producer/020-end.hex");
    assert_eq!(end, Performative::End(None));
    let (_, close, _) = performative("node/producer/026-close.hex");
    assert_eq!(close, Performative::Close(None));
}

#[test]
fn disposition_accepts_unsettled_reply() {
    // Captured with the capture example's CAPTURE_UNSETTLED_REPLIES set: the SDK settles a CBS
    // reply that the server sent unsettled. The Python SDK sends nothing in that case.
    let (_, performative, _) = performative("node/reply-disposition/009-disposition.hex");
    let Performative::Disposition(disposition) = &performative else {
        panic!("not a disposition");
    };
    assert_eq!(disposition.role, Role::Receiver);
    assert_eq!(disposition.first, 0);
    assert_eq!(disposition.last, Some(0));
    assert!(disposition.settled);
    assert_eq!(disposition.state, Some(amqp::DeliveryState::Accepted));
    assert_reencodes(&performative);
}
