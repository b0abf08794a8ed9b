//! Encoding and decoding of event payloads with schemas from the registry, as the Azure SDKs'
//! Avro encoders do. The publisher registers its schema on first use (auto-registration). The
//! consumer decodes with the writer's schema from the registry and its own declared reader
//! schema. Schema ids and parsed schemas are cached for the life of the serializer.
//!
//! A reader schema that expects a field the writer never wrote, with no default, is an error
//! naming the field: decoding never invents empty values.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use apache_avro::types::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::{ClientError, RegistryClient};
use crate::compat::resolve::{resolve, FindingKind};
use crate::model::{normalized_content, ParsedSchema, SchemaError};
use crate::wire::{self, SchemaId, WireError};

mod reader_fields;

/// A failure to encode or decode an event.
#[derive(Debug, thiserror::Error)]
pub enum SerializerError {
    /// The schema text is not a valid schema.
    #[error("the schema is invalid: {0}")]
    InvalidSchema(#[from] SchemaError),
    /// `apache-avro` rejects the schema (it is stricter than the registry, for example about
    /// defaults of the wrong type).
    #[error("the Avro library rejects the schema `{name}`: {message}")]
    AvroSchema {
        /// The schema's full name, or `(unnamed)`.
        name: String,
        /// The library's message.
        message: String,
    },
    /// The top-level type is not a record, enum or fixed, so it has no name to register under.
    #[error("the schema's top-level type has no name: register records, enums or fixed types")]
    UnnamedSchema,
    /// A registry request failed.
    #[error(transparent)]
    Registry(#[from] ClientError),
    /// Auto-registration is off and the schema is not registered.
    #[error(
        "schema `{name}` is not registered in schema group `{group}` with this content: \
         register it first or turn on auto-registration"
    )]
    NotRegistered {
        /// The schema name.
        name: String,
        /// The schema group.
        group: String,
    },
    /// The value does not match the writer's schema.
    #[error("the event does not match schema `{name}`: {message}")]
    Encode {
        /// The schema's full name.
        name: String,
        /// The library's message.
        message: String,
    },
    /// The payload cannot be decoded with its writer's schema.
    #[error("decoding an event written with schema id {schema_id} failed: {message}")]
    Decode {
        /// The writer's schema id.
        schema_id: String,
        /// The library's message.
        message: String,
    },
    /// The content type or framing is not what the method expects.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The reader expects fields the writer never wrote, and they have no default.
    #[error(
        "the reader schema `{reader}` expects the field(s) {} that the writer's schema \
         `{writer}` (id {schema_id}) does not have, and they have no default: fix the field \
         names in the reader schema or give them defaults",
        quoted(.fields)
    )]
    MissingFields {
        /// The missing fields, dotted paths.
        fields: Vec<String>,
        /// The reader schema's full name.
        reader: String,
        /// The writer schema's full name.
        writer: String,
        /// The writer's schema id.
        schema_id: String,
    },
    /// The reader's types cannot read the writer's data.
    #[error("the reader schema cannot read data of schema id {schema_id}: {}", .reasons.join("; "))]
    IncompatibleReader {
        /// The writer's schema id.
        schema_id: String,
        /// One sentence per broken field.
        reasons: Vec<String>,
    },
    /// A plain-Avro reader received a payload in the registry's framed format.
    #[error(
        "the payload starts with the Schema Registry framing (a 4-byte zero header and the \
         schema id {schema_id}), not a plain Avro datum: decode it with the registry \
         serializer's framed decoder, or publish with content type avro/binary+{schema_id} \
         and a plain Avro body for readers that expect plain Avro (such as Stream Analytics)"
    )]
    FramedPayload {
        /// The schema id found in the framing.
        schema_id: String,
    },
}

