//! Attach handling: the node a link reaches, whether a token allows it, and for consumers the
//! start position and whether their owner level admits them.

use amqp::{
    condition, AmqpError, AttachRequest, AttachResponse, Descriptor, Role, Source, Symbol, Value,
};

use super::address::{parse_address, Node};
use super::connection::{now_seconds, Consumer, Driver};
use super::state::Signal;
use crate::limits::PRODUCER_MAX_MESSAGE_BYTES;
use crate::log::StartPosition;
use crate::receiver::{
    parse_filter, ENABLE_RUNTIME_METRIC_CAPABILITY, SELECTOR_FILTER_CODE, SELECTOR_FILTER_NAME,
};
use crate::sas::{AuthError, Right};

// NOTE: producer links advertise [`PRODUCER_MAX_MESSAGE_BYTES`], but the Python SDK's consumers
// accept messages of at most 1 MiB in all. An event whose body is within a few hundred bytes of
// 1 MB cannot be delivered to them, so the broker ends the consumer's link with
// `amqp:link:message-size-exceeded` and the sizes.

const EPOCH_PROPERTY: &str = "com.microsoft:epoch";
const RECEIVER_NAME_PROPERTY: &str = "com.microsoft:receiver-name";
/// The condition Event Hubs detaches a receiver with when its start position is past the end.
const ARGUMENT_OUT_OF_RANGE: &str = "com.microsoft:argument-out-of-range";

/// The purpose of an attached link.
#[derive(Debug)]
pub(crate) enum LinkKind {
    /// The client sends put-token requests.
    CbsRequests,
    /// The broker sends put-token replies.
    CbsReplies,
    /// The client sends READ requests.
    ManagementRequests,
    /// The broker sends READ replies.
    ManagementReplies,
    /// The client sends events to a hub, or to one partition, through `address`. Once a
    /// change of the namespace took its hub or its authorization away, `revoked` contains the
    /// error every later delivery is rejected with: clients learn of a rejected delivery at
    /// once, where some wait out their timeout after a detach.
    Producer {
        hub: String,
        partition: Option<u32>,
        address: String,
        revoked: Option<AmqpError>,
    },
    /// The broker sends a partition's events to a consumer.
    Consumer(Consumer),
}

impl LinkKind {
    /// Returns the address and the right a token must grant for a producer or consumer link.
    pub(crate) fn authorized_access(&self) -> Option<(&str, Right)> {
        match self {
            LinkKind::Producer { address, .. } => Some((address, Right::Send)),
            LinkKind::Consumer(consumer) => Some((&consumer.address, Right::Listen)),
            _ => None,
        }
    }
}

/// Accepts or rejects an attach request.
pub(crate) fn on_attach(driver: &mut Driver, request: AttachRequest) {
    let link = request.link;
    let address = request.address().unwrap_or_default().to_owned();
    match classify(driver, &request) {
        Ok((kind, response)) => {
            if let Err(error) = driver.engine.accept_attach(link, response) {
                tracing::debug!(%link, %error, "accepting an attach failed");
                return;
            }
            tracing::debug!(%link, address, "link attached");
            driver.set_reply_link(&kind, link);
            let consumer = matches!(kind, LinkKind::Consumer(_));
            if let Some((address, right)) = kind.authorized_access() {
                let now = now_seconds();
                driver
                    .expiries
                    .track(link, address, right, &driver.grants, now);
                driver.schedule_expiry();
            }
            driver.links.insert(link, kind);
            if consumer {
                driver.pump(link);
            }
        }
        Err(error) => {
            tracing::info!(%link, address, condition = %error.condition, description = ?error.description, "attach rejected");
            if let Err(error) = driver.engine.reject_attach(link, error) {
                tracing::debug!(%link, %error, "rejecting an attach failed");
            }
        }
    }
}

fn classify(
    driver: &mut Driver,
    request: &AttachRequest,
) -> Result<(LinkKind, AttachResponse), AmqpError> {
    let address = request.address().unwrap_or_default();
    let node = parse_address(address).ok_or_else(|| {
        AmqpError::new(
            condition::NOT_FOUND,
            format!(
                "address `{address}` is not an entity of this namespace: use {{hub}}, \
                 {{hub}}/Partitions/{{id}}, {{hub}}/ConsumerGroups/{{group}}/Partitions/{{id}}, \
                 $cbs or $management"
            ),
        )
    })?;
    let client_sends = request.role == Role::Receiver;
    let plain = AttachResponse::default();
    match node {
        Node::Cbs if client_sends => Ok((LinkKind::CbsRequests, plain)),
        Node::Cbs => Ok((LinkKind::CbsReplies, plain)),
        Node::Management if client_sends => Ok((LinkKind::ManagementRequests, plain)),
        Node::Management => Ok((LinkKind::ManagementReplies, plain)),
        Node::Hub { hub } => producer(driver, request, &hub, None),
        Node::Partition { hub, partition } => producer(driver, request, &hub, Some(&partition)),
        Node::Consumer {
            hub,
            consumer_group,
            partition,
        } => consumer(driver, request, &hub, &consumer_group, &partition),
    }
}

