//! Azure Event Hubs limits of the Standard tier that the local broker enforces.
//!
//! The figures are Azure's published quotas for the Standard tier, so a course step that passes
//! locally also fits a real Standard namespace.

use std::ops::RangeInclusive;

/// Event hubs per namespace.
pub const MAX_HUBS_PER_NAMESPACE: usize = 10;

/// Partitions a hub may be created with.
pub const PARTITION_COUNT: RangeInclusive<u32> = 1..=32;

/// Days a hub may keep events.
pub const RETENTION_DAYS: RangeInclusive<u32> = 1..=7;

/// Consumer groups per hub, `$Default` included.
pub const MAX_CONSUMER_GROUPS_PER_HUB: usize = 20;

/// Characters in a consumer group name, the maximum that AMQP clients may use.
pub const MAX_CONSUMER_GROUP_NAME_LEN: usize = 50;

/// Authorization rules at namespace scope, and separately at the scope of each hub.
pub const MAX_AUTHORIZATION_RULES: usize = 12;

/// Receivers without an owner level (epoch) per partition and consumer group.
pub const MAX_RECEIVERS_PER_PARTITION: usize = 5;

/// Bytes in one event, its body and properties together: 1 MB.
pub const MAX_EVENT_BYTES: usize = 1_048_576;

/// Bytes in one event's body: all of [`MAX_EVENT_BYTES`], for an event without properties.
pub const MAX_EVENT_BODY_BYTES: usize = MAX_EVENT_BYTES;

/// Bytes a producer link advertises as its maximum message size: 1 MB for the event and 64 KiB
/// for the sections around it, so that an event with a body of exactly 1 MB fits. Events a
/// little over 1 MB thus reach the broker, which rejects them naming the sizes that count.
pub const PRODUCER_MAX_MESSAGE_BYTES: usize = MAX_EVENT_BYTES + 64 * 1024;

/// Bytes in one batch (message format `0x80013700`), counted as the sum of its events' sizes:
/// the producer link's maximum message size. The SDKs fill a batch up to the size the link
/// advertises, so a lower limit would reject batches they built as they should.
// NOTE: Azure advertises 1 MB, so there a batch that an SDK fills is at most 1 MB. A batch of
// 1 MB to 1,088 KiB passes here and is too large for Azure.
pub const MAX_BATCH_BYTES: usize = PRODUCER_MAX_MESSAGE_BYTES;

/// Seconds a capture time window may last.
pub const CAPTURE_WINDOW_SECONDS: RangeInclusive<u32> = 60..=900;

/// Megabytes a capture size window may hold.
pub const CAPTURE_WINDOW_MEGABYTES: RangeInclusive<u32> = 10..=500;
