//! The output side of the engine: frames written, events queued, and failures raised.

use std::collections::VecDeque;

use crate::definitions::{condition, AmqpError};
use crate::frame::{write_frame, FRAME_HEADER_SIZE, FRAME_TYPE_AMQP};
use crate::performative::Performative;

use super::event::Event;

/// A protocol error found while handling a frame, and the scope it ends.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The connection ends with `close` carrying the error.
    Connection(AmqpError),
    /// The session ends with `end` carrying the error.
    Session(AmqpError),
}

/// The output buffer and event queue that handlers write to.
#[derive(Debug)]
pub(crate) struct Io<'a> {
    pub(crate) output: &'a mut Vec<u8>,
    pub(crate) events: &'a mut VecDeque<Event>,
    /// The largest frame the peer accepts.
    pub(crate) remote_max_frame_size: u32,
}

impl Io<'_> {
    /// Writes a performative with no payload on `channel`.
    pub(crate) fn send(
        &mut self,
        channel: u16,
        performative: &Performative,
    ) -> Result<(), Failure> {
        let body = encode_checked(performative, self.remote_max_frame_size)?;
        tracing::debug!(channel, performative = performative.name(), "frame sent");
        write_frame(FRAME_TYPE_AMQP, channel, &body, self.output);
        Ok(())
    }

    pub(crate) fn event(&mut self, event: Event) {
        self.events.push_back(event);
    }
}

/// Encodes a performative and checks that it fits the peer's frame size.
pub(crate) fn encode_checked(
    performative: &Performative,
    remote_max_frame_size: u32,
) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    performative.encode(&mut body);
    let size = FRAME_HEADER_SIZE + body.len();
    if size > remote_max_frame_size as usize {
        return Err(Failure::Connection(AmqpError::new(
            condition::FRAME_SIZE_TOO_SMALL,
            format!(
                "the {} frame needs {size} bytes but the peer's max-frame-size is {}",
                performative.name(),
                remote_max_frame_size
            ),
        )));
    }
    Ok(body)
}