fn producer(
    driver: &Driver,
    request: &AttachRequest,
    hub: &str,
    partition: Option<&str>,
) -> Result<(LinkKind, AttachResponse), AmqpError> {
    let address = request.address().unwrap_or_default();
    if request.role != Role::Receiver {
        return Err(AmqpError::new(
            condition::NOT_ALLOWED,
            format!("`{address}` only receives events: read through {hub}/ConsumerGroups/{{group}}/Partitions/{{id}}"),
        ));
    }
    let namespace = driver.shared.namespace();
    let found = namespace
        .hub(hub)
        .ok_or_else(|| hub_not_found(hub, namespace.name()))?;
    let partition = match partition {
        Some(id) => Some(found.partition_index(id).ok_or_else(|| {
            partition_not_found(id, found.name(), found.settings().partition_count)
        })?),
        None => None,
    };
    authorize_link(driver, address, Right::Send)?;
    let response = AttachResponse {
        max_message_size: Some(PRODUCER_MAX_MESSAGE_BYTES as u64),
        ..AttachResponse::default()
    };
    Ok((
        LinkKind::Producer {
            hub: found.name().to_owned(),
            partition,
            address: address.to_owned(),
            revoked: None,
        },
        response,
    ))
}

fn consumer(
    driver: &mut Driver,
    request: &AttachRequest,
    hub: &str,
    consumer_group: &str,
    partition: &str,
) -> Result<(LinkKind, AttachResponse), AmqpError> {
    let address = request.address().unwrap_or_default();
    if request.role != Role::Sender {
        return Err(AmqpError::new(
            condition::NOT_ALLOWED,
            format!("`{address}` only delivers events: send to {hub} or {hub}/Partitions/{{id}}"),
        ));
    }
    let namespace = driver.shared.namespace();
    let found = namespace
        .hub(hub)
        .ok_or_else(|| hub_not_found(hub, namespace.name()))?;
    let group = found.consumer_group(consumer_group).ok_or_else(|| {
        consumer_group_not_found(consumer_group, found.name(), found.consumer_groups())
    })?;
    let partition_index = found.partition_index(partition).ok_or_else(|| {
        partition_not_found(partition, found.name(), found.settings().partition_count)
    })?;
    authorize_link(driver, address, Right::Listen)?;

    let position = start_position(request.source.as_ref())?;
    let hub_name = found.name().to_owned();
    let start = driver
        .shared
        .log
        .resolve_start(&hub_name, partition_index, position)
        .map_err(|error| AmqpError::new(condition::INTERNAL_ERROR, error.to_string()))?;
    if let StartPosition::SequenceNumber {
        sequence_number, ..
    } = position
    {
        // As on Event Hubs, a start beyond the next event to arrive is refused instead of
        // waiting for events that may never come.
        let last = start.next_sequence_number - 1;
        if start.sequence_number > last + 1 {
            return Err(AmqpError::new(
                ARGUMENT_OUT_OF_RANGE,
                format!(
                    "The supplied sequence number '{sequence_number}' is invalid. The last \
                     sequence number in the system is '{last}' (partition {partition} of event \
                     hub `{hub_name}`): start at sequence number {} at most, or from latest",
                    last + 1
                ),
            ));
        }
    }
    if start.moved_by_retention {
        tracing::info!(
            hub = hub_name,
            partition = partition_index,
            first_sequence = start.sequence_number,
            removed = start.removed_by_retention,
            "consumer starts at the first retained event; older events were removed by retention"
        );
    }

    let owner_level = request.property(EPOCH_PROPERTY).and_then(Value::as_i64);
    let receiver_name = request
        .property(RECEIVER_NAME_PROPERTY)
        .and_then(Value::as_str)
        .unwrap_or(&request.name)
        .to_owned();
    let admission = driver
        .shared
        .receivers
        .admit(
            &hub_name,
            group,
            partition_index,
            owner_level,
            &receiver_name,
        )
        .map_err(|error| AmqpError::new(error.condition(), error.to_string()))?;
    for eviction in admission.evicted {
        if let Some((signals, link)) = driver.shared.remove_owner(eviction.id) {
            let error = AmqpError::new(eviction.error.condition(), eviction.error.to_string());
            // A connection that already ended has nothing left to detach.
            let _ = signals.send(Signal::Detach(link, error));
        }
    }
    driver
        .shared
        .register_owner(admission.id, driver.signals.clone(), request.link);

    let waker = match driver.shared.log.subscribe(&hub_name, partition_index) {
        Ok(mut watch) => {
            let signals = driver.signals.clone();
            let link = request.link;
            tokio::spawn(async move {
                while watch.changed().await.is_ok() {
                    if signals.send(Signal::Wake(link)).is_err() {
                        break;
                    }
                }
            })
        }
        Err(error) => {
            driver.shared.receivers.release(admission.id);
            driver.shared.remove_owner(admission.id);
            return Err(AmqpError::new(condition::INTERNAL_ERROR, error.to_string()));
        }
    };

    let runtime_metrics = request
        .desired_capabilities
        .iter()
        .any(|capability| capability.as_str() == ENABLE_RUNTIME_METRIC_CAPABILITY);
    let mut response = AttachResponse::default();
    if runtime_metrics {
        response
            .offered_capabilities
            .push(Symbol::from(ENABLE_RUNTIME_METRIC_CAPABILITY));
    }
    if let Some(level) = owner_level {
        response
            .properties
            .push((Value::symbol(EPOCH_PROPERTY), Value::Long(level)));
    }
    tracing::info!(
        hub = hub_name,
        consumer_group = group,
        partition = partition_index,
        first_sequence = start.sequence_number,
        owner_level,
        "consumer attached"
    );
    Ok((
        LinkKind::Consumer(Consumer {
            address: address.to_owned(),
            hub: hub_name,
            partition: partition_index,
            next_sequence: start.sequence_number,
            receiver_id: admission.id,
            runtime_metrics,
            waker,
        }),
        response,
    ))
}

