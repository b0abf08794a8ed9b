//! SASL frames (AMQP 1.0 part 5, security).

use crate::codec::decode::type_name;
use crate::codec::encode::encode_described_list;
use crate::codec::fields::Fields;
use crate::codec::value::{Symbol, Value};
use crate::definitions::{descriptor_code, opt_string, symbols_value};
use crate::error::DecodeError;

const MECHANISMS: u64 = 0x40;
const INIT: u64 = 0x41;
const CHALLENGE: u64 = 0x42;
const RESPONSE: u64 = 0x43;
const OUTCOME: u64 = 0x44;

/// The SASL mechanism that carries no credentials.
pub const ANONYMOUS: &str = "ANONYMOUS";
/// The SASL mechanism with a user name and password (RFC 4616).
pub const PLAIN: &str = "PLAIN";
/// The mechanism Azure Service Bus and Event Hubs offer: no credentials at the SASL layer,
/// authorization later through claims-based security (CBS) tokens on the `$cbs` node.
pub const MSSBCBS: &str = "MSSBCBS";

/// The outcome codes of `sasl-outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslCode {
    /// Authentication succeeded (0).
    Ok,
    /// Authentication failed because of bad credentials (1).
    Auth,
    /// Authentication failed because of a system error (2).
    Sys,
    /// Authentication failed because of a system error that will not go away (3).
    SysPerm,
    /// Authentication failed because of a transient system error (4).
    SysTemp,
}

impl SaslCode {
    fn to_wire(self) -> u8 {
        match self {
            SaslCode::Ok => 0,
            SaslCode::Auth => 1,
            SaslCode::Sys => 2,
            SaslCode::SysPerm => 3,
            SaslCode::SysTemp => 4,
        }
    }

    fn from_wire(code: u8) -> SaslCode {
        match code {
            0 => SaslCode::Ok,
            1 => SaslCode::Auth,
            3 => SaslCode::SysPerm,
            4 => SaslCode::SysTemp,
            _ => SaslCode::Sys,
        }
    }
}

/// One SASL frame body.
#[derive(Debug, Clone, PartialEq)]
pub enum SaslFrame {
    /// `sasl-mechanisms`: the server's offer.
    Mechanisms(Vec<Symbol>),
    /// `sasl-init`: the client's choice and initial response.
    Init {
        /// The mechanism the client chose.
        mechanism: Symbol,
        /// The mechanism's initial response (for PLAIN: authzid NUL authcid NUL password).
        initial_response: Option<Vec<u8>>,
        /// The host name the client connected to.
        hostname: Option<String>,
    },
    /// `sasl-challenge`: more data from the server.
    Challenge(Vec<u8>),
    /// `sasl-response`: more data from the client.
    Response(Vec<u8>),
    /// `sasl-outcome`: the result.
    Outcome {
        /// The result code.
        code: SaslCode,
        /// Mechanism-specific data for the client.
        additional_data: Option<Vec<u8>>,
    },
}

impl SaslFrame {
    /// Appends the frame body, with every field written, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (code, fields) = match self {
            SaslFrame::Mechanisms(mechanisms) => (MECHANISMS, vec![symbols_value(mechanisms)]),
            SaslFrame::Init {
                mechanism,
                initial_response,
                hostname,
            } => (
                INIT,
                vec![
                    Value::Symbol(mechanism.clone()),
                    initial_response.clone().map_or(Value::Null, Value::Binary),
                    opt_string(hostname),
                ],
            ),
            SaslFrame::Challenge(data) => (CHALLENGE, vec![Value::Binary(data.clone())]),
            SaslFrame::Response(data) => (RESPONSE, vec![Value::Binary(data.clone())]),
            SaslFrame::Outcome {
                code,
                additional_data,
            } => (
                OUTCOME,
                vec![
                    Value::Ubyte(code.to_wire()),
                    additional_data.clone().map_or(Value::Null, Value::Binary),
                ],
            ),
        };
        encode_described_list(code, &fields, out);
    }

    /// Decodes a SASL frame body from its value.
    pub fn from_value(value: Value) -> Result<SaslFrame, DecodeError> {
        let described = match value {
            Value::Described(described) => described,
            other => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a SASL frame",
                    found: type_name(&other),
                })
            }
        };
        let code = descriptor_code(&described.descriptor);
        let mut f = Fields::new("SASL frame", described.value)?;
        let frame = match code {
            Some(MECHANISMS) => SaslFrame::Mechanisms(f.symbols(0, "sasl-server-mechanisms")?),
            Some(INIT) => {
                let mechanism = f.symbol(0, "mechanism")?;
                SaslFrame::Init {
                    mechanism: f.required(mechanism, "mechanism")?,
                    initial_response: f.binary(1, "initial-response")?,
                    hostname: f.string(2, "hostname")?,
                }
            }
            Some(CHALLENGE) => SaslFrame::Challenge(f.binary(0, "challenge")?.unwrap_or_default()),
            Some(RESPONSE) => SaslFrame::Response(f.binary(0, "response")?.unwrap_or_default()),
            Some(OUTCOME) => {
                let code = f.ubyte(0, "code")?;
                SaslFrame::Outcome {
                    code: SaslCode::from_wire(f.required(code, "code")?),
                    additional_data: f.binary(1, "additional-data")?,
                }
            }
            _ => {
                return Err(DecodeError::UnexpectedValue {
                    expected: "a SASL frame",
                    found: format!("descriptor {:?}", described.descriptor),
                })
            }
        };
        Ok(frame)
    }
}
