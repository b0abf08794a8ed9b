//! Protocol headers and frames (AMQP 1.0 part 2, transport).
//!
//! A frame starts with an 8-byte header: a 4-byte size (the whole frame, header included), a
//! 1-byte data offset in 4-byte words (at least 2), a 1-byte type (0 AMQP, 1 SASL) and a 2-byte
//! channel. Any extended header runs up to the data offset. The body follows: a performative,
//! then for transfers a payload. A frame of exactly 8 bytes has no body and is a heartbeat.

use crate::codec::decode::Decoder;
use crate::codec::value::Value;
use crate::error::DecodeError;

/// The header that starts an AMQP connection: `AMQP 0 1 0 0`.
pub const AMQP_HEADER: [u8; 8] = *b"AMQP\x00\x01\x00\x00";
/// The header that starts a SASL layer: `AMQP 3 1 0 0`.
pub const SASL_HEADER: [u8; 8] = *b"AMQP\x03\x01\x00\x00";
/// The header that starts a TLS layer: `AMQP 2 1 0 0`.
pub const TLS_HEADER: [u8; 8] = *b"AMQP\x02\x01\x00\x00";

/// The frame type of AMQP frames.
pub const FRAME_TYPE_AMQP: u8 = 0x00;
/// The frame type of SASL frames.
pub const FRAME_TYPE_SASL: u8 = 0x01;

/// The size of the fixed frame header, and of an empty (heartbeat) frame.
pub const FRAME_HEADER_SIZE: usize = 8;

/// The smallest maximum frame size a peer may set (`MIN-MAX-FRAME-SIZE` in AMQP 1.0).
pub const MIN_MAX_FRAME_SIZE: u32 = 512;

/// One of the protocol headers a peer may send first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolHeader {
    /// `AMQP 0 1 0 0`: AMQP frames follow.
    Amqp,
    /// `AMQP 3 1 0 0`: SASL frames follow.
    Sasl,
    /// `AMQP 2 1 0 0`: a TLS handshake follows.
    Tls,
    /// Anything else: another protocol, version or garbage.
    Unsupported([u8; 8]),
}

impl ProtocolHeader {
    /// Classifies 8 bytes as a protocol header.
    pub fn parse(bytes: [u8; 8]) -> ProtocolHeader {
        match bytes {
            AMQP_HEADER => ProtocolHeader::Amqp,
            SASL_HEADER => ProtocolHeader::Sasl,
            TLS_HEADER => ProtocolHeader::Tls,
            other => ProtocolHeader::Unsupported(other),
        }
    }
}

/// A frame header that cannot start a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A size smaller than the 8-byte header.
    #[error("frame size {size} is smaller than the 8-byte frame header")]
    SizeTooSmall {
        /// The declared size.
        size: u32,
    },
    /// A data offset below 2 words or beyond the frame.
    #[error("frame data offset {doff} (in 4-byte words) is outside the frame of {size} bytes")]
    InvalidDataOffset {
        /// The declared data offset.
        doff: u8,
        /// The declared frame size.
        size: u32,
    },
    /// A frame larger than the receiver's maximum frame size.
    #[error("frame of {size} bytes exceeds the maximum frame size {max}")]
    TooLarge {
        /// The declared size.
        size: u32,
        /// The receiver's limit.
        max: u32,
    },
}

/// A frame whose bytes are all in the buffer, with its body not yet decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    /// `FRAME_TYPE_AMQP` or `FRAME_TYPE_SASL`.
    pub frame_type: u8,
    /// The channel (AMQP frames) or 0 (SASL frames).
    pub channel: u16,
    /// The body after the header and any extended header; empty for a heartbeat.
    pub body: &'a [u8],
}

/// Parses the frame at the start of `buffer`.
///
/// Returns `Ok(None)` until the whole frame is in the buffer, and the frame with the number of
/// bytes it took once it is. The size is checked against `max_frame_size` as soon as the first
/// four bytes arrive, so an oversized frame is rejected before it is buffered.
pub fn parse_frame(
    buffer: &[u8],
    max_frame_size: u32,
) -> Result<Option<(RawFrame<'_>, usize)>, FrameError> {
    if buffer.len() < 4 {
        return Ok(None);
    }
    let size = u32::from_be_bytes([buffer[0], buffer[1], buffer[2], buffer[3]]);
    if (size as usize) < FRAME_HEADER_SIZE {
        return Err(FrameError::SizeTooSmall { size });
    }
    if size > max_frame_size {
        return Err(FrameError::TooLarge {
            size,
            max: max_frame_size,
        });
    }
    if buffer.len() < FRAME_HEADER_SIZE {
        return Ok(None);
    }
    let doff = buffer[4];
    let body_start = usize::from(doff) * 4;
    if doff < 2 || body_start > size as usize {
        return Err(FrameError::InvalidDataOffset { doff, size });
    }
    let size = size as usize;
    if buffer.len() < size {
        return Ok(None);
    }
    let frame = RawFrame {
        frame_type: buffer[5],
        channel: u16::from_be_bytes([buffer[6], buffer[7]]),
        body: &buffer[body_start..size],
    };
    Ok(Some((frame, size)))
}

/// Appends a frame with the given body to `out`.
pub fn write_frame(frame_type: u8, channel: u16, body: &[u8], out: &mut Vec<u8>) {
    write_frame_parts(frame_type, channel, &[body], out);
}

/// Appends a frame whose body is `parts` one after the other, such as a performative and the
/// payload that follows it, without joining them first.
pub fn write_frame_parts(frame_type: u8, channel: u16, parts: &[&[u8]], out: &mut Vec<u8>) {
    let body_len: usize = parts.iter().map(|part| part.len()).sum();
    let size = u32::try_from(FRAME_HEADER_SIZE + body_len).unwrap_or(u32::MAX);
    out.reserve(FRAME_HEADER_SIZE + body_len);
    out.extend(size.to_be_bytes());
    out.extend([2, frame_type]);
    out.extend(channel.to_be_bytes());
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// Splits a frame body into its performative's value and the payload that follows it.
pub fn split_body(body: &[u8]) -> Result<(Value, &[u8]), DecodeError> {
    let mut decoder = Decoder::new(body);
    let value = decoder.read_value()?;
    Ok((value, decoder.remaining()))
}
