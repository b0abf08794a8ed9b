//! Types shared by several performatives (parts 2 and 3 of the specification):
//! errors, roles, settle modes, delivery states and link termini.

use crate::codec::decode::type_name;
use crate::codec::fields::Fields;
use crate::codec::value::{Array, Descriptor, Symbol, Value};
use crate::error::DecodeError;

/// Error conditions defined by AMQP 1.0 (part 2, transport).
pub mod condition {
    /// An internal error occurred in the peer.
    pub const INTERNAL_ERROR: &str = "amqp:internal-error";
    /// A peer attempted to work with a remote entity that does not exist.
    pub const NOT_FOUND: &str = "amqp:not-found";
    /// A peer attempted to work with a remote entity to which it has no access.
    pub const UNAUTHORIZED_ACCESS: &str = "amqp:unauthorized-access";
    /// Data could not be decoded.
    pub const DECODE_ERROR: &str = "amqp:decode-error";
    /// A peer exceeded its resource allocation.
    pub const RESOURCE_LIMIT_EXCEEDED: &str = "amqp:resource-limit-exceeded";
    /// The peer tried to use a frame in a manner that is inconsistent with the semantics.
    pub const NOT_ALLOWED: &str = "amqp:not-allowed";
    /// An invalid field was passed in a frame body.
    pub const INVALID_FIELD: &str = "amqp:invalid-field";
    /// The peer tried to use functionality that is not implemented.
    pub const NOT_IMPLEMENTED: &str = "amqp:not-implemented";
    /// The client attempted to work with a server entity to which it has no access because
    /// another client is working with it.
    pub const RESOURCE_LOCKED: &str = "amqp:resource-locked";
    /// The client made a request that was not allowed because some precondition failed.
    pub const PRECONDITION_FAILED: &str = "amqp:precondition-failed";
    /// A server entity the client is working with has been deleted.
    pub const RESOURCE_DELETED: &str = "amqp:resource-deleted";
    /// The peer sent a frame that is not permitted in the current state.
    pub const ILLEGAL_STATE: &str = "amqp:illegal-state";
    /// The peer cannot send a frame because the smallest encoding of the performative with the
    /// currently valid values would be too large to fit within a frame of the agreed size.
    pub const FRAME_SIZE_TOO_SMALL: &str = "amqp:frame-size-too-small";
    /// An operator intervened to close the connection for some reason.
    pub const CONNECTION_FORCED: &str = "amqp:connection:forced";
    /// A valid frame header cannot be formed from the incoming byte stream.
    pub const FRAMING_ERROR: &str = "amqp:connection:framing-error";
    /// The container is no longer available on the current connection.
    pub const CONNECTION_REDIRECT: &str = "amqp:connection:redirect";
    /// The peer violated incoming window for the session.
    pub const WINDOW_VIOLATION: &str = "amqp:session:window-violation";
    /// Input was received for a link that was detached with an error.
    pub const ERRANT_LINK: &str = "amqp:session:errant-link";
    /// An attach was received using a handle that is already in use for an attached link.
    pub const HANDLE_IN_USE: &str = "amqp:session:handle-in-use";
    /// A frame (other than attach) was received referencing a handle which is not currently in
    /// use of an attached link.
    pub const UNATTACHED_HANDLE: &str = "amqp:session:unattached-handle";
    /// An operator intervened to detach for some reason.
    pub const DETACH_FORCED: &str = "amqp:link:detach-forced";
    /// The peer sent more message transfers than currently allowed on the link.
    pub const TRANSFER_LIMIT_EXCEEDED: &str = "amqp:link:transfer-limit-exceeded";
    /// The peer sent a larger message than is supported on the link.
    pub const MESSAGE_SIZE_EXCEEDED: &str = "amqp:link:message-size-exceeded";
    /// The address provided cannot be resolved to a terminus at the current container.
    pub const LINK_REDIRECT: &str = "amqp:link:redirect";
    /// The link has been attached elsewhere, causing the existing attachment to be forcibly
    /// closed.
    pub const STOLEN: &str = "amqp:link:stolen";
}

pub(crate) const ERROR_CODE: u64 = 0x1d;

