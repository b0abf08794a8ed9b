//! Attaching and detaching links on a session.

use crate::definitions::{condition, AmqpError, ReceiverSettleMode, Role, Source, Target};
use crate::performative::{Attach, Detach, Performative};

use super::Session;
use crate::engine::event::{AttachRequest, AttachResponse, Event, LinkId};
use crate::engine::io::{Failure, Io};
use crate::engine::link::{Link, LinkState};

impl Session {
    /// Handles the peer's `attach`: records the link and reports the request to the broker.
    pub(crate) fn on_attach(
        &mut self,
        attach: Box<Attach>,
        link_id: LinkId,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        if self.remote_handles.contains_key(&attach.handle) {
            return Err(Failure::Session(AmqpError::new(
                condition::HANDLE_IN_USE,
                format!(
                    "handle {} is already attached on this session",
                    attach.handle
                ),
            )));
        }
        if attach.handle > self.handle_max {
            return Err(Failure::Session(AmqpError::new(
                condition::NOT_ALLOWED,
                format!(
                    "handle {} exceeds this session's handle-max {}",
                    attach.handle, self.handle_max
                ),
            )));
        }
        let request = AttachRequest {
            link: link_id,
            session: self.id,
            name: attach.name.clone(),
            role: attach.role.opposite(),
            source: attach.source.clone(),
            target: attach.target.clone(),
            snd_settle_mode: attach.snd_settle_mode,
            rcv_settle_mode: attach.rcv_settle_mode,
            max_message_size: attach.max_message_size,
            properties: attach.properties.clone().unwrap_or_default(),
            desired_capabilities: attach.desired_capabilities.clone(),
        };
        self.remote_handles.insert(attach.handle, link_id);
        self.links.insert(link_id, Link::requested(link_id, attach));
        io.event(Event::AttachRequested(Box::new(request)));
        Ok(())
    }

    fn allocate_handle(&mut self, link_id: LinkId) -> Result<u32, Failure> {
        let mut handle = 0u32;
        for used in self.local_handles.keys() {
            if *used != handle {
                break;
            }
            handle = handle.saturating_add(1);
        }
        if handle > self.remote_handle_max {
            return Err(Failure::Session(AmqpError::new(
                condition::RESOURCE_LIMIT_EXCEEDED,
                format!(
                    "all {} handles the peer allows are in use",
                    self.remote_handle_max
                ),
            )));
        }
        self.local_handles.insert(handle, link_id);
        Ok(handle)
    }

    /// Writes the broker's `attach` for a requested link, with its own terminus set to `None`
    /// when the broker rejects the link.
    fn write_attach(
        &mut self,
        link_id: LinkId,
        response: &AttachResponse,
        reject: bool,
        default_max_message_size: u64,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        let handle = self.allocate_handle(link_id)?;
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        let Some(request) = link.request.take() else {
            return Ok(());
        };
        link.local_handle = Some(handle);
        let (source, target): (Option<Source>, Option<Target>) = match (link.role, reject) {
            (_, false) => (request.source.clone(), request.target.clone()),
            (Role::Receiver, true) => (request.source.clone(), None),
            (Role::Sender, true) => (None, request.target.clone()),
        };
        let max_message_size = match link.role {
            Role::Receiver => response
                .max_message_size
                .unwrap_or(default_max_message_size),
            Role::Sender => default_max_message_size,
        };
        if link.role == Role::Receiver {
            link.max_message_size = max_message_size;
            // The azure-eventhub 5.15 client requests receiver-settle-mode second on its
            // senders, but its send_batch hung on the unsettled dispositions a server honouring
            // second sends (seen with the fe2o3-amqp 0.10 acceptor). The engine answers first
            // and settles each delivery with one settled disposition.
            link.rcv_settle_mode = ReceiverSettleMode::First;
        }
        if let Some(mode) = response.snd_settle_mode {
            link.snd_settle_mode = mode;
        }
        // NOTE: link recovery is not supported: the peer's unsettled map is ignored and the
        // broker's attach carries none, so a resumed link starts afresh.
        let attach = Attach {
            name: link.name.clone(),
            handle,
            role: link.role,
            snd_settle_mode: link.snd_settle_mode,
            rcv_settle_mode: link.rcv_settle_mode,
            source,
            target,
            unsettled: None,
            incomplete_unsettled: false,
            initial_delivery_count: (link.role == Role::Sender).then_some(link.delivery_count),
            max_message_size: Some(max_message_size),
            offered_capabilities: response.offered_capabilities.clone(),
            desired_capabilities: Vec::new(),
            properties: (!response.properties.is_empty()).then(|| response.properties.clone()),
        };
        io.send(self.local_channel, &Performative::Attach(Box::new(attach)))
    }

