//! Durable registry state in SQLite: schema groups with their compatibility mode, and schema
//! versions with their content.

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::compat::{check, CompatibilityMode, Verdict};
use crate::limits::Limits;
use crate::model::{normalized_content, ParsedSchema, SchemaError};
use crate::wire::SchemaId;

/// A failure of a registry operation; each variant is one condition a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite database failed.
    #[error("registry database failed: {0}")]
    Database(#[from] rusqlite::Error),
    /// The schema group does not exist.
    #[error("schema group `{0}` does not exist: create it first (in Azure, as a schema group of the namespace)")]
    GroupNotFound(String),
    /// Creating one more group would pass the namespace's limit.
    #[error(
        "schema group `{group}` cannot be created: the namespace already holds {existing} \
         group(s) ({names}) and the Standard tier allows {max}; use an existing group"
    )]
    GroupLimit {
        /// The group that was to be created.
        group: String,
        /// Groups that exist already.
        existing: usize,
        /// Their names, quoted and comma separated.
        names: String,
        /// The limit.
        max: usize,
    },
    /// One more version would pass the namespace's limit of versions.
    #[error(
        "the namespace already holds {max} schema versions, the Standard tier's limit: \
         delete unused schemas before registering more"
    )]
    VersionLimit {
        /// The limit.
        max: usize,
    },
    /// A group or schema name is empty, too long, or not printable ASCII (names travel in
    /// HTTP headers such as `Schema-Name`), or a schema name contains `:`.
    #[error("{kind} name `{name}` is invalid because it {problem}: use 1 to {max} {allowed}")]
    InvalidName {
        /// `schema group` or `schema`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The maximum length in characters.
        max: usize,
        /// The broken rule, as a verb phrase such as "contains `:` (U+003A)".
        problem: String,
        /// The characters a name may contain.
        allowed: &'static str,
    },
    /// The schema content passes the size limit.
    #[error("the schema has {size} bytes, more than the limit of {max} bytes")]
    SchemaTooLarge {
        /// The content's size in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The content is not a valid Avro schema.
    #[error("Schema validation failed: {0}")]
    InvalidSchema(#[from] SchemaError),
    /// The new version breaks the group's compatibility mode.
    #[error("{}", incompatible_message(.0))]
    Incompatible(Box<Verdict>),
    /// No schema version has this id.
    #[error("schema id `{0}` does not exist in this namespace")]
    SchemaIdNotFound(String),
    /// The group contains no schema of this name.
    #[error("schema `{name}` does not exist in schema group `{group}`")]
    SchemaNotFound {
        /// The group.
        group: String,
        /// The schema name.
        name: String,
    },
    /// The schema exists, but none of its versions has the content asked about.
    #[error(
        "no version of schema `{name}` in schema group `{group}` has this content (its latest \
         version is {latest}): register the content as a new version, or compare it with the \
         stored versions"
    )]
    ContentNotFound {
        /// The group.
        group: String,
        /// The schema name.
        name: String,
        /// The schema's latest version number.
        latest: u32,
    },
    /// The schema has no such version.
    #[error("schema `{name}` in schema group `{group}` has no version {version}")]
    VersionNotFound {
        /// The group.
        group: String,
        /// The schema name.
        name: String,
        /// The version asked for.
        version: u32,
    },
}

/// Builds the rejection text: the mode and what was compared, then one sentence per broken
/// field with its fix. Each part ends with a full stop, so the parts read as sentences.
fn incompatible_message(verdict: &Verdict) -> String {
    let mut text = format!(
        "the schema is not compatible with the latest version in {} mode: {}.",
        verdict.mode, verdict.explanation
    );
    for incompatibility in &verdict.incompatibilities {
        text.push_str(&format!(
            " {} Fix: {}.",
            capitalized(&incompatibility.reason),
            incompatibility.fix
        ));
    }
    text
}

fn capitalized(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One stored schema version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchema {
    /// The version's schema id.
    pub id: SchemaId,
    /// The schema group.
    pub group: String,
    /// The schema name.
    pub name: String,
    /// The version number, from 1.
    pub version: u32,
    /// The schema text exactly as registered.
    pub content: String,
}

/// A schema group and its compatibility mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// The group's name.
    pub name: String,
    /// The mode new versions are checked in.
    pub mode: CompatibilityMode,
}

