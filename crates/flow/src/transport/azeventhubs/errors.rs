//! Mapping client errors to [`TransportError`].
//!
//! Neither `azeventhubs` 0.20 nor `fe2o3-amqp` 0.10 exposes the AMQP error condition of a
//! detached link as a value a caller can match, so the mapping reads the error's text, which
//! carries the condition (`amqp:link:stolen`, `amqp:not-found`) and the broker's description.

use std::time::Duration;

use broker::connection_string::ConnectionString;

use crate::transport::{ReaderRequest, TransportError};

/// The endpoint of a connection, for messages about failures of the connection itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// `host:port`.
    address: String,
    /// Whether the host is this machine, where the broker is `eda-workshop serve`.
    local: bool,
    /// Whether the connection uses TLS.
    tls: bool,
}

impl Target {
    /// Describes the endpoint of a parsed connection string.
    pub(super) fn of(connection_string: &ConnectionString) -> Self {
        let host = connection_string.endpoint().host.as_str();
        let local = host.eq_ignore_ascii_case("localhost")
            || host.starts_with("127.")
            || host == "[::1]"
            || host == "::1";
        Target {
            address: connection_string.fully_qualified_namespace(),
            local,
            tls: connection_string.uses_tls(),
        }
    }

    /// Describes the endpoint of a connection string, or an unknown one when it does not parse.
    pub(super) fn of_text(connection_string: &str) -> Self {
        match ConnectionString::parse(connection_string) {
            Ok(parsed) => Self::of(&parsed),
            Err(_) => Target {
                address: "the Endpoint".to_owned(),
                local: false,
                tls: true,
            },
        }
    }

    /// Returns `host:port`.
    pub(super) fn address(&self) -> &str {
        &self.address
    }

    fn local_hint(&self) -> &'static str {
        if self.local {
            ": check that `eda-workshop serve` is running and use a connection string it prints"
        } else {
            ": check the Endpoint's host and port, and that no firewall blocks port 5671"
        }
    }
}

/// Returns the error for a step of connecting (`step` reads like "opening the AMQP connection
/// to") that did not finish within `limit`.
pub(super) fn timed_out(step: &str, target: &Target, limit: Duration) -> TransportError {
    TransportError::Unavailable(format!(
        "{step} `{}` timed out after {} s: the endpoint accepts connections but does not reply \
         as Event Hubs does{}",
        target.address,
        limit.as_secs(),
        target.local_hint()
    ))
}

/// Maps a failure as [`classify`] does, but names the cause and the fix when the connection
/// itself failed: refused, not TLS where TLS was expected, an untrusted certificate, or a
/// connection the broker closed.
pub(super) fn classify_at(operation: Operation<'_>, target: &Target, text: &str) -> TransportError {
    match classify(operation, text) {
        TransportError::Unavailable(description) => {
            connection_failure(target, text).unwrap_or(TransportError::Unavailable(description))
        }
        other => other,
    }
}

fn connection_failure(target: &Target, text: &str) -> Option<TransportError> {
    let lower = text.to_ascii_lowercase();
    let address = &target.address;
    let message = if lower.contains("connection refused") {
        format!(
            "nothing accepts connections on `{address}` (connection refused){}",
            target.local_hint()
        )
    } else if lower.contains("found b\"http") {
        format!(
            "`{address}` replied with HTTP, not AMQP: use the namespace's AMQP endpoint, \
             `sb://{{namespace}}.servicebus.windows.net` (port 5671)"
        )
    } else if lower.contains("failed to lookup address information") {
        let host = address
            .rsplit_once(':')
            .map_or(address.as_str(), |(host, _)| host);
        format!(
            "the host `{host}` of the Endpoint was not found (name resolution failed): check the \
             namespace name in the Endpoint, such as `{{namespace}}.servicebus.windows.net`, \
             and the network connection"
        )
    } else if !target.tls && lower.contains("bytes remaining on stream") {
        format!(
            "`{address}` answered with TLS, but UseDevelopmentEmulator=true connects with plain \
             AMQP: for the local broker's TLS listener, remove UseDevelopmentEmulator=true and \
             add --ca-file with broker-ca.pem from the data folder of `eda-workshop serve`, or \
             use the plain AMQP port it prints"
        )
    } else if target.tls && is_plain_answer_to_tls(&lower) {
        format!(
            "`{address}` does not offer TLS (it replied with plain AMQP or closed the \
             handshake): for the plain AMQP port of a local broker, add \
             UseDevelopmentEmulator=true to the connection string, or use the connection string \
             of its TLS listener"
        )
    } else if lower.contains("notvalidforname") {
        format!(
            "the TLS certificate of `{address}` is not valid for its host name: for the local \
             broker's TLS listener, use the host name localhost"
        )
    } else if lower.contains("invalid peer certificate") || lower.contains("unknownissuer") {
        format!(
            "the TLS certificate of `{address}` is not signed by a trusted CA: for the local \
             broker's TLS listener, trust its CA, broker-ca.pem in the data folder of \
             `eda-workshop serve` (`--ca-file` of `eda-workshop send` and `eda-workshop receive`)"
        )
    } else if is_closed_connection(&lower) {
        let hint = if target.local {
            " (`eda-workshop serve` stopped, or it closed the connection): start it again and \
             retry"
        } else {
            ": retry, and check the namespace's status in the Azure portal when it happens again"
        };
        format!("the broker at `{address}` closed the connection{hint}")
    } else {
        return None;
    };
    Some(TransportError::Unavailable(message))
}

