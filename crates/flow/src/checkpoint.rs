//! Checkpoints: how far each consumer group has handled each partition of a hub, kept in
//! SQLite, and the owner levels readers claim.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use crate::sqlite::{self, StoreError};
use crate::transport::HubRuntime;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS checkpoints (
    hub TEXT NOT NULL,
    consumer_group TEXT NOT NULL,
    partition_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    offset TEXT NOT NULL,
    partition_count INTEGER NOT NULL,
    hub_created_at_ms INTEGER,
    PRIMARY KEY (hub, consumer_group, partition_id)
);
CREATE TABLE IF NOT EXISTS owner_levels (
    hub TEXT NOT NULL,
    consumer_group TEXT NOT NULL,
    partition_id TEXT NOT NULL,
    owner_level INTEGER NOT NULL,
    PRIMARY KEY (hub, consumer_group, partition_id)
);
CREATE TABLE IF NOT EXISTS reset_marks (
    hub TEXT NOT NULL,
    partition_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    hub_created_at_ms INTEGER,
    PRIMARY KEY (hub, partition_id)
);
";

/// The position a consumer group has handled a partition up to, inclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The hub.
    pub hub: String,
    /// The consumer group.
    pub consumer_group: String,
    /// The partition id.
    pub partition_id: String,
    /// The sequence number of the last handled or parked event.
    pub sequence_number: i64,
    /// That event's offset.
    pub offset: String,
    /// How many partitions the hub had when the checkpoint was written.
    pub partition_count: u32,
    /// The hub's creation time then, when the transport reports one.
    pub hub_created_at_ms: Option<i64>,
}

/// The reason a checkpoint no longer fits its hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// The checkpoint's partition does not exist any more.
    PartitionGone,
    /// The hub has a different number of partitions than when the checkpoint was written.
    PartitionCountChanged {
        /// The count then.
        was: u32,
        /// The count now.
        now: u32,
    },
    /// The hub was created again after the checkpoint was written.
    HubRecreated,
    /// The checkpoint lies beyond the partition's last enqueued event.
    BeyondLastEvent {
        /// The partition's last enqueued sequence number.
        last_enqueued: i64,
    },
}

/// A checkpoint found stale, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The reason it is stale.
    pub reason: StaleReason,
}

impl StaleCheckpoint {
    /// Describes the finding for a person watching the workshop.
    pub fn message(&self) -> String {
        let checkpoint = &self.checkpoint;
        let place = format!(
            "checkpoint of consumer group `{}` on partition `{}` of `{}` (sequence number {})",
            checkpoint.consumer_group,
            checkpoint.partition_id,
            checkpoint.hub,
            checkpoint.sequence_number
        );
        let reason = self.reason_text();
        format!("{place} is stale because {reason}: it was reset to read from the earliest event")
    }

    /// Describes the finding for a checkpoint whose partition no longer exists, which no
    /// reader will read again.
    pub fn removed_message(&self) -> String {
        let checkpoint = &self.checkpoint;
        format!(
            "checkpoint of consumer group `{}` on partition `{}` of `{}` (sequence number {}) is \
             stale because {}: it was removed, and no reader reads the partition",
            checkpoint.consumer_group,
            checkpoint.partition_id,
            checkpoint.hub,
            checkpoint.sequence_number,
            self.reason_text()
        )
    }

    /// Describes why the checkpoint is stale, without the place.
    fn reason_text(&self) -> String {
        match &self.reason {
            StaleReason::PartitionGone => "the partition no longer exists".to_string(),
            StaleReason::PartitionCountChanged { was, now } => {
                format!("the hub had {was} partitions and now has {now}")
            }
            StaleReason::HubRecreated => "the hub was deleted and created again".to_string(),
            // A partition that never had an event reports -1 as its last sequence number.
            StaleReason::BeyondLastEvent { last_enqueued } if *last_enqueued < 0 => format!(
                "the checkpoint is at sequence number {} and the partition has no event",
                self.checkpoint.sequence_number
            ),
            StaleReason::BeyondLastEvent { last_enqueued } => format!(
                "the checkpoint is at sequence number {} and the partition's last enqueued event \
                 at {last_enqueued}",
                self.checkpoint.sequence_number
            ),
        }
    }
}