/// The outcome of a successful registration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The version now registered (new, or the existing one with the same content).
    pub schema: StoredSchema,
    /// Whether this call created the version; identical content returns the existing one.
    pub created: bool,
    /// The compatibility verdict, or `None` when the content was already registered.
    pub verdict: Option<Verdict>,
}

/// The registry's SQLite database. Methods lock one connection, so calls are serialized.
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
    limits: Limits,
}

/// How long a write waits for another process's write lock before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS schema_groups (
    name TEXT PRIMARY KEY,
    compatibility TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS schema_versions (
    id TEXT PRIMARY KEY,
    group_name TEXT NOT NULL REFERENCES schema_groups(name),
    schema_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    normalized TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (group_name, schema_name, version)
);
CREATE INDEX IF NOT EXISTS schema_versions_by_content
    ON schema_versions (group_name, schema_name, normalized);
";

impl Store {
    /// Opens (or creates) the database file in WAL mode.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        let mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        tracing::debug!(path = %path.display(), journal_mode = %mode, "opened registry database");
        Self::initialize(connection, limits)
    }

    /// Opens a database that lives in memory only, for tests and throwaway runs.
    pub fn open_in_memory(limits: Limits) -> Result<Self, StoreError> {
        Self::initialize(Connection::open_in_memory()?, limits)
    }

    fn initialize(connection: Connection, limits: Limits) -> Result<Self, StoreError> {
        // Another process, such as a CLI command next to a running app, may hold the write lock
        // for a moment. Waiting for it beats failing at once.
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
        connection.execute_batch(SCHEMA_SQL)?;
        Ok(Store {
            connection: Mutex::new(connection),
            limits,
        })
    }

    /// Returns the limits this store enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (each change is one
        // transaction), so a poisoned lock is safe to reuse.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates a schema group, or changes the mode of an existing one.
    pub fn put_group(&self, name: &str, mode: CompatibilityMode) -> Result<GroupInfo, StoreError> {
        check_name("schema group", name, self.limits.max_group_name_chars)?;
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Group names ignore case, as the names of the namespace's other resources do: an
        // existing group keeps the spelling it was created with.
        let existing_name: Option<String> = transaction
            .query_row(
                "SELECT name FROM schema_groups WHERE name = ?1 COLLATE NOCASE",
                [name],
                |row| row.get(0),
            )
            .optional()?;
        let exists = existing_name.is_some();
        let name = existing_name.as_deref().unwrap_or(name);
        if exists {
            transaction.execute(
                "UPDATE schema_groups SET compatibility = ?2 WHERE name = ?1",
                params![name, mode.as_str()],
            )?;
        } else {
            let names = {
                let mut statement =
                    transaction.prepare("SELECT name FROM schema_groups ORDER BY name")?;
                let names = statement
                    .query_map([], |row| row.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                names
            };
            if names.len() >= self.limits.max_groups {
                let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
                return Err(StoreError::GroupLimit {
                    group: name.to_string(),
                    existing: names.len(),
                    names: quoted.join(", "),
                    max: self.limits.max_groups,
                });
            }
            transaction.execute(
                "INSERT INTO schema_groups (name, compatibility, created_at) VALUES (?1, ?2, ?3)",
                params![name, mode.as_str(), now_unix()],
            )?;
        }
        transaction.commit()?;
        tracing::info!(group = name, mode = %mode, created = !exists, "schema group stored");
        Ok(GroupInfo {
            name: name.to_string(),
            mode,
        })
    }

    /// Deletes a schema group with every version of every schema in it, as deleting the schema
    /// group resource does in Azure.
    pub fn delete_group(&self, name: &str) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let group = group_of(&transaction, name)?;
        let name = group.name.as_str();
        let versions =
            transaction.execute("DELETE FROM schema_versions WHERE group_name = ?1", [name])?;
        transaction.execute("DELETE FROM schema_groups WHERE name = ?1", [name])?;
        transaction.commit()?;
        tracing::info!(group = name, versions, "schema group deleted");
        Ok(())
    }

    /// Returns a schema group.
    pub fn group(&self, name: &str) -> Result<GroupInfo, StoreError> {
        let connection = self.lock();
        group_of(&connection, name)
    }

    /// Lists the names of all schema groups, sorted.
    pub fn list_groups(&self) -> Result<Vec<String>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT name FROM schema_groups ORDER BY name")?;
        let names = statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(names)
    }

    /// Registers a schema version: identical content returns the existing version, anything
    /// else is checked against the latest version in the group's mode and stored as the next
    /// version.
    pub fn register(
        &self,
        group: &str,
        name: &str,
        content: &str,
    ) -> Result<Registration, StoreError> {
        check_name("schema group", group, self.limits.max_group_name_chars)?;
        check_name("schema", name, self.limits.max_schema_name_chars)?;
        if content.len() > self.limits.max_schema_bytes {
            return Err(StoreError::SchemaTooLarge {
                size: content.len(),
                max: self.limits.max_schema_bytes,
            });
        }
        let parsed = ParsedSchema::parse(content)?;
        let normalized = normalized_content(content)?;

        // An immediate transaction takes the write lock before reading the latest version, so
        // two processes cannot both register the same next version number.
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let group_info = group_of(&transaction, group)?;
        let group = group_info.name.as_str();
        if let Some(existing) = find_by_normalized(&transaction, group, name, &normalized)? {
            return Ok(Registration {
                schema: existing,
                created: false,
                verdict: None,
            });
        }

        let latest = latest_of(&transaction, group, name)?;
        // NOTE: a version stored before the parser rejected some invalid Avro (duplicate enum
        // symbols or union branches, names outside ASCII) fails here, and the error then
        // describes the stored version, not the new one. Deleting the schema group clears it.
        let latest_parsed = match &latest {
            Some(stored) => Some((ParsedSchema::parse(&stored.content)?, stored.version)),
            None => None,
        };
        let verdict = check(
            group_info.mode,
            &parsed,
            latest_parsed
                .as_ref()
                .map(|(schema, version)| (schema, *version)),
        );
        if !verdict.accepted {
            tracing::info!(group, schema = name, mode = %group_info.mode, "schema version rejected");
            return Err(StoreError::Incompatible(Box::new(verdict)));
        }

        let total: usize =
            transaction.query_row("SELECT COUNT(*) FROM schema_versions", [], |row| row.get(0))?;
        if total >= self.limits.max_versions {
            return Err(StoreError::VersionLimit {
                max: self.limits.max_versions,
            });
        }

        let version = latest.map_or(1, |stored| stored.version + 1);
        let id = new_schema_id();
        transaction.execute(
            "INSERT INTO schema_versions
                 (id, group_name, schema_name, version, content, normalized, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id.as_str(),
                group,
                name,
                version,
                content,
                normalized,
                now_unix()
            ],
        )?;
        transaction.commit()?;
        tracing::info!(group, schema = name, version, schema_id = %id, "schema version registered");
        Ok(Registration {
            schema: StoredSchema {
                id,
                group: group.to_string(),
                name: name.to_string(),
                version,
                content: content.to_string(),
            },
            created: true,
            verdict: Some(verdict),
        })
    }

    /// Finds the version of a schema whose content equals the given text (ignoring whitespace
    /// and key order).
    pub fn find_by_content(
        &self,
        group: &str,
        name: &str,
        content: &str,
    ) -> Result<StoredSchema, StoreError> {
        let normalized = normalized_content(content)?;
        let connection = self.lock();
        let group_info = group_of(&connection, group)?;
        let group = group_info.name.as_str();
        if let Some(found) = find_by_normalized(&connection, group, name, &normalized)? {
            return Ok(found);
        }
        Err(match latest_of(&connection, group, name)? {
            Some(latest) => StoreError::ContentNotFound {
                group: group.to_string(),
                name: name.to_string(),
                latest: latest.version,
            },
            None => StoreError::SchemaNotFound {
                group: group.to_string(),
                name: name.to_string(),
            },
        })
    }

    /// Returns the version with this schema id, in either case: ids are stored in lowercase,
    /// as [`SchemaId`] explains.
    pub fn by_id(&self, id: &str) -> Result<StoredSchema, StoreError> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT id, group_name, schema_name, version, content FROM schema_versions
                 WHERE id = ?1",
                [id.to_ascii_lowercase()],
                stored_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::SchemaIdNotFound(id.to_string()))
    }

    /// Lists a schema's version numbers, ascending.
    pub fn versions(&self, group: &str, name: &str) -> Result<Vec<u32>, StoreError> {
        let connection = self.lock();
        let group_info = group_of(&connection, group)?;
        let group = group_info.name.as_str();
        let mut statement = connection.prepare(
            "SELECT version FROM schema_versions WHERE group_name = ?1 AND schema_name = ?2
             ORDER BY version",
        )?;
        let versions = statement
            .query_map(params![group, name], |row| row.get(0))?
            .collect::<Result<Vec<u32>, _>>()?;
        if versions.is_empty() {
            return Err(StoreError::SchemaNotFound {
                group: group.to_string(),
                name: name.to_string(),
            });
        }
        Ok(versions)
    }

    /// Returns one version of a schema.
    pub fn version(
        &self,
        group: &str,
        name: &str,
        version: u32,
    ) -> Result<StoredSchema, StoreError> {
        let connection = self.lock();
        let group_info = group_of(&connection, group)?;
        let group = group_info.name.as_str();
        connection
            .query_row(
                "SELECT id, group_name, schema_name, version, content FROM schema_versions
                 WHERE group_name = ?1 AND schema_name = ?2 AND version = ?3",
                params![group, name, version],
                stored_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::VersionNotFound {
                group: group.to_string(),
                name: name.to_string(),
                version,
            })
    }

    /// Returns the latest version of a schema, or `None` when the schema has none.
    pub fn latest(&self, group: &str, name: &str) -> Result<Option<StoredSchema>, StoreError> {
        let connection = self.lock();
        let group_info = group_of(&connection, group)?;
        let group = group_info.name.as_str();
        latest_of(&connection, group, name)
    }
}

