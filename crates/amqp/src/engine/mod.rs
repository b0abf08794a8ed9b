//! The sans-I/O connection engine: bytes in, events and bytes out.

mod config;
mod event;
mod input;
mod io;
mod link;
mod session;

pub use config::ConnectionConfig;
pub use event::{
    AttachRequest, AttachResponse, Event, IncomingDelivery, LinkId, OutgoingMessage, SessionId,
};

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::definitions::{AmqpError, DeliveryState, Role};
use crate::error::EngineError;
use crate::frame::{write_frame, FRAME_TYPE_AMQP, MIN_MAX_FRAME_SIZE};
use crate::performative::{Open, Performative};

use io::{Failure, Io};
use link::LinkState;
use session::Session;

/// The stage of the connection's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for an 8-byte protocol header; `sasl_done` once SASL succeeded.
    AwaitHeader { sasl_done: bool },
    /// SASL header exchanged; waiting for `sasl-init`.
    Sasl,
    /// AMQP header exchanged; waiting for the client's `open`.
    AwaitOpen,
    /// Both `open`s exchanged.
    Open,
    /// Nothing more is read or written besides the output already queued.
    Closed,
}

/// The server side of one AMQP 1.0 connection, with no I/O of its own.
///
/// Feed it the bytes that arrive with [`Connection::feed`], write what
/// [`Connection::take_output`] returns to the transport, handle what
/// [`Connection::poll_event`] reports, and call [`Connection::tick`] with the current time after
/// each read and whenever the deadline it returned passes. When [`Connection::is_closed`]
/// returns true, write the remaining output and drop the transport.
///
/// The engine replies to protocol headers, SASL, `open`, `begin`, `end`, `close` and the peer's
/// `detach` by itself. The broker accepts or rejects attach requests and decides what to do with
/// messages.
/// Malformed input never panics: it closes this connection with the matching AMQP error
/// (`amqp:decode-error`, `amqp:connection:framing-error`, ...). Every link reported by
/// [`Event::AttachRequested`] is later reported once by [`Event::LinkDetached`], and every
/// session by [`Event::SessionEnded`], whichever side ends them.
#[derive(Debug)]
pub struct Connection {
    config: ConnectionConfig,
    phase: Phase,
    input: Vec<u8>,
    output: Vec<u8>,
    events: VecDeque<Event>,
    sent_open: bool,
    /// The largest frame the peer accepts: 512 until its `open` sets another value.
    remote_max_frame_size: u32,
    remote_channel_max: u16,
    /// How often the peer needs a frame to consider the connection alive.
    remote_idle_timeout: Option<Duration>,
    /// Sessions by the channel the peer sends on.
    sessions: HashMap<u16, Session>,
    /// Channels whose session the peer ended; frames still arriving on them are dropped.
    ended_channels: HashSet<u16>,
    session_channels: HashMap<SessionId, u16>,
    link_channels: HashMap<LinkId, u16>,
    next_id: u64,
    received_since_tick: bool,
    sent_since_tick: bool,
    last_received: Option<Instant>,
    last_sent: Option<Instant>,
}

impl Connection {
    /// Creates the engine for a connection a client just opened.
    pub fn new(config: ConnectionConfig) -> Connection {
        Connection {
            config,
            phase: Phase::AwaitHeader { sasl_done: false },
            input: Vec::new(),
            output: Vec::new(),
            events: VecDeque::new(),
            sent_open: false,
            remote_max_frame_size: MIN_MAX_FRAME_SIZE,
            remote_channel_max: u16::MAX,
            remote_idle_timeout: None,
            sessions: HashMap::new(),
            ended_channels: HashSet::new(),
            session_channels: HashMap::new(),
            link_channels: HashMap::new(),
            next_id: 0,
            received_since_tick: false,
            sent_since_tick: false,
            last_received: None,
            last_sent: None,
        }
    }

