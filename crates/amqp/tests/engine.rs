//! Behaviour of the connection engine, driven by a scripted client without sockets.

mod support;

use std::time::{Duration, Instant};

use amqp::frame::{AMQP_HEADER, SASL_HEADER, TLS_HEADER};
use amqp::sasl::SaslFrame;
use amqp::{
    condition, AmqpError, AttachResponse, ConnectionConfig, DeliveryState, Detach, Disposition,
    EngineError, Event, Flow, LinkId, Message, OutgoingMessage, Performative, ReceiverSettleMode,
    Role, Symbol, Transfer,
};
use support::client::{attach, begin, frame_bytes, list_shape, sasl_init, Client, Output};

/// Returns the condition of the error of the last close the server wrote.
fn close_condition(performatives: &[Performative]) -> Option<String> {
    performatives
        .iter()
        .rev()
        .find_map(|performative| match performative {
            Performative::Close(error) => Some(
                error
                    .as_ref()
                    .map_or_else(String::new, |e| e.condition.0.clone()),
            ),
            _ => None,
        })
}

fn attach_requested(events: &[Event]) -> Vec<LinkId> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::AttachRequested(request) => Some(request.link),
            _ => None,
        })
        .collect()
}

/// Opens a session and attaches one client sender to `hub`; returns the broker's link.
fn attached_sender(client: &mut Client, credit: u32) -> LinkId {
    client.send(1, attach(0, Role::Sender, "amqps://127.0.0.1/hub"));
    let link = attach_requested(&client.events())[0];
    let response = AttachResponse {
        credit,
        ..AttachResponse::default()
    };
    client.connection.accept_attach(link, response).unwrap();
    client.read();
    link
}

/// Opens a session and attaches one client receiver; returns the broker's link.
fn attached_receiver(client: &mut Client) -> LinkId {
    client.send(
        1,
        attach(
            0,
            Role::Receiver,
            "amqps://127.0.0.1/hub/ConsumerGroups/$Default/Partitions/0",
        ),
    );
    let link = attach_requested(&client.events())[0];
    client
        .connection
        .accept_attach(link, AttachResponse::default())
        .unwrap();
    client.read();
    link
}

fn grant(client: &mut Client, credit: u32, delivery_count: u32) {
    client.send(
        1,
        Performative::Flow(Flow {
            next_incoming_id: Some(0),
            incoming_window: 65_536,
            next_outgoing_id: 0,
            outgoing_window: 65_536,
            handle: Some(0),
            delivery_count: Some(delivery_count),
            link_credit: Some(credit),
            ..Flow::default()
        }),
    );
}

fn transfer(delivery_id: Option<u32>, more: bool) -> Performative {
    Performative::Transfer(Transfer {
        handle: 0,
        delivery_id,
        delivery_tag: delivery_id.map(|id| id.to_be_bytes().to_vec()),
        message_format: delivery_id.map(|_| 0),
        settled: Some(false),
        more,
        ..Transfer::default()
    })
}

#[test]
fn sasl_offers_three_mechanisms() {
    let mut client = Client::new();
    client.feed(&SASL_HEADER);
    let items = client.read();
    assert_eq!(items[0], Output::Header(SASL_HEADER));
    let expected: Vec<Symbol> = ["MSSBCBS", "ANONYMOUS", "PLAIN"].map(Symbol::from).to_vec();
    assert_eq!(items[1], Output::Sasl(SaslFrame::Mechanisms(expected)));

    client.feed(&sasl_init("ANONYMOUS", Some(b"")));
    let items = client.read();
    assert!(
        matches!(
            &items[0],
            Output::Sasl(SaslFrame::Outcome {
                code: amqp::sasl::SaslCode::Ok,
                ..
            })
        ),
        "{items:?}"
    );
    client.feed(&AMQP_HEADER);
    assert_eq!(client.read(), vec![Output::Header(AMQP_HEADER)]);
    assert!(!client.connection.is_closed());
}

#[test]
fn sasl_plain_reports_username_only() {
    let mut client = Client::new();
    client.feed(&SASL_HEADER);
    client.feed(&sasl_init("PLAIN", Some(b"\0alice\0secret")));
    let events = client.events();
    assert_eq!(
        events,
        vec![Event::SaslCompleted {
            mechanism: Symbol::from("PLAIN"),
            username: Some("alice".to_owned()),
        }]
    );
}

