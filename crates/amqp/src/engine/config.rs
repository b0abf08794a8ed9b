//! Settings a broker chooses for each connection.

use std::time::Duration;

use crate::codec::value::{Symbol, Value};
use crate::sasl;

/// The server's side of connection negotiation.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// The container id the server sends in its `open`.
    pub container_id: String,
    /// The largest frame the server accepts, in bytes (at least 512). Before the peer's `open`
    /// arrives, frames up to this size are accepted too, because clients' `open` frames can
    /// exceed the 512 bytes the specification guarantees.
    pub max_frame_size: u32,
    /// The highest channel number the server accepts.
    pub channel_max: u16,
    /// The highest link handle the server accepts per session.
    pub handle_max: u32,
    /// The maximum time the peer may stay silent before the server closes the connection with
    /// `amqp:resource-limit-exceeded`. The server advertises half of it as its `idle-time-out`,
    /// so a peer that sends heartbeats at that interval never trips it. `None` disables it.
    pub idle_timeout: Option<Duration>,
    /// The SASL mechanisms offered, in order of preference. The engine accepts each of them
    /// without checking credentials: Event Hubs clients authorize through CBS tokens on `$cbs`
    /// after the connection opens, and the broker checks those.
    pub sasl_mechanisms: Vec<Symbol>,
    /// Whether a client must negotiate SASL first. When false, a client that sends the AMQP
    /// header directly is served as if it had chosen ANONYMOUS. When true, such a client gets
    /// the SASL header in reply and the connection ends, as the specification prescribes for an
    /// unsupported protocol header.
    pub require_sasl: bool,
    /// The number of transfer frames the server lets each session's peer send before it must
    /// wait for the server's next `flow`.
    pub incoming_window: u32,
    /// The largest message, in bytes, the server accepts on a link it receives on, unless
    /// the broker's response to the attach sets another limit.
    pub max_message_size: u64,
    /// Properties of the server's `open`.
    pub properties: Vec<(Value, Value)>,
}

impl Default for ConnectionConfig {
    /// Returns settings that the `azure-eventhub` and `azeventhubs` clients accept: frames of
    /// 64 KiB, 256 channels and handles, a 4-minute idle timeout, MSSBCBS, ANONYMOUS and PLAIN
    /// offered, and messages of 1 MiB (the Event Hubs Standard tier limit).
    fn default() -> Self {
        ConnectionConfig {
            container_id: "eda-workshop-broker".to_owned(),
            max_frame_size: 65_536,
            channel_max: 255,
            handle_max: 255,
            idle_timeout: Some(Duration::from_secs(240)),
            sasl_mechanisms: vec![
                Symbol::from(sasl::MSSBCBS),
                Symbol::from(sasl::ANONYMOUS),
                Symbol::from(sasl::PLAIN),
            ],
            require_sasl: false,
            incoming_window: 5_000,
            max_message_size: 1_048_576,
            properties: Vec::new(),
        }
    }
}