/// An AMQP `error`: a condition, a description and an info map.
///
/// It always encodes all three fields, writing an empty description and an empty map when they
/// are unset, because some peers read every field by position.
#[derive(Debug, Clone, PartialEq)]
pub struct AmqpError {
    /// The error condition, such as [`condition::NOT_FOUND`].
    pub condition: Symbol,
    /// A human-readable description.
    pub description: Option<String>,
    /// Further information, keyed by symbols.
    pub info: Vec<(Value, Value)>,
}

impl AmqpError {
    /// Creates an error with a condition and a description.
    pub fn new(condition: &str, description: impl Into<String>) -> AmqpError {
        AmqpError {
            condition: Symbol::from(condition),
            description: Some(description.into()),
            info: Vec::new(),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::described(
            Descriptor::Code(ERROR_CODE),
            Value::List(vec![
                Value::Symbol(self.condition.clone()),
                Value::String(self.description.clone().unwrap_or_default()),
                Value::Map(self.info.clone()),
            ]),
        )
    }

    pub(crate) fn from_value(value: Value) -> Result<Option<AmqpError>, DecodeError> {
        let Some(list) = expect_described(value, ERROR_CODE, "error")? else {
            return Ok(None);
        };
        let mut fields = Fields::new("error", list)?;
        let condition = fields.symbol(0, "condition")?;
        let condition = fields.required(condition, "condition")?;
        Ok(Some(AmqpError {
            condition,
            description: fields.string(1, "description")?,
            info: fields.map(2, "info")?.unwrap_or_default(),
        }))
    }
}

impl std::fmt::Display for AmqpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.description {
            Some(description) => write!(f, "{}: {}", self.condition, description),
            None => write!(f, "{}", self.condition),
        }
    }
}

/// Returns the list inside a described value with the given code, `None` for null, or an error.
pub(crate) fn expect_described(
    value: Value,
    code: u64,
    expected: &'static str,
) -> Result<Option<Value>, DecodeError> {
    match value {
        Value::Null => Ok(None),
        Value::Described(described) => {
            let matches = match &described.descriptor {
                Descriptor::Code(c) => *c == code,
                Descriptor::Symbol(s) => symbolic_code(s.as_str()) == Some(code),
            };
            if matches {
                Ok(Some(described.value))
            } else {
                Err(DecodeError::UnexpectedValue {
                    expected,
                    found: format!("descriptor {:?}", described.descriptor),
                })
            }
        }
        other => Err(DecodeError::UnexpectedValue {
            expected,
            found: type_name(&other),
        }),
    }
}

/// Maps the symbolic descriptors of the specification to their numeric codes.
pub(crate) fn symbolic_code(name: &str) -> Option<u64> {
    let code = match name {
        "amqp:open:list" => 0x10,
        "amqp:begin:list" => 0x11,
        "amqp:attach:list" => 0x12,
        "amqp:flow:list" => 0x13,
        "amqp:transfer:list" => 0x14,
        "amqp:disposition:list" => 0x15,
        "amqp:detach:list" => 0x16,
        "amqp:end:list" => 0x17,
        "amqp:close:list" => 0x18,
        "amqp:error:list" => 0x1d,
        "amqp:received:list" => 0x23,
        "amqp:accepted:list" => 0x24,
        "amqp:rejected:list" => 0x25,
        "amqp:released:list" => 0x26,
        "amqp:modified:list" => 0x27,
        "amqp:source:list" => 0x28,
        "amqp:target:list" => 0x29,
        "amqp:sasl-mechanisms:list" => 0x40,
        "amqp:sasl-init:list" => 0x41,
        "amqp:sasl-challenge:list" => 0x42,
        "amqp:sasl-response:list" => 0x43,
        "amqp:sasl-outcome:list" => 0x44,
        "amqp:header:list" => 0x70,
        "amqp:delivery-annotations:map" => 0x71,
        "amqp:message-annotations:map" => 0x72,
        "amqp:properties:list" => 0x73,
        "amqp:application-properties:map" => 0x74,
        "amqp:data:binary" => 0x75,
        "amqp:amqp-sequence:list" => 0x76,
        "amqp:amqp-value:*" => 0x77,
        "amqp:footer:map" => 0x78,
        _ => return None,
    };
    Some(code)
}

