//! One session: its transfer windows, its links, and the frames that address them.

mod attach;
mod transfer;

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::definitions::{condition, AmqpError, Role};
use crate::performative::{Flow, Performative};

use super::event::{Event, LinkId, SessionId};
use super::io::{Failure, Io};
use super::link::{Link, LinkState};

/// The broker's endpoint of a session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: SessionId,
    pub(crate) local_channel: u16,
    /// Set once the engine sent `end` and waits for the peer's.
    pub(crate) ending: bool,

    /// The transfer id of the next transfer frame the broker writes.
    next_outgoing_id: u32,
    /// The window the broker advertises for its own sending.
    outgoing_window: u32,
    /// Transfer frames the peer can still take.
    remote_incoming_window: u32,
    /// The transfer id the broker expects next from the peer.
    next_incoming_id: u32,
    /// Transfer frames the peer may still send before the broker's next flow.
    incoming_window: u32,
    /// The value `incoming_window` is restored to.
    incoming_window_max: u32,
    /// The highest handle the peer accepts.
    remote_handle_max: u32,
    /// The highest handle the broker accepts.
    handle_max: u32,

    pub(crate) links: HashMap<LinkId, Link>,
    remote_handles: HashMap<u32, LinkId>,
    local_handles: BTreeMap<u32, LinkId>,

    next_delivery_id: u32,
    /// Deliveries the broker sent unsettled, by delivery id.
    unsettled_outgoing: BTreeMap<u32, LinkId>,
    /// Deliveries the broker received unsettled and has not settled.
    unsettled_incoming: BTreeMap<u32, LinkId>,
    /// Transfer frames waiting for the peer's incoming window to open, with their links.
    pending_frames: VecDeque<(LinkId, Vec<u8>)>,
}

/// The window limits a session starts with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionLimits {
    pub(crate) incoming_window: u32,
    pub(crate) handle_max: u32,
}

impl Session {
    /// Creates the broker's endpoint for the peer's `begin` and writes the broker's `begin`.
    pub(crate) fn begin(
        id: SessionId,
        local_channel: u16,
        remote_channel: u16,
        peer: &crate::performative::Begin,
        limits: SessionLimits,
        io: &mut Io<'_>,
    ) -> Result<Session, Failure> {
        let session = Session {
            id,
            local_channel,
            ending: false,
            next_outgoing_id: 0,
            outgoing_window: limits.incoming_window,
            remote_incoming_window: peer.incoming_window,
            next_incoming_id: peer.next_outgoing_id,
            incoming_window: limits.incoming_window,
            incoming_window_max: limits.incoming_window,
            remote_handle_max: peer.handle_max.unwrap_or(u32::MAX),
            handle_max: limits.handle_max,
            links: HashMap::new(),
            remote_handles: HashMap::new(),
            local_handles: BTreeMap::new(),
            next_delivery_id: 0,
            unsettled_outgoing: BTreeMap::new(),
            unsettled_incoming: BTreeMap::new(),
            pending_frames: VecDeque::new(),
        };
        let reply = crate::performative::Begin {
            remote_channel: Some(remote_channel),
            next_outgoing_id: session.next_outgoing_id,
            incoming_window: session.incoming_window,
            outgoing_window: session.outgoing_window,
            handle_max: Some(session.handle_max),
            ..Default::default()
        };
        io.send(local_channel, &Performative::Begin(reply))?;
        io.event(Event::SessionBegun { session: id });
        Ok(session)
    }

    fn link_for_handle(&self, handle: u32) -> Result<LinkId, Failure> {
        self.remote_handles.get(&handle).copied().ok_or_else(|| {
            Failure::Session(AmqpError::new(
                condition::UNATTACHED_HANDLE,
                format!("handle {handle} is not attached on this session: send attach first"),
            ))
        })
    }