/// The maximum number of partition ids a summary lists before it counts the others.
const LISTED_PARTITIONS: usize = 8;

/// Describes in one notice every stale checkpoint of one consumer group on one hub, grouped by
/// reason, so that a hub of 32 partitions gives one line per group instead of 32.
pub fn stale_summary(hub: &str, consumer_group: &str, findings: &[StaleCheckpoint]) -> String {
    let mut reasons: Vec<(String, Vec<&str>)> = Vec::new();
    for finding in findings {
        let reason = finding.reason_text();
        let partition = finding.checkpoint.partition_id.as_str();
        match reasons.iter_mut().find(|(known, _)| *known == reason) {
            Some((_, partitions)) => partitions.push(partition),
            None => reasons.push((reason, vec![partition])),
        }
    }
    let details: Vec<String> = reasons
        .iter()
        .map(|(reason, partitions)| {
            let mut listed = partitions
                .iter()
                .take(LISTED_PARTITIONS)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if partitions.len() > LISTED_PARTITIONS {
                listed.push_str(&format!(
                    " and {} more",
                    partitions.len() - LISTED_PARTITIONS
                ));
            }
            let noun = if partitions.len() == 1 {
                "partition"
            } else {
                "partitions"
            };
            format!("{noun} {listed}: {reason}")
        })
        .collect();
    let count = findings.len();
    let checkpoints = if count == 1 {
        "checkpoint"
    } else {
        "checkpoints"
    };
    format!(
        "{count} stale {checkpoints} of consumer group `{consumer_group}` on `{hub}` ({}), so \
         every checkpoint of the group on the hub was deleted, and the group reads each \
         partition the hub has now from its earliest event",
        details.join("; ")
    )
}

/// Finds the checkpoints that no longer fit the hub as it is now.
pub fn find_stale(checkpoints: &[Checkpoint], runtime: &HubRuntime) -> Vec<StaleCheckpoint> {
    let count = runtime.partitions.len() as u32;
    checkpoints
        .iter()
        .filter_map(|checkpoint| {
            let reason = if checkpoint.partition_count != count {
                Some(StaleReason::PartitionCountChanged {
                    was: checkpoint.partition_count,
                    now: count,
                })
            } else if checkpoint.hub_created_at_ms.is_some()
                && runtime.created_at_ms.is_some()
                && checkpoint.hub_created_at_ms != runtime.created_at_ms
            {
                Some(StaleReason::HubRecreated)
            } else {
                match runtime.partition(&checkpoint.partition_id) {
                    None => Some(StaleReason::PartitionGone),
                    Some(partition)
                        if checkpoint.sequence_number > partition.last_enqueued_sequence_number =>
                    {
                        Some(StaleReason::BeyondLastEvent {
                            last_enqueued: partition.last_enqueued_sequence_number,
                        })
                    }
                    Some(_) => None,
                }
            };
            reason.map(|reason| StaleCheckpoint {
                checkpoint: checkpoint.clone(),
                reason,
            })
        })
        .collect()
}

/// The checkpoint store, one SQLite file shared by every consumer group of the flow, as Azure
/// checkpoint stores share one blob container.
#[derive(Debug)]
pub struct CheckpointStore {
    connection: Mutex<Connection>,
}

fn sql(source: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        store: "checkpoints",
        source,
    }
}

