//! The nine performatives of the AMQP 1.0 transport (part 2 of the specification).
//!
//! The encoder writes every field of every performative, nulls included, in a `list8` or
//! `list32`, never dropping trailing fields and never using `list0`: the pure-Python AMQP client
//! of `azure-eventhub` 5.x reads fields by position and fails on shorter lists. Field counts:
//! open 10, begin 8, attach 14, flow 11, transfer 11, disposition 6, detach 3, end 1, close 1.

use crate::codec::decode::type_name;
use crate::codec::encode::encode_described_list;
use crate::codec::fields::Fields;
use crate::codec::value::{Symbol, Value};
use crate::definitions::{
    descriptor_code, opt_map, opt_string, opt_uint, symbols_value, AmqpError, DeliveryState,
    ReceiverSettleMode, Role, SenderSettleMode, Source, Target,
};
use crate::error::DecodeError;

const OPEN: u64 = 0x10;
const BEGIN: u64 = 0x11;
const ATTACH: u64 = 0x12;
const FLOW: u64 = 0x13;
const TRANSFER: u64 = 0x14;
const DISPOSITION: u64 = 0x15;
const DETACH: u64 = 0x16;
const END: u64 = 0x17;
const CLOSE: u64 = 0x18;

/// `open`: negotiates connection parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Open {
    /// The id of the sending container.
    pub container_id: String,
    /// The host name the client connected to.
    pub hostname: Option<String>,
    /// The largest frame, in bytes, the sender accepts; `None` means 4 GiB.
    pub max_frame_size: Option<u32>,
    /// The highest channel number the sender accepts; `None` means 65535.
    pub channel_max: Option<u16>,
    /// The sender's idle timeout in milliseconds.
    pub idle_time_out: Option<u32>,
    /// Locales the sender can write, most preferred first.
    pub outgoing_locales: Vec<Symbol>,
    /// Locales the sender can read.
    pub incoming_locales: Vec<Symbol>,
    /// Extensions the sender supports.
    pub offered_capabilities: Vec<Symbol>,
    /// Extensions the sender can use if the receiver supports them.
    pub desired_capabilities: Vec<Symbol>,
    /// Connection properties.
    pub properties: Option<Vec<(Value, Value)>>,
}

/// `begin`: starts a session on a channel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Begin {
    /// The peer's channel, when this begin replies to the peer's begin.
    pub remote_channel: Option<u16>,
    /// The transfer id of the sender's next outgoing transfer.
    pub next_outgoing_id: u32,
    /// How many transfers the sender can currently receive.
    pub incoming_window: u32,
    /// How many transfers the sender can currently send.
    pub outgoing_window: u32,
    /// The highest link handle the sender accepts; `None` means 2^32 - 1.
    pub handle_max: Option<u32>,
    /// Extensions the sender supports.
    pub offered_capabilities: Vec<Symbol>,
    /// Extensions the sender can use if the receiver supports them.
    pub desired_capabilities: Vec<Symbol>,
    /// Session properties.
    pub properties: Option<Vec<(Value, Value)>>,
}

/// `attach`: attaches a link endpoint to a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Attach {
    /// The link name, unique per pair of containers and direction.
    pub name: String,
    /// The sender's handle for the link.
    pub handle: u32,
    /// The sender's role on the link.
    pub role: Role,
    /// The settle mode of the link's sending endpoint.
    pub snd_settle_mode: SenderSettleMode,
    /// The settle mode of the link's receiving endpoint.
    pub rcv_settle_mode: ReceiverSettleMode,
    /// The source terminus.
    pub source: Option<Source>,
    /// The target terminus.
    pub target: Option<Target>,
    /// Unsettled delivery state, keyed by delivery tag.
    pub unsettled: Option<Vec<(Value, Value)>>,
    /// Whether `unsettled` is incomplete.
    pub incomplete_unsettled: bool,
    /// The sender endpoint's delivery count; required when the sender of the attach is the
    /// link's sender.
    pub initial_delivery_count: Option<u32>,
    /// The largest message, in bytes, the endpoint accepts; `None` or 0 means no limit.
    pub max_message_size: Option<u64>,
    /// Extensions the sender supports.
    pub offered_capabilities: Vec<Symbol>,
    /// Extensions the sender can use if the receiver supports them.
    pub desired_capabilities: Vec<Symbol>,
    /// Link properties (Event Hubs uses `com.microsoft:epoch`, `com.microsoft:timeout` and
    /// others).
    pub properties: Option<Vec<(Value, Value)>>,
}