/// Returns the numeric code of a descriptor, resolving the specification's symbolic names.
pub(crate) fn descriptor_code(descriptor: &Descriptor) -> Option<u64> {
    match descriptor {
        Descriptor::Code(code) => Some(*code),
        Descriptor::Symbol(symbol) => symbolic_code(symbol.as_str()),
    }
}

/// The role of a link endpoint: `false` is sender, `true` is receiver on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The endpoint sends messages.
    Sender,
    /// The endpoint receives messages.
    Receiver,
}

impl Role {
    pub(crate) fn from_wire(receiver: bool) -> Role {
        if receiver {
            Role::Receiver
        } else {
            Role::Sender
        }
    }

    pub(crate) fn to_wire(self) -> bool {
        self == Role::Receiver
    }

    /// Returns the other role: a link's two endpoints always have opposite roles.
    pub fn opposite(self) -> Role {
        match self {
            Role::Sender => Role::Receiver,
            Role::Receiver => Role::Sender,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Sender => "sender",
            Role::Receiver => "receiver",
        }
    }
}

/// The settlement policy of the sending endpoint (`sender-settle-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderSettleMode {
    /// Every delivery starts unsettled (0).
    Unsettled,
    /// Every delivery is sent settled (1).
    Settled,
    /// Each delivery is settled or unsettled as the sender chooses (2, the default).
    Mixed,
}

impl SenderSettleMode {
    pub(crate) fn from_wire(value: Option<u8>) -> SenderSettleMode {
        match value {
            Some(0) => SenderSettleMode::Unsettled,
            Some(1) => SenderSettleMode::Settled,
            _ => SenderSettleMode::Mixed,
        }
    }

    pub(crate) fn to_wire(self) -> u8 {
        match self {
            SenderSettleMode::Unsettled => 0,
            SenderSettleMode::Settled => 1,
            SenderSettleMode::Mixed => 2,
        }
    }
}

/// The settlement policy of the receiving endpoint (`receiver-settle-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiverSettleMode {
    /// The receiver settles as soon as it sends its disposition (0, the default).
    First,
    /// The receiver settles only after the sender settles (1).
    Second,
}

impl ReceiverSettleMode {
    pub(crate) fn from_wire(value: Option<u8>) -> ReceiverSettleMode {
        match value {
            Some(1) => ReceiverSettleMode::Second,
            _ => ReceiverSettleMode::First,
        }
    }

    pub(crate) fn to_wire(self) -> u8 {
        match self {
            ReceiverSettleMode::First => 0,
            ReceiverSettleMode::Second => 1,
        }
    }
}

const RECEIVED: u64 = 0x23;
const ACCEPTED: u64 = 0x24;
const REJECTED: u64 = 0x25;
const RELEASED: u64 = 0x26;
const MODIFIED: u64 = 0x27;

/// The state of a delivery: the four outcomes of AMQP 1.0 messaging, and `received`.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryState {
    /// Partial progress of a delivery (`received`).
    Received {
        /// The section the receiver has reached.
        section_number: u32,
        /// The offset within that section.
        section_offset: u64,
    },
    /// The message was processed successfully.
    Accepted,
    /// The message is invalid and cannot be processed.
    Rejected {
        /// The reason the message was rejected.
        error: Option<AmqpError>,
    },
    /// The message was not and will not be processed.
    Released,
    /// The message was modified but not processed.
    Modified {
        /// Count the transfer as an unsuccessful delivery attempt.
        delivery_failed: bool,
        /// Do not deliver the message to this link again.
        undeliverable_here: bool,
        /// Annotations to merge into the message.
        message_annotations: Vec<(Value, Value)>,
    },
}

