//! CloudEvents in binary content mode over AMQP.
//!
//! The CloudEvents AMQP protocol binding (version 1.0.3-wip, section 3.1, in the
//! `cloudevents/spec` repository at `cloudevents/bindings/amqp-protocol-binding.md`) maps
//! `datacontenttype` to the AMQP `content-type` property and every other attribute to an
//! application property named `cloudEvents:` followed by the attribute name. Values are sent
//! as native AMQP types or their canonical strings; the flow sends canonical strings and
//! reads both. The body stays the registry-encoded Avro datum, so `datacontenttype` is the
//! registry's content type `avro/binary+{schemaId}`.

use crate::transport::{Properties, PropertyValue};

/// The prefix of every CloudEvents application property.
pub const PROPERTY_PREFIX: &str = "cloudEvents:";

/// The `id` attribute: unique per event within its source.
pub const ID: &str = "cloudEvents:id";

/// The `source` attribute: the context the event happened in.
pub const SOURCE: &str = "cloudEvents:source";

/// The `type` attribute: the schema name of the event.
pub const TYPE: &str = "cloudEvents:type";

/// The `time` attribute: when the fact happened, RFC 3339.
pub const TIME: &str = "cloudEvents:time";

/// The `specversion` attribute.
pub const SPEC_VERSION: &str = "cloudEvents:specversion";

/// The CloudEvents version the flow writes.
pub const SPEC_VERSION_VALUE: &str = "1.0";

/// The required CloudEvents attributes of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudEvent {
    /// The event id.
    pub id: String,
    /// The source, such as `/eda-workshop/customer`.
    pub source: String,
    /// The type, the event's schema name such as `Customer.Created`.
    pub event_type: String,
    /// The time in RFC 3339.
    pub time: String,
}

/// A missing or unreadable CloudEvents attribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudEventError {
    /// A required attribute is absent.
    #[error("the event has no `{0}` application property, so it is not a CloudEvent")]
    Missing(&'static str),
    /// An attribute has a type the binding does not allow for it.
    #[error("the `{0}` application property is not a string or AMQP timestamp")]
    WrongType(&'static str),
    /// The event declares a CloudEvents version the flow does not read.
    #[error("the event declares CloudEvents version `{0}`: only 1.0 is read")]
    UnsupportedVersion(String),
}

impl CloudEvent {
    /// Adds the attributes to application properties as canonical strings.
    pub fn write_to(&self, properties: &mut Properties) {
        let text = |value: &str| PropertyValue::String(value.to_string());
        properties.insert(ID.to_string(), text(&self.id));
        properties.insert(SOURCE.to_string(), text(&self.source));
        properties.insert(TYPE.to_string(), text(&self.event_type));
        properties.insert(TIME.to_string(), text(&self.time));
        properties.insert(SPEC_VERSION.to_string(), text(SPEC_VERSION_VALUE));
    }

    /// Reads the attributes from application properties, accepting a native AMQP timestamp
    /// for `time` as the binding requires.
    pub fn read_from(properties: &Properties) -> Result<Self, CloudEventError> {
        let version = string_attribute(properties, SPEC_VERSION)?;
        if version != SPEC_VERSION_VALUE {
            return Err(CloudEventError::UnsupportedVersion(version));
        }
        let time = match properties.get(TIME) {
            Some(PropertyValue::String(text)) => text.clone(),
            Some(PropertyValue::Timestamp(ms)) => chrono::DateTime::from_timestamp_millis(*ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            Some(_) => return Err(CloudEventError::WrongType(TIME)),
            None => return Err(CloudEventError::Missing(TIME)),
        };
        Ok(CloudEvent {
            id: string_attribute(properties, ID)?,
            source: string_attribute(properties, SOURCE)?,
            event_type: string_attribute(properties, TYPE)?,
            time,
        })
    }
}

fn string_attribute(
    properties: &Properties,
    name: &'static str,
) -> Result<String, CloudEventError> {
    match properties.get(name) {
        Some(PropertyValue::String(text)) => Ok(text.clone()),
        Some(_) => Err(CloudEventError::WrongType(name)),
        None => Err(CloudEventError::Missing(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CloudEvent {
        CloudEvent {
            id: "8d3c1f0e-0000-4000-8000-000000000001".to_string(),
            source: "/eda-workshop/customer".to_string(),
            event_type: "Customer.Created".to_string(),
            time: "2026-12-04T15:00:00.000Z".to_string(),
        }
    }

    #[test]
    fn attributes_use_binding_property_names() {
        let mut properties = Properties::new();
        sample().write_to(&mut properties);
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "cloudEvents:id",
                "cloudEvents:source",
                "cloudEvents:specversion",
                "cloudEvents:time",
                "cloudEvents:type"
            ]
        );
        assert_eq!(
            properties[SPEC_VERSION],
            PropertyValue::String("1.0".to_string())
        );
    }

    #[test]
    fn attributes_round_trip() {
        let mut properties = Properties::new();
        sample().write_to(&mut properties);
        assert_eq!(CloudEvent::read_from(&properties), Ok(sample()));
    }

    #[test]
    fn native_timestamp_time_is_read() {
        let mut properties = Properties::new();
        sample().write_to(&mut properties);
        properties.insert(
            TIME.to_string(),
            PropertyValue::Timestamp(1_796_396_400_000),
        );
        let event = CloudEvent::read_from(&properties).unwrap();
        assert_eq!(event.time, "2026-12-04T15:00:00.000Z");
    }

    #[test]
    fn missing_id_is_reported() {
        let mut properties = Properties::new();
        sample().write_to(&mut properties);
        properties.remove(ID);
        assert_eq!(
            CloudEvent::read_from(&properties),
            Err(CloudEventError::Missing(ID))
        );
    }
}