#[test]
fn sasl_unknown_mechanism_fails() {
    let mut client = Client::new();
    client.feed(&SASL_HEADER);
    client.read();
    client.feed(&sasl_init("GSSAPI", None));
    let items = client.read();
    assert!(
        matches!(
            &items[0],
            Output::Sasl(SaslFrame::Outcome {
                code: amqp::sasl::SaslCode::Auth,
                ..
            })
        ),
        "{items:?}"
    );
    assert!(client.connection.is_closed());
}

#[test]
fn amqp_header_without_sasl_accepted() {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER);
    assert_eq!(client.read(), vec![Output::Header(AMQP_HEADER)]);
    assert!(!client.connection.is_closed());
}

#[test]
fn amqp_header_rejected_when_sasl_required() {
    let mut client = Client::with_config(ConnectionConfig {
        require_sasl: true,
        ..ConnectionConfig::default()
    });
    client.feed(&AMQP_HEADER);
    assert_eq!(client.read(), vec![Output::Header(SASL_HEADER)]);
    assert!(client.connection.is_closed());
}

#[test]
fn tls_header_answered_then_closed() {
    let mut client = Client::new();
    client.feed(&TLS_HEADER);
    assert_eq!(client.read(), vec![Output::Header(SASL_HEADER)]);
    assert!(client.connection.is_closed());
    let events = client.events();
    assert!(
        matches!(events.last(), Some(Event::Closed { by_peer: false, .. })),
        "{events:?}"
    );
}

#[test]
fn garbage_header_answered_then_closed() {
    let mut client = Client::new();
    client.feed(b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(client.read(), vec![Output::Header(SASL_HEADER)]);
    assert!(client.connection.is_closed());
}

#[test]
fn open_and_begin_write_every_field() {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER);
    client.send(
        0,
        Performative::Open(amqp::Open {
            container_id: "c".to_owned(),
            ..amqp::Open::default()
        }),
    );
    client.send(3, begin());
    let frames: Vec<Output> = client.read().into_iter().skip(1).collect();
    let Output::Frame {
        body,
        performative: Performative::Open(open),
        channel: 0,
        ..
    } = &frames[0]
    else {
        panic!("first frame is not open: {frames:?}");
    };
    assert_eq!(list_shape(body), (10, 0xc0));
    assert_eq!(open.max_frame_size, Some(65_536));
    assert_eq!(open.idle_time_out, Some(120_000));

    let Output::Frame {
        body,
        performative: Performative::Begin(answer),
        ..
    } = &frames[1]
    else {
        panic!("second frame is not begin: {frames:?}");
    };
    assert_eq!(list_shape(body), (8, 0xc0));
    assert_eq!(answer.remote_channel, Some(3));
    assert_eq!(answer.handle_max, Some(255));
}

#[test]
fn attach_pipelined_after_begin() {
    let mut client = Client::new();
    let mut bytes = AMQP_HEADER.to_vec();
    bytes.extend(frame_bytes(
        0,
        &Performative::Open(amqp::Open::default()),
        &[],
    ));
    bytes.extend(frame_bytes(1, &begin(), &[]));
    bytes.extend(frame_bytes(1, &attach(1, Role::Sender, "$cbs"), &[]));
    bytes.extend(frame_bytes(1, &attach(2, Role::Receiver, "$cbs"), &[]));
    client.feed(&bytes);

    let events = client.events();
    assert!(matches!(events[0], Event::Opened { .. }), "{events:?}");
    assert!(
        matches!(events[1], Event::SessionBegun { .. }),
        "{events:?}"
    );
    let links = attach_requested(&events);
    assert_eq!(links.len(), 2);
    for link in &links {
        client
            .connection
            .accept_attach(*link, AttachResponse::default())
            .unwrap();
    }
    let frames = client.read();
    let attaches: Vec<(&Vec<u8>, &amqp::Attach)> = frames
        .iter()
        .filter_map(|item| match item {
            Output::Frame {
                body,
                performative: Performative::Attach(attach),
                ..
            } => Some((body, attach.as_ref())),
            _ => None,
        })
        .collect();
    assert_eq!(attaches.len(), 2);
    let (body, receiving) = attaches[0];
    assert_eq!(list_shape(body), (14, 0xc0));
    assert_eq!(receiving.role, Role::Receiver);
    assert_eq!(
        receiving.rcv_settle_mode,
        ReceiverSettleMode::First,
        "second is answered with first"
    );
    assert_eq!(receiving.max_message_size, Some(1_048_576));
    assert_eq!(attaches[1].1.role, Role::Sender);
    assert_eq!(attaches[1].1.initial_delivery_count, Some(0));
}

