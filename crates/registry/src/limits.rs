//! Azure Schema Registry limits of the Event Hubs Standard tier, which the local service
//! enforces so that a workshop that runs locally also fits in Azure.

/// Limits one local registry namespace enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Schema groups per namespace (Standard tier: 1). The local service enforces it because
    /// the course runs one group, `myschemagroup`, in its own Standard namespace, so a plan
    /// that needs a second group locally would fail in Azure. Tests or a Premium-like setup
    /// pass other limits through the service's configuration.
    pub max_groups: usize,
    /// Schema versions per namespace, all groups and schemas together (Standard tier: 25).
    pub max_versions: usize,
    /// Characters in a schema group name (50).
    pub max_group_name_chars: usize,
    /// Characters in a schema name (100).
    pub max_schema_name_chars: usize,
    /// Bytes in one schema's content (1 MB).
    pub max_schema_bytes: usize,
}

impl Limits {
    /// The Standard tier's limits, as Azure documents them for Event Hubs.
    pub const STANDARD: Limits = Limits {
        max_groups: 1,
        max_versions: 25,
        max_group_name_chars: 50,
        max_schema_name_chars: 100,
        max_schema_bytes: 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::STANDARD
    }
}