/// `flow`: updates session windows and, with a handle, link credit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flow {
    /// The next transfer id the sender expects; unset before the peer's begin is known.
    pub next_incoming_id: Option<u32>,
    /// How many transfers the sender can currently receive.
    pub incoming_window: u32,
    /// The transfer id of the sender's next outgoing transfer.
    pub next_outgoing_id: u32,
    /// How many transfers the sender can currently send.
    pub outgoing_window: u32,
    /// The link this flow is about; `None` for a session-only flow.
    pub handle: Option<u32>,
    /// The link's delivery count as the sender of the flow tracks it.
    pub delivery_count: Option<u32>,
    /// The credit the receiving endpoint grants.
    pub link_credit: Option<u32>,
    /// Messages the sending endpoint has available.
    pub available: Option<u32>,
    /// Whether the receiving endpoint requests that the sender use up its credit.
    pub drain: bool,
    /// Whether the sender requests a flow in return.
    pub echo: bool,
    /// Link state properties.
    pub properties: Option<Vec<(Value, Value)>>,
}

/// `transfer`: one frame of a message on a link.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transfer {
    /// The link handle.
    pub handle: u32,
    /// The delivery id; required on the first frame of a delivery.
    pub delivery_id: Option<u32>,
    /// The delivery tag; required on the first frame of a delivery.
    pub delivery_tag: Option<Vec<u8>>,
    /// The message format: 0 for a plain message, 0x80013700 for an Event Hubs batch.
    pub message_format: Option<u32>,
    /// Whether the sender settled the delivery.
    pub settled: Option<bool>,
    /// Whether more frames of this delivery follow.
    pub more: bool,
    /// The receiver settle mode for this delivery, if it differs from the link's.
    pub rcv_settle_mode: Option<ReceiverSettleMode>,
    /// The delivery state.
    pub state: Option<DeliveryState>,
    /// Whether this resumes a delivery from an earlier link attachment.
    pub resume: bool,
    /// Whether the delivery is abandoned.
    pub aborted: bool,
    /// Whether the sender allows the receiver to delay its disposition.
    pub batchable: bool,
}

/// `disposition`: updates the state or settlement of a range of deliveries.
#[derive(Debug, Clone, PartialEq)]
pub struct Disposition {
    /// The role of the sender of the disposition.
    pub role: Role,
    /// The first delivery id of the range.
    pub first: u32,
    /// The last delivery id of the range; `None` means `first`.
    pub last: Option<u32>,
    /// Whether the deliveries are settled.
    pub settled: bool,
    /// The new delivery state.
    pub state: Option<DeliveryState>,
    /// Whether the receiver of the disposition may delay its own.
    pub batchable: bool,
}

/// `detach`: detaches a link endpoint, closing the link when `closed` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Detach {
    /// The link handle.
    pub handle: u32,
    /// Whether the link is closed rather than only detached.
    pub closed: bool,
    /// The reason the endpoint detaches, if it is an error.
    pub error: Option<AmqpError>,
}

/// One performative, decoded from or ready to encode into a frame body.
#[derive(Debug, Clone, PartialEq)]
pub enum Performative {
    /// `open`.
    Open(Open),
    /// `begin`.
    Begin(Begin),
    /// `attach`.
    Attach(Box<Attach>),
    /// `flow`.
    Flow(Flow),
    /// `transfer`.
    Transfer(Transfer),
    /// `disposition`.
    Disposition(Disposition),
    /// `detach`.
    Detach(Detach),
    /// `end`, with an optional error.
    End(Option<AmqpError>),
    /// `close`, with an optional error.
    Close(Option<AmqpError>),
}