impl CheckpointStore {
    /// Opens or creates the store.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = sqlite::open(path, SCHEMA)?;
        // Stores created before reset marks recorded the hub's creation time lack its column.
        if connection
            .prepare("SELECT hub_created_at_ms FROM reset_marks")
            .is_err()
        {
            connection
                .execute(
                    "ALTER TABLE reset_marks ADD COLUMN hub_created_at_ms INTEGER",
                    [],
                )
                .map_err(|source| StoreError::Open {
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        Ok(CheckpointStore {
            connection: Mutex::new(connection),
        })
    }

    /// Returns a consumer group's checkpoints on a hub.
    pub fn load(&self, hub: &str, consumer_group: &str) -> Result<Vec<Checkpoint>, StoreError> {
        let connection = sqlite::lock(&self.connection);
        let mut statement = connection
            .prepare(
                "SELECT hub, consumer_group, partition_id, sequence_number, offset, \
                 partition_count, hub_created_at_ms FROM checkpoints \
                 WHERE hub = ?1 AND consumer_group = ?2 ORDER BY partition_id",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map(params![hub, consumer_group], read_checkpoint)
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    /// Returns every checkpoint of the flow.
    pub fn all(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let connection = sqlite::lock(&self.connection);
        let mut statement = connection
            .prepare(
                "SELECT hub, consumer_group, partition_id, sequence_number, offset, \
                 partition_count, hub_created_at_ms FROM checkpoints \
                 ORDER BY hub, consumer_group, partition_id",
            )
            .map_err(sql)?;
        let rows = statement.query_map([], read_checkpoint).map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    /// Writes a checkpoint, replacing the partition's previous one.
    pub fn save(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        sqlite::lock(&self.connection)
            .prepare_cached(
                "INSERT INTO checkpoints (hub, consumer_group, partition_id, sequence_number, \
                 offset, partition_count, hub_created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (hub, consumer_group, partition_id) DO UPDATE SET \
                 sequence_number = excluded.sequence_number, offset = excluded.offset, \
                 partition_count = excluded.partition_count, \
                 hub_created_at_ms = excluded.hub_created_at_ms",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    checkpoint.hub,
                    checkpoint.consumer_group,
                    checkpoint.partition_id,
                    checkpoint.sequence_number,
                    checkpoint.offset,
                    checkpoint.partition_count,
                    checkpoint.hub_created_at_ms
                ])
            })
            .map_err(sql)?;
        Ok(())
    }

    /// Deletes a consumer group's checkpoint on one partition of a hub.
    pub fn delete(
        &self,
        hub: &str,
        consumer_group: &str,
        partition_id: &str,
    ) -> Result<(), StoreError> {
        sqlite::lock(&self.connection)
            .execute(
                "DELETE FROM checkpoints \
                 WHERE hub = ?1 AND consumer_group = ?2 AND partition_id = ?3",
                params![hub, consumer_group, partition_id],
            )
            .map_err(sql)?;
        Ok(())
    }

    /// Deletes a consumer group's checkpoints on a hub, so its readers start from the earliest
    /// event.
    pub fn clear(&self, hub: &str, consumer_group: &str) -> Result<(), StoreError> {
        sqlite::lock(&self.connection)
            .execute(
                "DELETE FROM checkpoints WHERE hub = ?1 AND consumer_group = ?2",
                params![hub, consumer_group],
            )
            .map_err(sql)?;
        Ok(())
    }

    /// Replaces the marks of the last reset with the last sequence number of each partition
    /// of each hub in `runtimes`, read at this reset, in one transaction. A partition that
    /// retention emptied gets a mark because its capture files still contain its events. A
    /// partition that never had an event gets none.
    pub fn save_reset_marks(&self, runtimes: &[HubRuntime]) -> Result<(), StoreError> {
        let mut connection = sqlite::lock(&self.connection);
        let transaction = connection.transaction().map_err(sql)?;
        transaction
            .execute("DELETE FROM reset_marks", [])
            .map_err(sql)?;
        for runtime in runtimes {
            for partition in runtime
                .partitions
                .iter()
                .filter(|partition| partition.last_enqueued_sequence_number >= 0)
            {
                transaction
                    .execute(
                        "INSERT INTO reset_marks \
                         (hub, partition_id, sequence_number, hub_created_at_ms) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![
                            runtime.hub,
                            partition.partition_id,
                            partition.last_enqueued_sequence_number,
                            runtime.created_at_ms
                        ],
                    )
                    .map_err(sql)?;
            }
        }
        transaction.commit().map_err(sql)
    }

    /// Returns, per partition id of the hub that `runtime` describes, the last sequence number
    /// the partition had when the flow was last reset. Events up to it belong to runs before
    /// the reset. A hub created again since the reset numbers its events from 0 again, so its
    /// marks are left out.
    pub fn reset_marks(&self, runtime: &HubRuntime) -> Result<HashMap<String, i64>, StoreError> {
        let connection = sqlite::lock(&self.connection);
        let mut statement = connection
            .prepare_cached(
                "SELECT partition_id, sequence_number, hub_created_at_ms FROM reset_marks \
                 WHERE hub = ?1",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map([&runtime.hub], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get::<_, Option<i64>>(2)?))
            })
            .map_err(sql)?;
        let mut marks = HashMap::new();
        for row in rows {
            let (partition_id, sequence_number, created_at_ms) = row.map_err(sql)?;
            let recreated = created_at_ms.is_some()
                && runtime.created_at_ms.is_some()
                && created_at_ms != runtime.created_at_ms;
            if !recreated {
                marks.insert(partition_id, sequence_number);
            }
        }
        Ok(marks)
    }

    /// Claims a partition for a new reader: returns an owner level higher than any claimed
    /// before, so the new reader takes the partition from an older instance.
    pub fn claim_owner_level(
        &self,
        hub: &str,
        consumer_group: &str,
        partition_id: &str,
    ) -> Result<i64, StoreError> {
        let connection = sqlite::lock(&self.connection);
        let current: Option<i64> = connection
            .query_row(
                "SELECT owner_level FROM owner_levels \
                 WHERE hub = ?1 AND consumer_group = ?2 AND partition_id = ?3",
                params![hub, consumer_group, partition_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql)?;
        let next = current.unwrap_or(0) + 1;
        connection
            .execute(
                "INSERT INTO owner_levels (hub, consumer_group, partition_id, owner_level) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hub, consumer_group, partition_id) \
                 DO UPDATE SET owner_level = excluded.owner_level",
                params![hub, consumer_group, partition_id, next],
            )
            .map_err(sql)?;
        Ok(next)
    }
}

