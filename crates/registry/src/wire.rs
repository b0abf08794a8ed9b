//! Azure Schema Registry wire formats, as plain functions with no I/O.
//!
//! Two payload formats exist for an Avro event:
//!
//! - **Current** (Azure SDKs since 2022): the event's content type is `avro/binary+{schemaId}`
//!   and its body is the plain Avro binary datum.
//! - **Framed** (the early preview serializers): the body is a 4-byte header of zeros, then the
//!   32-character schema id in ASCII, then the Avro datum. Consumers that expect plain Avro,
//!   such as Azure Stream Analytics, cannot read this framing: they take the header for the
//!   start of the datum and fail or decode garbage, because nothing in plain Avro marks a
//!   prefix to skip.

use std::fmt;

/// The content type of an Avro schema in the registry's REST API.
pub const AVRO_SCHEMA_CONTENT_TYPE: &str = "application/json; serialization=Avro";

/// The prefix of an event content type that carries a schema id.
pub const AVRO_EVENT_CONTENT_TYPE_PREFIX: &str = "avro/binary+";

/// Length of the framed format's header of zero bytes.
pub const FRAME_HEADER_LEN: usize = 4;

/// Length of a schema id in characters.
pub const SCHEMA_ID_LEN: usize = 32;

/// A failure to read a content type or a framed payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The event's content type does not carry a schema id.
    #[error(
        "content type `{0}` is not an Avro event content type: expected `avro/binary+` \
         followed by a 32-character schema id"
    )]
    NotAvroEventContentType(String),
    /// A schema id is not 32 hexadecimal characters.
    #[error("`{0}` is not a schema id: a schema id has 32 hexadecimal characters")]
    InvalidSchemaId(String),
    /// The payload is too short for the framed format.
    #[error(
        "the payload has {0} bytes, fewer than the 36 of the registry framing (4-byte header \
         and 32-character schema id)"
    )]
    FrameTooShort(usize),
    /// The payload does not start with the framing's header of four zero bytes.
    #[error(
        "the payload does not start with the registry framing's 4-byte zero header (found \
         {0:02x?}): it is probably plain Avro, so decode it with its content type instead"
    )]
    NoFrameHeader([u8; 4]),
}

/// A schema id: 32 hexadecimal characters, unique within a registry namespace.
///
/// Azure's ids have the shape of a GUID written without dashes, in lowercase. RFC 4122 makes a
/// GUID's hexadecimal digits case-insensitive on input, so an id is stored in lowercase and
/// an uppercase id names the same schema.
// NOTE: Azure does not document whether its service matches ids case-insensitively, so this
// registry accepts either case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct SchemaId(String);

impl SchemaId {
    /// Parses a schema id in either case into its lowercase form, rejecting anything but 32
    /// hexadecimal characters.
    pub fn parse(text: &str) -> Result<Self, WireError> {
        if text.len() == SCHEMA_ID_LEN && text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            Ok(SchemaId(text.to_ascii_lowercase()))
        } else {
            Err(WireError::InvalidSchemaId(text.to_string()))
        }
    }

    /// Returns the id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SchemaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decides whether a request's content type names an Avro schema, ignoring case and spaces as
/// Azure does (`application/json;serialization=avro` matches).
pub fn is_avro_schema_content_type(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.any(|parameter| {
        let normalized: String = parameter.chars().filter(|c| !c.is_whitespace()).collect();
        normalized.eq_ignore_ascii_case("serialization=avro")
    })
}

/// Returns the content type of an event encoded with the given schema.
pub fn event_content_type(schema_id: &SchemaId) -> String {
    format!("{AVRO_EVENT_CONTENT_TYPE_PREFIX}{schema_id}")
}

/// Reads the schema id out of an event content type such as `avro/binary+{schemaId}`.
pub fn parse_event_content_type(value: &str) -> Result<SchemaId, WireError> {
    let trimmed = value.trim();
    let prefix_len = AVRO_EVENT_CONTENT_TYPE_PREFIX.len();
    match trimmed.get(..prefix_len) {
        Some(prefix) if prefix.eq_ignore_ascii_case(AVRO_EVENT_CONTENT_TYPE_PREFIX) => {
            SchemaId::parse(&trimmed[prefix_len..])
                .map_err(|_| WireError::NotAvroEventContentType(value.to_string()))
        }
        _ => Err(WireError::NotAvroEventContentType(value.to_string())),
    }
}