impl Performative {
    /// Returns the performative's name as the specification spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Performative::Open(_) => "open",
            Performative::Begin(_) => "begin",
            Performative::Attach(_) => "attach",
            Performative::Flow(_) => "flow",
            Performative::Transfer(_) => "transfer",
            Performative::Disposition(_) => "disposition",
            Performative::Detach(_) => "detach",
            Performative::End(_) => "end",
            Performative::Close(_) => "close",
        }
    }

    /// Appends the encoding of the performative, with every field written, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (code, fields) = self.to_fields();
        encode_described_list(code, &fields, out);
    }

    fn to_fields(&self) -> (u64, Vec<Value>) {
        match self {
            Performative::Open(open) => (
                OPEN,
                vec![
                    Value::String(open.container_id.clone()),
                    opt_string(&open.hostname),
                    opt_uint(open.max_frame_size),
                    open.channel_max.map_or(Value::Null, Value::Ushort),
                    opt_uint(open.idle_time_out),
                    symbols_value(&open.outgoing_locales),
                    symbols_value(&open.incoming_locales),
                    symbols_value(&open.offered_capabilities),
                    symbols_value(&open.desired_capabilities),
                    opt_map(&open.properties),
                ],
            ),
            Performative::Begin(begin) => (
                BEGIN,
                vec![
                    begin.remote_channel.map_or(Value::Null, Value::Ushort),
                    Value::Uint(begin.next_outgoing_id),
                    Value::Uint(begin.incoming_window),
                    Value::Uint(begin.outgoing_window),
                    Value::Uint(begin.handle_max.unwrap_or(u32::MAX)),
                    symbols_value(&begin.offered_capabilities),
                    symbols_value(&begin.desired_capabilities),
                    opt_map(&begin.properties),
                ],
            ),
            Performative::Attach(attach) => (
                ATTACH,
                vec![
                    Value::String(attach.name.clone()),
                    Value::Uint(attach.handle),
                    Value::Bool(attach.role.to_wire()),
                    Value::Ubyte(attach.snd_settle_mode.to_wire()),
                    Value::Ubyte(attach.rcv_settle_mode.to_wire()),
                    attach.source.as_ref().map_or(Value::Null, Source::to_value),
                    attach.target.as_ref().map_or(Value::Null, Target::to_value),
                    opt_map(&attach.unsettled),
                    Value::Bool(attach.incomplete_unsettled),
                    opt_uint(attach.initial_delivery_count),
                    attach.max_message_size.map_or(Value::Null, Value::Ulong),
                    symbols_value(&attach.offered_capabilities),
                    symbols_value(&attach.desired_capabilities),
                    opt_map(&attach.properties),
                ],
            ),
            Performative::Flow(flow) => (
                FLOW,
                vec![
                    opt_uint(flow.next_incoming_id),
                    Value::Uint(flow.incoming_window),
                    Value::Uint(flow.next_outgoing_id),
                    Value::Uint(flow.outgoing_window),
                    opt_uint(flow.handle),
                    opt_uint(flow.delivery_count),
                    opt_uint(flow.link_credit),
                    opt_uint(flow.available),
                    Value::Bool(flow.drain),
                    Value::Bool(flow.echo),
                    opt_map(&flow.properties),
                ],
            ),
            Performative::Transfer(transfer) => (
                TRANSFER,
                vec![
                    Value::Uint(transfer.handle),
                    opt_uint(transfer.delivery_id),
                    transfer
                        .delivery_tag
                        .clone()
                        .map_or(Value::Null, Value::Binary),
                    opt_uint(transfer.message_format),
                    transfer.settled.map_or(Value::Null, Value::Bool),
                    Value::Bool(transfer.more),
                    transfer
                        .rcv_settle_mode
                        .map_or(Value::Null, |mode| Value::Ubyte(mode.to_wire())),
                    transfer
                        .state
                        .as_ref()
                        .map_or(Value::Null, DeliveryState::to_value),
                    Value::Bool(transfer.resume),
                    Value::Bool(transfer.aborted),
                    Value::Bool(transfer.batchable),
                ],
            ),
            Performative::Disposition(disposition) => (
                DISPOSITION,
                vec![
                    Value::Bool(disposition.role.to_wire()),
                    Value::Uint(disposition.first),
                    opt_uint(disposition.last),
                    Value::Bool(disposition.settled),
                    disposition
                        .state
                        .as_ref()
                        .map_or(Value::Null, DeliveryState::to_value),
                    Value::Bool(disposition.batchable),
                ],
            ),
            Performative::Detach(detach) => (
                DETACH,
                vec![
                    Value::Uint(detach.handle),
                    Value::Bool(detach.closed),
                    error_value(&detach.error),
                ],
            ),
            Performative::End(error) => (END, vec![error_value(error)]),
            Performative::Close(error) => (CLOSE, vec![error_value(error)]),
        }
    }

    /// Decodes a performative from its value (a described list).
    pub fn from_value(value: Value) -> Result<Performative, DecodeError> {
        let described = match value {
            Value::Described(described) => described,
            other => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a performative",
                    found: type_name(&other),
                })
            }
        };
        let code = descriptor_code(&described.descriptor);
        let performative = match code {
            Some(OPEN) => Performative::Open(decode_open(Fields::new("open", described.value)?)?),
            Some(BEGIN) => {
                Performative::Begin(decode_begin(Fields::new("begin", described.value)?)?)
            }
            Some(ATTACH) => Performative::Attach(Box::new(decode_attach(Fields::new(
                "attach",
                described.value,
            )?)?)),
            Some(FLOW) => Performative::Flow(decode_flow(Fields::new("flow", described.value)?)?),
            Some(TRANSFER) => {
                Performative::Transfer(decode_transfer(Fields::new("transfer", described.value)?)?)
            }
            Some(DISPOSITION) => Performative::Disposition(decode_disposition(Fields::new(
                "disposition",
                described.value,
            )?)?),
            Some(DETACH) => {
                Performative::Detach(decode_detach(Fields::new("detach", described.value)?)?)
            }
            Some(END) => {
                let mut fields = Fields::new("end", described.value)?;
                Performative::End(AmqpError::from_value(fields.take(0))?)
            }
            Some(CLOSE) => {
                let mut fields = Fields::new("close", described.value)?;
                Performative::Close(AmqpError::from_value(fields.take(0))?)
            }
            _ => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a performative",
                    found: format!("descriptor {:?}", described.descriptor),
                })
            }
        };
        Ok(performative)
    }
}