/// The character that separates a schema name from an operation in a request path, as in
/// `POST /$schemaGroups/{group}/schemas/{name}:get-id`, so a schema name cannot contain it.
const OPERATION_SEPARATOR: char = ':';

/// Checks a schema group name (`kind` "schema group") or a schema name (`kind` "schema").
fn check_name(kind: &'static str, name: &str, max: usize) -> Result<(), StoreError> {
    let is_schema = kind == "schema";
    let allowed = if is_schema {
        "printable ASCII characters other than `:`"
    } else {
        "printable ASCII characters"
    };
    let chars = name.chars().count();
    let problem = if chars == 0 {
        Some("is empty".to_string())
    } else if chars > max {
        Some(format!("has {chars} characters"))
    } else if let Some(c) = name.chars().find(|c| !c.is_ascii_graphic()) {
        Some(format!(
            "contains `{}` (U+{:04X})",
            c.escape_default(),
            u32::from(c)
        ))
    } else if is_schema && name.contains(OPERATION_SEPARATOR) {
        Some(
            "contains `:` (U+003A), which separates a schema name from an operation such as \
             `:get-id` in request paths"
                .to_string(),
        )
    } else {
        None
    };
    match problem {
        Some(problem) => Err(StoreError::InvalidName {
            kind,
            name: name.to_string(),
            max,
            problem,
            allowed,
        }),
        None => Ok(()),
    }
}