impl DeliveryState {
    pub(crate) fn to_value(&self) -> Value {
        let (code, fields) = match self {
            DeliveryState::Received {
                section_number,
                section_offset,
            } => (
                RECEIVED,
                vec![Value::Uint(*section_number), Value::Ulong(*section_offset)],
            ),
            DeliveryState::Accepted => (ACCEPTED, Vec::new()),
            DeliveryState::Rejected { error } => (
                REJECTED,
                vec![error.as_ref().map_or(Value::Null, AmqpError::to_value)],
            ),
            DeliveryState::Released => (RELEASED, Vec::new()),
            DeliveryState::Modified {
                delivery_failed,
                undeliverable_here,
                message_annotations,
            } => (
                MODIFIED,
                vec![
                    Value::Bool(*delivery_failed),
                    Value::Bool(*undeliverable_here),
                    Value::Map(message_annotations.clone()),
                ],
            ),
        };
        Value::described(Descriptor::Code(code), Value::List(fields))
    }

    pub(crate) fn from_value(value: Value) -> Result<Option<DeliveryState>, DecodeError> {
        let described = match value {
            Value::Null => return Ok(None),
            Value::Described(described) => described,
            other => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a delivery state",
                    found: type_name(&other),
                })
            }
        };
        let code = descriptor_code(&described.descriptor);
        let mut fields = Fields::new("delivery state", described.value)?;
        let state = match code {
            Some(RECEIVED) => {
                let number = fields.uint(0, "section-number")?;
                let offset = fields.ulong(1, "section-offset")?;
                DeliveryState::Received {
                    section_number: fields.required(number, "section-number")?,
                    section_offset: fields.required(offset, "section-offset")?,
                }
            }
            Some(ACCEPTED) => DeliveryState::Accepted,
            Some(REJECTED) => DeliveryState::Rejected {
                error: AmqpError::from_value(fields.take(0))?,
            },
            Some(RELEASED) => DeliveryState::Released,
            Some(MODIFIED) => DeliveryState::Modified {
                delivery_failed: fields.bool(0, "delivery-failed")?.unwrap_or(false),
                undeliverable_here: fields.bool(1, "undeliverable-here")?.unwrap_or(false),
                message_annotations: fields.map(2, "message-annotations")?.unwrap_or_default(),
            },
            _ => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a delivery state",
                    found: format!("descriptor {:?}", described.descriptor),
                })
            }
        };
        Ok(Some(state))
    }
}

const SOURCE: u64 = 0x28;
const TARGET: u64 = 0x29;

/// A link's `source` terminus (AMQP 1.0 part 3, messaging).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Source {
    /// The address of the node that sends, such as `amqps://host/hub/Partitions/0`.
    pub address: Option<String>,
    /// Terminus durability (0 none, 1 configuration, 2 unsettled state).
    pub durable: u32,
    /// When the expiry timer starts; `None` means the default, `session-end`.
    pub expiry_policy: Option<Symbol>,
    /// Seconds until the terminus expires.
    pub timeout: u32,
    /// Whether the peer requests that the node be created dynamically.
    pub dynamic: bool,
    /// Properties of the dynamically created node.
    pub dynamic_node_properties: Option<Vec<(Value, Value)>>,
    /// `move` or `copy`.
    pub distribution_mode: Option<Symbol>,
    /// The filter set: for Event Hubs, the start position under
    /// `apache.org:selector-filter:string`.
    pub filter: Option<Vec<(Value, Value)>>,
    /// The default outcome for unsettled transfers, kept as sent.
    pub default_outcome: Value,
    /// The outcomes the endpoint supports.
    pub outcomes: Vec<Symbol>,
    /// The extension capabilities the endpoint supports or requests.
    pub capabilities: Vec<Symbol>,
}

impl Source {
    pub(crate) fn to_value(&self) -> Value {
        Value::described(
            Descriptor::Code(SOURCE),
            Value::List(vec![
                opt_string(&self.address),
                Value::Uint(self.durable),
                opt_symbol(&self.expiry_policy),
                Value::Uint(self.timeout),
                Value::Bool(self.dynamic),
                opt_map(&self.dynamic_node_properties),
                opt_symbol(&self.distribution_mode),
                opt_map(&self.filter),
                self.default_outcome.clone(),
                symbols_value(&self.outcomes),
                symbols_value(&self.capabilities),
            ]),
        )
    }