/// Returns whether a TLS handshake met a plain AMQP server, which replies with its own protocol
/// header (`AMQP\x03` for SASL) that rustls reads as a corrupt record, or closes at once.
fn is_plain_answer_to_tls(lower: &str) -> bool {
    lower.contains("protocol header mismatch. found b\"amqp")
        || lower.contains("corrupt message")
        || lower.contains("invalidcontenttype")
        || lower.contains("early eof")
        || lower.contains("tls handshake eof")
}

fn is_closed_connection(lower: &str) -> bool {
    lower.contains("illegalsessionstate")
        || lower.contains("illegalconnectionstate")
        || lower.contains("connection reset")
        || lower.contains("broken pipe")
        || lower.contains("early eof")
        || lower.contains("unexpectedeof")
}

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
                mine: request.owner_level,
                current: current.unwrap_or(request.owner_level.unwrap_or_default()),
                rejected_on_open: rejected,
            };
        }
    }
    if let Operation::Read(request) = operation {
        if is_invalid_start(&lower) {
            return TransportError::InvalidStartPosition {
                hub: request.hub.clone(),
                partition_id: request.partition_id.clone(),
                description: broker_description(text),
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
            _ if names_missing_hub(&lower, operation.hub()) => TransportError::HubNotFound {
                hub: operation.hub().to_owned(),
            },
            _ => TransportError::Rejected(broker_description(text)),
        };
    }
    // Conditions appear as AMQP symbols (`amqp:resource-limit-exceeded`) or in the debug form
    // of `fe2o3-amqp` 0.10's errors (`AmqpError(ResourceLimitExceeded)`).
    let refused = lower.contains("unauthorized")
        || lower.contains("lacks the")
        || lower.contains("401")
        || lower.contains("message-size-exceeded")
        || lower.contains("messagesizeexceeded")
        || lower.contains("resource-limit-exceeded")
        || lower.contains("resourcelimitexceeded");
    if refused {
        return TransportError::Rejected(broker_description(text));
    }
    TransportError::Unavailable(broker_description(text))
}

/// Returns whether a reader was rejected for its start position. Event Hubs sends the condition
/// `com.microsoft:argument-out-of-range` with "The supplied sequence number '…' is invalid", and
/// the local broker does the same.
fn is_invalid_start(lower: &str) -> bool {
    lower.contains("argument-out-of-range")
        || lower.contains("argumentoutofrange")
        || lower.contains("the supplied sequence number")
}