/// Builds a framed payload: the zero header, the schema id, then the datum.
pub fn frame(schema_id: &SchemaId, datum: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(FRAME_HEADER_LEN + SCHEMA_ID_LEN + datum.len());
    payload.extend_from_slice(&[0; FRAME_HEADER_LEN]);
    payload.extend_from_slice(schema_id.as_str().as_bytes());
    payload.extend_from_slice(datum);
    payload
}

/// Splits a framed payload into its schema id and datum.
pub fn unframe(payload: &[u8]) -> Result<(SchemaId, &[u8]), WireError> {
    if payload.len() < FRAME_HEADER_LEN + SCHEMA_ID_LEN {
        return Err(WireError::FrameTooShort(payload.len()));
    }
    let header: [u8; 4] = [payload[0], payload[1], payload[2], payload[3]];
    if header != [0; 4] {
        return Err(WireError::NoFrameHeader(header));
    }
    let id_bytes = &payload[FRAME_HEADER_LEN..FRAME_HEADER_LEN + SCHEMA_ID_LEN];
    let id_text = String::from_utf8_lossy(id_bytes);
    let schema_id = SchemaId::parse(&id_text)?;
    Ok((schema_id, &payload[FRAME_HEADER_LEN + SCHEMA_ID_LEN..]))
}

/// Returns the schema id when the payload starts with the registry framing.
pub fn framing_schema_id(payload: &[u8]) -> Option<SchemaId> {
    unframe(payload).ok().map(|(schema_id, _)| schema_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn schema_content_type_ignores_case_and_spaces() {
        assert!(is_avro_schema_content_type(
            "application/json; serialization=Avro"
        ));
        assert!(is_avro_schema_content_type(
            "application/json;serialization=avro"
        ));
        assert!(is_avro_schema_content_type(
            "Application/JSON ; serialization = AVRO"
        ));
        assert!(!is_avro_schema_content_type("application/json"));
        assert!(!is_avro_schema_content_type("text/plain; charset=utf-8"));
        assert!(!is_avro_schema_content_type(
            "application/json; serialization=Json"
        ));
    }

    #[test]
    fn schema_id_parses_to_lowercase() {
        let id = SchemaId::parse(&ID.to_ascii_uppercase()).unwrap();
        assert_eq!(id.as_str(), ID);
    }

    #[test]
    fn event_content_type_round_trips() {
        let id = SchemaId::parse(ID).unwrap();
        let content_type = event_content_type(&id);
        assert_eq!(content_type, format!("avro/binary+{ID}"));
        assert_eq!(parse_event_content_type(&content_type), Ok(id));
    }

    #[test]
    fn event_content_type_without_id_is_rejected() {
        let error = parse_event_content_type("avro/binary").unwrap_err();
        assert_eq!(
            error,
            WireError::NotAvroEventContentType("avro/binary".into())
        );
    }

    #[test]
    fn frame_round_trips() {
        let id = SchemaId::parse(ID).unwrap();
        let payload = frame(&id, b"datum");
        assert_eq!(&payload[..4], &[0, 0, 0, 0]);
        assert_eq!(payload.len(), 4 + 32 + 5);
        let (read_id, datum) = unframe(&payload).unwrap();
        assert_eq!(read_id, id);
        assert_eq!(datum, b"datum");
    }

    #[test]
    fn plain_avro_is_not_framed() {
        let mut plain = vec![0x06, b'a', b'b', b'c'];
        plain.extend_from_slice(&[b'x'; 40]);
        assert_eq!(
            unframe(&plain),
            Err(WireError::NoFrameHeader([0x06, b'a', b'b', b'c']))
        );
        assert_eq!(framing_schema_id(&plain), None);
    }
}