    /// Reports every link detached and the session ended, and drops their state.
    pub(crate) fn report_ended(&mut self, error: Option<AmqpError>, io: &mut Io<'_>) {
        let mut ids: Vec<LinkId> = self
            .links
            .values()
            .filter(|link| link.state != LinkState::Detaching)
            .map(|link| link.id)
            .collect();
        ids.sort();
        for link in ids {
            io.event(Event::LinkDetached {
                link,
                closed: false,
                error: error.clone(),
            });
        }
        self.links.clear();
        self.remote_handles.clear();
        self.local_handles.clear();
        self.unsettled_incoming.clear();
        self.unsettled_outgoing.clear();
        self.pending_frames.clear();
        io.event(Event::SessionEnded {
            session: self.id,
            error,
        });
    }

    fn session_flow(&self) -> Flow {
        Flow {
            next_incoming_id: Some(self.next_incoming_id),
            incoming_window: self.incoming_window,
            next_outgoing_id: self.next_outgoing_id,
            outgoing_window: self.outgoing_window,
            ..Flow::default()
        }
    }

    fn write_session_flow(&self, io: &mut Io<'_>) -> Result<(), Failure> {
        io.send(self.local_channel, &Performative::Flow(self.session_flow()))
    }

    /// Writes a flow carrying the link's state.
    pub(crate) fn write_link_flow(
        &self,
        link_id: LinkId,
        drain: bool,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        let Some(link) = self.links.get(&link_id) else {
            return Ok(());
        };
        let mut flow = self.session_flow();
        flow.handle = link.local_handle;
        flow.delivery_count = Some(link.delivery_count);
        flow.link_credit = Some(link.link_credit);
        flow.available = Some(0);
        flow.drain = drain;
        io.send(self.local_channel, &Performative::Flow(flow))
    }

    /// Handles the peer's `flow`.
    pub(crate) fn on_flow(&mut self, flow: Flow, io: &mut Io<'_>) -> Result<(), Failure> {
        // AMQP 1.0 session flow control: remote-incoming-window is the peer's next-incoming-id plus
        // its incoming-window, minus the broker's next-outgoing-id.
        // The peer's next-incoming-id is unset before it has seen the broker's begin, whose
        // next-outgoing-id is 0.
        let peer_next_incoming = flow.next_incoming_id.unwrap_or(0);
        let in_flight = self.next_outgoing_id.wrapping_sub(peer_next_incoming);
        self.remote_incoming_window = flow.incoming_window.saturating_sub(in_flight);
        self.release_pending(io);

        let Some(handle) = flow.handle else {
            if flow.echo {
                self.write_session_flow(io)?;
            }
            return Ok(());
        };
        let link_id = self.link_for_handle(handle)?;
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        if link.state == LinkState::Detaching {
            return Ok(());
        }
        match link.role {
            Role::Sender => {
                // AMQP 1.0 link flow control: credit is the receiver's delivery-count plus its
                // link-credit, minus the sender's delivery-count.
                // The receiver's delivery-count is unset before it has seen the broker's
                // attach, whose initial-delivery-count is 0.
                let receiver_count = flow.delivery_count.unwrap_or(0);
                let granted = flow.link_credit.unwrap_or(0);
                let in_flight = link.delivery_count.wrapping_sub(receiver_count);
                link.link_credit = granted.saturating_sub(in_flight);
                if link.state == LinkState::Attached {
                    io.event(Event::Credit {
                        link: link_id,
                        credit: link.link_credit,
                        drain: flow.drain,
                    });
                }
            }
            Role::Receiver => {
                // The sender may advance its delivery-count (after a drain, for example),
                // which uses up credit.
                if let Some(sender_count) = flow.delivery_count {
                    let advanced = sender_count.wrapping_sub(link.delivery_count);
                    link.link_credit = link.link_credit.saturating_sub(advanced);
                    link.delivery_count = sender_count;
                }
            }
        }
        if flow.echo {
            self.write_link_flow(link_id, false, io)?;
        }
        Ok(())
    }
}
