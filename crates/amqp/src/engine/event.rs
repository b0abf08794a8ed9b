//! Events the engine reports to the broker, and the values the broker passes back.

use std::fmt;

use crate::codec::value::{Symbol, Value};
use crate::definitions::{AmqpError, DeliveryState, ReceiverSettleMode, Role, SenderSettleMode};
use crate::definitions::{Source, Target};

/// Identifies a link for as long as it is attached on its connection.
///
/// Ids are never reused within one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub(crate) u64);

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Identifies a session for as long as it is mapped on its connection.
///
/// Ids are never reused within one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) u64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Something that happened on the connection, reported by [`crate::Connection::poll_event`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// SASL negotiation finished with the client's chosen mechanism.
    SaslCompleted {
        /// The mechanism the client chose.
        mechanism: Symbol,
        /// The authentication identity of a PLAIN exchange. The password is never kept.
        username: Option<String>,
    },
    /// The client's `open` arrived and the engine replied with its own.
    Opened {
        /// The client's container id.
        container_id: String,
        /// The host name the client connected to.
        hostname: Option<String>,
    },
    /// The client began a session and the engine replied with its own `begin`.
    SessionBegun {
        /// The new session.
        session: SessionId,
    },
    /// The client requests a link. Reply with [`crate::Connection::accept_attach`] or
    /// [`crate::Connection::reject_attach`].
    AttachRequested(Box<AttachRequest>),
    /// The client's credit on a link where the broker sends changed.
    Credit {
        /// The link.
        link: LinkId,
        /// How many messages the broker may send now.
        credit: u32,
        /// Whether the client asks the broker to use up the credit or give it back with
        /// [`crate::Connection::drain`].
        drain: bool,
    },
    /// A complete message arrived on a link where the broker receives.
    Delivery(IncomingDelivery),
    /// A message larger than the link's maximum message size arrived whole. Its bytes were
    /// dropped as they came, and the broker settles it, unless the client sent it settled.
    OversizedDelivery {
        /// The link.
        link: LinkId,
        /// The delivery id, to pass to [`crate::Connection::settle`] unless `settled` is set.
        delivery_id: u32,
        /// Whether the client sent the message settled; it then expects no disposition.
        settled: bool,
        /// The message format: 0, or [`crate::BATCH_MESSAGE_FORMAT`] for an Event Hubs batch.
        message_format: u32,
        /// The message's size in bytes.
        size: u64,
        /// The link's maximum message size in bytes.
        max: u64,
    },
    /// The client updated the state of a message the broker sent unsettled.
    DeliveryUpdated {
        /// The link the message was sent on.
        link: LinkId,
        /// The delivery id [`crate::Connection::send`] returned.
        delivery_id: u32,
        /// The new state, such as [`DeliveryState::Accepted`].
        state: Option<DeliveryState>,
        /// Whether the client settled the delivery (the engine then drops its state).
        settled: bool,
    },
    /// A link ended: the client detached it, its session ended, or the engine or broker
    /// detached it. The id is invalid afterwards.
    LinkDetached {
        /// The link.
        link: LinkId,
        /// Whether the link was closed rather than only detached.
        closed: bool,
        /// The error that ended the link, from either side.
        error: Option<AmqpError>,
    },
    /// A session ended. Its links were reported detached first.
    SessionEnded {
        /// The session.
        session: SessionId,
        /// The error that ended the session, from either side.
        error: Option<AmqpError>,
    },
    /// The connection closed. Write the remaining output, then drop the transport.
    Closed {
        /// The error that closed the connection, from either side.
        error: Option<AmqpError>,
        /// Whether the client sent `close` (rather than the engine or the broker).
        by_peer: bool,
    },
}