#[test]
fn receiving_link_grants_credit() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send(1, attach(0, Role::Sender, "amqps://127.0.0.1/hub"));
    let link = attach_requested(&client.events())[0];
    client
        .connection
        .accept_attach(link, AttachResponse::default())
        .unwrap();
    let flows: Vec<Flow> = client
        .performatives()
        .into_iter()
        .filter_map(|p| match p {
            Performative::Flow(flow) => Some(flow),
            _ => None,
        })
        .collect();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].link_credit, Some(300));
    assert_eq!(flows[0].handle, Some(0));
}

#[test]
fn delivery_settled_with_one_disposition() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_sender(&mut client, 10);
    let payload = Message::with_data(b"event".to_vec()).encode();
    client.send_with_payload(1, transfer(Some(0), false), &payload);
    let events = client.events();
    let [Event::Delivery(delivery)] = events.as_slice() else {
        panic!("expected one delivery: {events:?}");
    };
    assert_eq!(delivery.payload, payload);
    assert!(!delivery.settled);

    client
        .connection
        .settle(link, 0, DeliveryState::Accepted)
        .unwrap();
    let frames = client.read();
    let Output::Frame {
        body,
        performative: Performative::Disposition(disposition),
        ..
    } = &frames[0]
    else {
        panic!("not a disposition: {frames:?}");
    };
    assert_eq!(list_shape(body), (6, 0xc0));
    assert_eq!(disposition.role, Role::Receiver);
    assert!(disposition.settled);
    assert_eq!(disposition.state, Some(DeliveryState::Accepted));
    assert_eq!(
        client.connection.settle(link, 0, DeliveryState::Accepted),
        Err(EngineError::UnknownDelivery { link, delivery: 0 })
    );
}

#[test]
fn rejected_outcome_carries_full_error() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_sender(&mut client, 10);
    client.send_with_payload(
        1,
        transfer(Some(0), false),
        &Message::with_data(vec![1]).encode(),
    );
    client.events();
    let error = AmqpError::new(condition::MESSAGE_SIZE_EXCEEDED, "too big");
    client
        .connection
        .settle(
            link,
            0,
            DeliveryState::Rejected {
                error: Some(error.clone()),
            },
        )
        .unwrap();
    let frames = client.read();
    let Output::Frame {
        performative: Performative::Disposition(disposition),
        body,
        ..
    } = &frames[0]
    else {
        panic!("not a disposition: {frames:?}");
    };
    assert_eq!(
        disposition.state,
        Some(DeliveryState::Rejected { error: Some(error) })
    );
    // condition, description and info are all on the wire: the info map is `c1 01 00`.
    assert!(
        body.windows(3).any(|w| w == [0xc1, 0x01, 0x00]),
        "{body:02x?}"
    );
}

#[test]
fn split_transfer_reassembled() {
    let mut client = Client::new();
    client.open_session(65_536);
    attached_sender(&mut client, 10);
    let payload = Message::with_data(vec![7u8; 3000]).encode();
    let (first, rest) = payload.split_at(1000);
    let (second, third) = rest.split_at(1000);
    client.send_with_payload(1, transfer(Some(0), true), first);
    client.send_with_payload(1, transfer(None, true), second);
    assert!(client.events().is_empty());
    client.send_with_payload(1, transfer(Some(0), false), third);
    let events = client.events();
    let [Event::Delivery(delivery)] = events.as_slice() else {
        panic!("expected one delivery: {events:?}");
    };
    assert_eq!(delivery.payload, payload);
    assert_eq!(
        Message::decode(&delivery.payload).unwrap().body,
        amqp::Body::Data(vec![vec![7u8; 3000]])
    );
}

