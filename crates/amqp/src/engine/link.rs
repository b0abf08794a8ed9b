//! The state of one link endpoint on the broker's side.

use crate::definitions::{ReceiverSettleMode, Role, SenderSettleMode};
use crate::performative::Attach;

use super::event::LinkId;

/// The stage of a link in its attach and detach exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkState {
    /// The peer's attach arrived, and the broker has not accepted or rejected it.
    Requested,
    /// Both attaches were exchanged.
    Attached,
    /// The engine sent detach and waits for the peer's.
    Detaching,
}

/// A delivery whose frames are still arriving (`more` was set).
#[derive(Debug)]
pub(crate) struct PartialDelivery {
    pub(crate) delivery_id: u32,
    pub(crate) delivery_tag: Vec<u8>,
    pub(crate) message_format: u32,
    pub(crate) settled: bool,
    pub(crate) payload: Vec<u8>,
    /// The bytes of the delivery received so far.
    pub(crate) size: u64,
    /// Whether the delivery passed the link's maximum message size: its bytes are no longer
    /// kept, only counted, until the last frame.
    pub(crate) oversized: bool,
}

/// One link endpoint.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) id: LinkId,
    pub(crate) name: String,
    /// The broker's role.
    pub(crate) role: Role,
    pub(crate) state: LinkState,
    /// The peer's handle, until the peer detaches.
    pub(crate) remote_handle: Option<u32>,
    /// The broker's handle, once the broker's attach is written.
    pub(crate) local_handle: Option<u32>,
    /// The peer's attach, kept until the broker accepts or rejects it.
    pub(crate) request: Option<Box<Attach>>,
    pub(crate) snd_settle_mode: SenderSettleMode,
    pub(crate) rcv_settle_mode: ReceiverSettleMode,
    /// The delivery count of the link's sender, as this endpoint tracks it.
    pub(crate) delivery_count: u32,
    /// Messages the sender may still send.
    pub(crate) link_credit: u32,
    /// Credit the engine restores on a receiving link when half of it is used; 0 grants none.
    pub(crate) credit_window: u32,
    /// The largest message accepted on the link: the broker's own limit when it receives, the
    /// peer's when it sends. 0 means no limit.
    pub(crate) max_message_size: u64,
    pub(crate) partial: Option<PartialDelivery>,
}

impl Link {
    /// Creates the broker's endpoint for the peer's `attach`.
    pub(crate) fn requested(id: LinkId, attach: Box<Attach>) -> Link {
        let role = attach.role.opposite();
        let delivery_count = match role {
            // The peer sends: it sets the initial delivery count.
            Role::Receiver => attach.initial_delivery_count.unwrap_or(0),
            Role::Sender => 0,
        };
        Link {
            id,
            name: attach.name.clone(),
            role,
            state: LinkState::Requested,
            remote_handle: Some(attach.handle),
            local_handle: None,
            snd_settle_mode: attach.snd_settle_mode,
            rcv_settle_mode: attach.rcv_settle_mode,
            delivery_count,
            link_credit: 0,
            credit_window: 0,
            max_message_size: attach.max_message_size.unwrap_or(0),
            partial: None,
            request: Some(attach),
        }
    }
}
