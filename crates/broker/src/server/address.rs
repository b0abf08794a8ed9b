//! Link addresses: which node of the namespace a link reaches.

use crate::sas::ResourceUri;

/// A node of the namespace that links attach to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// `$cbs`, where clients put tokens.
    Cbs,
    /// `$management`, where clients read hub and partition properties.
    Management,
    /// `{hub}`: sends routed by the broker.
    Hub { hub: String },
    /// `{hub}/Partitions/{id}`: sends to one partition.
    Partition { hub: String, partition: String },
    /// `{hub}/ConsumerGroups/{group}/Partitions/{id}`: a consumer.
    Consumer {
        hub: String,
        consumer_group: String,
        partition: String,
    },
}

/// Parses a link address: a full URL (`amqps://host[:port]/{path}`, as both SDKs send) or a
/// bare path. Path segments match case-insensitively; hub and consumer group names are
/// returned as written so that error messages show the client's spelling.
pub(crate) fn parse_address(address: &str) -> Option<Node> {
    let path = strip_authority(address);
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let lower = ResourceUri::parse(path, false).segments;
    match (
        segments.as_slice(),
        lower
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
    ) {
        ([_], ["$cbs"]) => Some(Node::Cbs),
        ([_], ["$management"]) => Some(Node::Management),
        ([hub], _) if !hub.starts_with('$') => Some(Node::Hub {
            hub: (*hub).to_owned(),
        }),
        ([hub, _, partition], [_, "partitions", _]) => Some(Node::Partition {
            hub: (*hub).to_owned(),
            partition: (*partition).to_owned(),
        }),
        ([hub, _, group, _, partition], [_, "consumergroups", _, "partitions", _]) => {
            Some(Node::Consumer {
                hub: (*hub).to_owned(),
                consumer_group: (*group).to_owned(),
                partition: (*partition).to_owned(),
            })
        }
        _ => None,
    }
}

fn strip_authority(address: &str) -> &str {
    match address.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_node_kind() {
        assert_eq!(parse_address("$cbs"), Some(Node::Cbs));
        assert_eq!(
            parse_address("amqps://127.0.0.1:5673/$management"),
            Some(Node::Management)
        );
        assert_eq!(
            parse_address("amqps://127.0.0.1/Orders"),
            Some(Node::Hub {
                hub: "Orders".to_owned()
            })
        );
        assert_eq!(
            parse_address("amqps://127.0.0.1:5673/orders/Partitions/3"),
            Some(Node::Partition {
                hub: "orders".to_owned(),
                partition: "3".to_owned()
            })
        );
        assert_eq!(
            parse_address("orders/consumergroups/$Default/partitions/0"),
            Some(Node::Consumer {
                hub: "orders".to_owned(),
                consumer_group: "$Default".to_owned(),
                partition: "0".to_owned()
            })
        );
    }

    #[test]
    fn rejects_unknown_paths() {
        assert_eq!(parse_address(""), None);
        assert_eq!(parse_address("amqps://127.0.0.1/"), None);
        assert_eq!(parse_address("$other"), None);
        assert_eq!(parse_address("orders/Subscriptions/x"), None);
        assert_eq!(parse_address("orders/ConsumerGroups/$Default"), None);
    }
}