    /// Processes bytes received from the client. Bytes after the connection closed are ignored.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.phase == Phase::Closed || bytes.is_empty() {
            return;
        }
        self.received_since_tick = true;
        self.input.extend_from_slice(bytes);
        self.process_input();
    }

    /// Returns the bytes to write to the client and clears them from the engine.
    pub fn take_output(&mut self) -> Vec<u8> {
        if !self.output.is_empty() {
            self.sent_since_tick = true;
        }
        std::mem::take(&mut self.output)
    }

    /// Moves the bytes to write to the client into `buffer`, cleared first, and keeps
    /// `buffer`'s allocation for the next output, so a busy connection reuses two buffers
    /// instead of growing a new one each time.
    pub fn swap_output(&mut self, buffer: &mut Vec<u8>) {
        buffer.clear();
        if !self.output.is_empty() {
            self.sent_since_tick = true;
        }
        std::mem::swap(&mut self.output, buffer);
    }

    /// Returns true when output is waiting to be written.
    pub fn has_output(&self) -> bool {
        !self.output.is_empty()
    }

    /// Returns the next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Returns true once the connection is closed: after writing the remaining output, drop the
    /// transport.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Advances the engine's clock: sends a heartbeat when the client's idle timeout needs one
    /// and closes the connection when the client has been silent for longer than the idle
    /// timeout. Returns when to call again, or `None` when no timer runs.
    ///
    /// Traffic is timestamped at the tick that follows it, so call this after each `feed` and
    /// after writing output.
    pub fn tick(&mut self, now: Instant) -> Option<Instant> {
        if self.received_since_tick || self.last_received.is_none() {
            self.last_received = Some(now);
            self.received_since_tick = false;
        }
        if self.sent_since_tick || self.last_sent.is_none() {
            self.last_sent = Some(now);
            self.sent_since_tick = false;
        }
        if self.phase == Phase::Closed {
            return None;
        }
        let mut deadline: Option<Instant> = None;
        if let (Some(limit), Some(last)) = (self.config.idle_timeout, self.last_received) {
            if now.saturating_duration_since(last) >= limit {
                let error = AmqpError::new(
                    crate::definitions::condition::RESOURCE_LIMIT_EXCEEDED,
                    format!(
                        "no frame received for {} ms, the connection's idle timeout",
                        limit.as_millis()
                    ),
                );
                self.fail(error);
                return None;
            }
            deadline = Some(last + limit);
        }
        if let (Some(timeout), Some(last), Phase::Open) =
            (self.remote_idle_timeout, self.last_sent, self.phase)
        {
            let interval = timeout / 2;
            let mut last = last;
            if now.saturating_duration_since(last) >= interval {
                write_frame(FRAME_TYPE_AMQP, 0, &[], &mut self.output);
                self.last_sent = Some(now);
                last = now;
            }
            let next = last + interval;
            deadline = Some(deadline.map_or(next, |d| d.min(next)));
        }
        deadline
    }

    /// Accepts an attach request: writes the broker's `attach` and, on a link where the broker
    /// receives, grants `response.credit`.
    pub fn accept_attach(
        &mut self,
        link: LinkId,
        response: AttachResponse,
    ) -> Result<(), EngineError> {
        let channel = self.requested_link(link)?;
        let default_max = self.config.max_message_size;
        self.with_session(channel, |session, io| {
            session.accept(link, &response, default_max, io)
        });
        Ok(())
    }

    /// Rejects an attach request: writes an `attach` without the broker's terminus, then a
    /// closing `detach` carrying `error` (for example `amqp:not-found` for an unknown hub).
    pub fn reject_attach(&mut self, link: LinkId, error: AmqpError) -> Result<(), EngineError> {
        let channel = self.requested_link(link)?;
        let default_max = self.config.max_message_size;
        self.with_session(channel, |session, io| {
            session.reject(link, error, default_max, io)
        });
        Ok(())
    }

    /// Detaches and closes a link, optionally with an error (for example
    /// `amqp:link:stolen` when a receiver with a higher epoch takes over).
    pub fn detach(&mut self, link: LinkId, error: Option<AmqpError>) -> Result<(), EngineError> {
        let (channel, _) = self.live_link(link)?;
        self.with_session(channel, |session, io| session.detach_link(link, error, io));
        Ok(())
    }

    /// Sends a message on a link where the broker is the sender and returns its delivery id.
    ///
    /// Uses one unit of the link's credit. The message is split into frames that fit the
    /// client's max-frame-size, and frames beyond the session's window are queued until the
    /// client's next `flow`.
    pub fn send(&mut self, link: LinkId, message: OutgoingMessage) -> Result<u32, EngineError> {
        let (channel, state) = self.live_link(link)?;
        let session = self
            .sessions
            .get(&channel)
            .ok_or(EngineError::UnknownLink { link })?;
        let entry = session
            .links
            .get(&link)
            .ok_or(EngineError::UnknownLink { link })?;
        if state != LinkState::Attached {
            return Err(EngineError::NotAttached { link });
        }
        if entry.role != Role::Sender {
            return Err(EngineError::WrongRole {
                link,
                required: Role::Sender.name(),
                actual: entry.role.name(),
            });
        }
        if entry.link_credit == 0 {
            return Err(EngineError::NoCredit { link });
        }
        let size = message.payload.len() as u64;
        if entry.max_message_size > 0 && size > entry.max_message_size {
            return Err(EngineError::MessageTooLarge {
                link,
                size,
                max: entry.max_message_size,
            });
        }
        let delivery_id = self.with_session(channel, |session, io| session.send(link, message, io));
        delivery_id.ok_or(EngineError::ConnectionClosed)
    }

    /// Returns the credit the client has granted on a link where the broker sends.
    pub fn credit(&self, link: LinkId) -> Result<u32, EngineError> {
        let (channel, _) = self.live_link(link)?;
        self.sessions
            .get(&channel)
            .and_then(|session| session.links.get(&link))
            .map(|entry| entry.link_credit)
            .ok_or(EngineError::UnknownLink { link })
    }

    /// Settles a delivery the broker received unsettled, with `state` as its outcome (for
    /// example [`DeliveryState::Accepted`], or [`DeliveryState::Rejected`] with an error).
    pub fn settle(
        &mut self,
        link: LinkId,
        delivery_id: u32,
        state: DeliveryState,
    ) -> Result<(), EngineError> {
        let (channel, _) = self.live_link(link)?;
        let settled = self.with_session(channel, |session, io| {
            session.settle(link, delivery_id, state, io)
        });
        match settled {
            Some(true) => Ok(()),
            Some(false) => Err(EngineError::UnknownDelivery {
                link,
                delivery: delivery_id,
            }),
            None => Err(EngineError::ConnectionClosed),
        }
    }

    /// Sets the credit the engine keeps granting on a link where the broker receives; 0 stops
    /// the client from sending until credit is granted again.
    pub fn set_credit(&mut self, link: LinkId, credit: u32) -> Result<(), EngineError> {
        let (channel, state) = self.live_link(link)?;
        self.require_role(channel, link, Role::Receiver)?;
        if state != LinkState::Attached {
            return Err(EngineError::NotAttached { link });
        }
        self.with_session(channel, |session, io| session.set_credit(link, credit, io));
        Ok(())
    }

    /// Completes a drain request on a link where the broker sends: gives up the remaining credit
    /// and reports that to the client in a flow.
    pub fn drain(&mut self, link: LinkId) -> Result<(), EngineError> {
        let (channel, state) = self.live_link(link)?;
        self.require_role(channel, link, Role::Sender)?;
        if state != LinkState::Attached {
            return Err(EngineError::NotAttached { link });
        }
        self.with_session(channel, |session, io| session.drain(link, io));
        Ok(())
    }

    /// Ends a session, optionally with an error.
    pub fn end_session(
        &mut self,
        session: SessionId,
        error: Option<AmqpError>,
    ) -> Result<(), EngineError> {
        if self.phase != Phase::Open {
            return Err(EngineError::ConnectionClosed);
        }
        if let Some(channel) = self.session_channels.get(&session).copied() {
            self.end_with_error(channel, error);
        }
        Ok(())
    }

    /// Closes the connection, optionally with an error; the client gets `close` once the
    /// output is written.
    pub fn close(&mut self, error: Option<AmqpError>) {
        match self.phase {
            Phase::Closed => {}
            Phase::Open | Phase::AwaitOpen => {
                if !self.sent_open {
                    self.write_open();
                }
                self.write_connection(&Performative::Close(error.clone()));
                self.shut_down(error, false);
            }
            Phase::AwaitHeader { .. } | Phase::Sasl => self.shut_down(error, false),
        }
    }

    fn requested_link(&self, link: LinkId) -> Result<u16, EngineError> {
        let (channel, state) = self.live_link(link)?;
        if state != LinkState::Requested {
            return Err(EngineError::AttachAlreadyAnswered { link });
        }
        Ok(channel)
    }

    /// Returns the channel and state of a link the broker may still act on.
    fn live_link(&self, link: LinkId) -> Result<(u16, LinkState), EngineError> {
        if self.phase != Phase::Open {
            return Err(EngineError::ConnectionClosed);
        }
        let channel = *self
            .link_channels
            .get(&link)
            .ok_or(EngineError::UnknownLink { link })?;
        let state = self
            .sessions
            .get(&channel)
            .filter(|session| !session.ending)
            .and_then(|session| session.links.get(&link))
            .map(|entry| entry.state)
            .ok_or(EngineError::UnknownLink { link })?;
        if state == LinkState::Detaching {
            return Err(EngineError::UnknownLink { link });
        }
        Ok((channel, state))
    }

    fn require_role(&self, channel: u16, link: LinkId, required: Role) -> Result<(), EngineError> {
        let actual = self
            .sessions
            .get(&channel)
            .and_then(|session| session.links.get(&link))
            .map(|entry| entry.role)
            .ok_or(EngineError::UnknownLink { link })?;
        if actual != required {
            return Err(EngineError::WrongRole {
                link,
                required: required.name(),
                actual: actual.name(),
            });
        }
        Ok(())
    }

    /// Runs `action` on the session behind `channel` and applies any failure it raises.
    /// Returns `None` when the session is gone or the action failed.
    fn with_session<T>(
        &mut self,
        channel: u16,
        action: impl FnOnce(&mut Session, &mut Io<'_>) -> Result<T, Failure>,
    ) -> Option<T> {
        let session = self.sessions.get_mut(&channel)?;
        let mut io = Io {
            output: &mut self.output,
            events: &mut self.events,
            remote_max_frame_size: self.remote_max_frame_size,
        };
        let result = action(session, &mut io);
        self.forget_detached_links();
        match result {
            Ok(value) => Some(value),
            Err(Failure::Session(error)) => {
                self.end_with_error(channel, Some(error));
                None
            }
            Err(Failure::Connection(error)) => {
                self.fail(error);
                None
            }
        }
    }

    /// Drops the channel entries of links their sessions no longer hold.
    fn forget_detached_links(&mut self) {
        let sessions = &self.sessions;
        self.link_channels.retain(|link, channel| {
            sessions
                .get(channel)
                .is_some_and(|session| session.links.contains_key(link))
        });
    }

    /// Writes a performative on channel 0, outside any session.
    fn write_connection(&mut self, performative: &Performative) {
        let mut body = Vec::new();
        performative.encode(&mut body);
        tracing::debug!(
            channel = 0,
            performative = performative.name(),
            "frame sent"
        );
        write_frame(FRAME_TYPE_AMQP, 0, &body, &mut self.output);
    }

    fn write_open(&mut self) {
        let open = Open {
            container_id: self.config.container_id.clone(),
            hostname: None,
            max_frame_size: Some(self.config.max_frame_size),
            channel_max: Some(self.config.channel_max),
            idle_time_out: self
                .config
                .idle_timeout
                .map(|timeout| u32::try_from(timeout.as_millis() / 2).unwrap_or(u32::MAX)),
            properties: (!self.config.properties.is_empty())
                .then(|| self.config.properties.clone()),
            ..Open::default()
        };
        self.write_connection(&Performative::Open(open));
        self.sent_open = true;
    }

    /// Ends a session with `end` carrying `error`, reports it ended, and waits for the peer's
    /// `end` before the channel is reused.
    fn end_with_error(&mut self, channel: u16, error: Option<AmqpError>) {
        let Some(session) = self.sessions.get_mut(&channel) else {
            return;
        };
        if session.ending {
            return;
        }
        session.ending = true;
        let local_channel = session.local_channel;
        let id = session.id;
        let mut io = Io {
            output: &mut self.output,
            events: &mut self.events,
            remote_max_frame_size: self.remote_max_frame_size,
        };
        session.report_ended(error.clone(), &mut io);
        if let Some(error) = &error {
            tracing::warn!(session = %id, %error, "session ended with an error");
        }
        self.session_channels.remove(&id);
        self.forget_detached_links();
        let mut body = Vec::new();
        Performative::End(error).encode(&mut body);
        write_frame(FRAME_TYPE_AMQP, local_channel, &body, &mut self.output);
    }

    /// Closes the connection because of a protocol error.
    fn fail(&mut self, error: AmqpError) {
        tracing::warn!(%error, "closing the connection after a protocol error");
        self.close(Some(error));
    }

    /// Reports every session ended and the connection closed, and stops reading.
    fn shut_down(&mut self, error: Option<AmqpError>, by_peer: bool) {
        let mut channels: Vec<u16> = self.sessions.keys().copied().collect();
        channels.sort_unstable();
        for channel in channels {
            if let Some(mut session) = self.sessions.remove(&channel) {
                if !session.ending {
                    let mut io = Io {
                        output: &mut self.output,
                        events: &mut self.events,
                        remote_max_frame_size: self.remote_max_frame_size,
                    };
                    session.report_ended(None, &mut io);
                }
            }
        }
        self.session_channels.clear();
        self.link_channels.clear();
        self.input.clear();
        self.phase = Phase::Closed;
        self.events.push_back(Event::Closed { error, by_peer });
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}
