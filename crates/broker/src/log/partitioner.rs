//! Choosing the partition of a send: round robin, a partition key's hash, or an explicit id.

use std::sync::atomic::{AtomicU32, Ordering};

/// The destination of a send, as the producer requested it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionTarget<'a> {
    /// No key and no partition: the broker picks one partition for the whole send.
    RoundRobin,
    /// A partition key: always the same partition for the same key.
    Key(&'a str),
    /// An explicit partition index.
    Partition(u32),
}

/// A send that names both a partition key and a partition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Both a partition key and a partition id were given.
    #[error("the send names partition key {key} and partition `{partition}`: choose one")]
    KeyAndPartition {
        /// The partition key, quoted and shortened by [`shown_key`].
        key: String,
        /// The partition id.
        partition: String,
    },
}

impl<'a> PartitionTarget<'a> {
    /// Builds the target of a send from its optional key and its optional partition index.
    pub fn new(key: Option<&'a str>, partition: Option<u32>) -> Result<Self, TargetError> {
        match (key, partition) {
            (Some(key), Some(partition)) => Err(TargetError::KeyAndPartition {
                key: shown_key(key),
                partition: partition.to_string(),
            }),
            (Some(key), None) => Ok(Self::Key(key)),
            (None, Some(partition)) => Ok(Self::Partition(partition)),
            (None, None) => Ok(Self::RoundRobin),
        }
    }
}

/// The characters of a partition key that error messages show at most.
const SHOWN_KEY_CHARS: usize = 64;

/// Quotes a partition key for an error message, shortened to its first 64 characters and its
/// size in bytes when it is longer, because a key may take up most of the 1 MB of an event.
pub(crate) fn shown_key(key: &str) -> String {
    match key.char_indices().nth(SHOWN_KEY_CHARS) {
        Some((end, _)) => format!("`{}…` ({} bytes)", &key[..end], key.len()),
        None => format!("`{key}`"),
    }
}

/// The round-robin cursor of one hub.
#[derive(Debug, Default)]
pub struct RoundRobin {
    next: AtomicU32,
}

impl RoundRobin {
    /// Resolves a target to a partition index below `partition_count`.
    pub fn select(&self, target: PartitionTarget<'_>, partition_count: u32) -> u32 {
        match target {
            PartitionTarget::RoundRobin => {
                self.next.fetch_add(1, Ordering::Relaxed) % partition_count.max(1)
            }
            PartitionTarget::Key(key) => partition_for_key(key, partition_count),
            PartitionTarget::Partition(partition) => partition,
        }
    }
}

/// Maps a partition key to a partition index with the hash the Azure SDKs use for their
/// client-side partition resolution. The hash is Jenkins' lookup3 `hashlittle2` over the key's
/// UTF-8 bytes with both seeds 0, the two results XORed and cut to a signed 16-bit value. The
/// index is the absolute value of its remainder by the partition count, with truncating
/// division as in .NET and Java.
///
/// The result depends only on the key and the count, so a key keeps its partition across days
/// and restarts.
// NOTE: this follows the SDKs' published resolver. That the Event Hubs service itself places
// keyed events on the same partitions is the SDKs' claim, not verified against Azure here.
pub fn partition_for_key(key: &str, partition_count: u32) -> u32 {
    let count = i32::try_from(partition_count.max(1)).unwrap_or(i32::MAX);
    let hash = i32::from(key_hash(key));
    (hash % count).unsigned_abs()
}

/// Computes the signed 16-bit hash code of a partition key, 0 for the empty key.
fn key_hash(key: &str) -> i16 {
    if key.is_empty() {
        return 0;
    }
    let (primary, secondary) = hash_little2(key.as_bytes());
    // Keeping the low 16 bits is the intended truncation.
    ((primary ^ secondary) & 0xFFFF) as u16 as i16
}

/// Jenkins' lookup3 `hashlittle2` with both seeds 0, returning (c, b).
fn hash_little2(data: &[u8]) -> (u32, u32) {
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    let mut a = 0xdead_beef_u32.wrapping_add(length);
    let mut b = a;
    let mut c = a;

    let mut rest = data;
    while rest.len() > 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        (a, b, c) = mix(a, b, c);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        return (c, b);
    }
    // The last 1 to 12 bytes, zero-padded: the same sums as lookup3's switch on the length.
    let mut tail = [0u8; 12];
    tail[..rest.len()].copy_from_slice(rest);
    a = a.wrapping_add(word(&tail[0..4]));
    b = b.wrapping_add(word(&tail[4..8]));
    c = c.wrapping_add(word(&tail[8..12]));
    let (_, b, c) = finalize(a, b, c);
    (c, b)
}

