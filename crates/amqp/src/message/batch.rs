//! Event Hubs batches: one delivery that carries several messages.

use crate::error::DecodeError;

use super::{Body, Message, MessageBytes};

/// The message format of an Event Hubs batch (`0x80013700`, Microsoft's vendor range): the body
/// is a sequence of data sections, each holding one encoded message.
pub const BATCH_MESSAGE_FORMAT: u32 = 0x8001_3700;

/// A batch split into its envelope and its messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The outer message without its body. Its message annotations carry settings for the whole
    /// batch, such as `x-opt-partition-key`.
    pub envelope: Message,
    /// The inner messages, each kept byte for byte.
    pub messages: Vec<MessageBytes>,
}

/// Splits the payload of a batch delivery into its envelope and inner messages.
///
/// Returns an error when the body is not data sections or an inner message does not decode.
pub fn split_batch(payload: &[u8]) -> Result<Batch, DecodeError> {
    let mut envelope = Message::decode(payload)?;
    let sections = match std::mem::take(&mut envelope.body) {
        Body::Data(sections) => sections,
        Body::Empty => Vec::new(),
        Body::Sequence(_) | Body::Value(_) => {
            return Err(DecodeError::UnexpectedValue {
                expected: "data sections in the body of a batch",
                found: "an amqp-sequence or amqp-value body".to_owned(),
            })
        }
    };
    let mut messages = Vec::with_capacity(sections.len());
    for data in sections {
        messages.push(MessageBytes::parse(data)?);
    }
    Ok(Batch { envelope, messages })
}
