//! A sans-I/O AMQP 1.0 server engine for the local Event Hubs broker.
//!
//! The engine speaks the server side of AMQP 1.0 to unmodified Azure clients (Python
//! `azure-eventhub` 5.x, Node `@azure/event-hubs`, Rust `azeventhubs`). It owns no socket and
//! no clock: the broker feeds it received bytes, writes the bytes it produces, handles the
//! [`Event`]s it reports, and passes the current time to [`Connection::tick`].
//!
//! A blocking server loop around one connection looks like this (a tokio server does the same
//! with `select!` over the socket and a timer set to the deadline `tick` returns):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::time::Instant;
//!
//! use amqp::{AttachResponse, Connection, ConnectionConfig, DeliveryState, Event};
//!
//! fn serve(stream: &mut (impl Read + Write)) -> std::io::Result<()> {
//!     let mut connection = Connection::new(ConnectionConfig::default());
//!     let mut buffer = vec![0u8; 65_536];
//!     loop {
//!         while let Some(event) = connection.poll_event() {
//!             match event {
//!                 Event::AttachRequested(request) => {
//!                     connection.accept_attach(request.link, AttachResponse::default()).ok();
//!                 }
//!                 Event::Delivery(delivery) if !delivery.settled => {
//!                     let (link, id) = (delivery.link, delivery.delivery_id);
//!                     connection.settle(link, id, DeliveryState::Accepted).ok();
//!                 }
//!                 _ => {}
//!             }
//!         }
//!         connection.tick(Instant::now());
//!         stream.write_all(&connection.take_output())?;
//!         if connection.is_closed() {
//!             return Ok(());
//!         }
//!         let read = stream.read(&mut buffer)?;
//!         if read == 0 {
//!             return Ok(());
//!         }
//!         connection.feed(&buffer[..read]);
//!     }
//! }
//! ```
//!
//! The engine replies to protocol headers by itself:
//!
//! ```
//! use amqp::{Connection, ConnectionConfig};
//!
//! let mut connection = Connection::new(ConnectionConfig::default());
//! connection.feed(b"AMQP\x00\x01\x00\x00");
//! assert_eq!(connection.take_output(), b"AMQP\x00\x01\x00\x00");
//! ```
//!
//! # Negotiation
//!
//! A client may start with the SASL header (`AMQP 3 1 0 0`) or, unless
//! [`ConnectionConfig::require_sasl`] is set, directly with the AMQP header (`AMQP 0 1 0 0`).
//! The engine offers MSSBCBS, ANONYMOUS and PLAIN and accepts any credentials, because Event
//! Hubs clients authorize later with CBS tokens sent to the `$cbs` node, which the broker
//! checks. The TLS header (`AMQP 2 1 0 0`) and any other header get the SASL header in reply
//! and the connection ends, as AMQP 1.0 version negotiation prescribes; TLS, where
//! wanted, wraps the byte stream outside the engine.
//!
//! # Links
//!
//! The broker handles each [`Event::AttachRequested`] with [`Connection::accept_attach`] or
//! [`Connection::reject_attach`]. On links where the broker receives (the client's senders),
//! the engine grants and tops up credit and reports each complete message as
//! [`Event::Delivery`]; the broker settles unsettled ones with [`Connection::settle`]. On links
//! where the broker sends, [`Event::Credit`] reports the client's credit and
//! [`Connection::send`] delivers a message.
//!
//! # Messages
//!
//! [`Message`] decodes and encodes the message format. [`MessageBytes`] keeps a payload byte for
//! byte (as a broker stores an event) and adds annotations such as `x-opt-sequence-number` on
//! delivery without re-encoding the other sections. [`split_batch`] splits a delivery of format
//! [`BATCH_MESSAGE_FORMAT`] into its inner messages.
//!
//! # Compatibility with the Python client
//!
//! Every performative is encoded with all its fields as a `list8` or `list32`, because the
//! pure-Python AMQP layer of `azure-eventhub` reads fields by position. Its senders ask for
//! receiver-settle-mode second; the engine replies with first and settles each message with a
//! single settled disposition, because that client's batch sends hung against a server that
//! honoured second. It never settles what it receives, so consumers should get messages sent
//! settled ([`OutgoingMessage::settled`]).

mod codec;
mod definitions;
mod engine;
mod error;
pub mod frame;
mod message;
mod performative;
pub mod sasl;

pub use codec::decimal::decimal_to_string;
pub use codec::decode::{decode_value, Decoder, MAX_DEPTH};
pub use codec::value::{Array, Described, Descriptor, Symbol, Timestamp, Value};
pub use definitions::{
    condition, AmqpError, DeliveryState, ReceiverSettleMode, Role, SenderSettleMode, Source, Target,
};
pub use engine::{
    AttachRequest, AttachResponse, Connection, ConnectionConfig, Event, IncomingDelivery, LinkId,
    OutgoingMessage, SessionId,
};
pub use error::{DecodeError, EncodeError, EngineError};
pub use message::{
    split_batch, Batch, Body, Header, Message, MessageBytes, Properties, SectionKind, SectionSpan,
    BATCH_MESSAGE_FORMAT,
};
pub use performative::{Attach, Begin, Detach, Disposition, Flow, Open, Performative, Transfer};