fn word(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn mix(mut a: u32, mut b: u32, mut c: u32) -> (u32, u32, u32) {
    a = a.wrapping_sub(c) ^ c.rotate_left(4);
    c = c.wrapping_add(b);
    b = b.wrapping_sub(a) ^ a.rotate_left(6);
    a = a.wrapping_add(c);
    c = c.wrapping_sub(b) ^ b.rotate_left(8);
    b = b.wrapping_add(a);
    a = a.wrapping_sub(c) ^ c.rotate_left(16);
    c = c.wrapping_add(b);
    b = b.wrapping_sub(a) ^ a.rotate_left(19);
    a = a.wrapping_add(c);
    c = c.wrapping_sub(b) ^ b.rotate_left(4);
    b = b.wrapping_add(a);
    (a, b, c)
}

fn finalize(mut a: u32, mut b: u32, mut c: u32) -> (u32, u32, u32) {
    c = (c ^ b).wrapping_sub(b.rotate_left(14));
    a = (a ^ c).wrapping_sub(c.rotate_left(11));
    b = (b ^ a).wrapping_sub(a.rotate_left(25));
    c = (c ^ b).wrapping_sub(b.rotate_left(16));
    a = (a ^ c).wrapping_sub(c.rotate_left(4));
    b = (b ^ a).wrapping_sub(a.rotate_left(14));
    c = (c ^ b).wrapping_sub(b.rotate_left(24));
    (a, b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hash codes returned by `generate_hash_code` of the Python `azure-eventhub` 5.15.1 SDK.
    const SDK_HASH_CODES: [(&str, i16); 19] = [
        ("customer-42", -30336),
        ("", 0),
        ("a", -16220),
        ("ab", 2093),
        ("abc", -14161),
        ("abcd", 23398),
        ("abcde", 27137),
        ("abcdef", 28810),
        ("abcdefg", -14024),
        ("abcdefgh", 22170),
        ("abcdefghi", -2485),
        ("abcdefghij", -5137),
        ("abcdefghijk", -2676),
        ("abcdefghijkl", -2373),
        ("abcdefghijklm", -31855),
        (
            "partition-key-that-is-longer-than-twenty-four-characters",
            18004,
        ),
        ("lead-1", 3914),
        ("lead-2", 19221),
        ("order/7", -25309),
    ];

    #[test]
    fn hash_matches_sdk_resolver() {
        for (key, expected) in SDK_HASH_CODES {
            assert_eq!(key_hash(key), expected, "key {key:?}");
        }
    }

    #[test]
    fn key_maps_with_truncating_remainder() {
        // -30336 % 4 is 0 and -30336 % 32 is 0; -16220 % 3 is -2, so partition 2.
        assert_eq!(partition_for_key("customer-42", 4), 0);
        assert_eq!(partition_for_key("a", 3), 2);
        assert_eq!(partition_for_key("ab", 4), 1);
        assert_eq!(partition_for_key("", 4), 0);
    }

    #[test]
    fn same_key_same_partition() {
        let first = partition_for_key("customer-42", 7);
        for _ in 0..100 {
            assert_eq!(partition_for_key("customer-42", 7), first);
        }
        assert!(first < 7);
    }

    #[test]
    fn long_key_shortened_when_shown() {
        assert_eq!(shown_key("customer-42"), "`customer-42`");
        let exact = "é".repeat(64);
        assert_eq!(shown_key(&exact), format!("`{exact}`"));
        let long = "é".repeat(65);
        assert_eq!(
            shown_key(&long),
            format!("`{}…` (130 bytes)", "é".repeat(64))
        );
        let error = PartitionTarget::new(Some(&"k".repeat(300_000)), Some(1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the send names partition key `{}…` (300000 bytes) and partition `1`: choose one",
                "k".repeat(64)
            )
        );
    }

    #[test]
    fn key_and_partition_rejected() {
        let error = PartitionTarget::new(Some("customer-42"), Some(1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the send names partition key `customer-42` and partition `1`: choose one"
        );
        assert_eq!(
            PartitionTarget::new(None, None),
            Ok(PartitionTarget::RoundRobin)
        );
    }

    #[test]
    fn round_robin_cycles_partitions() {
        let cursor = RoundRobin::default();
        let picks: Vec<u32> = (0..6)
            .map(|_| cursor.select(PartitionTarget::RoundRobin, 3))
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(cursor.select(PartitionTarget::Partition(2), 3), 2);
    }
}
