//! Resource URIs of tokens and link addresses, compared on host and path.

/// A resource URI reduced to what scope checks compare: the host and the path segments, both in
/// lower case. Scheme and port are dropped because clients differ in both: the Rust client
/// writes `amqps://host/hub`, the Python client `sb://host:port/hub`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceUri {
    /// The host name in lower case; empty for an address that is a bare path.
    pub host: String,
    /// The path segments in lower case, without empty segments.
    pub segments: Vec<String>,
}

impl ResourceUri {
    /// Splits `scheme://host:port/a/b`, `host/a/b` or a bare path such as `/a/b` or `a/b`.
    ///
    /// `has_host` tells whether a text without a scheme starts with a host: true for a token's
    /// resource, false for a link address, which may be just the entity path.
    pub fn parse(text: &str, has_host: bool) -> Self {
        let text = text.trim();
        let (authority, path) = match text.split_once("://") {
            Some((_, rest)) => split_authority(rest),
            None if has_host => split_authority(text),
            None => ("", text),
        };
        let host = strip_port(authority).to_ascii_lowercase();
        // A query string or fragment is not part of the entity path.
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let segments = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        Self { host, segments }
    }

    /// Returns whether every segment of `self` starts `other`'s path, segment by segment.
    pub fn is_prefix_of(&self, other: &ResourceUri) -> bool {
        self.segments.len() <= other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(mine, theirs)| mine == theirs)
    }

    /// Returns the first path segment, the hub name for every Event Hubs entity.
    pub fn hub(&self) -> Option<&str> {
        self.segments.first().map(String::as_str)
    }
}

fn split_authority(text: &str) -> (&str, &str) {
    match text.find('/') {
        Some(slash) => (&text[..slash], &text[slash..]),
        None => (text, ""),
    }
}

fn strip_port(authority: &str) -> &str {
    // Drop any user information, then a trailing `:port` (IPv6 literals keep their colons).
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.starts_with('[') {
        return host.split(']').next().map_or(host, |inner| &inner[1..]);
    }
    host.split(':').next().unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_scheme_and_port() {
        let python = ResourceUri::parse("sb://127.0.0.1:5673/Orders", true);
        let rust = ResourceUri::parse("amqps://127.0.0.1/orders", true);
        assert_eq!(python, rust);
        assert_eq!(python.host, "127.0.0.1");
        assert_eq!(python.segments, vec!["orders"]);
    }

    #[test]
    fn parses_host_without_scheme() {
        let uri = ResourceUri::parse("ns.servicebus.windows.net/orders/", true);
        assert_eq!(uri.host, "ns.servicebus.windows.net");
        assert_eq!(uri.segments, vec!["orders"]);
    }

    #[test]
    fn parses_bare_link_address() {
        let uri = ResourceUri::parse("orders/ConsumerGroups/$Default/Partitions/0", false);
        assert_eq!(uri.host, "");
        assert_eq!(
            uri.segments,
            vec!["orders", "consumergroups", "$default", "partitions", "0"]
        );
    }

    #[test]
    fn prefix_compares_whole_segments() {
        let hub = ResourceUri::parse("sb://h/orders", true);
        let group = ResourceUri::parse("sb://h/orders/consumergroups/billing", true);
        let partition =
            ResourceUri::parse("amqps://h/orders/ConsumerGroups/Billing/Partitions/1", true);
        let longer_name = ResourceUri::parse("sb://h/orders2", true);
        assert!(hub.is_prefix_of(&partition));
        assert!(group.is_prefix_of(&partition));
        assert!(!partition.is_prefix_of(&group));
        assert!(!hub.is_prefix_of(&longer_name));
    }

    #[test]
    fn ipv6_host_keeps_colons() {
        let uri = ResourceUri::parse("sb://[::1]:5672/orders", true);
        assert_eq!(uri.host, "::1");
    }
}
