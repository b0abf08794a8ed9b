//! The flow's event payloads and their encoding through the schema registry.
//!
//! Every payload is an Avro record of strings, registered in the course's schema group by the
//! publisher on first use. Consumers decode with the declared reader schema of the type they
//! expect, so a field that does not exist is an error, never a silent empty value.

use std::sync::Arc;
use std::time::Duration;

use registry::course_schemas::event_schema;
use registry::serializer::{EncodedEvent, Serializer, SerializerError};
use serde::{Deserialize, Serialize};

/// `Customer.Created`: the Customer team stored a new customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCreated {
    /// The customer id.
    pub id: String,
    /// When the customer was created, RFC 3339.
    pub date: String,
    /// The customer's email address.
    pub email: String,
}

/// `Lead.Generated`: Conversions turned a customer into a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadGenerated {
    /// The lead id.
    pub id: String,
    /// When the lead was generated, RFC 3339.
    pub date: String,
    /// The customer the lead is for.
    pub customer_id: String,
}

/// `Lead.Abandoned`: Conversions decided a customer does not become a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadAbandoned {
    /// The abandoned lead's id.
    pub id: String,
    /// When the decision was made, RFC 3339.
    pub date: String,
    /// The customer.
    pub customer_id: String,
    /// The reason the customer did not become a lead.
    pub reason: String,
}

/// `Sale.Confirmation`: a partner's leads-sold file reported a lead as sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleConfirmation {
    /// The sale id.
    pub id: String,
    /// When the sale was confirmed, RFC 3339.
    pub date: String,
    /// The sold lead.
    pub lead_id: String,
    /// The purchase date from the partner's file.
    pub sale_date: String,
}

/// `Lead.Purchased`: a sold lead was confirmed as purchased. The schema has no lead field, so
/// `id` is the purchased lead's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPurchased {
    /// The purchased lead's id.
    pub id: String,
    /// When the purchase was confirmed, RFC 3339.
    pub date: String,
    /// The purchase date from the sale.
    pub purchase_date: String,
}

/// A payload of any of the flow's event types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum FlowEvent {
    /// `Customer.Created`.
    CustomerCreated(CustomerCreated),
    /// `Lead.Generated`.
    LeadGenerated(LeadGenerated),
    /// `Lead.Abandoned`.
    LeadAbandoned(LeadAbandoned),
    /// `Sale.Confirmation`.
    SaleConfirmation(SaleConfirmation),
    /// `Lead.Purchased`.
    LeadPurchased(LeadPurchased),
}

impl FlowEvent {
    /// Returns the schema name, which is also the CloudEvents type.
    pub fn event_type(&self) -> &'static str {
        match self {
            FlowEvent::CustomerCreated(_) => "Customer.Created",
            FlowEvent::LeadGenerated(_) => "Lead.Generated",
            FlowEvent::LeadAbandoned(_) => "Lead.Abandoned",
            FlowEvent::SaleConfirmation(_) => "Sale.Confirmation",
            FlowEvent::LeadPurchased(_) => "Lead.Purchased",
        }
    }

    /// Returns the hub the event type is published to.
    pub fn hub(&self) -> &'static str {
        course::flow::event(self.event_type())
            .map(|event| event.hub)
            .expect("every flow event type is in the course")
    }

    /// Returns the record's fields in schema order, as names and values.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            FlowEvent::CustomerCreated(event) => vec![
                ("id", event.id.clone()),
                ("date", event.date.clone()),
                ("email", event.email.clone()),
            ],
            FlowEvent::LeadGenerated(event) => vec![
                ("id", event.id.clone()),
                ("date", event.date.clone()),
                ("customer_id", event.customer_id.clone()),
            ],
            FlowEvent::LeadAbandoned(event) => vec![
                ("id", event.id.clone()),
                ("date", event.date.clone()),
                ("customer_id", event.customer_id.clone()),
                ("reason", event.reason.clone()),
            ],
            FlowEvent::SaleConfirmation(event) => vec![
                ("id", event.id.clone()),
                ("date", event.date.clone()),
                ("lead_id", event.lead_id.clone()),
                ("sale_date", event.sale_date.clone()),
            ],
            FlowEvent::LeadPurchased(event) => vec![
                ("id", event.id.clone()),
                ("date", event.date.clone()),
                ("purchase_date", event.purchase_date.clone()),
            ],
        }
    }
}

