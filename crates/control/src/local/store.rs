//! The local Resource Manager's state in SQLite (WAL): resources as ARM bodies keyed by
//! their lower-case id, pending operations, soft-deleted key vaults, and the names (never the
//! values) of the keychain entries the server created.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// One stored resource.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The id below the subscription, in the case of its first PUT.
    pub(crate) id: String,
    /// The lower-case resource type, such as `microsoft.eventhub/namespaces/eventhubs`.
    pub(crate) type_key: String,
    /// The ARM body as stored.
    pub(crate) body: Value,
}

/// The state database.
#[derive(Debug)]
pub(crate) struct Store {
    connection: Connection,
}

pub(crate) fn key(id: &str) -> String {
    id.to_ascii_lowercase()
}

impl Store {
    pub(crate) fn open(path: &Path) -> rusqlite::Result<Store> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS resources (
                 key TEXT PRIMARY KEY,
                 id TEXT NOT NULL,
                 type_key TEXT NOT NULL,
                 parent_key TEXT,
                 body TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS resources_parent ON resources (parent_key);
             CREATE TABLE IF NOT EXISTS operations (
                 id TEXT PRIMARY KEY,
                 resource_key TEXT NOT NULL,
                 ready_at_ms INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS deleted_vaults (
                 name TEXT PRIMARY KEY COLLATE NOCASE,
                 body TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS keychain_entries (name TEXT PRIMARY KEY);",
        )?;
        Ok(Store { connection })
    }

    pub(crate) fn meta(&self, name: &str) -> rusqlite::Result<Option<String>> {
        self.connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [name], |row| {
                row.get(0)
            })
            .optional()
    }

    pub(crate) fn set_meta(&self, name: &str, value: &str) -> rusqlite::Result<()> {
        self.connection.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    pub(crate) fn get(&self, id: &str) -> rusqlite::Result<Option<Row>> {
        self.connection
            .query_row(
                "SELECT id, type_key, body FROM resources WHERE key = ?1",
                [key(id)],
                read_row,
            )
            .optional()
    }

    pub(crate) fn put(&self, row: &Row, parent: Option<&str>) -> rusqlite::Result<()> {
        self.connection.execute(
            "INSERT INTO resources (key, id, type_key, parent_key, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (key) DO UPDATE SET body = excluded.body",
            params![
                key(&row.id),
                row.id,
                row.type_key,
                parent.map(key),
                row.body.to_string()
            ],
        )?;
        Ok(())
    }

    /// Reads the resource and everything below it, deepest first.
    pub(crate) fn tree(&self, id: &str) -> rusqlite::Result<Vec<Row>> {
        let key = key(id);
        let mut statement = self.connection.prepare(
            "SELECT id, type_key, body FROM resources WHERE key = ?1 OR key LIKE ?2 ESCAPE '\\'
             ORDER BY length(key) DESC",
        )?;
        let prefix = format!("{}/%", escape_like(&key));
        let rows = statement
            .query_map(params![key, prefix], read_row)?
            .collect::<rusqlite::Result<Vec<Row>>>()?;
        Ok(rows)
    }

    pub(crate) fn remove(&self, id: &str) -> rusqlite::Result<()> {
        self.connection
            .execute("DELETE FROM resources WHERE key = ?1", [key(id)])?;
        Ok(())
    }

    /// Reads the direct children of a resource, optionally of one type.
    pub(crate) fn children(
        &self,
        parent: &str,
        type_key: Option<&str>,
    ) -> rusqlite::Result<Vec<Row>> {
        let mut statement = self.connection.prepare(
            "SELECT id, type_key, body FROM resources
             WHERE parent_key = ?1 AND (?2 IS NULL OR type_key = ?2) ORDER BY key",
        )?;
        let rows = statement
            .query_map(params![key(parent), type_key], read_row)?
            .collect::<rusqlite::Result<Vec<Row>>>()?;
        Ok(rows)
    }

    pub(crate) fn resource_count(&self) -> rusqlite::Result<i64> {
        self.connection
            .query_row("SELECT count(*) FROM resources", [], |row| row.get(0))
    }

    pub(crate) fn add_operation(
        &self,
        id: &str,
        resource: &str,
        ready_at_ms: i64,
    ) -> rusqlite::Result<()> {
        self.connection.execute(
            "INSERT INTO operations (id, resource_key, ready_at_ms) VALUES (?1, ?2, ?3)",
            params![id, key(resource), ready_at_ms],
        )?;
        Ok(())
    }

    pub(crate) fn operation(&self, id: &str) -> rusqlite::Result<Option<i64>> {
        self.connection
            .query_row(
                "SELECT ready_at_ms FROM operations WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()
    }

    /// Returns the latest `ready_at_ms` of operations on a resource, if any is recorded.
    pub(crate) fn pending_until(&self, resource: &str) -> rusqlite::Result<Option<i64>> {
        self.connection.query_row(
            "SELECT max(ready_at_ms) FROM operations WHERE resource_key = ?1",
            [key(resource)],
            |row| row.get(0),
        )
    }

    pub(crate) fn forget_operations_before(&self, now_ms: i64) -> rusqlite::Result<()> {
        // An hour of history is enough for any client to read an operation's outcome.
        self.connection.execute(
            "DELETE FROM operations WHERE ready_at_ms < ?1",
            [now_ms - 3_600_000],
        )?;
        Ok(())
    }

    pub(crate) fn deleted_vault(&self, name: &str) -> rusqlite::Result<Option<Value>> {
        let body: Option<String> = self
            .connection
            .query_row(
                "SELECT body FROM deleted_vaults WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()?;
        Ok(body.map(|body| serde_json::from_str(&body).unwrap_or(Value::Null)))
    }

    pub(crate) fn add_deleted_vault(&self, name: &str, body: &Value) -> rusqlite::Result<()> {
        self.connection.execute(
            "INSERT INTO deleted_vaults (name, body) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body",
            params![name, body.to_string()],
        )?;
        Ok(())
    }

    pub(crate) fn remove_deleted_vault(&self, name: &str) -> rusqlite::Result<()> {
        self.connection
            .execute("DELETE FROM deleted_vaults WHERE name = ?1", [name])?;
        Ok(())
    }

    pub(crate) fn deleted_vault_count(&self) -> rusqlite::Result<i64> {
        self.connection
            .query_row("SELECT count(*) FROM deleted_vaults", [], |row| row.get(0))
    }

    pub(crate) fn add_keychain_entry(&self, name: &str) -> rusqlite::Result<()> {
        self.connection.execute(
            "INSERT OR IGNORE INTO keychain_entries (name) VALUES (?1)",
            [name],
        )?;
        Ok(())
    }

    pub(crate) fn remove_keychain_entry(&self, name: &str) -> rusqlite::Result<()> {
        self.connection
            .execute("DELETE FROM keychain_entries WHERE name = ?1", [name])?;
        Ok(())
    }

    /// Names of keychain entries that start with a prefix.
    pub(crate) fn keychain_entries(&self, prefix: &str) -> rusqlite::Result<Vec<String>> {
        let mut statement = self.connection.prepare(
            "SELECT name FROM keychain_entries WHERE name LIKE ?1 ESCAPE '\\' ORDER BY name",
        )?;
        let pattern = format!("{}%", escape_like(prefix));
        let names = statement
            .query_map([pattern], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let body: String = row.get(2)?;
    Ok(Row {
        id: row.get(0)?,
        type_key: row.get(1)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    })
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