fn read_checkpoint(row: &rusqlite::Row<'_>) -> rusqlite::Result<Checkpoint> {
    Ok(Checkpoint {
        hub: row.get(0)?,
        consumer_group: row.get(1)?,
        partition_id: row.get(2)?,
        sequence_number: row.get(3)?,
        offset: row.get(4)?,
        partition_count: row.get(5)?,
        hub_created_at_ms: row.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::PartitionRuntime;

    fn runtime(partitions: u32, last: i64) -> HubRuntime {
        HubRuntime {
            hub: "customer".to_string(),
            created_at_ms: Some(1),
            partitions: (0..partitions)
                .map(|id| PartitionRuntime {
                    partition_id: id.to_string(),
                    beginning_sequence_number: 0,
                    last_enqueued_sequence_number: last,
                    is_empty: last < 0,
                })
                .collect(),
        }
    }

    fn checkpoint(partition: &str, sequence_number: i64, count: u32) -> Checkpoint {
        Checkpoint {
            hub: "customer".to_string(),
            consumer_group: "lead".to_string(),
            partition_id: partition.to_string(),
            sequence_number,
            offset: sequence_number.to_string(),
            partition_count: count,
            hub_created_at_ms: Some(1),
        }
    }

    #[test]
    fn fitting_checkpoint_is_not_stale() {
        assert!(find_stale(&[checkpoint("1", 5, 4)], &runtime(4, 9)).is_empty());
    }

    #[test]
    fn changed_partition_count_is_stale() {
        let stale = find_stale(&[checkpoint("3", 5, 4)], &runtime(2, 9));
        assert_eq!(
            stale[0].reason,
            StaleReason::PartitionCountChanged { was: 4, now: 2 }
        );
    }

    #[test]
    fn sequence_beyond_last_is_stale() {
        let stale = find_stale(&[checkpoint("0", 12, 4)], &runtime(4, 3));
        assert_eq!(
            stale[0].reason,
            StaleReason::BeyondLastEvent { last_enqueued: 3 }
        );
    }

    #[test]
    fn stale_group_gives_one_summary() {
        let checkpoints: Vec<Checkpoint> = (0..32)
            .map(|id| checkpoint(&id.to_string(), 5, 32))
            .collect();
        let stale = find_stale(&checkpoints, &runtime(16, 9));
        assert_eq!(stale.len(), 32);

        let summary = stale_summary("customer", "lead", &stale);
        assert_eq!(
            summary,
            "32 stale checkpoints of consumer group `lead` on `customer` (partitions 0, 1, 2, 3, \
             4, 5, 6, 7 and 24 more: the hub had 32 partitions and now has 16), so every \
             checkpoint of the group on the hub was deleted, and the group reads each partition \
             the hub has now from its earliest event"
        );
    }

    #[test]
    fn stale_summary_groups_reasons() {
        let stale = find_stale(
            &[
                checkpoint("0", 12, 4),
                checkpoint("1", 2, 4),
                checkpoint("2", 7, 4),
            ],
            &runtime(4, 3),
        );
        let summary = stale_summary("customer", "lead", &stale);
        assert!(summary.starts_with("2 stale checkpoints of consumer group `lead`"));
        assert!(summary.contains(
            "partition 0: the checkpoint is at sequence number 12 and the partition's last \
             enqueued event at 3; partition 2: the checkpoint is at sequence number 7"
        ));
    }

    #[test]
    fn stale_on_empty_partition_named() {
        let stale = find_stale(&[checkpoint("0", 5, 4)], &runtime(4, -1));
        let summary = stale_summary("customer", "lead", &stale);
        assert!(
            summary
                .contains("the checkpoint is at sequence number 5 and the partition has no event"),
            "{summary}"
        );
        assert!(!summary.contains("-1"), "{summary}");
    }

    #[test]
    fn new_creation_time_is_stale() {
        let mut recreated = runtime(4, 9);
        recreated.created_at_ms = Some(2);
        let stale = find_stale(&[checkpoint("0", 1, 4)], &recreated);
        assert_eq!(stale[0].reason, StaleReason::HubRecreated);
    }

    #[test]
    fn owner_levels_increase() {
        let folder = tempfile::tempdir().unwrap();
        let store = CheckpointStore::open(&folder.path().join("checkpoints.sqlite")).unwrap();
        assert_eq!(store.claim_owner_level("customer", "lead", "0").unwrap(), 1);
        assert_eq!(store.claim_owner_level("customer", "lead", "0").unwrap(), 2);
        assert_eq!(store.claim_owner_level("customer", "lead", "1").unwrap(), 1);
    }

    #[test]
    fn reset_marks_replace_earlier() {
        let folder = tempfile::tempdir().unwrap();
        let store = CheckpointStore::open(&folder.path().join("checkpoints.sqlite")).unwrap();
        let hub = |name: &str, lasts: &[i64]| HubRuntime {
            hub: name.to_string(),
            created_at_ms: Some(1),
            partitions: lasts
                .iter()
                .enumerate()
                .map(|(id, last)| PartitionRuntime {
                    partition_id: id.to_string(),
                    beginning_sequence_number: 0,
                    last_enqueued_sequence_number: *last,
                    is_empty: *last < 0,
                })
                .collect(),
        };
        store.save_reset_marks(&[hub("lead", &[7, 3])]).unwrap();
        store
            .save_reset_marks(&[hub("lead", &[-1, 9]), hub("customer", &[4])])
            .unwrap();

        let lead = store.reset_marks(&hub("lead", &[-1, 9])).unwrap();
        assert_eq!(lead, HashMap::from([("1".to_string(), 9)]));
        assert!(store.reset_marks(&hub("sale", &[5])).unwrap().is_empty());
    }

    #[test]
    fn reset_marks_in_older_table() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("checkpoints.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE reset_marks (hub TEXT NOT NULL, partition_id TEXT NOT NULL, \
                 sequence_number INTEGER NOT NULL, PRIMARY KEY (hub, partition_id));",
            )
            .unwrap();

        let store = CheckpointStore::open(&path).unwrap();
        let lead = HubRuntime {
            hub: "lead".to_string(),
            ..runtime(1, 5)
        };
        store.save_reset_marks(std::slice::from_ref(&lead)).unwrap();
        assert_eq!(
            store.reset_marks(&lead).unwrap(),
            HashMap::from([("0".to_string(), 5)])
        );
    }
}
