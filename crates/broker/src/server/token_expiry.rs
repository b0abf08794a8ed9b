//! The expiry of the tokens that authorize a connection's open producer and consumer links.
//!
//! Azure Event Hubs drops a link when the token that authorized it expires, unless the client
//! put a new token for the link's entity on the same connection before then. The SDKs that sign
//! tokens with a key renew them with a new put-token on `$cbs`. Each link here keeps the latest
//! expiry of the tokens that authorize it, every successful put-token moves that expiry, and
//! the connection ends the links whose expiry passed.

use std::collections::HashMap;
use std::hash::Hash;

use crate::entity::Right;
use crate::sas::{AuthError, Grant};

/// How long after its token's expiry a link stays open for the client's renewal to arrive.
/// `azeventhubs` 0.20 puts the new token at the instant the old one expires, not before it, so
/// the put-token arrives after the expiry. Without this margin every link of the app's own
/// client would race its renewal every 30 minutes, the lifetime of its key-signed tokens.
/// NOTE: Azure documents no such margin. This one is sized for a renewal that is late by the
/// time of one put-token on a busy machine, not measured against Azure.
pub(crate) const TOKEN_EXPIRY_GRACE_SECONDS: u64 = 5;

/// The open links of one connection that a token authorizes, with the expiry of that token,
/// keyed by the connection's link id.
#[derive(Debug)]
pub(crate) struct LinkExpiries<L> {
    links: HashMap<L, AuthorizedLink>,
}

impl<L> Default for LinkExpiries<L> {
    fn default() -> Self {
        Self {
            links: HashMap::new(),
        }
    }
}

/// A producer or consumer link and the token that authorizes it longest.
#[derive(Debug)]
struct AuthorizedLink {
    address: String,
    right: Right,
    /// The expiry in seconds since the Unix epoch of the token that authorizes the link longest.
    expiry: u64,
    /// That token's resource URI, for the message when the link ends.
    resource: String,
}

impl<L: Copy + Eq + Hash> LinkExpiries<L> {
    /// Starts following `link`, attached to `address` with `right`, and takes its expiry from
    /// the grants that authorize it at `now` (seconds since the Unix epoch). A link that no grant
    /// authorizes is not followed.
    pub(crate) fn track(
        &mut self,
        link: L,
        address: &str,
        right: Right,
        grants: &[Grant],
        now: u64,
    ) {
        let Some(grant) = longest_grant(grants, address, right, now) else {
            return;
        };
        let authorized = AuthorizedLink {
            address: address.to_owned(),
            right,
            expiry: grant.expiry(),
            resource: grant.resource().to_owned(),
        };
        self.links.insert(link, authorized);
    }

    /// Stops following a link that ended.
    pub(crate) fn forget(&mut self, link: L) {
        self.links.remove(&link);
    }

    /// Moves each link's expiry to that of the grant that authorizes it longest at `now`, after
    /// a put-token changed the grants. A new token for the same resource replaces the old one,
    /// so an expiry can also move earlier. A link that no valid grant authorizes any more keeps
    /// its expiry.
    pub(crate) fn renew(&mut self, grants: &[Grant], now: u64) {
        for authorized in self.links.values_mut() {
            let longest = longest_grant(grants, &authorized.address, authorized.right, now);
            if let Some(grant) = longest {
                authorized.expiry = grant.expiry();
                authorized.resource = grant.resource().to_owned();
            }
        }
    }

    /// Returns the earliest time, in seconds since the Unix epoch, at which a link ends unless
    /// its token is renewed: its expiry plus [`TOKEN_EXPIRY_GRACE_SECONDS`].
    pub(crate) fn next_end(&self) -> Option<u64> {
        self.links
            .values()
            .map(|authorized| authorized.expiry + TOKEN_EXPIRY_GRACE_SECONDS)
            .min()
    }

    /// Stops following the links whose end passed at `now` and returns each with the error to
    /// detach it with.
    pub(crate) fn take_expired(&mut self, now: u64) -> Vec<(L, AuthError)> {
        let expired: Vec<L> = self
            .links
            .iter()
            .filter(|(_, authorized)| authorized.expiry + TOKEN_EXPIRY_GRACE_SECONDS <= now)
            .map(|(link, _)| *link)
            .collect();
        let mut ended = Vec::with_capacity(expired.len());
        for link in expired {
            if let Some(authorized) = self.links.remove(&link) {
                ended.push((link, expired_error(authorized)));
            }
        }
        ended
    }
}

/// Finds the valid grant that authorizes `address` with `right` longest.
fn longest_grant<'a>(
    grants: &'a [Grant],
    address: &str,
    right: Right,
    now: u64,
) -> Option<&'a Grant> {
    grants
        .iter()
        .filter(|grant| grant.check(address, Some(right), now).is_ok())
        .max_by_key(|grant| grant.expiry())
}