    /// Accepts an attach request.
    pub(crate) fn accept(
        &mut self,
        link_id: LinkId,
        response: &AttachResponse,
        default_max_message_size: u64,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        self.write_attach(link_id, response, false, default_max_message_size, io)?;
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        link.state = LinkState::Attached;
        match link.role {
            Role::Receiver => {
                link.credit_window = response.credit;
                link.link_credit = response.credit;
                if response.credit > 0 {
                    self.write_link_flow(link_id, false, io)?;
                }
            }
            Role::Sender => {
                // A flow that arrived before the broker's attach already set the credit.
                let credit = link.link_credit;
                if credit > 0 {
                    io.event(Event::Credit {
                        link: link_id,
                        credit,
                        drain: false,
                    });
                }
            }
        }
        Ok(())
    }

    /// Rejects an attach request: an attach without the broker's terminus, then a
    /// closing detach with `error`, which is how AMQP 1.0 refuses a link.
    pub(crate) fn reject(
        &mut self,
        link_id: LinkId,
        error: AmqpError,
        default_max_message_size: u64,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        let response = AttachResponse {
            credit: 0,
            ..AttachResponse::default()
        };
        self.write_attach(link_id, &response, true, default_max_message_size, io)?;
        self.detach_link(link_id, Some(error), io)
    }

    /// Writes a closing `detach` for a link and waits for the peer's. The link is reported
    /// detached at once.
    pub(crate) fn detach_link(
        &mut self,
        link_id: LinkId,
        error: Option<AmqpError>,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        if link.state == LinkState::Detaching {
            return Ok(());
        }
        if link.local_handle.is_none() {
            let response = AttachResponse::default();
            self.write_attach(link_id, &response, true, 0, io)?;
        }
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        link.state = LinkState::Detaching;
        link.partial = None;
        let handle = link.local_handle.unwrap_or_default();
        self.forget_deliveries(link_id);
        io.send(
            self.local_channel,
            &Performative::Detach(Detach {
                handle,
                closed: true,
                error: error.clone(),
            }),
        )?;
        io.event(Event::LinkDetached {
            link: link_id,
            closed: true,
            error,
        });
        if self
            .links
            .get(&link_id)
            .and_then(|l| l.remote_handle)
            .is_none()
        {
            self.remove_link(link_id);
        }
        Ok(())
    }

    /// Forgets a link's unsettled deliveries and drops its transfer frames still waiting for
    /// the peer's window, which would otherwise reach the peer after the link's `detach`.
    fn forget_deliveries(&mut self, link_id: LinkId) {
        self.unsettled_outgoing.retain(|_, link| *link != link_id);
        self.unsettled_incoming.retain(|_, link| *link != link_id);
        self.pending_frames.retain(|(link, _)| *link != link_id);
    }

    fn remove_link(&mut self, link_id: LinkId) {
        if let Some(link) = self.links.remove(&link_id) {
            if let Some(handle) = link.local_handle {
                self.local_handles.remove(&handle);
            }
            if let Some(handle) = link.remote_handle {
                self.remote_handles.remove(&handle);
            }
        }
        self.forget_deliveries(link_id);
    }

    /// Handles the peer's `detach`.
    pub(crate) fn on_detach(&mut self, detach: Detach, io: &mut Io<'_>) -> Result<(), Failure> {
        let link_id = self.link_for_handle(detach.handle)?;
        self.remote_handles.remove(&detach.handle);
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        link.remote_handle = None;
        if link.state == LinkState::Detaching {
            self.remove_link(link_id);
            return Ok(());
        }
        if link.local_handle.is_none() {
            // An attach must precede the detach, even for a link the broker never accepted or
            // rejected.
            let response = AttachResponse::default();
            self.write_attach(link_id, &response, true, 0, io)?;
        }
        let handle = self
            .links
            .get(&link_id)
            .and_then(|link| link.local_handle)
            .unwrap_or_default();
        io.send(
            self.local_channel,
            &Performative::Detach(Detach {
                handle,
                closed: detach.closed,
                error: None,
            }),
        )?;
        io.event(Event::LinkDetached {
            link: link_id,
            closed: detach.closed,
            error: detach.error,
        });
        self.remove_link(link_id);
        Ok(())
    }
}