fn quoted(fields: &[String]) -> String {
    fields
        .iter()
        .map(|field| format!("`{field}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An event payload in the registry's current format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    /// `avro/binary+{schemaId}`.
    pub content_type: String,
    /// The plain Avro binary datum.
    pub body: Vec<u8>,
}

/// A schema parsed twice: by `apache-avro` for encoding, and by the registry's own model for
/// the field checks.
#[derive(Debug)]
struct CachedSchema {
    avro: apache_avro::Schema,
    model: ParsedSchema,
    name: String,
}

impl CachedSchema {
    fn parse(text: &str) -> Result<Self, SerializerError> {
        let model = ParsedSchema::parse(text)?;
        let name = model
            .root_name()
            .map(str::to_string)
            .ok_or(SerializerError::UnnamedSchema)?;
        let avro =
            apache_avro::Schema::parse_str(text).map_err(|error| SerializerError::AvroSchema {
                name: name.clone(),
                message: error.to_string(),
            })?;
        Ok(CachedSchema { avro, model, name })
    }
}

/// Encodes and decodes events of one schema group.
#[derive(Debug)]
pub struct Serializer {
    client: RegistryClient,
    group: String,
    auto_register: bool,
    /// Schema ids by exact schema text and by normalized schema text.
    ids: Mutex<HashMap<String, SchemaId>>,
    /// Writer schemas by id.
    writers: Mutex<HashMap<SchemaId, Arc<CachedSchema>>>,
    /// Parsed schemas by their exact text (publisher and reader schemas).
    parsed: Mutex<HashMap<String, Arc<CachedSchema>>>,
    /// (writer schema id, reader schema text) pairs already checked and found readable.
    readable: Mutex<HashSet<(SchemaId, String)>>,
}

impl Serializer {
    /// Creates a serializer for a schema group, with auto-registration on.
    pub fn new(client: RegistryClient, group: impl Into<String>) -> Self {
        Serializer {
            client,
            group: group.into(),
            auto_register: true,
            ids: Mutex::new(HashMap::new()),
            writers: Mutex::new(HashMap::new()),
            parsed: Mutex::new(HashMap::new()),
            readable: Mutex::new(HashSet::new()),
        }
    }

    /// Turns auto-registration on or off; off, encoding fails for unregistered schemas.
    pub fn with_auto_register(mut self, auto_register: bool) -> Self {
        self.auto_register = auto_register;
        self
    }

    /// Returns the schema id for a schema text, registering it when auto-registration is on.
    pub async fn schema_id(&self, schema_text: &str) -> Result<SchemaId, SerializerError> {
        if let Some(id) = lock(&self.ids).get(schema_text) {
            return Ok(id.clone());
        }
        let key = normalized_content(schema_text)?;
        if let Some(id) = lock(&self.ids).get(&key).cloned() {
            lock(&self.ids).insert(schema_text.to_string(), id.clone());
            return Ok(id);
        }

        let schema = self.parsed(schema_text)?;
        let properties = match self
            .client
            .get_properties(&self.group, &schema.name, schema_text)
            .await?
        {
            Some(properties) => properties,
            None if self.auto_register => {
                self.client
                    .register(&self.group, &schema.name, schema_text)
                    .await?
            }
            None => {
                return Err(SerializerError::NotRegistered {
                    name: schema.name.clone(),
                    group: self.group.clone(),
                })
            }
        };

        let mut ids = lock(&self.ids);
        ids.insert(key, properties.id.clone());
        ids.insert(schema_text.to_string(), properties.id.clone());
        drop(ids);
        lock(&self.writers).insert(properties.id.clone(), schema);
        Ok(properties.id)
    }

    /// Encodes a value in the current format: content type `avro/binary+{id}`, plain body.
    pub async fn encode<T: Serialize>(
        &self,
        value: &T,
        schema_text: &str,
    ) -> Result<EncodedEvent, SerializerError> {
        let schema_id = self.schema_id(schema_text).await?;
        let body = self.datum(value, schema_text)?;
        Ok(EncodedEvent {
            content_type: wire::event_content_type(&schema_id),
            body,
        })
    }

    /// Encodes a value in the older framed format: zero header, schema id, datum.
    pub async fn encode_framed<T: Serialize>(
        &self,
        value: &T,
        schema_text: &str,
    ) -> Result<Vec<u8>, SerializerError> {
        let schema_id = self.schema_id(schema_text).await?;
        let datum = self.datum(value, schema_text)?;
        Ok(wire::frame(&schema_id, &datum))
    }

    /// Decodes an event in the current format with a declared reader schema.
    pub async fn decode<T: DeserializeOwned>(
        &self,
        content_type: &str,
        body: &[u8],
        reader_schema: &str,
    ) -> Result<T, SerializerError> {
        let value = self.decode_value(content_type, body, reader_schema).await?;
        from_value(&value)
    }

    /// Decodes an event in the current format to an Avro value.
    pub async fn decode_value(
        &self,
        content_type: &str,
        body: &[u8],
        reader_schema: &str,
    ) -> Result<Value, SerializerError> {
        // A plain datum practically never starts with four zero bytes followed by 32 hex
        // characters, so such a body is a framed payload. The framing is named before the
        // content type is checked, because serializers that frame their payloads send a content
        // type of `avro/binary` or none.
        if let Some(framed_id) = wire::framing_schema_id(body) {
            return Err(SerializerError::FramedPayload {
                schema_id: framed_id.to_string(),
            });
        }
        let schema_id = wire::parse_event_content_type(content_type)?;
        self.decode_datum(&schema_id, body, reader_schema).await
    }

    /// Decodes a framed payload with a declared reader schema.
    pub async fn decode_framed<T: DeserializeOwned>(
        &self,
        payload: &[u8],
        reader_schema: &str,
    ) -> Result<T, SerializerError> {
        let (schema_id, datum) = wire::unframe(payload)?;
        let value = self.decode_datum(&schema_id, datum, reader_schema).await?;
        from_value(&value)
    }

    async fn decode_datum(
        &self,
        schema_id: &SchemaId,
        datum: &[u8],
        reader_schema: &str,
    ) -> Result<Value, SerializerError> {
        let writer = self.writer(schema_id).await?;
        let reader = self.parsed(reader_schema)?;
        let pair = (schema_id.clone(), reader_schema.to_string());
        if !lock(&self.readable).contains(&pair) {
            check_reader(&reader, &writer, schema_id)?;
            lock(&self.readable).insert(pair);
        }
        let decode_error = |error: apache_avro::Error| SerializerError::Decode {
            schema_id: schema_id.to_string(),
            message: error.to_string(),
        };
        let mut input = datum;
        let written =
            apache_avro::from_avro_datum(&writer.avro, &mut input, None).map_err(decode_error)?;
        reader_fields::match_reader_fields(written, &writer.model, &reader.model)
            .resolve(&reader.avro)
            .map_err(decode_error)
    }

    async fn writer(&self, schema_id: &SchemaId) -> Result<Arc<CachedSchema>, SerializerError> {
        if let Some(schema) = lock(&self.writers).get(schema_id) {
            return Ok(schema.clone());
        }
        let registered = self.client.get_schema(schema_id).await?;
        let schema = Arc::new(CachedSchema::parse(&registered.content)?);
        lock(&self.writers).insert(schema_id.clone(), schema.clone());
        Ok(schema)
    }

    fn parsed(&self, text: &str) -> Result<Arc<CachedSchema>, SerializerError> {
        if let Some(schema) = lock(&self.parsed).get(text) {
            return Ok(schema.clone());
        }
        let schema = Arc::new(CachedSchema::parse(text)?);
        lock(&self.parsed).insert(text.to_string(), schema.clone());
        Ok(schema)
    }

    fn datum<T: Serialize>(
        &self,
        value: &T,
        schema_text: &str,
    ) -> Result<Vec<u8>, SerializerError> {
        let schema = self.parsed(schema_text)?;
        encode_datum(value, &schema)
    }
}

fn encode_datum<T: Serialize>(
    value: &T,
    schema: &CachedSchema,
) -> Result<Vec<u8>, SerializerError> {
    let encode_error = |message: String| SerializerError::Encode {
        name: schema.name.clone(),
        message,
    };
    let avro_value =
        apache_avro::to_value(value).map_err(|error| encode_error(error.to_string()))?;
    let resolved = avro_value
        .resolve(&schema.avro)
        .map_err(|error| encode_error(error.to_string()))?;
    apache_avro::to_avro_datum(&schema.avro, resolved)
        .map_err(|error| encode_error(error.to_string()))
}

/// Rejects a reader that expects fields the writer lacks (without defaults) or whose types
/// cannot read the writer's, before any byte is decoded.
fn check_reader(
    reader: &CachedSchema,
    writer: &CachedSchema,
    schema_id: &SchemaId,
) -> Result<(), SerializerError> {
    let findings = resolve(&reader.model, &writer.model);
    if findings.is_empty() {
        return Ok(());
    }
    let missing: Vec<String> = findings
        .iter()
        .filter(|finding| {
            matches!(
                finding.kind,
                FindingKind::MissingField { .. } | FindingKind::Renamed { .. }
            )
        })
        .map(|finding| finding.path.clone())
        .collect();
    if !missing.is_empty() {
        return Err(SerializerError::MissingFields {
            fields: missing,
            reader: reader.name.clone(),
            writer: writer.name.clone(),
            schema_id: schema_id.to_string(),
        });
    }
    Err(SerializerError::IncompatibleReader {
        schema_id: schema_id.to_string(),
        reasons: findings.iter().map(|finding| finding.describe()).collect(),
    })
}

/// Decodes a plain Avro datum (no registry) with the given schema, as a consumer that does not
/// use the registry would. A payload in the registry's framed format is reported as such
/// instead of being decoded into garbage.
pub fn decode_plain_avro(body: &[u8], schema_text: &str) -> Result<Value, SerializerError> {
    if let Some(schema_id) = wire::framing_schema_id(body) {
        return Err(SerializerError::FramedPayload {
            schema_id: schema_id.to_string(),
        });
    }
    let schema = CachedSchema::parse(schema_text)?;
    let mut input = body;
    apache_avro::from_avro_datum(&schema.avro, &mut input, None).map_err(|error| {
        SerializerError::Decode {
            schema_id: "(none: plain Avro)".to_string(),
            message: error.to_string(),
        }
    })
}

/// Encodes a value as a plain Avro datum with the given schema, with no registry involved.
pub fn encode_plain_avro<T: Serialize>(
    value: &T,
    schema_text: &str,
) -> Result<Vec<u8>, SerializerError> {
    encode_datum(value, &CachedSchema::parse(schema_text)?)
}

fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, SerializerError> {
    apache_avro::from_value(value).map_err(|error| SerializerError::Decode {
        schema_id: "(decoded value)".to_string(),
        message: format!("the decoded record does not fit the requested type: {error}"),
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Caches hold only complete entries, so a poisoned lock is safe to reuse.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
