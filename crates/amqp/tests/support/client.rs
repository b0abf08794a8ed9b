//! A scripted AMQP client that drives a [`Connection`] directly, without sockets.

use amqp::frame::{
    parse_frame, split_body, write_frame, AMQP_HEADER, FRAME_TYPE_AMQP, FRAME_TYPE_SASL,
    SASL_HEADER,
};
use amqp::sasl::SaslFrame;
use amqp::{
    Attach, Begin, Connection, ConnectionConfig, Event, Open, Performative, ReceiverSettleMode,
    Role, SenderSettleMode, Source, Symbol, Target, Value,
};

/// One item the server wrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    Header([u8; 8]),
    Sasl(SaslFrame),
    Heartbeat,
    Frame {
        channel: u16,
        performative: Performative,
        payload: Vec<u8>,
        /// The frame body, for checks on the raw encoding.
        body: Vec<u8>,
    },
}

/// A client speaking to the engine through byte buffers.
#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) connection: Connection,
    unread: Vec<u8>,
}

impl Client {
    pub(crate) fn new() -> Client {
        Client::with_config(ConnectionConfig::default())
    }

    pub(crate) fn with_config(config: ConnectionConfig) -> Client {
        Client {
            connection: Connection::new(config),
            unread: Vec::new(),
        }
    }

    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.connection.feed(bytes);
    }

    pub(crate) fn send(&mut self, channel: u16, performative: Performative) {
        self.send_with_payload(channel, performative, &[]);
    }

    pub(crate) fn send_with_payload(
        &mut self,
        channel: u16,
        performative: Performative,
        payload: &[u8],
    ) {
        self.feed(&frame_bytes(channel, &performative, payload));
    }

    /// Reads everything the server wrote since the last call.
    pub(crate) fn read(&mut self) -> Vec<Output> {
        self.unread.extend(self.connection.take_output());
        let mut items = Vec::new();
        loop {
            if self.unread.starts_with(b"AMQP") && self.unread.len() >= 8 {
                let header: [u8; 8] = self.unread[..8].try_into().unwrap();
                self.unread.drain(..8);
                items.push(Output::Header(header));
                continue;
            }
            let Some((frame, used)) = parse_frame(&self.unread, u32::MAX).unwrap() else {
                break;
            };
            let item = if frame.body.is_empty() {
                Output::Heartbeat
            } else {
                let (value, payload) = split_body(frame.body).unwrap();
                if frame.frame_type == FRAME_TYPE_SASL {
                    Output::Sasl(SaslFrame::from_value(value).unwrap())
                } else {
                    assert_eq!(frame.frame_type, FRAME_TYPE_AMQP);
                    Output::Frame {
                        channel: frame.channel,
                        performative: Performative::from_value(value).unwrap(),
                        payload: payload.to_vec(),
                        body: frame.body.to_vec(),
                    }
                }
            };
            items.push(item);
            self.unread.drain(..used);
        }
        items
    }

    /// Returns the performatives the server wrote since the last read.
    pub(crate) fn performatives(&mut self) -> Vec<Performative> {
        self.read()
            .into_iter()
            .filter_map(|item| match item {
                Output::Frame { performative, .. } => Some(performative),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.connection.poll_event()).collect()
    }

    /// Negotiates SASL ANONYMOUS, sends open with `max_frame_size`, and begins a session on
    /// channel 1; discards what the server wrote and the events so far.
    pub(crate) fn open_session(&mut self, max_frame_size: u32) {
        self.feed(&SASL_HEADER);
        self.feed(&sasl_init("ANONYMOUS", None));
        self.feed(&AMQP_HEADER);
        self.send(
            0,
            Performative::Open(Open {
                container_id: "test-client".to_owned(),
                max_frame_size: Some(max_frame_size),
                ..Open::default()
            }),
        );
        self.send(1, begin());
        self.read();
        self.events();
    }
}

/// Encodes one AMQP frame.
pub(crate) fn frame_bytes(channel: u16, performative: &Performative, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    performative.encode(&mut body);
    body.extend_from_slice(payload);
    let mut out = Vec::new();
    write_frame(FRAME_TYPE_AMQP, channel, &body, &mut out);
    out
}

/// Encodes a sasl-init frame.
pub(crate) fn sasl_init(mechanism: &str, response: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    SaslFrame::Init {
        mechanism: Symbol::from(mechanism),
        initial_response: response.map(<[u8]>::to_vec),
        hostname: Some("127.0.0.1".to_owned()),
    }
    .encode(&mut body);
    let mut out = Vec::new();
    write_frame(FRAME_TYPE_SASL, 0, &body, &mut out);
    out
}

/// Returns a begin as the Python client sends it.
pub(crate) fn begin() -> Performative {
    Performative::Begin(Begin {
        remote_channel: None,
        next_outgoing_id: 0,
        incoming_window: 65_536,
        outgoing_window: 65_536,
        handle_max: Some(u32::MAX),
        ..Begin::default()
    })
}

/// Returns an attach of a client link, where `role` is the client's role.
pub(crate) fn attach(handle: u32, role: Role, address: &str) -> Performative {
    let (source, target) = match role {
        Role::Sender => (format!("sender-{handle}"), address.to_owned()),
        Role::Receiver => (address.to_owned(), format!("receiver-{handle}")),
    };
    Performative::Attach(Box::new(Attach {
        name: format!("link-{handle}"),
        handle,
        role,
        snd_settle_mode: SenderSettleMode::Unsettled,
        rcv_settle_mode: match role {
            Role::Sender => ReceiverSettleMode::Second,
            Role::Receiver => ReceiverSettleMode::First,
        },
        source: Some(Source {
            address: Some(source),
            ..Source::default()
        }),
        target: Some(Target {
            address: Some(target),
            ..Target::default()
        }),
        unsettled: None,
        incomplete_unsettled: false,
        initial_delivery_count: (role == Role::Sender).then_some(0),
        max_message_size: None,
        offered_capabilities: Vec::new(),
        desired_capabilities: Vec::new(),
        properties: None,
    }))
}

/// Returns the number of fields of a performative's list and the list's format code.
pub(crate) fn list_shape(body: &[u8]) -> (usize, u8) {
    let (value, _) = split_body(body).unwrap();
    let Value::Described(described) = value else {
        panic!("not a described value");
    };
    let Value::List(fields) = &described.value else {
        panic!("not a described list");
    };
    // Body: 0x00, a small ulong descriptor (0x53 and one byte), then the list's format code.
    assert_eq!(&body[..2], &[0x00, 0x53]);
    (fields.len(), body[3])
}
