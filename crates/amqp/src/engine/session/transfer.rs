//! Transfers, dispositions and credit on a session's links.

use crate::definitions::{condition, AmqpError, DeliveryState, Role};
use crate::frame::{write_frame_parts, FRAME_HEADER_SIZE, FRAME_TYPE_AMQP};
use crate::performative::{Disposition, Performative, Transfer};

use super::Session;
use crate::engine::event::{Event, IncomingDelivery, LinkId, OutgoingMessage};
use crate::engine::io::{encode_checked, Failure, Io};
use crate::engine::link::{LinkState, PartialDelivery};

impl Session {
    fn consume_incoming_window(&mut self) -> Result<(), Failure> {
        if self.incoming_window == 0 {
            return Err(Failure::Session(AmqpError::new(
                condition::WINDOW_VIOLATION,
                format!(
                    "transfer beyond the session's incoming window of {}: wait for a flow",
                    self.incoming_window_max
                ),
            )));
        }
        self.incoming_window -= 1;
        self.next_incoming_id = self.next_incoming_id.wrapping_add(1);
        Ok(())
    }

    /// Handles the peer's `transfer` and reassembles deliveries split over several frames.
    pub(crate) fn on_transfer(
        &mut self,
        transfer: Transfer,
        payload: &[u8],
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        self.consume_incoming_window()?;
        let link_id = self.link_for_handle(transfer.handle)?;
        self.receive_frame(link_id, transfer, payload, io)?;
        if self.incoming_window <= self.incoming_window_max / 2 {
            self.incoming_window = self.incoming_window_max;
            self.write_session_flow(io)?;
        }
        Ok(())
    }

    fn receive_frame(
        &mut self,
        link_id: LinkId,
        transfer: Transfer,
        payload: &[u8],
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(());
        };
        match (link.state, link.role) {
            (LinkState::Detaching, _) => return Ok(()),
            (_, Role::Sender) => {
                return Err(Failure::Session(AmqpError::new(
                    condition::NOT_ALLOWED,
                    format!(
                        "transfer on handle {}, where the peer is the receiver",
                        transfer.handle
                    ),
                )))
            }
            (LinkState::Requested, Role::Receiver) => {
                let error = AmqpError::new(
                    condition::TRANSFER_LIMIT_EXCEEDED,
                    "transfer before the link was attached and granted credit",
                );
                return self.detach_link(link_id, Some(error), io);
            }
            (LinkState::Attached, Role::Receiver) => {}
        }

        let partial = match link.partial.take() {
            Some(partial) => {
                if transfer
                    .delivery_id
                    .is_some_and(|id| id != partial.delivery_id)
                {
                    return Err(Failure::Session(AmqpError::new(
                        condition::INVALID_FIELD,
                        format!(
                            "transfer for delivery {:?} while delivery {} is incomplete",
                            transfer.delivery_id, partial.delivery_id
                        ),
                    )));
                }
                partial
            }
            None => {
                let Some(delivery_id) = transfer.delivery_id else {
                    return Err(Failure::Session(AmqpError::new(
                        condition::INVALID_FIELD,
                        "the first transfer of a delivery has no delivery-id",
                    )));
                };
                PartialDelivery {
                    delivery_id,
                    delivery_tag: transfer.delivery_tag.clone().unwrap_or_default(),
                    message_format: transfer.message_format.unwrap_or(0),
                    settled: false,
                    payload: Vec::new(),
                    size: 0,
                    oversized: false,
                }
            }
        };
        let mut partial = partial;
        partial.settled |= transfer.settled.unwrap_or(false);

        if transfer.aborted {
            link.delivery_count = link.delivery_count.wrapping_add(1);
            link.link_credit = link.link_credit.saturating_sub(1);
            return Ok(());
        }
        let limit = link.max_message_size;
        partial.size = partial.size.saturating_add(payload.len() as u64);
        if limit > 0 && partial.size > limit {
            // The rest of the delivery is read and dropped, so memory stays bounded and the
            // link stays usable for the next delivery.
            partial.oversized = true;
            partial.payload = Vec::new();
        } else {
            partial.payload.extend_from_slice(payload);
        }
        if transfer.more {
            link.partial = Some(partial);
            return Ok(());
        }

