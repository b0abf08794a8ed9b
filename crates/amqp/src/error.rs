//! Error types of the codec and of the engine's caller-facing methods.

use crate::engine::LinkId;

/// A byte sequence that is not valid AMQP 1.0 (types, performatives, message sections).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended inside a value.
    #[error("{what} at byte {offset} needs {needed} bytes but only {available} remain: the input is truncated")]
    Truncated {
        /// The part being read.
        what: &'static str,
        /// Bytes the value declares.
        needed: usize,
        /// Bytes left in the input.
        available: usize,
        /// Offset of the part in the input.
        offset: usize,
    },
    /// A constructor byte that AMQP 1.0 does not define.
    #[error("format code 0x{code:02x} at byte {offset} is not an AMQP 1.0 type")]
    UnknownFormatCode {
        /// The byte found.
        code: u8,
        /// Its offset.
        offset: usize,
    },
    /// Lists, maps, arrays or described values nested deeper than the decoder allows.
    #[error("value at byte {offset} is nested more than {max} levels deep")]
    TooDeep {
        /// The limit.
        max: usize,
        /// Offset of the value that crossed it.
        offset: usize,
    },
    /// A count larger than the bytes that follow could hold.
    #[error("{what} at byte {offset} declares {count} elements but only {available} can follow")]
    CountTooLarge {
        /// The kind of compound value.
        what: &'static str,
        /// The declared element count.
        count: usize,
        /// The largest count the input allows.
        available: usize,
        /// Offset of the compound value.
        offset: usize,
    },
    /// A compound size too small to hold its own count field.
    #[error("{what} at byte {offset} declares size {size}, too small for its count field")]
    InvalidSize {
        /// The kind of compound value.
        what: &'static str,
        /// The declared size.
        size: usize,
        /// Offset of the compound value.
        offset: usize,
    },
    /// A map with an odd number of elements.
    #[error("map at byte {offset} has {count} elements, but keys and values must come in pairs")]
    OddMapCount {
        /// The element count.
        count: usize,
        /// Offset of the map.
        offset: usize,
    },
    /// Bytes left over after a value that should have filled its space.
    #[error("{count} unexpected bytes remain at byte {offset} after the value")]
    TrailingBytes {
        /// How many bytes remain.
        count: usize,
        /// Offset of the first of them.
        offset: usize,
    },
    /// A `string` or `symbol` that is not UTF-8.
    #[error("{what} at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// `string` or `symbol`.
        what: &'static str,
        /// Offset of the value.
        offset: usize,
    },
    /// A `char` that is not a Unicode scalar value.
    #[error("char 0x{value:x} at byte {offset} is not a Unicode scalar value")]
    InvalidChar {
        /// The code point found.
        value: u32,
        /// Offset of the value.
        offset: usize,
    },
    /// A `boolean` byte other than 0 or 1.
    #[error("boolean byte 0x{value:02x} at byte {offset} must be 0x00 or 0x01")]
    InvalidBoolean {
        /// The byte found.
        value: u8,
        /// Offset of the value.
        offset: usize,
    },
    /// A descriptor that is neither a `ulong` nor a `symbol`.
    #[error("descriptor at byte {offset} is a {found}, but AMQP defines only ulong and symbol descriptors")]
    InvalidDescriptor {
        /// The type found.
        found: String,
        /// Offset of the described value.
        offset: usize,
    },
    /// A composite (performative, terminus, section) whose value is not a list.
    #[error("{context} must be a described list, found a {found}")]
    NotAList {
        /// The composite type.
        context: &'static str,
        /// The type found.
        found: String,
    },
    /// A value where a specific described type was required.
    #[error("expected {expected}, found {found}")]
    UnexpectedValue {
        /// The value the position requires.
        expected: &'static str,
        /// The value found: a type name or a descriptor.
        found: String,
    },
    /// A field of the wrong type.
    #[error("field `{field}` of {context} must be {expected}, found a {found}")]
    InvalidField {
        /// The composite type.
        context: &'static str,
        /// The field name as the specification spells it.
        field: &'static str,
        /// The required type.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// A mandatory field that is null or absent.
    #[error("mandatory field `{field}` of {context} is missing")]
    MissingField {
        /// The composite type.
        context: &'static str,
        /// The field name.
        field: &'static str,
    },
}

/// A value that cannot be encoded as requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// An array element that does not fit the array's element format code.
    #[error("array element {item} does not fit element format code 0x{element_code:02x}: use one code per type (for example 0xb1 for strings)")]
    ArrayItemMismatch {
        /// The array's element format code.
        element_code: u8,
        /// The element, printed.
        item: String,
    },
}

/// A request from the caller that the engine cannot carry out in the connection's current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The link is unknown: it was detached, its session ended, or it never existed.
    #[error("link {link} is not attached on this connection: it was detached or never existed")]
    UnknownLink {
        /// The link named in the call.
        link: LinkId,
    },
    /// A second accept or reject of the same attach request.
    #[error("link {link} has no attach request waiting: accept or reject each request once")]
    AttachAlreadyAnswered {
        /// The link named in the call.
        link: LinkId,
    },
    /// A call that needs the link to be attached in both directions.
    #[error("link {link} is not attached yet: accept its attach request first")]
    NotAttached {
        /// The link named in the call.
        link: LinkId,
    },
    /// A send on a link where the broker is the receiver, or a receiver call on a sending link.
    #[error("link {link} is a {actual} link on the broker's side, but this call needs a {required} link")]
    WrongRole {
        /// The link named in the call.
        link: LinkId,
        /// The broker's role that the call needs.
        required: &'static str,
        /// The broker's actual role on the link.
        actual: &'static str,
    },
    /// A send on a link whose peer has granted no credit.
    #[error("link {link} has no credit: wait for an Event::Credit with credit above zero")]
    NoCredit {
        /// The link named in the call.
        link: LinkId,
    },
    /// A message larger than the peer accepts on this link.
    #[error("message of {size} bytes exceeds the maximum message size {max} the peer set on link {link}")]
    MessageTooLarge {
        /// The link named in the call.
        link: LinkId,
        /// The message size in bytes.
        size: u64,
        /// The peer's limit in bytes.
        max: u64,
    },
    /// A disposition for a delivery that is unknown or already settled.
    #[error("delivery {delivery} on link {link} is not an unsettled incoming delivery")]
    UnknownDelivery {
        /// The link named in the call.
        link: LinkId,
        /// The delivery id.
        delivery: u32,
    },
    /// A call after the connection closed or started closing.
    #[error("the connection is closed or closing: no further frames can be sent")]
    ConnectionClosed,
}
