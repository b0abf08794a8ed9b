//! The input side of the engine: protocol headers, SASL, and frames dispatched to sessions.

use std::time::Duration;

use crate::definitions::{condition, AmqpError};
use crate::frame::{
    parse_frame, split_body, write_frame, FrameError, ProtocolHeader, RawFrame, AMQP_HEADER,
    FRAME_TYPE_AMQP, FRAME_TYPE_SASL, MIN_MAX_FRAME_SIZE, SASL_HEADER,
};
use crate::performative::{Begin, Open, Performative};
use crate::sasl::{SaslCode, SaslFrame, PLAIN};

use super::event::{Event, LinkId, SessionId};
use super::io::Io;
use super::session::{Session, SessionLimits};
use super::{Connection, Phase};

impl Connection {
    /// Consumes every complete header and frame in the input buffer.
    pub(super) fn process_input(&mut self) {
        let mut input = std::mem::take(&mut self.input);
        let mut offset = 0;
        while self.phase != Phase::Closed {
            let rest = &input[offset..];
            if let Phase::AwaitHeader { sasl_done } = self.phase {
                let Some(header) = rest.first_chunk::<8>() else {
                    break;
                };
                offset += 8;
                self.on_header(*header, sasl_done);
                continue;
            }
            match parse_frame(rest, self.config.max_frame_size) {
                Ok(None) => break,
                Ok(Some((frame, used))) => {
                    offset += used;
                    self.on_frame(frame);
                }
                Err(error) => {
                    self.on_framing_error(error);
                    break;
                }
            }
        }
        if self.phase == Phase::Closed {
            return;
        }
        input.drain(..offset);
        self.input = input;
    }

    fn on_header(&mut self, header: [u8; 8], sasl_done: bool) {
        match ProtocolHeader::parse(header) {
            ProtocolHeader::Sasl if !sasl_done => {
                self.output.extend_from_slice(&SASL_HEADER);
                let mut body = Vec::new();
                SaslFrame::Mechanisms(self.config.sasl_mechanisms.clone()).encode(&mut body);
                write_frame(FRAME_TYPE_SASL, 0, &body, &mut self.output);
                self.phase = Phase::Sasl;
            }
            ProtocolHeader::Amqp if sasl_done || !self.config.require_sasl => {
                self.output.extend_from_slice(&AMQP_HEADER);
                self.phase = Phase::AwaitOpen;
            }
            other => {
                // AMQP 1.0 version negotiation: reply to an unsupported header with the header
                // the server would accept at this point, then close. TLS is the caller's job,
                // around the byte stream, so its header lands here too.
                let supported = if sasl_done { AMQP_HEADER } else { SASL_HEADER };
                self.output.extend_from_slice(&supported);
                let description = match other {
                    ProtocolHeader::Tls => "TLS header received: TLS is not offered on this port",
                    ProtocolHeader::Sasl => "second SASL header received after SASL succeeded",
                    ProtocolHeader::Amqp => "AMQP header received, but SASL is required first",
                    ProtocolHeader::Unsupported(_) => "unsupported protocol header received",
                };
                tracing::warn!(header = ?header, "{description}");
                self.shut_down(
                    Some(AmqpError::new(condition::NOT_IMPLEMENTED, description)),
                    false,
                );
            }
        }
    }

    fn on_framing_error(&mut self, error: FrameError) {
        let error = AmqpError::new(condition::FRAMING_ERROR, error.to_string());
        match self.phase {
            Phase::Sasl => self.fail_sasl(error),
            _ => self.fail(error),
        }
    }

    fn on_frame(&mut self, frame: RawFrame<'_>) {
        match self.phase {
            Phase::Sasl => self.on_sasl_frame(frame),
            Phase::AwaitOpen => self.on_first_frame(frame),
            Phase::Open => self.on_open_frame(frame),
            Phase::AwaitHeader { .. } | Phase::Closed => {}
        }
    }

    /// Writes a failed `sasl-outcome` and closes.
    fn fail_sasl(&mut self, error: AmqpError) {
        tracing::warn!(%error, "SASL negotiation failed");
        let mut body = Vec::new();
        SaslFrame::Outcome {
            code: SaslCode::SysPerm,
            additional_data: None,
        }
        .encode(&mut body);
        write_frame(FRAME_TYPE_SASL, 0, &body, &mut self.output);
        self.shut_down(Some(error), false);
    }