fn error_value(error: &Option<AmqpError>) -> Value {
    error.as_ref().map_or(Value::Null, AmqpError::to_value)
}

fn decode_open(mut f: Fields) -> Result<Open, DecodeError> {
    let container_id = f.string(0, "container-id")?;
    Ok(Open {
        container_id: f.required(container_id, "container-id")?,
        hostname: f.string(1, "hostname")?,
        max_frame_size: f.uint(2, "max-frame-size")?,
        channel_max: f.ushort(3, "channel-max")?,
        idle_time_out: f.uint(4, "idle-time-out")?,
        outgoing_locales: f.symbols(5, "outgoing-locales")?,
        incoming_locales: f.symbols(6, "incoming-locales")?,
        offered_capabilities: f.symbols(7, "offered-capabilities")?,
        desired_capabilities: f.symbols(8, "desired-capabilities")?,
        properties: f.map(9, "properties")?,
    })
}

fn decode_begin(mut f: Fields) -> Result<Begin, DecodeError> {
    let remote_channel = f.ushort(0, "remote-channel")?;
    let next_outgoing_id = f.uint(1, "next-outgoing-id")?;
    let incoming_window = f.uint(2, "incoming-window")?;
    let outgoing_window = f.uint(3, "outgoing-window")?;
    Ok(Begin {
        remote_channel,
        next_outgoing_id: f.required(next_outgoing_id, "next-outgoing-id")?,
        incoming_window: f.required(incoming_window, "incoming-window")?,
        outgoing_window: f.required(outgoing_window, "outgoing-window")?,
        handle_max: f.uint(4, "handle-max")?,
        offered_capabilities: f.symbols(5, "offered-capabilities")?,
        desired_capabilities: f.symbols(6, "desired-capabilities")?,
        properties: f.map(7, "properties")?,
    })
}