/// A failure to encode or decode a flow event.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The event type is not one of the flow's.
    #[error("`{0}` is not an event type of the flow: expected one of the course's five types")]
    UnknownType(String),
    /// The event has no content type, so its schema id is unknown.
    #[error("the event has no content type: expected `avro/binary+{{schemaId}}`")]
    MissingContentType,
    /// The registry serializer failed.
    #[error(transparent)]
    Serializer(#[from] SerializerError),
    /// The schema registry did not respond in time.
    #[error(
        "the schema registry did not respond within {} s: check that it is running",
        REGISTRY_TIMEOUT.as_secs()
    )]
    TimedOut,
}

/// How long one encode or decode may wait for the schema registry, so that a request that
/// never completes becomes an error the caller retries.
pub const REGISTRY_TIMEOUT: Duration = Duration::from_secs(10);

/// Encodes and decodes the flow's events with the registry serializer.
#[derive(Debug, Clone)]
pub struct EventCodec {
    serializer: Arc<Serializer>,
}

impl EventCodec {
    /// Wraps a serializer of the course's schema group.
    pub fn new(serializer: Arc<Serializer>) -> Self {
        EventCodec { serializer }
    }

    /// Encodes a payload with its type's schema, registering the schema on first use.
    pub async fn encode(&self, event: &FlowEvent) -> Result<EncodedEvent, CodecError> {
        tokio::time::timeout(REGISTRY_TIMEOUT, self.encode_now(event))
            .await
            .map_err(|_| CodecError::TimedOut)?
    }

    async fn encode_now(&self, event: &FlowEvent) -> Result<EncodedEvent, CodecError> {
        let schema = schema_text(event.event_type())?;
        let encoded = match event {
            FlowEvent::CustomerCreated(value) => self.serializer.encode(value, schema).await?,
            FlowEvent::LeadGenerated(value) => self.serializer.encode(value, schema).await?,
            FlowEvent::LeadAbandoned(value) => self.serializer.encode(value, schema).await?,
            FlowEvent::SaleConfirmation(value) => self.serializer.encode(value, schema).await?,
            FlowEvent::LeadPurchased(value) => self.serializer.encode(value, schema).await?,
        };
        Ok(encoded)
    }

    /// Decodes a body as the given event type, with that type's schema as the reader schema.
    pub async fn decode(
        &self,
        event_type: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<FlowEvent, CodecError> {
        tokio::time::timeout(
            REGISTRY_TIMEOUT,
            self.decode_now(event_type, content_type, body),
        )
        .await
        .map_err(|_| CodecError::TimedOut)?
    }

    async fn decode_now(
        &self,
        event_type: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<FlowEvent, CodecError> {
        // A framed payload is named as such whatever its content type, which serializers that
        // frame their payloads leave out.
        if let Some(schema_id) = registry::wire::framing_schema_id(body) {
            return Err(SerializerError::FramedPayload {
                schema_id: schema_id.to_string(),
            }
            .into());
        }
        let content_type = content_type.ok_or(CodecError::MissingContentType)?;
        let schema = schema_text(event_type)?;
        let serializer = &self.serializer;
        let event = match event_type {
            "Customer.Created" => {
                FlowEvent::CustomerCreated(serializer.decode(content_type, body, schema).await?)
            }
            "Lead.Generated" => {
                FlowEvent::LeadGenerated(serializer.decode(content_type, body, schema).await?)
            }
            "Lead.Abandoned" => {
                FlowEvent::LeadAbandoned(serializer.decode(content_type, body, schema).await?)
            }
            "Sale.Confirmation" => {
                FlowEvent::SaleConfirmation(serializer.decode(content_type, body, schema).await?)
            }
            "Lead.Purchased" => {
                FlowEvent::LeadPurchased(serializer.decode(content_type, body, schema).await?)
            }
            other => return Err(CodecError::UnknownType(other.to_string())),
        };
        Ok(event)
    }
}

fn schema_text(event_type: &str) -> Result<&'static str, CodecError> {
    event_schema(event_type).ok_or_else(|| CodecError::UnknownType(event_type.to_string()))
}