    fn on_sasl_frame(&mut self, frame: RawFrame<'_>) {
        if frame.frame_type != FRAME_TYPE_SASL {
            let error = AmqpError::new(
                condition::FRAMING_ERROR,
                format!(
                    "frame type {} during SASL negotiation: send sasl-init",
                    frame.frame_type
                ),
            );
            return self.fail_sasl(error);
        }

        let decoded = split_body(frame.body).and_then(|(value, _)| SaslFrame::from_value(value));
        let sasl = match decoded {
            Ok(sasl) => sasl,
            Err(error) => {
                return self.fail_sasl(AmqpError::new(condition::DECODE_ERROR, error.to_string()))
            }
        };

        let SaslFrame::Init {
            mechanism,
            initial_response,
            ..
        } = sasl
        else {
            let error = AmqpError::new(
                condition::NOT_ALLOWED,
                "unexpected SASL frame: the client must send sasl-init",
            );
            return self.fail_sasl(error);
        };

        let offered = self.config.sasl_mechanisms.contains(&mechanism);
        let code = if offered {
            SaslCode::Ok
        } else {
            SaslCode::Auth
        };
        let mut body = Vec::new();
        SaslFrame::Outcome {
            code,
            additional_data: None,
        }
        .encode(&mut body);
        write_frame(FRAME_TYPE_SASL, 0, &body, &mut self.output);

        if !offered {
            let error = AmqpError::new(
                condition::UNAUTHORIZED_ACCESS,
                format!("SASL mechanism {mechanism} is not offered"),
            );
            tracing::warn!(%error, "SASL negotiation failed");
            return self.shut_down(Some(error), false);
        }

        let username = if mechanism.as_str() == PLAIN {
            initial_response.as_deref().and_then(plain_username)
        } else {
            None
        };
        self.events.push_back(Event::SaslCompleted {
            mechanism,
            username,
        });
        self.phase = Phase::AwaitHeader { sasl_done: true };
    }