/// A client's `attach`, waiting for the broker's response.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachRequest {
    /// The link this request creates.
    pub link: LinkId,
    /// The session the link belongs to.
    pub session: SessionId,
    /// The link name.
    pub name: String,
    /// The broker's role on the link: [`Role::Sender`] when the client receives (a consumer,
    /// or the reply link of `$cbs` and `$management`), [`Role::Receiver`] when it sends.
    pub role: Role,
    /// The source terminus the client proposes.
    pub source: Option<Source>,
    /// The target terminus the client proposes.
    pub target: Option<Target>,
    /// The sender settle mode the client asks for.
    pub snd_settle_mode: SenderSettleMode,
    /// The receiver settle mode the client asks for.
    pub rcv_settle_mode: ReceiverSettleMode,
    /// The largest message the client accepts, when it receives; `None` or 0 means no limit.
    pub max_message_size: Option<u64>,
    /// Link properties, such as `com.microsoft:epoch`.
    pub properties: Vec<(Value, Value)>,
    /// Capabilities the client wants.
    pub desired_capabilities: Vec<Symbol>,
}

impl AttachRequest {
    /// Returns the address of the node the link reaches: the target's address when the client
    /// sends, the source's when it receives.
    pub fn address(&self) -> Option<&str> {
        match self.role {
            Role::Receiver => self.target.as_ref()?.address.as_deref(),
            Role::Sender => self.source.as_ref()?.address.as_deref(),
        }
    }

    /// Returns the link property with a symbol key `name`.
    pub fn property(&self, name: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|(key, _)| key.as_str() == Some(name))
            .map(|(_, value)| value)
    }
}

/// The broker's response to an [`AttachRequest`].
#[derive(Debug, Clone, PartialEq)]
pub struct AttachResponse {
    /// Credit the engine keeps granting on a link where the broker receives: it grants this
    /// many messages at once and tops the credit up again when half is used. Ignored when the
    /// broker sends.
    pub credit: u32,
    /// The largest message the broker accepts on a link where it receives; `None` keeps the
    /// connection's [`crate::ConnectionConfig::max_message_size`].
    pub max_message_size: Option<u64>,
    /// The sender settle mode of the response; `None` echoes the client's request.
    pub snd_settle_mode: Option<SenderSettleMode>,
    /// Link properties of the response.
    pub properties: Vec<(Value, Value)>,
    /// Capabilities the broker offers on the link.
    pub offered_capabilities: Vec<Symbol>,
}

impl Default for AttachResponse {
    /// Grants 300 messages of credit, as Azure Event Hubs grants 300 to senders.
    fn default() -> Self {
        AttachResponse {
            credit: 300,
            max_message_size: None,
            snd_settle_mode: None,
            properties: Vec::new(),
            offered_capabilities: Vec::new(),
        }
    }
}

/// A complete message that arrived on a link where the broker receives.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingDelivery {
    /// The link.
    pub link: LinkId,
    /// The delivery id, to pass to [`crate::Connection::settle`] unless `settled` is set.
    pub delivery_id: u32,
    /// The client's delivery tag.
    pub delivery_tag: Vec<u8>,
    /// The message format: 0, or [`crate::BATCH_MESSAGE_FORMAT`] for an Event Hubs batch.
    pub message_format: u32,
    /// Whether the client sent the message settled; it then expects no disposition.
    pub settled: bool,
    /// The encoded message, reassembled from every frame of the delivery, byte for byte.
    pub payload: Vec<u8>,
}

/// A message the broker sends with [`crate::Connection::send`].
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// The encoded message, sent byte for byte.
    pub payload: Vec<u8>,
    /// The message format, usually 0.
    pub message_format: u32,
    /// Whether the message is sent settled. Event Hubs consumers get settled messages, because
    /// the Python client never settles what it receives.
    pub settled: bool,
}

impl OutgoingMessage {
    /// Creates a message of format 0 sent settled.
    pub fn settled(payload: Vec<u8>) -> OutgoingMessage {
        OutgoingMessage {
            payload,
            message_format: 0,
            settled: true,
        }
    }

    /// Creates a message of format 0 sent unsettled, so the client reports its outcome.
    pub fn unsettled(payload: Vec<u8>) -> OutgoingMessage {
        OutgoingMessage {
            payload,
            message_format: 0,
            settled: false,
        }
    }
}