    pub(crate) fn from_value(value: Value) -> Result<Option<Source>, DecodeError> {
        let Some(list) = expect_described(value, SOURCE, "a source")? else {
            return Ok(None);
        };
        let mut fields = Fields::new("source", list)?;
        Ok(Some(Source {
            address: address_field(&mut fields, 0)?,
            durable: fields.uint(1, "durable")?.unwrap_or(0),
            expiry_policy: fields.symbol(2, "expiry-policy")?,
            timeout: fields.uint(3, "timeout")?.unwrap_or(0),
            dynamic: fields.bool(4, "dynamic")?.unwrap_or(false),
            dynamic_node_properties: fields.map(5, "dynamic-node-properties")?,
            distribution_mode: fields.symbol(6, "distribution-mode")?,
            filter: fields.map(7, "filter")?,
            default_outcome: fields.take(8),
            outcomes: fields.symbols(9, "outcomes")?,
            capabilities: fields.symbols(10, "capabilities")?,
        }))
    }
}

/// A link's `target` terminus (AMQP 1.0 part 3, messaging).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Target {
    /// The address of the node that receives, such as `amqps://host/hub` or `$cbs`.
    pub address: Option<String>,
    /// Terminus durability (0 none, 1 configuration, 2 unsettled state).
    pub durable: u32,
    /// When the expiry timer starts; `None` means the default, `session-end`.
    pub expiry_policy: Option<Symbol>,
    /// Seconds until the terminus expires.
    pub timeout: u32,
    /// Whether the peer requests that the node be created dynamically.
    pub dynamic: bool,
    /// Properties of the dynamically created node.
    pub dynamic_node_properties: Option<Vec<(Value, Value)>>,
    /// The extension capabilities the endpoint supports or requests.
    pub capabilities: Vec<Symbol>,
}

impl Target {
    pub(crate) fn to_value(&self) -> Value {
        Value::described(
            Descriptor::Code(TARGET),
            Value::List(vec![
                opt_string(&self.address),
                Value::Uint(self.durable),
                opt_symbol(&self.expiry_policy),
                Value::Uint(self.timeout),
                Value::Bool(self.dynamic),
                opt_map(&self.dynamic_node_properties),
                symbols_value(&self.capabilities),
            ]),
        )
    }

    pub(crate) fn from_value(value: Value) -> Result<Option<Target>, DecodeError> {
        let Some(list) = expect_described(value, TARGET, "a target")? else {
            return Ok(None);
        };
        let mut fields = Fields::new("target", list)?;
        Ok(Some(Target {
            address: address_field(&mut fields, 0)?,
            durable: fields.uint(1, "durable")?.unwrap_or(0),
            expiry_policy: fields.symbol(2, "expiry-policy")?,
            timeout: fields.uint(3, "timeout")?.unwrap_or(0),
            dynamic: fields.bool(4, "dynamic")?.unwrap_or(false),
            dynamic_node_properties: fields.map(5, "dynamic-node-properties")?,
            capabilities: fields.symbols(6, "capabilities")?,
        }))
    }
}

/// Reads an address, which the specification types as `*` (a string in practice, sometimes a
/// symbol).
fn address_field(fields: &mut Fields, index: usize) -> Result<Option<String>, DecodeError> {
    match fields.take(index) {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Symbol(s) => Ok(Some(s.0)),
        other => Err(DecodeError::InvalidField {
            context: "terminus",
            field: "address",
            expected: "a string",
            found: type_name(&other),
        }),
    }
}

pub(crate) fn opt_string(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}

pub(crate) fn opt_symbol(value: &Option<Symbol>) -> Value {
    value.clone().map_or(Value::Null, Value::Symbol)
}

pub(crate) fn opt_map(value: &Option<Vec<(Value, Value)>>) -> Value {
    value.clone().map_or(Value::Null, Value::Map)
}

pub(crate) fn opt_uint(value: Option<u32>) -> Value {
    value.map_or(Value::Null, Value::Uint)
}

/// Encodes a `multiple="true"` symbol field: null when empty, otherwise an array.
pub(crate) fn symbols_value(symbols: &[Symbol]) -> Value {
    if symbols.is_empty() {
        Value::Null
    } else {
        Value::Array(Array::of_symbols(symbols.iter().map(|s| s.0.clone())))
    }
}