    /// Decodes an AMQP frame body, closing the connection with `amqp:decode-error` on failure.
    fn decode_performative<'f>(
        &mut self,
        frame: &RawFrame<'f>,
    ) -> Option<(Performative, &'f [u8])> {
        if frame.frame_type != FRAME_TYPE_AMQP {
            let error = AmqpError::new(
                condition::FRAMING_ERROR,
                format!(
                    "frame type {} after SASL negotiation finished",
                    frame.frame_type
                ),
            );
            self.fail(error);
            return None;
        }
        let decoded = split_body(frame.body)
            .and_then(|(value, payload)| Ok((Performative::from_value(value)?, payload)));
        match decoded {
            Ok((performative, payload)) => {
                tracing::debug!(
                    channel = frame.channel,
                    performative = performative.name(),
                    "frame received"
                );
                Some((performative, payload))
            }
            Err(error) => {
                let error = AmqpError::new(
                    condition::DECODE_ERROR,
                    format!("frame on channel {}: {error}", frame.channel),
                );
                self.fail(error);
                None
            }
        }
    }

    fn on_first_frame(&mut self, frame: RawFrame<'_>) {
        if frame.body.is_empty() {
            return;
        }
        let Some((performative, _)) = self.decode_performative(&frame) else {
            return;
        };
        match performative {
            Performative::Open(open) => self.on_open(open),
            other => {
                let error = AmqpError::new(
                    condition::ILLEGAL_STATE,
                    format!("{} received before open", other.name()),
                );
                self.fail(error);
            }
        }
    }

    fn on_open(&mut self, open: Open) {
        let max_frame_size = open.max_frame_size.unwrap_or(u32::MAX);
        if max_frame_size < MIN_MAX_FRAME_SIZE {
            let error = AmqpError::new(
                condition::INVALID_FIELD,
                format!(
                    "max-frame-size {max_frame_size} is below the minimum of {MIN_MAX_FRAME_SIZE}"
                ),
            );
            return self.fail(error);
        }
        self.remote_max_frame_size = max_frame_size;
        self.remote_channel_max = open.channel_max.unwrap_or(u16::MAX);
        self.remote_idle_timeout = open
            .idle_time_out
            .filter(|ms| *ms > 0)
            .map(|ms| Duration::from_millis(u64::from(ms)));
        self.write_open();
        self.phase = Phase::Open;
        tracing::debug!(
            container_id = %open.container_id,
            max_frame_size,
            "connection opened"
        );
        self.events.push_back(Event::Opened {
            container_id: open.container_id,
            hostname: open.hostname,
        });
    }

    fn on_open_frame(&mut self, frame: RawFrame<'_>) {
        if frame.body.is_empty() {
            // A heartbeat.
            return;
        }
        let channel = frame.channel;
        let Some((performative, payload)) = self.decode_performative(&frame) else {
            return;
        };
        match performative {
            Performative::Open(_) => self.fail(AmqpError::new(
                condition::ILLEGAL_STATE,
                "second open received",
            )),
            Performative::Close(error) => {
                self.write_connection(&Performative::Close(None));
                self.shut_down(error, true);
            }
            Performative::Begin(begin) => self.on_begin(channel, begin),
            other => self.on_session_frame(channel, other, payload),
        }
    }

    fn on_begin(&mut self, channel: u16, begin: Begin) {
        if begin.remote_channel.is_some() {
            let error = AmqpError::new(
                condition::ILLEGAL_STATE,
                "begin with remote-channel set, but the server never begins sessions",
            );
            return self.fail(error);
        }

        if self.sessions.contains_key(&channel) {
            let error = AmqpError::new(
                condition::NOT_ALLOWED,
                format!("begin on channel {channel}, which already has a session"),
            );
            return self.fail(error);
        }

        let limit = self.config.channel_max.min(self.remote_channel_max);
        let used: Vec<u16> = self.sessions.values().map(|s| s.local_channel).collect();
        let local_channel = (0..=limit).find(|c| !used.contains(c));
        let Some(local_channel) = local_channel.filter(|_| channel <= self.config.channel_max)
        else {
            let error = AmqpError::new(
                condition::RESOURCE_LIMIT_EXCEEDED,
                format!(
                    "begin on channel {channel}: at most {} channels are allowed",
                    u32::from(self.config.channel_max) + 1
                ),
            );
            return self.fail(error);
        };
        self.ended_channels.remove(&channel);

        let id = SessionId(self.next_id());
        let limits = SessionLimits {
            incoming_window: self.config.incoming_window,
            handle_max: self.config.handle_max,
        };
        let mut io = Io {
            output: &mut self.output,
            events: &mut self.events,
            remote_max_frame_size: self.remote_max_frame_size,
        };
        // The session is mapped as soon as the peer's begin arrives, so an attach pipelined
        // right behind it finds its session.
        match Session::begin(id, local_channel, channel, &begin, limits, &mut io) {
            Ok(session) => {
                self.sessions.insert(channel, session);
                self.session_channels.insert(id, channel);
            }
            Err(super::io::Failure::Connection(error) | super::io::Failure::Session(error)) => {
                self.fail(error)
            }
        }
    }

    fn on_session_frame(&mut self, channel: u16, performative: Performative, payload: &[u8]) {
        let Some(session) = self.sessions.get(&channel) else {
            if self.ended_channels.contains(&channel) {
                // The azure-eventhub 5.15 client sends a detach for its last link after the
                // end of that link's session; such late frames are harmless.
                tracing::debug!(
                    channel,
                    performative = performative.name(),
                    "frame after end dropped"
                );
                return;
            }
            let error = AmqpError::new(
                condition::ILLEGAL_STATE,
                format!(
                    "{} on channel {channel}, which has no session: send begin first",
                    performative.name()
                ),
            );
            return self.fail(error);
        };
        if session.ending {
            // The engine ended this session and waits for the peer's end; other frames that
            // were already on their way are dropped.
            if let Performative::End(_) = performative {
                self.sessions.remove(&channel);
                self.ended_channels.insert(channel);
            }
            return;
        }
        match performative {
            Performative::End(error) => self.on_end(channel, error),
            Performative::Attach(attach) => {
                let link = LinkId(self.next_id());
                self.link_channels.insert(link, channel);
                self.with_session(channel, |session, io| session.on_attach(attach, link, io));
            }
            Performative::Flow(flow) => {
                self.with_session(channel, |session, io| session.on_flow(flow, io));
            }
            Performative::Transfer(transfer) => {
                self.with_session(channel, |session, io| {
                    session.on_transfer(transfer, payload, io)
                });
            }
            Performative::Disposition(disposition) => {
                self.with_session(channel, |session, io| {
                    session.on_disposition(disposition, io);
                    Ok(())
                });
            }
            Performative::Detach(detach) => {
                self.with_session(channel, |session, io| session.on_detach(detach, io));
            }
            Performative::Open(_) | Performative::Close(_) | Performative::Begin(_) => {}
        }
    }

    fn on_end(&mut self, channel: u16, error: Option<AmqpError>) {
        let Some(mut session) = self.sessions.remove(&channel) else {
            return;
        };
        self.ended_channels.insert(channel);
        self.session_channels.remove(&session.id);
        let local_channel = session.local_channel;
        let mut io = Io {
            output: &mut self.output,
            events: &mut self.events,
            remote_max_frame_size: self.remote_max_frame_size,
        };
        session.report_ended(error, &mut io);
        self.forget_detached_links();
        let mut body = Vec::new();
        Performative::End(None).encode(&mut body);
        tracing::debug!(channel = local_channel, performative = "end", "frame sent");
        write_frame(FRAME_TYPE_AMQP, local_channel, &body, &mut self.output);
    }
}

/// Returns the authentication identity of a PLAIN initial response
/// (`authzid NUL authcid NUL password`, RFC 4616), never the password.
fn plain_username(response: &[u8]) -> Option<String> {
    let mut parts = response.split(|byte| *byte == 0);
    let _authzid = parts.next()?;
    let authcid = parts.next()?;
    String::from_utf8(authcid.to_vec()).ok()
}