/// Finds the start position in a source's selector filter; without one a consumer starts at
/// the earliest retained event.
fn start_position(source: Option<&Source>) -> Result<StartPosition, AmqpError> {
    let Some(filters) = source.and_then(|source| source.filter.as_ref()) else {
        return Ok(StartPosition::Earliest);
    };
    for (key, value) in filters {
        let key_matches = key.as_str() == Some(SELECTOR_FILTER_NAME)
            || matches!(key, Value::Ulong(code) if *code == SELECTOR_FILTER_CODE);
        let (descriptor_matches, expression) = match value {
            Value::Described(described) => {
                let matches = match &described.descriptor {
                    Descriptor::Symbol(symbol) => symbol.as_str() == SELECTOR_FILTER_NAME,
                    Descriptor::Code(code) => *code == SELECTOR_FILTER_CODE,
                };
                (matches, described.value.as_str())
            }
            other => (false, other.as_str()),
        };
        if key_matches || descriptor_matches {
            if let Some(expression) = expression {
                return parse_filter(expression).map_err(|error| {
                    AmqpError::new(condition::NOT_IMPLEMENTED, error.to_string())
                });
            }
        }
    }
    Ok(StartPosition::Earliest)
}

/// Checks the connection's tokens for a link. When none allows it, the error of a token that
/// covers the entity (a missing right, an expiry) wins over a scope mismatch.
pub(crate) fn authorize_link(
    driver: &Driver,
    address: &str,
    right: Right,
) -> Result<(), AmqpError> {
    let now = now_seconds();
    let mut best: Option<AuthError> = None;
    for grant in &driver.grants {
        match grant.check(address, Some(right), now) {
            Ok(()) => return Ok(()),
            Err(error) => {
                let replace = match &best {
                    None => true,
                    Some(AuthError::WrongScope { .. }) => {
                        !matches!(error, AuthError::WrongScope { .. })
                    }
                    Some(_) => false,
                };
                if replace {
                    best = Some(error);
                }
            }
        }
    }
    let error = best.unwrap_or_else(|| AuthError::NoToken {
        entity: address.to_owned(),
    });
    Err(AmqpError::new(error.condition(), error.to_string()))
}

fn hub_not_found(hub: &str, namespace: &str) -> AmqpError {
    AmqpError::new(
        condition::NOT_FOUND,
        format!("event hub `{hub}` was not found in namespace `{namespace}`"),
    )
}

fn consumer_group_not_found(name: &str, hub: &str, groups: &[String]) -> AmqpError {
    AmqpError::new(
        condition::NOT_FOUND,
        format!(
            "consumer group `{name}` was not found in event hub `{hub}`: use one of {}",
            groups.join(", ")
        ),
    )
}

fn partition_not_found(id: &str, hub: &str, count: u32) -> AmqpError {
    AmqpError::new(
        condition::NOT_FOUND,
        format!(
            "partition `{id}` was not found in event hub `{hub}`: use 0 to {}",
            count - 1
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_consumer_group_lists_groups() {
        let groups = ["$Default".to_owned(), "lead".to_owned()];

        let error = consumer_group_not_found("nosuch", "customer", &groups);

        assert_eq!(error.condition.as_str(), condition::NOT_FOUND);
        assert_eq!(
            error.description.as_deref(),
            Some(
                "consumer group `nosuch` was not found in event hub `customer`: use one of \
                 $Default, lead"
            )
        );
    }
}