fn decode_attach(mut f: Fields) -> Result<Attach, DecodeError> {
    let name = f.string(0, "name")?;
    let handle = f.uint(1, "handle")?;
    let role = f.bool(2, "role")?;
    Ok(Attach {
        name: f.required(name, "name")?,
        handle: f.required(handle, "handle")?,
        role: Role::from_wire(f.required(role, "role")?),
        snd_settle_mode: SenderSettleMode::from_wire(f.ubyte(3, "snd-settle-mode")?),
        rcv_settle_mode: ReceiverSettleMode::from_wire(f.ubyte(4, "rcv-settle-mode")?),
        source: Source::from_value(f.take(5))?,
        target: Target::from_value(f.take(6))?,
        unsettled: f.map(7, "unsettled")?,
        incomplete_unsettled: f.bool(8, "incomplete-unsettled")?.unwrap_or(false),
        initial_delivery_count: f.uint(9, "initial-delivery-count")?,
        max_message_size: f.ulong(10, "max-message-size")?,
        offered_capabilities: f.symbols(11, "offered-capabilities")?,
        desired_capabilities: f.symbols(12, "desired-capabilities")?,
        properties: f.map(13, "properties")?,
    })
}

fn decode_flow(mut f: Fields) -> Result<Flow, DecodeError> {
    let next_incoming_id = f.uint(0, "next-incoming-id")?;
    let incoming_window = f.uint(1, "incoming-window")?;
    let next_outgoing_id = f.uint(2, "next-outgoing-id")?;
    let outgoing_window = f.uint(3, "outgoing-window")?;
    Ok(Flow {
        next_incoming_id,
        incoming_window: f.required(incoming_window, "incoming-window")?,
        next_outgoing_id: f.required(next_outgoing_id, "next-outgoing-id")?,
        outgoing_window: f.required(outgoing_window, "outgoing-window")?,
        handle: f.uint(4, "handle")?,
        delivery_count: f.uint(5, "delivery-count")?,
        link_credit: f.uint(6, "link-credit")?,
        available: f.uint(7, "available")?,
        drain: f.bool(8, "drain")?.unwrap_or(false),
        echo: f.bool(9, "echo")?.unwrap_or(false),
        properties: f.map(10, "properties")?,
    })
}

fn decode_transfer(mut f: Fields) -> Result<Transfer, DecodeError> {
    let handle = f.uint(0, "handle")?;
    Ok(Transfer {
        handle: f.required(handle, "handle")?,
        delivery_id: f.uint(1, "delivery-id")?,
        delivery_tag: f.binary(2, "delivery-tag")?,
        message_format: f.uint(3, "message-format")?,
        settled: f.bool(4, "settled")?,
        more: f.bool(5, "more")?.unwrap_or(false),
        rcv_settle_mode: f
            .ubyte(6, "rcv-settle-mode")?
            .map(|mode| ReceiverSettleMode::from_wire(Some(mode))),
        state: DeliveryState::from_value(f.take(7))?,
        resume: f.bool(8, "resume")?.unwrap_or(false),
        aborted: f.bool(9, "aborted")?.unwrap_or(false),
        batchable: f.bool(10, "batchable")?.unwrap_or(false),
    })
}

fn decode_disposition(mut f: Fields) -> Result<Disposition, DecodeError> {
    let role = f.bool(0, "role")?;
    let first = f.uint(1, "first")?;
    Ok(Disposition {
        role: Role::from_wire(f.required(role, "role")?),
        first: f.required(first, "first")?,
        last: f.uint(2, "last")?,
        settled: f.bool(3, "settled")?.unwrap_or(false),
        state: DeliveryState::from_value(f.take(4))?,
        batchable: f.bool(5, "batchable")?.unwrap_or(false),
    })
}

fn decode_detach(mut f: Fields) -> Result<Detach, DecodeError> {
    let handle = f.uint(0, "handle")?;
    Ok(Detach {
        handle: f.required(handle, "handle")?,
        closed: f.bool(1, "closed")?.unwrap_or(false),
        error: AmqpError::from_value(f.take(2))?,
    })
}