fn expired_error(authorized: AuthorizedLink) -> AuthError {
    let expired_at = i64::try_from(authorized.expiry)
        .ok()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .map_or_else(
            || "an unknown time".to_owned(),
            |time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    AuthError::LinkTokenExpired {
        entity: authorized.address,
        resource: authorized.resource,
        expiry: authorized.expiry,
        expired_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{HubSettings, Namespace, RuleScope};
    use crate::sas::{authorize, generate_token};

    const NOW: u64 = 1_800_000_000;
    const PRODUCER: &str = "amqps://127.0.0.1/orders";
    const CONSUMER: &str = "amqps://127.0.0.1/orders/ConsumerGroups/$Default/Partitions/0";

    fn namespace() -> Namespace {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let settings = HubSettings {
            partition_count: 2,
            retention_days: 1,
        };
        namespace.create_hub("orders", settings, 0).unwrap();
        namespace
            .create_rule(RuleScope::Namespace, "send", &[Right::Send])
            .unwrap();
        namespace
    }

    fn grant(namespace: &Namespace, rule: &str, resource: &str, expiry: u64) -> Grant {
        let key = namespace
            .rule(&RuleScope::Namespace, rule)
            .unwrap()
            .primary_key
            .clone();
        let token = generate_token(resource, rule, &key, expiry);
        authorize(namespace, &[], token.expose(), NOW).unwrap()
    }

    #[test]
    fn link_ends_after_expiry_and_grace() {
        let namespace = namespace();
        let grants = [grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 60)];
        let mut expiries = LinkExpiries::<u32>::default();
        expiries.track(1, PRODUCER, Right::Send, &grants, NOW);

        let end = NOW + 60 + TOKEN_EXPIRY_GRACE_SECONDS;
        assert_eq!(expiries.next_end(), Some(end));
        assert!(expiries.take_expired(end - 1).is_empty());
        let ended = expiries.take_expired(end);
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].0, 1);
        assert_eq!(
            ended[0].1,
            AuthError::LinkTokenExpired {
                entity: PRODUCER.to_owned(),
                resource: "sb://127.0.0.1/orders".to_owned(),
                expiry: NOW + 60,
                expired_at: "2027-01-15T08:01:00Z".to_owned(),
            }
        );
        assert_eq!(expiries.next_end(), None);
    }

    #[test]
    fn new_token_for_entity_extends_link() {
        let namespace = namespace();
        let mut grants = vec![grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 60)];
        let mut expiries = LinkExpiries::<u32>::default();
        expiries.track(1, PRODUCER, Right::Send, &grants, NOW);

        grants[0] = grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 3600);
        expiries.renew(&grants, NOW + 30);

        assert_eq!(
            expiries.next_end(),
            Some(NOW + 3600 + TOKEN_EXPIRY_GRACE_SECONDS)
        );
        assert!(expiries.take_expired(NOW + 3600).is_empty());
    }

    #[test]
    fn other_entity_or_right_not_extended() {
        let mut namespace = namespace();
        namespace
            .create_rule(RuleScope::Namespace, "listen", &[Right::Listen])
            .unwrap();
        let mut grants = vec![grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 60)];
        let mut expiries = LinkExpiries::<u32>::default();
        expiries.track(1, PRODUCER, Right::Send, &grants, NOW);
        expiries.track(2, CONSUMER, Right::Listen, &grants, NOW);

        grants.push(grant(
            &namespace,
            "send",
            "sb://127.0.0.1/payments",
            NOW + 3600,
        ));
        grants.push(grant(
            &namespace,
            "listen",
            "sb://127.0.0.1/orders",
            NOW + 3600,
        ));
        expiries.renew(&grants, NOW + 30);

        // The Send link keeps its expiry. No grant authorized the consumer, so it is not
        // followed at all.
        assert_eq!(
            expiries.next_end(),
            Some(NOW + 60 + TOKEN_EXPIRY_GRACE_SECONDS)
        );
        let ended = expiries.take_expired(NOW + 60 + TOKEN_EXPIRY_GRACE_SECONDS);
        let links: Vec<u32> = ended.iter().map(|(link, _)| *link).collect();
        assert_eq!(links, vec![1]);
    }

    #[test]
    fn namespace_token_extends_every_link() {
        let namespace = namespace();
        let mut grants = vec![grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 60)];
        let mut expiries = LinkExpiries::<u32>::default();
        expiries.track(1, PRODUCER, Right::Send, &grants, NOW);
        expiries.track(2, "orders/Partitions/1", Right::Send, &grants, NOW);

        grants.push(grant(&namespace, "send", "sb://127.0.0.1/", NOW + 3600));
        expiries.renew(&grants, NOW + 30);

        assert_eq!(
            expiries.next_end(),
            Some(NOW + 3600 + TOKEN_EXPIRY_GRACE_SECONDS)
        );
    }

    #[test]
    fn forgotten_link_never_ends() {
        let namespace = namespace();
        let grants = [grant(&namespace, "send", "sb://127.0.0.1/orders", NOW + 60)];
        let mut expiries = LinkExpiries::<u32>::default();
        expiries.track(1, PRODUCER, Right::Send, &grants, NOW);
        expiries.forget(1);
        assert_eq!(expiries.next_end(), None);
        assert!(expiries.take_expired(NOW + 3600).is_empty());
    }
}
