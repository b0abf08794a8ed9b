//! The AMQP 1.0 message format (part 3, messaging): sections, their decoding and encoding.
//!
//! [`Message`] is the decoded form, for reading and building messages. [`MessageBytes`] keeps a
//! message's exact bytes and the position of each section, for storing an event byte for byte
//! and adding annotations on delivery without re-encoding the rest.

mod batch;
mod bytes;
mod section;

pub use batch::{split_batch, Batch, BATCH_MESSAGE_FORMAT};
pub use bytes::{MessageBytes, SectionSpan};
pub use section::{Body, Header, Properties, SectionKind};

use crate::codec::decode::Decoder;
use crate::codec::value::Value;
use crate::error::DecodeError;

/// A decoded message.
///
/// `decode` followed by `encode` keeps every value. The bytes can differ where the sender used
/// a wider encoding than needed (a `str32` for a short string, for example), so use
/// [`MessageBytes`] where the bytes themselves must survive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// Transport headers.
    pub header: Option<Header>,
    /// Annotations for the next hop only.
    pub delivery_annotations: Option<Vec<(Value, Value)>>,
    /// Annotations that travel with the message, such as `x-opt-sequence-number`.
    pub message_annotations: Option<Vec<(Value, Value)>>,
    /// Immutable standard properties.
    pub properties: Option<Properties>,
    /// Application properties, keyed by strings.
    pub application_properties: Option<Vec<(String, Value)>>,
    /// The body.
    pub body: Body,
    /// Trailing annotations, such as hashes or signatures.
    pub footer: Option<Vec<(Value, Value)>>,
}

impl Message {
    /// Creates a message whose body is one data section.
    pub fn with_data(data: Vec<u8>) -> Message {
        Message {
            body: Body::Data(vec![data]),
            ..Message::default()
        }
    }

    /// Creates a message whose body is one `amqp-value` section.
    pub fn with_value(value: Value) -> Message {
        Message {
            body: Body::Value(value),
            ..Message::default()
        }
    }

    /// Decodes a message from the payload of a delivery.
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        let mut message = Message::default();
        let mut decoder = Decoder::new(bytes);
        let mut order = section::SectionOrder::default();
        while !decoder.is_empty() {
            let offset = decoder.position();
            let (kind, value) = section::read_section(&mut decoder)?;
            order.check(kind, offset)?;
            section::store(&mut message, kind, value)?;
        }
        Ok(message)
    }

    /// Encodes the message, writing every field of the header and properties sections.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        section::write_all(self, &mut out);
        out
    }

    /// Returns the message annotation with a symbol key `name`.
    pub fn message_annotation(&self, name: &str) -> Option<&Value> {
        find_symbol_key(self.message_annotations.as_deref()?, name)
    }

    /// Returns the application property `name`.
    pub fn application_property(&self, name: &str) -> Option<&Value> {
        self.application_properties
            .as_ref()?
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// Returns the value stored under the symbol or string key `name` in an annotations map.
pub(crate) fn find_symbol_key<'a>(map: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(key, _)| key.as_str() == Some(name))
        .map(|(_, value)| value)
}