fn group_of(connection: &Connection, name: &str) -> Result<GroupInfo, StoreError> {
    let found: Option<(String, String)> = connection
        .query_row(
            "SELECT name, compatibility FROM schema_groups WHERE name = ?1 COLLATE NOCASE",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((name, mode)) = found else {
        return Err(StoreError::GroupNotFound(name.to_string()));
    };
    // The column only ever receives CompatibilityMode::as_str, so an unknown value means the
    // file was edited by hand; None is the safe reading because it rejects nothing.
    let mode = mode.parse().unwrap_or(CompatibilityMode::None);
    Ok(GroupInfo { name, mode })
}

fn find_by_normalized(
    connection: &Connection,
    group: &str,
    name: &str,
    normalized: &str,
) -> Result<Option<StoredSchema>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT id, group_name, schema_name, version, content FROM schema_versions
             WHERE group_name = ?1 AND schema_name = ?2 AND normalized = ?3
             ORDER BY version LIMIT 1",
            params![group, name, normalized],
            stored_from_row,
        )
        .optional()?)
}

fn latest_of(
    connection: &Connection,
    group: &str,
    name: &str,
) -> Result<Option<StoredSchema>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT id, group_name, schema_name, version, content FROM schema_versions
             WHERE group_name = ?1 AND schema_name = ?2 ORDER BY version DESC LIMIT 1",
            params![group, name],
            stored_from_row,
        )
        .optional()?)
}

