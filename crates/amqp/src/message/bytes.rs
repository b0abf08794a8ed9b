//! A message kept as its exact bytes, with the position of each section.

use std::ops::Range;

use crate::codec::decode::Decoder;
use crate::codec::value::Value;
use crate::error::DecodeError;

use super::section::{self, write_value_section, SectionKind};
use super::Message;

/// The position of one section in a message's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSpan {
    /// The section's kind.
    pub kind: SectionKind,
    /// The section's bytes, descriptor included.
    pub range: Range<usize>,
}

/// A message kept byte for byte, as a broker stores an event.
///
/// Parsing checks that every section decodes, so [`MessageBytes::decode`] cannot fail on a
/// value built by [`MessageBytes::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBytes {
    bytes: Vec<u8>,
    sections: Vec<SectionSpan>,
}

impl MessageBytes {
    /// Validates `bytes` as a message and records where each section lies.
    pub fn parse(bytes: Vec<u8>) -> Result<MessageBytes, DecodeError> {
        let mut sections = Vec::new();
        let mut check = Message::default();
        let mut decoder = Decoder::new(&bytes);
        let mut order = section::SectionOrder::default();
        while !decoder.is_empty() {
            let start = decoder.position();
            let (kind, value) = section::read_section(&mut decoder)?;
            order.check(kind, start)?;
            section::store(&mut check, kind, value)?;
            sections.push(SectionSpan {
                kind,
                range: start..decoder.position(),
            });
        }
        Ok(MessageBytes { bytes, sections })
    }

    /// Returns the message without its delivery-annotations section, which is meant for the
    /// next hop only, so a broker does not store or forward it. The other sections keep their
    /// bytes.
    pub fn without_delivery_annotations(self) -> MessageBytes {
        if !self
            .sections
            .iter()
            .any(|span| span.kind == SectionKind::DeliveryAnnotations)
        {
            return self;
        }
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut sections = Vec::with_capacity(self.sections.len());
        for span in self.sections {
            if span.kind == SectionKind::DeliveryAnnotations {
                continue;
            }
            let start = bytes.len();
            bytes.extend_from_slice(&self.bytes[span.range]);
            sections.push(SectionSpan {
                kind: span.kind,
                range: start..bytes.len(),
            });
        }
        MessageBytes { bytes, sections }
    }

    /// Returns the message's bytes, exactly as parsed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the value and returns the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Returns the sections in order.
    pub fn sections(&self) -> &[SectionSpan] {
        &self.sections
    }

    /// Returns the bytes of the first section of `kind`, descriptor included.
    pub fn section_bytes(&self, kind: SectionKind) -> Option<&[u8]> {
        self.sections
            .iter()
            .find(|span| span.kind == kind)
            .map(|span| &self.bytes[span.range.clone()])
    }

    /// Decodes the message.
    pub fn decode(&self) -> Result<Message, DecodeError> {
        Message::decode(&self.bytes)
    }

    /// Returns the message's bytes with `annotations` set in its message-annotations section.
    ///
    /// A key already present gets the new value in its first place, and later copies of it,
    /// which a map should not have, are dropped, because most decoders keep the last value of
    /// a repeated key. Other keys stay in place, and a missing section is inserted at its
    /// defined position. Every other section is copied byte for byte.
    pub fn with_message_annotations(&self, annotations: &[(Value, Value)]) -> Vec<u8> {
        let existing = self
            .sections
            .iter()
            .find(|span| span.kind == SectionKind::MessageAnnotations);
        let mut merged = match existing {
            // `parse` decoded this section already, so it decodes again.
            Some(span) => Message::decode(&self.bytes[span.range.clone()])
                .ok()
                .and_then(|message| message.message_annotations)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        for (key, value) in annotations {
            let mut set = false;
            merged.retain_mut(|(existing, slot)| {
                if existing != key {
                    return true;
                }
                if set {
                    return false;
                }
                *slot = value.clone();
                set = true;
                true
            });
            if !set {
                merged.push((key.clone(), value.clone()));
            }
        }
        let mut section_bytes = Vec::new();
        write_value_section(
            SectionKind::MessageAnnotations,
            &Value::Map(merged),
            &mut section_bytes,
        );

        let (start, end) = match existing {
            Some(span) => (span.range.start, span.range.end),
            None => {
                let at = self
                    .sections
                    .iter()
                    .find(|span| span.kind > SectionKind::MessageAnnotations)
                    .map_or(self.bytes.len(), |span| span.range.start);
                (at, at)
            }
        };
        let mut out = Vec::with_capacity(self.bytes.len() + section_bytes.len());
        out.extend_from_slice(&self.bytes[..start]);
        out.extend_from_slice(&section_bytes);
        out.extend_from_slice(&self.bytes[end..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::value::Symbol;

    fn key(name: &str) -> Value {
        Value::Symbol(Symbol::new(name))
    }

    #[test]
    fn delivery_annotations_last_accepted_and_dropped() {
        let annotations = Message {
            delivery_annotations: Some(vec![(key("x-opt-lock-token"), Value::Long(3))]),
            ..Message::default()
        }
        .encode();
        let body = Message::with_data(b"event".to_vec()).encode();
        let mut written_last = body.clone();
        written_last.extend_from_slice(&annotations);

        let bytes = MessageBytes::parse(written_last.clone()).unwrap();
        assert!(Message::decode(&written_last)
            .unwrap()
            .delivery_annotations
            .is_some());
        let stored = bytes.without_delivery_annotations();
        assert_eq!(stored.as_bytes(), body.as_slice());
        assert_eq!(stored.sections().len(), 1);

        let mut twice = written_last;
        twice.extend_from_slice(&annotations);
        assert!(MessageBytes::parse(twice).is_err());
    }

    #[test]
    fn repeated_key_keeps_one_new_value() {
        let message = Message {
            message_annotations: Some(vec![
                (key("x-opt-sequence-number"), Value::Long(1)),
                (key("x-custom"), Value::Bool(true)),
                (key("x-opt-sequence-number"), Value::Long(2)),
            ]),
            ..Message::default()
        };
        let bytes = MessageBytes::parse(message.encode()).unwrap();

        let annotated =
            bytes.with_message_annotations(&[(key("x-opt-sequence-number"), Value::Long(7))]);

        let decoded = MessageBytes::parse(annotated).unwrap().decode().unwrap();
        assert_eq!(
            decoded.message_annotations,
            Some(vec![
                (key("x-opt-sequence-number"), Value::Long(7)),
                (key("x-custom"), Value::Bool(true)),
            ])
        );
    }
}