/// Returns whether a not-found failure reports the hub itself missing: the local broker
/// writes "event hub `{hub}` was not found", Azure "The messaging entity '...' could not be
/// found". Any other not-found (an empty partition id, an invalid address) is not about the hub.
fn names_missing_hub(lower: &str, hub: &str) -> bool {
    let hub = hub.to_ascii_lowercase();
    let local = lower.contains(&format!("event hub `{hub}` was not found"));
    let azure = lower.contains("messaging entity") && lower.contains("could not be found");
    local || azure
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
    fn sequence_past_end_maps_to_invalid_start() {
        let request = request();
        let text =
            "Detached { condition: Custom(Symbol(\"com.microsoft:argument-out-of-range\")), \
                    description: Some(\"The supplied sequence number '5' is invalid. The last \
                    sequence number in the system is '2'\") }";

        let error = classify(Operation::Read(&request), text);

        assert_eq!(
            error,
            TransportError::InvalidStartPosition {
                hub: "customer".to_owned(),
                partition_id: "2".to_owned(),
                description: "The supplied sequence number '5' is invalid. The last sequence \
                              number in the system is '2'"
                    .to_owned(),
            }
        );
        assert_eq!(
            error.to_string(),
            "the start position is invalid for partition `2` of event hub `customer`: The \
             supplied sequence number '5' is invalid. The last sequence number in the system is \
             '2'"
        );
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
                mine: Some(3),
                current: 9,
                rejected_on_open: false,
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
                assert_eq!(mine, Some(3));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn reader_without_owner_level_rejected() {
        let request = ReaderRequest {
            owner_level: None,
            ..request()
        };
        let text = "receiver `cli` with no owner level was rejected because a receiver with owner \
                    level 7 holds partition 2 of consumer group `lead`: use an owner level of at \
                    least 7";
        let error = classify(Operation::Read(&request), text);
        assert_eq!(
            error,
            TransportError::OwnershipLost {
                hub: "customer".to_owned(),
                consumer_group: "lead".to_owned(),
                partition_id: "2".to_owned(),
                mine: None,
                current: 7,
                rejected_on_open: true,
            }
        );
        assert_eq!(
            error.to_string(),
            "a reader with owner level 7 holds partition `2` of `customer` in consumer group \
             `lead`, so this reader (no owner level) was rejected: close that reader, read \
             through another consumer group, or open with an owner level of at least 7"
        );
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
    fn receiver_limit_is_rejected() {
        let request = ReaderRequest {
            owner_level: None,
            ..request()
        };
        let text = "ReceiverLink(RemoteClosedWithError(Error { condition: \
                    AmqpError(ResourceLimitExceeded), description: Some(\"partition 2 of \
                    consumer group `lead` on event hub `customer` already has 5 receivers, the \
                    maximum per partition and consumer group: close one or use another consumer \
                    group\"), info: Some(OrderedMap({})) }))";
        assert_eq!(
            classify(Operation::Read(&request), text),
            TransportError::Rejected(
                "partition 2 of consumer group `lead` on event hub `customer` already has 5 \
                 receivers, the maximum per partition and consumer group: close one or use \
                 another consumer group"
                    .to_owned()
            )
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
    fn invalid_address_is_not_missing_hub() {
        let text = "Error { condition: AmqpError(NotFound), description: Some(\"address \
                    `amqps://127.0.0.1/demo/Partitions/` is not an entity of this namespace\") }";
        assert_eq!(
            classify(Operation::Hub("demo"), text),
            TransportError::Rejected(
                "address `amqps://127.0.0.1/demo/Partitions/` is not an entity of this namespace"
                    .to_owned()
            )
        );
    }

    #[test]
    fn ended_session_names_serve() {
        let target = Target {
            address: "127.0.0.1:5672".to_owned(),
            local: true,
            tls: false,
        };
        let text = "Local error: IllegalSessionState (Error { kind: Io })";
        let error = classify_at(Operation::Hub("demo"), &target, text);
        assert_eq!(
            error,
            TransportError::Unavailable(
                "the broker at `127.0.0.1:5672` closed the connection (`eda-workshop serve` \
                 stopped, or it closed the connection): start it again and retry"
                    .to_owned()
            )
        );
    }

    #[test]
    fn unresolved_host_named() {
        let target = Target {
            address: "nosuch-ns.invalid:5671".to_owned(),
            local: false,
            tls: true,
        };
        let text = "IO Error failed to lookup address information: Temporary failure in name \
                    resolution (Custom { kind: Uncategorized })";
        let TransportError::Unavailable(message) =
            classify_at(Operation::Hub("demo"), &target, text)
        else {
            panic!("not unavailable");
        };
        assert!(message.starts_with("the host `nosuch-ns.invalid` of the Endpoint was not found"));
        assert!(!message.contains("Custom"), "{message}");
    }

    #[test]
    fn plain_amqp_to_tls_port_named() {
        let target = Target {
            address: "127.0.0.1:5671".to_owned(),
            local: true,
            tls: false,
        };
        let text = "IO Error Custom { kind: Other, error: \"bytes remaining on stream\" }: bytes \
                    remaining on stream";
        let TransportError::Unavailable(message) =
            classify_at(Operation::Hub("demo"), &target, text)
        else {
            panic!("not unavailable");
        };
        assert!(message.contains("answered with TLS"), "{message}");
        assert!(
            message.contains("remove UseDevelopmentEmulator=true"),
            "{message}"
        );
    }

    #[test]
    fn untrusted_ca_names_both_commands() {
        let target = Target {
            address: "localhost:5671".to_owned(),
            local: true,
            tls: true,
        };
        let text = "invalid peer certificate: UnknownIssuer";
        let TransportError::Unavailable(message) =
            classify_at(Operation::Hub("demo"), &target, text)
        else {
            panic!("not unavailable");
        };
        assert!(message.contains("`eda-workshop receive`"), "{message}");
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