fn stored_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSchema> {
    let id: String = row.get(0)?;
    Ok(StoredSchema {
        // Ids are only ever written by new_schema_id, so they always parse.
        id: SchemaId::parse(&id).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
        })?,
        group: row.get(1)?,
        name: row.get(2)?,
        version: row.get(3)?,
        content: row.get(4)?,
    })
}

/// Draws a new schema id: 16 random bytes as 32 lowercase hexadecimal characters, the shape
/// of Azure's ids.
fn new_schema_id() -> SchemaId {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    // Without the operating system's random source no unguessable id can be drawn, so a
    // failure here is final.
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's random number generator failed");
    SchemaId::parse(&hex::encode(bytes)).expect("32 hexadecimal characters form a schema id")
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"E","fields":[{"name":"a","type":"string"}]}"#;
    const V2: &str = r#"{"type":"record","name":"E","fields":[{"name":"a","type":"string"},
        {"name":"b","type":["null","string"],"default":null}]}"#;

    fn store_with_group(mode: CompatibilityMode) -> Store {
        let store = Store::open_in_memory(Limits::STANDARD).unwrap();
        store.put_group("group", mode).unwrap();
        store
    }

    #[test]
    fn identical_content_registers_once() {
        let store = store_with_group(CompatibilityMode::Backward);
        let first = store.register("group", "E", V1).unwrap();
        let second = store.register("group", "E", &format!("\n{V1}  ")).unwrap();
        assert!(first.created);
        assert!(!second.created);
        assert_eq!(first.schema.id, second.schema.id);
        assert_eq!(store.versions("group", "E").unwrap(), [1]);
    }

    #[test]
    fn next_version_increments() {
        let store = store_with_group(CompatibilityMode::Backward);
        store.register("group", "E", V1).unwrap();
        let second = store.register("group", "E", V2).unwrap();
        assert_eq!(second.schema.version, 2);
        assert_eq!(store.latest("group", "E").unwrap().unwrap().version, 2);
    }

    #[test]
    fn malformed_json_stores_nothing() {
        let store = store_with_group(CompatibilityMode::None);
        let error = store.register("group", "E", "{\"type\": ").unwrap_err();
        assert!(matches!(
            error,
            StoreError::InvalidSchema(SchemaError::Json { .. })
        ));
        assert!(matches!(
            store.versions("group", "E"),
            Err(StoreError::SchemaNotFound { .. })
        ));
    }

    #[test]
    fn rejection_reads_as_separate_sentences() {
        let store = store_with_group(CompatibilityMode::Backward);
        store.register("group", "E", V1).unwrap();
        let added = r#"{"type":"record","name":"E","fields":[{"name":"a","type":"string"},
            {"name":"x","type":["null","string"]}]}"#;

        let error = store.register("group", "E", added).unwrap_err();

        let text = error.to_string();
        assert!(
            text.contains(
                "earlier versions are not consulted. Field `x` ([\"null\", \"string\"]) is new"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("Fix: add \"default\": null to `x`."),
            "{text}"
        );
        assert_eq!(store.versions("group", "E").unwrap(), [1]);
    }

    #[test]
    fn group_names_ignore_case() {
        let store = store_with_group(CompatibilityMode::Backward);
        let registered = store.register("GROUP", "E", V1).unwrap();
        assert_eq!(registered.schema.group, "group");
        assert_eq!(store.versions("Group", "E").unwrap(), [1]);
        assert_eq!(
            store.find_by_content("gRoUp", "E", V1).unwrap().id,
            registered.schema.id
        );
        let changed = store
            .put_group("Group", CompatibilityMode::Forward)
            .unwrap();
        assert_eq!(changed.name, "group");
        assert_eq!(store.list_groups().unwrap(), ["group"]);
        assert_eq!(
            store.group("GROUP").unwrap().mode,
            CompatibilityMode::Forward
        );
    }

    #[test]
    fn second_group_passes_standard_limit() {
        let store = store_with_group(CompatibilityMode::None);
        let error = store
            .put_group("other", CompatibilityMode::None)
            .unwrap_err();
        assert!(matches!(
            error,
            StoreError::GroupLimit {
                existing: 1,
                max: 1,
                ..
            }
        ));
        assert_eq!(
            error.to_string(),
            "schema group `other` cannot be created: the namespace already holds 1 group(s) \
             (`group`) and the Standard tier allows 1; use an existing group"
        );
        // Changing the existing group's mode is not a new group.
        store
            .put_group("group", CompatibilityMode::Forward)
            .unwrap();
        assert_eq!(
            store.group("group").unwrap().mode,
            CompatibilityMode::Forward
        );
    }

    #[test]
    fn delete_group_removes_its_versions() {
        let store = store_with_group(CompatibilityMode::None);
        let id = store.register("group", "E", V1).unwrap().schema.id;
        store.delete_group("group").unwrap();
        assert!(matches!(
            store.group("group"),
            Err(StoreError::GroupNotFound(_))
        ));
        assert!(matches!(
            store.by_id(id.as_str()),
            Err(StoreError::SchemaIdNotFound(_))
        ));
        // The namespace has room for a group again.
        store.put_group("other", CompatibilityMode::None).unwrap();
        assert!(matches!(
            store.delete_group("group"),
            Err(StoreError::GroupNotFound(_))
        ));
    }

    #[test]
    fn version_limit_counts_whole_namespace() {
        let limits = Limits {
            max_versions: 2,
            ..Limits::STANDARD
        };
        let store = Store::open_in_memory(limits).unwrap();
        store.put_group("group", CompatibilityMode::None).unwrap();
        store.register("group", "A", V1).unwrap();
        store.register("group", "B", V1).unwrap();
        let error = store.register("group", "C", V1).unwrap_err();
        assert!(matches!(error, StoreError::VersionLimit { max: 2 }));
    }

    #[test]
    fn long_schema_name_is_rejected() {
        let store = store_with_group(CompatibilityMode::None);
        let name = "n".repeat(101);
        let error = store.register("group", &name, V1).unwrap_err();
        assert!(matches!(error, StoreError::InvalidName { max: 100, .. }));
    }

    #[test]
    fn non_ascii_schema_name_is_rejected() {
        let store = store_with_group(CompatibilityMode::None);
        for name in ["Kunde.Erstellt\u{e4}", "with space", ""] {
            let error = store.register("group", name, V1).unwrap_err();
            assert!(
                matches!(error, StoreError::InvalidName { .. }),
                "{name}: {error}"
            );
        }
    }

    #[test]
    fn schema_name_with_colon_is_rejected() {
        let store = store_with_group(CompatibilityMode::None);
        let error = store.register("group", "a:b", V1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "schema name `a:b` is invalid because it contains `:` (U+003A), which separates a \
             schema name from an operation such as `:get-id` in request paths: use 1 to 100 \
             printable ASCII characters other than `:`"
        );
    }

    #[test]
    fn invalid_name_names_the_problem() {
        let store = store_with_group(CompatibilityMode::None);
        let cases = [
            ("with space", "contains ` ` (U+0020)"),
            ("", "is empty"),
            ("Kunde\u{e4}", "contains `\\u{e4}` (U+00E4)"),
        ];
        for (name, problem) in cases {
            let error = store.register("group", name, V1).unwrap_err().to_string();
            assert!(
                error.contains(&format!("is invalid because it {problem}:")),
                "{error}"
            );
        }
        let error = store
            .register("group", &"n".repeat(101), V1)
            .unwrap_err()
            .to_string();
        assert!(error.contains("because it has 101 characters"), "{error}");
    }

    #[test]
    fn by_id_ignores_case() {
        let store = Store::open_in_memory(Limits::STANDARD).unwrap();
        store.put_group("group", CompatibilityMode::None).unwrap();
        let id = store.register("group", "E", V1).unwrap().schema.id;
        let uppercase = id.as_str().to_ascii_uppercase();
        assert_eq!(store.by_id(&uppercase).unwrap().id, id);
    }

    #[test]
    fn state_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.sqlite");
        let id = {
            let store = Store::open(&path, Limits::STANDARD).unwrap();
            store
                .put_group("group", CompatibilityMode::Forward)
                .unwrap();
            store.register("group", "E", V1).unwrap().schema.id
        };
        let store = Store::open(&path, Limits::STANDARD).unwrap();
        assert_eq!(store.by_id(id.as_str()).unwrap().content, V1);
        assert_eq!(
            store.group("group").unwrap().mode,
            CompatibilityMode::Forward
        );
    }
}