#[test]
fn oversized_message_reported_link_kept() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send(1, attach(0, Role::Sender, "amqps://127.0.0.1/hub"));
    let link = attach_requested(&client.events())[0];
    let response = AttachResponse {
        max_message_size: Some(100),
        ..AttachResponse::default()
    };
    client.connection.accept_attach(link, response).unwrap();
    client.read();

    // One frame over the limit, then a delivery whose frames pass it only together.
    client.send_with_payload(1, transfer(Some(0), false), &[0u8; 200]);
    client.send_with_payload(1, transfer(Some(1), true), &[1u8; 60]);
    client.send_with_payload(1, transfer(None, true), &[1u8; 60]);
    client.send_with_payload(1, transfer(None, false), &[1u8; 60]);
    let events = client.events();
    let oversized: Vec<(u32, u64)> = events
        .iter()
        .filter_map(|event| match event {
            Event::OversizedDelivery {
                link: l,
                delivery_id,
                settled: false,
                message_format: 0,
                size,
                max: 100,
            } if *l == link => Some((*delivery_id, *size)),
            _ => None,
        })
        .collect();
    assert_eq!(oversized, [(0, 200), (1, 180)], "{events:?}");
    let detached = client
        .performatives()
        .into_iter()
        .any(|performative| matches!(performative, Performative::Detach(_)));
    assert!(!detached, "the link stays attached");

    // The next delivery within the limit arrives as usual.
    client.send_with_payload(1, transfer(Some(2), false), &[2u8; 50]);
    let events = client.events();
    let [Event::Delivery(delivery)] = events.as_slice() else {
        panic!("expected one delivery: {events:?}");
    };
    assert_eq!(delivery.delivery_id, 2);
    assert_eq!(delivery.payload, vec![2u8; 50]);
}

#[test]
fn send_splits_to_peer_frame_size() {
    let mut client = Client::new();
    client.open_session(512);
    let link = attached_receiver(&mut client);
    assert_eq!(
        client
            .connection
            .send(link, OutgoingMessage::settled(vec![1])),
        Err(EngineError::NoCredit { link })
    );
    grant(&mut client, 5, 0);
    let events = client.events();
    assert_eq!(
        events,
        vec![Event::Credit {
            link,
            credit: 5,
            drain: false
        }]
    );

    let payload = Message::with_data(vec![9u8; 2000]).encode();
    let delivery_id = client
        .connection
        .send(link, OutgoingMessage::settled(payload.clone()))
        .unwrap();
    assert_eq!(delivery_id, 0);
    let frames = client.read();
    let mut received = Vec::new();
    for (index, item) in frames.iter().enumerate() {
        let Output::Frame {
            body,
            performative: Performative::Transfer(transfer),
            payload,
            ..
        } = item
        else {
            panic!("not a transfer: {item:?}");
        };
        assert!(
            body.len() + 8 <= 512,
            "frame {index} is {} bytes",
            body.len() + 8
        );
        assert_eq!(list_shape(body).0, 11);
        assert_eq!(transfer.more, index + 1 < frames.len());
        if index == 0 {
            assert_eq!(transfer.delivery_id, Some(0));
            assert_eq!(transfer.settled, Some(true));
        }
        received.extend_from_slice(payload);
    }
    assert!(frames.len() >= 4, "{} frames", frames.len());
    assert_eq!(received, payload);
    assert_eq!(client.connection.credit(link), Ok(4));
}

/// Opens a session whose incoming window takes one transfer, and a receiving link with a
/// credit of 10.
fn receiver_with_window_of_one() -> (Client, LinkId) {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER);
    client.send(0, Performative::Open(amqp::Open::default()));
    client.send(
        1,
        Performative::Begin(amqp::Begin {
            incoming_window: 1,
            outgoing_window: 100,
            ..amqp::Begin::default()
        }),
    );
    client.read();
    let link = attached_receiver(&mut client);
    client.send(
        1,
        Performative::Flow(Flow {
            next_incoming_id: Some(0),
            incoming_window: 1,
            next_outgoing_id: 0,
            outgoing_window: 100,
            handle: Some(0),
            delivery_count: Some(0),
            link_credit: Some(10),
            ..Flow::default()
        }),
    );
    client.events();
    client.read();
    (client, link)
}

#[test]
fn session_window_queues_transfers() {
    let (mut client, link) = receiver_with_window_of_one();
    client
        .connection
        .send(link, OutgoingMessage::settled(vec![0x40]))
        .unwrap();
    client
        .connection
        .send(link, OutgoingMessage::settled(vec![0x40]))
        .unwrap();
    assert_eq!(
        client.performatives().len(),
        1,
        "the second transfer waits for the window"
    );
    client.send(
        1,
        Performative::Flow(Flow {
            next_incoming_id: Some(1),
            incoming_window: 1,
            next_outgoing_id: 0,
            outgoing_window: 100,
            ..Flow::default()
        }),
    );
    let performatives = client.performatives();
    assert_eq!(performatives.len(), 1);
    assert!(matches!(&performatives[0], Performative::Transfer(t) if t.delivery_id == Some(1)));
}