        link.delivery_count = link.delivery_count.wrapping_add(1);
        link.link_credit = link.link_credit.saturating_sub(1);
        let refill = link.credit_window > 0 && link.link_credit <= link.credit_window / 2;
        if refill {
            link.link_credit = link.credit_window;
        }
        if !partial.settled {
            self.unsettled_incoming.insert(partial.delivery_id, link_id);
        }
        if partial.oversized {
            io.event(Event::OversizedDelivery {
                link: link_id,
                delivery_id: partial.delivery_id,
                settled: partial.settled,
                message_format: partial.message_format,
                size: partial.size,
                max: limit,
            });
        } else {
            io.event(Event::Delivery(IncomingDelivery {
                link: link_id,
                delivery_id: partial.delivery_id,
                delivery_tag: partial.delivery_tag,
                message_format: partial.message_format,
                settled: partial.settled,
                payload: partial.payload,
            }));
        }
        if refill {
            self.write_link_flow(link_id, false, io)?;
        }
        Ok(())
    }

    /// Handles the peer's `disposition`.
    pub(crate) fn on_disposition(&mut self, disposition: Disposition, io: &mut Io<'_>) {
        // NOTE: delivery ids are compared as plain integers, so a range that wraps past
        // u32::MAX (after 4 billion deliveries on one session) matches nothing.
        let first = disposition.first;
        let last = disposition.last.unwrap_or(first).max(first);
        match disposition.role {
            // The peer received: the range names deliveries the broker sent.
            Role::Receiver => {
                let ids: Vec<(u32, LinkId)> = self
                    .unsettled_outgoing
                    .range(first..=last)
                    .map(|(id, link)| (*id, *link))
                    .collect();
                for (delivery_id, link) in ids {
                    if disposition.settled {
                        self.unsettled_outgoing.remove(&delivery_id);
                    }
                    io.event(Event::DeliveryUpdated {
                        link,
                        delivery_id,
                        state: disposition.state.clone(),
                        settled: disposition.settled,
                    });
                }
            }
            // The peer sent: it settles deliveries the broker received.
            Role::Sender => {
                if disposition.settled {
                    let ids: Vec<u32> = self
                        .unsettled_incoming
                        .range(first..=last)
                        .map(|(id, _)| *id)
                        .collect();
                    for id in ids {
                        self.unsettled_incoming.remove(&id);
                    }
                }
            }
        }
    }

    /// Settles a delivery the broker received, with one settled disposition.
    pub(crate) fn settle(
        &mut self,
        link_id: LinkId,
        delivery_id: u32,
        state: DeliveryState,
        io: &mut Io<'_>,
    ) -> Result<bool, Failure> {
        if self.unsettled_incoming.get(&delivery_id) != Some(&link_id) {
            return Ok(false);
        }
        self.unsettled_incoming.remove(&delivery_id);
        let disposition = Disposition {
            role: Role::Receiver,
            first: delivery_id,
            last: Some(delivery_id),
            settled: true,
            state: Some(state),
            batchable: false,
        };
        io.send(self.local_channel, &Performative::Disposition(disposition))?;
        Ok(true)
    }

    /// Sends a message on a link where the broker is the sender and returns its delivery id.
    ///
    /// The caller has checked the link's role, state and credit.
    pub(crate) fn send(
        &mut self,
        link_id: LinkId,
        message: OutgoingMessage,
        io: &mut Io<'_>,
    ) -> Result<u32, Failure> {
        let Some(link) = self.links.get_mut(&link_id) else {
            return Ok(0);
        };
        let handle = link.local_handle.unwrap_or_default();
        let delivery_id = self.next_delivery_id;
        self.next_delivery_id = self.next_delivery_id.wrapping_add(1);
        link.delivery_count = link.delivery_count.wrapping_add(1);
        link.link_credit = link.link_credit.saturating_sub(1);
        if !message.settled {
            self.unsettled_outgoing.insert(delivery_id, link_id);
        }

        let first = Transfer {
            handle,
            delivery_id: Some(delivery_id),
            delivery_tag: Some(delivery_id.to_be_bytes().to_vec()),
            message_format: Some(message.message_format),
            settled: Some(message.settled),
            more: false,
            ..Transfer::default()
        };
        // `more` takes one byte whatever its value, so this one encoding gives the room left
        // for payload in every frame that carries the delivery's first fields.
        let first_body = encode_checked(
            &Performative::Transfer(first.clone()),
            io.remote_max_frame_size,
        )?;
        let room = (io.remote_max_frame_size as usize)
            .saturating_sub(FRAME_HEADER_SIZE + first_body.len());
        if message.payload.len() <= room {
            self.queue_frame(link_id, &[&first_body, &message.payload], io);
            return Ok(delivery_id);
        }
        if room == 0 {
            return Err(Failure::Connection(AmqpError::new(
                condition::FRAME_SIZE_TOO_SMALL,
                format!(
                    "a transfer frame leaves no room for payload within the peer's max-frame-size {}",
                    io.remote_max_frame_size
                ),
            )));
        }
        let chunks = message.payload.chunks(room);
        let count = chunks.len();
        for (index, chunk) in chunks.enumerate() {
            let more = index + 1 < count;
            let transfer = if index == 0 {
                Transfer {
                    more,
                    ..first.clone()
                }
            } else {
                Transfer {
                    handle,
                    more,
                    ..Transfer::default()
                }
            };
            let body = encode_checked(&Performative::Transfer(transfer), io.remote_max_frame_size)?;
            self.queue_frame(link_id, &[&body, chunk], io);
        }
        Ok(delivery_id)
    }

    /// Writes a transfer frame made of `parts` at once while the peer's incoming window has
    /// room and no earlier frame waits, and queues it for the peer's next `flow` otherwise.
    fn queue_frame(&mut self, link_id: LinkId, parts: &[&[u8]], io: &mut Io<'_>) {
        if self.pending_frames.is_empty() && self.remote_incoming_window > 0 {
            write_frame_parts(FRAME_TYPE_AMQP, self.local_channel, parts, io.output);
            self.remote_incoming_window -= 1;
            self.next_outgoing_id = self.next_outgoing_id.wrapping_add(1);
            return;
        }
        let mut frame = Vec::new();
        write_frame_parts(FRAME_TYPE_AMQP, self.local_channel, parts, &mut frame);
        self.pending_frames.push_back((link_id, frame));
        self.release_pending(io);
    }

    /// Writes queued transfer frames while the peer's incoming window allows.
    pub(super) fn release_pending(&mut self, io: &mut Io<'_>) {
        while self.remote_incoming_window > 0 {
            let Some((_, frame)) = self.pending_frames.pop_front() else {
                break;
            };
            io.output.extend_from_slice(&frame);
            self.remote_incoming_window -= 1;
            self.next_outgoing_id = self.next_outgoing_id.wrapping_add(1);
        }
    }

    /// Gives up the remaining credit of a sending link, as a drain request requires.
    pub(crate) fn drain(&mut self, link_id: LinkId, io: &mut Io<'_>) -> Result<(), Failure> {
        if let Some(link) = self.links.get_mut(&link_id) {
            link.delivery_count = link.delivery_count.wrapping_add(link.link_credit);
            link.link_credit = 0;
        }
        self.write_link_flow(link_id, true, io)
    }

    /// Sets the credit window of a receiving link and grants it at once.
    pub(crate) fn set_credit(
        &mut self,
        link_id: LinkId,
        credit: u32,
        io: &mut Io<'_>,
    ) -> Result<(), Failure> {
        if let Some(link) = self.links.get_mut(&link_id) {
            link.credit_window = credit;
            link.link_credit = credit;
        }
        self.write_link_flow(link_id, false, io)
    }
}
