//! Deterministic identifiers and choices derived from other identifiers.
//!
//! A handler that runs twice for the same event must produce the same ids, so that the team's
//! store and its outbox recognise the repeat. Ids are therefore derived from the source event
//! by SHA-256, never drawn at random.

use ring::digest::{digest, SHA256};
use uuid::Uuid;

/// Derives a UUID (version 4 layout) from the given parts.
pub fn derived_uuid(parts: &[&str]) -> Uuid {
    let hash = hash_parts(parts);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Derives a number from the given parts, uniform over `u64`.
pub fn derived_number(parts: &[&str]) -> u64 {
    let hash = hash_parts(parts);
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(bytes)
}

fn hash_parts(parts: &[&str]) -> Vec<u8> {
    // A separator that cannot appear in ids keeps ("ab", "c") and ("a", "bc") apart.
    let joined = parts.join("\u{1f}");
    digest(&SHA256, joined.as_bytes()).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uuid_is_stable_and_version_four() {
        let first = derived_uuid(&["lead", "customer-1"]);
        assert_eq!(first, derived_uuid(&["lead", "customer-1"]));
        assert_ne!(first, derived_uuid(&["lead", "customer-2"]));
        assert_eq!(first.get_version_num(), 4);
    }

    #[test]
    fn parts_are_kept_apart() {
        assert_ne!(derived_number(&["ab", "c"]), derived_number(&["a", "bc"]));
    }
}