#[test]
fn detach_drops_queued_transfers() {
    let (mut client, link) = receiver_with_window_of_one();
    for _ in 0..3 {
        client
            .connection
            .send(link, OutgoingMessage::settled(vec![0x40]))
            .unwrap();
    }
    client.connection.detach(link, None).unwrap();
    let sent = client.performatives();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(matches!(&sent[0], Performative::Transfer(t) if t.delivery_id == Some(0)));
    assert!(matches!(&sent[1], Performative::Detach(_)));

    // The window opens after the detach: the two queued transfers are gone, not sent late.
    client.send(
        1,
        Performative::Flow(Flow {
            next_incoming_id: Some(1),
            incoming_window: 10,
            next_outgoing_id: 0,
            outgoing_window: 100,
            ..Flow::default()
        }),
    );
    let late = client.performatives();
    assert!(
        late.iter()
            .all(|performative| !matches!(performative, Performative::Transfer(_))),
        "{late:?}"
    );
}

#[test]
fn dispositions_update_unsettled_sends() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_receiver(&mut client);
    grant(&mut client, 10, 0);
    client.events();
    for _ in 0..4 {
        client
            .connection
            .send(link, OutgoingMessage::unsettled(vec![0x40]))
            .unwrap();
    }
    client.read();
    let states = [
        DeliveryState::Accepted,
        DeliveryState::Rejected {
            error: Some(AmqpError::new(condition::DECODE_ERROR, "bad")),
        },
        DeliveryState::Released,
        DeliveryState::Modified {
            delivery_failed: true,
            undeliverable_here: false,
            message_annotations: Vec::new(),
        },
    ];
    for (id, state) in states.iter().enumerate() {
        client.send(
            1,
            Performative::Disposition(Disposition {
                role: Role::Receiver,
                first: id as u32,
                last: None,
                settled: true,
                state: Some(state.clone()),
                batchable: false,
            }),
        );
    }
    let updates: Vec<(u32, Option<DeliveryState>)> = client
        .events()
        .into_iter()
        .filter_map(|event| match event {
            Event::DeliveryUpdated {
                delivery_id,
                state,
                settled: true,
                ..
            } => Some((delivery_id, state)),
            _ => None,
        })
        .collect();
    let expected: Vec<(u32, Option<DeliveryState>)> = states
        .into_iter()
        .enumerate()
        .map(|(id, state)| (id as u32, Some(state)))
        .collect();
    assert_eq!(updates, expected);
}

#[test]
fn reject_attach_writes_attach_then_detach() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send(1, attach(0, Role::Sender, "amqps://127.0.0.1/nothing"));
    let link = attach_requested(&client.events())[0];
    let error = AmqpError::new(condition::NOT_FOUND, "no hub `nothing`");
    client
        .connection
        .reject_attach(link, error.clone())
        .unwrap();
    let performatives = client.performatives();
    let [Performative::Attach(answer), Performative::Detach(detach)] = performatives.as_slice()
    else {
        panic!("expected attach and detach: {performatives:?}");
    };
    assert_eq!(answer.target, None);
    assert!(answer.source.is_some());
    assert_eq!(
        detach,
        &Detach {
            handle: 0,
            closed: true,
            error: Some(error)
        }
    );
    assert_eq!(
        client
            .connection
            .accept_attach(link, AttachResponse::default()),
        Err(EngineError::UnknownLink { link })
    );
    // The client's reply detach frees the handle without another event.
    client.send(
        1,
        Performative::Detach(Detach {
            handle: 0,
            closed: true,
            error: None,
        }),
    );
    let events = client.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(matches!(events[0], Event::LinkDetached { .. }));
    assert!(client.performatives().is_empty());
}

