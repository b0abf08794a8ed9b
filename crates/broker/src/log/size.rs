//! Azure's size limits on events and batches, checked before an append is queued.

use super::event::NewEvent;
use super::LogError;
use crate::limits::{MAX_BATCH_BYTES, MAX_EVENT_BODY_BYTES, MAX_EVENT_BYTES};

/// Checks every event of a batch against the 1 MB event limit, then the batch against the 1 MB
/// batch limit. An event's partition key counts toward both. The first event over a limit names the error, so a body over 1 MB is reported
/// as such even when the event also has properties.
pub(super) fn check(events: &[NewEvent]) -> Result<(), LogError> {
    for (index, event) in events.iter().enumerate() {
        if event.body_size > MAX_EVENT_BODY_BYTES {
            return Err(LogError::EventTooLarge {
                index,
                size: event.body_size,
                limit: MAX_EVENT_BODY_BYTES,
            });
        }
        if event.size() > MAX_EVENT_BYTES {
            return Err(LogError::EventWithPropertiesTooLarge {
                index,
                body: event.body_size,
                properties: event.properties_size,
                partition_key: event.partition_key_size(),
                total: event.size(),
                limit: MAX_EVENT_BYTES,
            });
        }
    }
    // Every event of a batch carries the batch's partition key, which travels once.
    let key = events.first().map_or(0, NewEvent::partition_key_size);
    let total = events.iter().fold(key, |total, event| {
        total.saturating_add(event.content_size())
    });
    if total > MAX_BATCH_BYTES {
        return Err(LogError::BatchTooLarge {
            events: events.len(),
            size: total,
            limit: MAX_BATCH_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body_size: usize, properties_size: usize) -> NewEvent {
        NewEvent {
            message: Vec::new(),
            body_size,
            properties_size,
            partition_key: None,
        }
    }

    #[test]
    fn event_of_exactly_one_megabyte_fits() {
        assert_eq!(check(&[event(1_048_576, 0)]), Ok(()));
        assert_eq!(check(&[event(1_048_000, 576)]), Ok(()));
        assert_eq!(check(&[event(0, 1_048_576)]), Ok(()));
    }

    #[test]
    fn body_over_limit_named_before_properties() {
        assert_eq!(
            check(&[event(1_048_577, 500)]),
            Err(LogError::EventTooLarge {
                index: 0,
                size: 1_048_577,
                limit: 1_048_576
            })
        );
    }

    #[test]
    fn properties_push_event_over_limit() {
        for (body, properties) in [(1_048_576, 60_000), (1_000_000, 100_000), (1_048_576, 1)] {
            assert_eq!(
                check(&[event(10, 0), event(body, properties)]),
                Err(LogError::EventWithPropertiesTooLarge {
                    index: 1,
                    body,
                    properties,
                    partition_key: 0,
                    total: body + properties,
                    limit: 1_048_576
                }),
                "body {body}, properties {properties}"
            );
        }
    }

    #[test]
    fn properties_message_names_sizes_and_fix() {
        let error = check(&[event(1_000_000, 100_000)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "event 0 of the batch has a body of 1000000 bytes and properties of 100000 bytes, \
             1100000 bytes in all, over the limit of 1048576 bytes (1 MB): send smaller \
             properties or a smaller body"
        );
    }

    fn keyed(body_size: usize, key: &str) -> NewEvent {
        NewEvent {
            partition_key: Some(key.to_owned()),
            ..event(body_size, 0)
        }
    }

    #[test]
    fn partition_key_counts_toward_event() {
        let key = "k".repeat(60_000);
        let error = check(&[keyed(1_000_000, &key)]).unwrap_err();
        assert_eq!(
            error,
            LogError::EventWithPropertiesTooLarge {
                index: 0,
                body: 1_000_000,
                properties: 0,
                partition_key: 60_000,
                total: 1_060_000,
                limit: 1_048_576
            }
        );
        assert_eq!(
            error.to_string(),
            "event 0 of the batch has a body of 1000000 bytes, properties of 0 bytes and a \
             partition key of 60000 bytes, 1060000 bytes in all, over the limit of 1048576 bytes \
             (1 MB): send a shorter partition key, smaller properties or a smaller body"
        );
        assert_eq!(check(&[keyed(1_048_566, "customer-1")]), Ok(()));
    }

    #[test]
    fn batch_counts_its_key_once() {
        // 3 events of 371,000 bytes and the 11-byte key once: 1,113,011 bytes, within 1,114,112.
        let events: Vec<NewEvent> = (0..3).map(|_| keyed(371_000, "customer-42")).collect();
        assert_eq!(check(&events), Ok(()));

        let events: Vec<NewEvent> = (0..3).map(|_| keyed(371_368, "customer-42")).collect();
        assert_eq!(
            check(&events),
            Err(LogError::BatchTooLarge {
                events: 3,
                size: 1_114_115,
                limit: 1_114_112
            })
        );
    }

    #[test]
    fn batch_over_limit_in_all() {
        // The limit is 1,114,112 bytes: 3 events of 371,370 bytes fill it to 1,114,110.
        let events: Vec<NewEvent> = (0..3).map(|_| event(371_000, 370)).collect();
        assert_eq!(check(&events), Ok(()));

        let events: Vec<NewEvent> = (0..3).map(|_| event(371_000, 371)).collect();
        let error = check(&events).unwrap_err();
        assert_eq!(
            error,
            LogError::BatchTooLarge {
                events: 3,
                size: 1_114_113,
                limit: 1_114_112
            }
        );
        assert_eq!(
            error.to_string(),
            "the batch of 3 events has 1114113 bytes of bodies and properties in all, over the \
             1114112 bytes a batch may hold (the producer link's maximum message size): send \
             fewer events per batch"
        );
    }
}
