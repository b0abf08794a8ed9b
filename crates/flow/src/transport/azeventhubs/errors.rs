//! Mapping client errors to [`TransportError`].
//!
//! Neither `azeventhubs` 0.20 nor `fe2o3-amqp` 0.10 exposes the AMQP error condition of a
//! detached link as a value a caller can match, so the mapping reads the error's text, which
//! carries the condition (`amqp:link:stolen`, `amqp:not-found`) and the broker's description.

use crate::transport::{ReaderRequest, TransportError};

/// The operation that failed, which supplies the ids the error names.
#[derive(Debug, Clone, Copy)]
pub(super) enum Operation<'a> {
    /// Publishing to or reading the runtime information of a hub.
    Hub(&'a str),
    /// Reading a partition.
    Read(&'a ReaderRequest),
}

impl Operation<'_> {
    fn hub(&self) -> &str {
        match self {
            Operation::Hub(hub) => hub,
            Operation::Read(request) => &request.hub,
        }
    }
}

/// Returns the error's message with every source in its chain, and its debug form, which for
/// `azure_core` errors carries the AMQP condition.
pub(super) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.push_str(&format!(" ({error:?})"));
    text
}

/// Maps the description of a failure to the transport error a caller can act on.
pub(super) fn classify(operation: Operation<'_>, text: &str) -> TransportError {
    let lower = text.to_ascii_lowercase();
    if let Operation::Read(request) = operation {
        let evicted = lower.contains("link:stolen") || lower.contains("was disconnected because");
        let rejected = lower.contains("rejected because a receiver with owner level");
        if evicted || rejected {
            // The broker names the owner level now holding the partition. When a broker does
            // not, the current level is at least this reader's, because an equal one evicts too.
            let current = if rejected {
                number_after(&lower, "at least ")
            } else {
                number_after(&lower, "owner level ")
            };
            return TransportError::OwnershipLost {
                hub: request.hub.clone(),
                consumer_group: request.consumer_group.clone(),
                partition_id: request.partition_id.clone(),
                mine: request.owner_level.unwrap_or_default(),
                current: current.unwrap_or(request.owner_level.unwrap_or_default()),
            };
        }
    }
    let not_found = lower.contains("not-found")
        || lower.contains("was not found")
        || lower.contains("notfound")
        || lower.contains("status code 404")
        || lower.contains("statuscodenotfound");
    if not_found {
        return match operation {
            Operation::Read(request) if lower.contains("partition `") => {
                TransportError::PartitionNotFound {
                    hub: request.hub.clone(),
                    partition_id: request.partition_id.clone(),
                }
            }
            _ if lower.contains("consumer group `") || lower.contains("partition `") => {
                TransportError::Rejected(broker_description(text))
            }
            _ => TransportError::HubNotFound {
                hub: operation.hub().to_owned(),
            },
        };
    }
    let refused = lower.contains("unauthorized")
        || lower.contains("lacks the")
        || lower.contains("401")
        || lower.contains("message-size-exceeded")
        || lower.contains("resource-limit-exceeded");
    if refused {
        return TransportError::Rejected(broker_description(text));
    }
    TransportError::Unavailable(broker_description(text))
}

/// Returns the broker's own description of a failure, which the clients' error texts carry in
/// their debug form as `description: Some("...")`, or else the whole text.
fn broker_description(text: &str) -> String {
    const MARKER: &str = "description: Some(\"";
    let Some(start) = text.find(MARKER).map(|index| index + MARKER.len()) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let mut escaped = false;
    for (index, character) in rest.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return rest[..index].replace("\\\"", "\"").replace("\\\\", "\\"),
            _ => {}
        }
    }
    text.to_owned()
}

/// Returns the last integer that follows `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<i64> {
    text.match_indices(marker)
        .filter_map(|(index, _)| {
            let rest = &text[index + marker.len()..];
            let end = rest
                .find(|character: char| !(character.is_ascii_digit() || character == '-'))
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        })
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::StartPosition;

    fn request() -> ReaderRequest {
        ReaderRequest {
            hub: "customer".to_owned(),
            consumer_group: "lead".to_owned(),
            partition_id: "2".to_owned(),
            start: StartPosition::Earliest,
            owner_level: Some(3),
            prefetch: None,
        }
    }

    #[test]
    fn eviction_maps_to_ownership_lost() {
        let request = request();
        let text = "Detached { condition: amqp:link:stolen, description: receiver `a` with owner \
                    level 3 was disconnected because receiver `b` opened partition 2 of \
                    consumer group `lead` with owner level 9 }";
        let error = classify(Operation::Read(&request), text);
        assert_eq!(
            error,
            TransportError::OwnershipLost {
                hub: "customer".to_owned(),
                consumer_group: "lead".to_owned(),
                partition_id: "2".to_owned(),
                mine: 3,
                current: 9,
            }
        );
    }

    #[test]
    fn rejected_owner_level_names_current() {
        let request = request();
        let text = "receiver `late` with owner level 3 was rejected because a receiver with owner \
                    level 5 holds partition 2 of consumer group `lead`: use an owner level of at \
                    least 5";
        match classify(Operation::Read(&request), text) {
            TransportError::OwnershipLost { current, mine, .. } => {
                assert_eq!(current, 5);
                assert_eq!(mine, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_hub_and_partition() {
        let request = request();
        let hub = classify(
            Operation::Hub("nohub"),
            "amqp:not-found: event hub `nohub` was not found in namespace `ns`",
        );
        assert_eq!(
            hub,
            TransportError::HubNotFound {
                hub: "nohub".to_owned()
            }
        );
        let partition = classify(
            Operation::Read(&request),
            "amqp:not-found: partition `2` was not found in event hub `customer`: use 0 to 1",
        );
        assert_eq!(
            partition,
            TransportError::PartitionNotFound {
                hub: "customer".to_owned(),
                partition_id: "2".to_owned()
            }
        );
    }

    #[test]
    fn refusal_keeps_broker_description() {
        let text = "Remote peer closed with error Error { condition: \
                    AmqpError(UnauthorizedAccess), description: Some(\"rule `listen` lacks the \
                    Send right needed for `amqps://127.0.0.1/demo`: use a rule with Send or \
                    Manage\"), info: Some(OrderedMap({})) } (RemoteClosedWithError(...))";
        assert_eq!(
            classify(Operation::Hub("demo"), text),
            TransportError::Rejected(
                "rule `listen` lacks the Send right needed for `amqps://127.0.0.1/demo`: use a \
                 rule with Send or Manage"
                    .to_owned()
            )
        );
        let quoted =
            r#"StatusError {code: StatusCode(401), description: Some("token for \"a\" expired") }"#;
        assert_eq!(
            classify(Operation::Hub("demo"), quoted),
            TransportError::Rejected("token for \"a\" expired".to_owned())
        );
    }

    #[test]
    fn missing_partition_on_send_is_not_missing_hub() {
        let text = "Error { condition: AmqpError(NotFound), description: Some(\"partition `7` \
                    was not found in event hub `demo`: use 0 to 1\") }";
        assert_eq!(
            classify(Operation::Hub("demo"), text),
            TransportError::Rejected(
                "partition `7` was not found in event hub `demo`: use 0 to 1".to_owned()
            )
        );
    }

    #[test]
    fn io_failure_is_unavailable() {
        let error = classify(
            Operation::Hub("customer"),
            "Connection refused (os error 111)",
        );
        assert!(matches!(error, TransportError::Unavailable(_)));
    }
}