#[test]
fn client_detach_answered() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_sender(&mut client, 10);
    client.send(
        1,
        Performative::Detach(Detach {
            handle: 0,
            closed: true,
            error: None,
        }),
    );
    let performatives = client.performatives();
    let [Performative::Detach(detach)] = performatives.as_slice() else {
        panic!("expected a detach: {performatives:?}");
    };
    assert!(detach.closed);
    assert_eq!(detach.error, None);
    let events = client.events();
    assert_eq!(
        events,
        vec![Event::LinkDetached {
            link,
            closed: true,
            error: None
        }]
    );
    assert_eq!(
        client.connection.set_credit(link, 5),
        Err(EngineError::UnknownLink { link })
    );
}

#[test]
fn unknown_handle_ends_session() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send_with_payload(1, transfer(Some(0), false), &[0x40]);
    let performatives = client.performatives();
    let [Performative::End(Some(error))] = performatives.as_slice() else {
        panic!("expected end with error: {performatives:?}");
    };
    assert_eq!(error.condition, Symbol::from(condition::UNATTACHED_HANDLE));
    assert!(!client.connection.is_closed());
    let events = client.events();
    assert!(
        matches!(
            events.as_slice(),
            [Event::SessionEnded { error: Some(_), .. }]
        ),
        "{events:?}"
    );
    // The client's end completes it; a new session may then use the channel again.
    client.send(1, Performative::End(None));
    client.send(1, begin());
    assert!(matches!(
        client.performatives().as_slice(),
        [Performative::Begin(_)]
    ));
}

#[test]
fn unknown_channel_closes_connection() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send(7, attach(0, Role::Sender, "$cbs"));
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::ILLEGAL_STATE)
    );
    assert!(client.connection.is_closed());
}

#[test]
fn frame_after_client_end_ignored() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.send(1, Performative::End(None));
    client.send(
        1,
        Performative::Detach(Detach {
            handle: 3,
            closed: false,
            error: None,
        }),
    );
    assert!(matches!(
        client.performatives().as_slice(),
        [Performative::End(None)]
    ));
    assert!(!client.connection.is_closed());
}

#[test]
fn oversized_frame_closes_with_framing_error() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.feed(&[0x00, 0x10, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01]);
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::FRAMING_ERROR)
    );
    assert!(client.connection.is_closed());
}

#[test]
fn tiny_frame_size_closes_with_framing_error() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.feed(&[0x00, 0x00, 0x00, 0x04]);
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::FRAMING_ERROR)
    );
}

#[test]
fn garbage_body_closes_with_decode_error() {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER);
    client.read();
    client.feed(&[
        0x00, 0x00, 0x00, 0x0c, 0x02, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    ]);
    let performatives = client.performatives();
    // An open precedes the close, because the server had not sent its own yet.
    assert!(
        matches!(performatives[0], Performative::Open(_)),
        "{performatives:?}"
    );
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::DECODE_ERROR)
    );
    let events = client.events();
    let Some(Event::Closed {
        error: Some(error),
        by_peer: false,
    }) = events.last()
    else {
        panic!("expected a closed event: {events:?}");
    };
    assert!(
        error.description.as_deref().unwrap().contains("0xff"),
        "{error}"
    );
}

#[test]
fn truncated_input_waits_for_more() {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER[..5]);
    assert!(client.read().is_empty());
    client.feed(&AMQP_HEADER[5..]);
    assert_eq!(client.read(), vec![Output::Header(AMQP_HEADER)]);
    let open = frame_bytes(0, &Performative::Open(amqp::Open::default()), &[]);
    for byte in &open[..open.len() - 1] {
        client.feed(std::slice::from_ref(byte));
    }
    assert!(client.read().is_empty());
    client.feed(&open[open.len() - 1..]);
    assert!(matches!(
        client.performatives().as_slice(),
        [Performative::Open(_)]
    ));
}

#[test]
fn small_peer_frame_size_rejected() {
    let mut client = Client::new();
    client.feed(&AMQP_HEADER);
    client.send(
        0,
        Performative::Open(amqp::Open {
            max_frame_size: Some(100),
            ..amqp::Open::default()
        }),
    );
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::INVALID_FIELD)
    );
}

#[test]
fn attach_too_large_for_peer_frame_size() {
    let mut client = Client::new();
    client.open_session(512);
    let mut request = attach(0, Role::Sender, "amqps://127.0.0.1/hub");
    if let Performative::Attach(attach) = &mut request {
        attach.name = "n".repeat(600);
    }
    let mut bytes = Vec::new();
    request.encode(&mut bytes);
    client.send(1, request);
    let link = attach_requested(&client.events())[0];
    client
        .connection
        .accept_attach(link, AttachResponse::default())
        .unwrap();
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::FRAME_SIZE_TOO_SMALL)
    );
}

#[test]
fn idle_client_closed_after_timeout() {
    let start = Instant::now();
    let mut client = Client::with_config(ConnectionConfig {
        idle_timeout: Some(Duration::from_secs(10)),
        ..ConnectionConfig::default()
    });
    assert_eq!(
        client.connection.tick(start),
        Some(start + Duration::from_secs(10))
    );
    client.open_session(65_536);
    client.connection.tick(start + Duration::from_secs(5));
    assert!(!client.connection.is_closed());
    client.connection.tick(start + Duration::from_secs(15));
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::RESOURCE_LIMIT_EXCEEDED)
    );
    assert!(client.connection.is_closed());
}

#[test]
fn heartbeat_at_half_peer_timeout() {
    let start = Instant::now();
    let mut client = Client::with_config(ConnectionConfig {
        idle_timeout: None,
        ..ConnectionConfig::default()
    });
    client.connection.tick(start);
    client.feed(&AMQP_HEADER);
    client.send(
        0,
        Performative::Open(amqp::Open {
            idle_time_out: Some(4_000),
            ..amqp::Open::default()
        }),
    );
    client.read();
    client.connection.tick(start);
    assert_eq!(
        client.connection.tick(start + Duration::from_millis(1_000)),
        Some(start + Duration::from_secs(2))
    );
    assert!(client.read().is_empty());
    client.connection.tick(start + Duration::from_millis(2_100));
    assert_eq!(client.read(), vec![Output::Heartbeat]);
}

#[test]
fn client_close_reports_everything_ended() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_sender(&mut client, 10);
    client.send(0, Performative::Close(None));
    assert_eq!(client.performatives(), vec![Performative::Close(None)]);
    let events = client.events();
    assert!(
        matches!(&events[0], Event::LinkDetached { link: l, .. } if *l == link),
        "{events:?}"
    );
    assert!(
        matches!(events[1], Event::SessionEnded { .. }),
        "{events:?}"
    );
    assert_eq!(
        events[2],
        Event::Closed {
            error: None,
            by_peer: true
        }
    );
    assert!(client.connection.is_closed());
    assert_eq!(
        client
            .connection
            .send(link, OutgoingMessage::settled(vec![])),
        Err(EngineError::ConnectionClosed)
    );
}

#[test]
fn broker_close_carries_error() {
    let mut client = Client::new();
    client.open_session(65_536);
    client.connection.close(Some(AmqpError::new(
        condition::CONNECTION_FORCED,
        "shutting down",
    )));
    let performatives = client.performatives();
    assert_eq!(
        close_condition(&performatives).as_deref(),
        Some(condition::CONNECTION_FORCED)
    );
    let events = client.events();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed {
                by_peer: false,
                error: Some(_)
            })
        ),
        "{events:?}"
    );
}

#[test]
fn wrong_role_calls_rejected() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_sender(&mut client, 10);
    assert_eq!(
        client
            .connection
            .send(link, OutgoingMessage::settled(vec![])),
        Err(EngineError::WrongRole {
            link,
            required: "sender",
            actual: "receiver"
        })
    );
    assert_eq!(
        client.connection.drain(link),
        Err(EngineError::WrongRole {
            link,
            required: "sender",
            actual: "receiver"
        })
    );
}

#[test]
fn drain_gives_credit_back() {
    let mut client = Client::new();
    client.open_session(65_536);
    let link = attached_receiver(&mut client);
    client.send(
        1,
        Performative::Flow(Flow {
            incoming_window: 65_536,
            next_outgoing_id: 0,
            outgoing_window: 65_536,
            handle: Some(0),
            delivery_count: Some(0),
            link_credit: Some(3),
            drain: true,
            ..Flow::default()
        }),
    );
    assert_eq!(
        client.events(),
        vec![Event::Credit {
            link,
            credit: 3,
            drain: true
        }]
    );
    client.connection.drain(link).unwrap();
    let performatives = client.performatives();
    let [Performative::Flow(flow)] = performatives.as_slice() else {
        panic!("expected a flow: {performatives:?}");
    };
    assert_eq!(flow.delivery_count, Some(3));
    assert_eq!(flow.link_credit, Some(0));
    assert!(flow.drain);
    assert_eq!(client.connection.credit(link), Ok(0));
}
