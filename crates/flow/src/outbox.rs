//! The transactional outbox: an event is stored with the fact that raised it, in the same
//! transaction, and published afterwards until the broker acknowledges it.
//!
//! A crash between storing and publishing leaves the event in the outbox for the next start.
//! A crash between publishing and marking it published sends it again; consumers ignore the
//! repeated event id.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};
use tokio::sync::{watch, Notify};

use crate::cloudevents::CloudEvent;
use crate::events::{EventCodec, FlowEvent};
use crate::metrics::{Metrics, NOTICE_LOG_TARGET};
use crate::retry::{seconds, Backoff, FailureSeries};
use crate::sqlite::StoreError;
use crate::store::TeamStore;
use crate::transport::{EventTransport, OutgoingEvent, Properties, PublishBatch};

/// The wait before the first publishing attempt after a failure.
const RETRY: Duration = Duration::from_millis(200);

/// The maximum wait between publishing attempts while failures repeat.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// How often the publisher looks for events when no new event wakes it.
const POLL: Duration = Duration::from_millis(250);

/// Reads the pending events in order. It has no LIMIT, because SQLite compiles a statement whose
/// LIMIT is a bound parameter again each time it runs. The partial index `outbox_pending` yields
/// pending rows in order as they are stepped, so taking a chunk of them reads no more.
const PENDING_ROWS: &str = "SELECT position, event_id, partition_key, event_json, time \
     FROM outbox WHERE published = 0 ORDER BY position";

/// The maximum number of events one publishing round reads from the outbox and keeps in
/// flight.
pub const PUBLISH_CHUNK: usize = 500;

/// A stored event not yet acknowledged, as read from the outbox table.
struct PendingRow {
    position: i64,
    event_id: String,
    partition_key: Option<String>,
    event_json: String,
    time: String,
}

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The CloudEvents id.
    pub event_id: String,
    /// The partition key.
    pub partition_key: Option<String>,
    /// The payload.
    pub event: FlowEvent,
    /// When the fact happened, RFC 3339.
    pub time: String,
}

/// Adds an event to the outbox inside the caller's transaction; an event id already there is
/// left as it is.
pub fn enqueue(transaction: &Connection, entry: &OutboxEntry) -> rusqlite::Result<()> {
    let json = serde_json::to_string(&entry.event)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    transaction
        .prepare_cached(
            "INSERT OR IGNORE INTO outbox (event_id, hub, partition_key, event_json, time) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            entry.event_id,
            entry.event.hub(),
            entry.partition_key,
            json,
            entry.time
        ])?;
    Ok(())
}

/// A failure to publish from the outbox; the event stays and is tried again.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored payload cannot be read back.
    #[error("outbox event `{event_id}` cannot be read back: {message}")]
    Corrupt {
        /// The event id.
        event_id: String,
        /// The JSON error.
        message: String,
    },
    /// Encoding failed, for example because the registry is unreachable.
    #[error("encoding outbox event `{event_id}` failed: {message}")]
    Encode {
        /// The event id.
        event_id: String,
        /// The codec's message.
        message: String,
    },
    /// The broker did not accept the event.
    #[error("publishing outbox event `{event_id}` failed: {message}")]
    Publish {
        /// The event id.
        event_id: String,
        /// The transport's message.
        message: String,
    },
}

/// Publishes a team's outbox.
#[derive(Debug, Clone)]
pub struct OutboxPublisher {
    store: Arc<TeamStore>,
    codec: EventCodec,
    transport: Arc<dyn EventTransport>,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
}

impl OutboxPublisher {
    /// Creates the publisher of a team's store.
    pub fn new(
        store: Arc<TeamStore>,
        codec: EventCodec,
        transport: Arc<dyn EventTransport>,
        metrics: Arc<Metrics>,
    ) -> Self {
        OutboxPublisher {
            store,
            codec,
            transport,
            metrics,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Returns the notifier that wakes the publisher after an event was stored.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Counts the events not yet acknowledged.
    pub fn pending(&self) -> Result<u64, StoreError> {
        self.store.read(|connection| {
            connection
                .query_row(
                    "SELECT COUNT(*) FROM outbox WHERE published = 0",
                    [],
                    |row| row.get::<_, i64>(0),
                )
                .map(|count| count as u64)
        })
    }

    /// Reads the oldest pending events, at most [`PUBLISH_CHUNK`].
    fn pending_rows(&self) -> Result<Vec<PendingRow>, StoreError> {
        self.store.read(|connection| {
            let mut statement = connection.prepare_cached(PENDING_ROWS)?;
            let rows = statement.query_map([], |row| {
                Ok(PendingRow {
                    position: row.get(0)?,
                    event_id: row.get(1)?,
                    partition_key: row.get(2)?,
                    event_json: row.get(3)?,
                    time: row.get(4)?,
                })
            })?;
            rows.take(PUBLISH_CHUNK).collect()
        })
    }

    /// Publishes one chunk of pending events in order, one batch each and all in flight
    /// together, and marks the acknowledged ones in one transaction, even when another failed.
    /// Returns how many were acknowledged, or the first failure.
    async fn publish_chunk(&self, rows: Vec<PendingRow>) -> Result<usize, OutboxError> {
        let mut hubs = Vec::with_capacity(rows.len());
        let mut batches = Vec::with_capacity(rows.len());
        let mut failure = None;
        for row in &rows {
            match self.prepare(row).await {
                Ok((hub, batch)) => {
                    hubs.push(hub);
                    batches.push(batch);
                }
                Err(error) => {
                    // Later events wait behind the one that cannot be prepared, so the order
                    // of a team's events on a hub is kept.
                    failure = Some(error);
                    break;
                }
            }
        }

        let results = self.transport.publish_all(batches).await;
        let mut acknowledged = Vec::with_capacity(results.len());
        for ((row, hub), result) in rows.iter().zip(&hubs).zip(results) {
            match result {
                Ok(_) => acknowledged.push((row.position, *hub)),
                Err(error) => {
                    failure.get_or_insert(OutboxError::Publish {
                        event_id: row.event_id.clone(),
                        message: error.to_string(),
                    });
                }
            }
        }
        if !acknowledged.is_empty() {
            self.store.transaction(|transaction| {
                let mut mark = transaction
                    .prepare_cached("UPDATE outbox SET published = 1 WHERE position = ?1")?;
                for (position, _) in &acknowledged {
                    mark.execute(params![position])?;
                }
                Ok(())
            })?;
        }
        let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
        for (_, hub) in &acknowledged {
            *counts.entry(hub).or_default() += 1;
        }
        for (hub, events) in counts {
            self.metrics.published(self.store.team(), hub, events);
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(acknowledged.len()),
        }
    }

    /// Reads a stored event back and encodes it as the batch to publish.
    async fn prepare(&self, row: &PendingRow) -> Result<(&'static str, PublishBatch), OutboxError> {
        let event: FlowEvent =
            serde_json::from_str(&row.event_json).map_err(|error| OutboxError::Corrupt {
                event_id: row.event_id.clone(),
                message: error.to_string(),
            })?;
        let batch = self
            .batch(
                &row.event_id,
                row.partition_key.clone(),
                &event,
                row.time.clone(),
            )
            .await?;
        Ok((event.hub(), batch))
    }

    async fn batch(
        &self,
        event_id: &str,
        partition_key: Option<String>,
        event: &FlowEvent,
        time: String,
    ) -> Result<PublishBatch, OutboxError> {
        let encoded = self
            .codec
            .encode(event)
            .await
            .map_err(|error| OutboxError::Encode {
                event_id: event_id.to_string(),
                message: error.to_string(),
            })?;
        let mut properties = Properties::new();
        CloudEvent {
            id: event_id.to_string(),
            source: format!("/eda-workshop/{}", self.store.team().name()),
            event_type: event.event_type().to_string(),
            time,
        }
        .write_to(&mut properties);
        Ok(PublishBatch {
            hub: event.hub().to_string(),
            partition_key,
            partition_id: None,
            events: vec![OutgoingEvent {
                body: encoded.body,
                content_type: Some(encoded.content_type),
                properties,
            }],
        })
    }

    /// Publishes after every wake-up and at least every 250 ms, until `stop` turns true or its
    /// sender is dropped. A chunk in flight when that happens is finished and marked first, so
    /// that a stop sends no event twice. After a failure it tries again, waiting longer each
    /// time up to [`MAX_RETRY`], and a failure that repeats reaches the attendee as a notice.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut backoff = Backoff::new(RETRY, MAX_RETRY);
        let mut series = FailureSeries::default();
        while !*stop.borrow() {
            let published = match self.pending_rows() {
                Ok(rows) if rows.is_empty() => {
                    let woken = tokio::time::timeout(POLL, self.wake.notified());
                    if !wait_unless_stopped(&mut stop, woken).await {
                        return;
                    }
                    continue;
                }
                Ok(rows) => self.publish_chunk(rows).await.map(drop),
                Err(error) => Err(OutboxError::Store(error)),
            };
            match published {
                Ok(()) => {
                    backoff.reset();
                    self.report_recovery(&mut series);
                }
                Err(error) => {
                    let wait = backoff.next_wait();
                    self.report_failure(&mut series, &error, wait);
                    if !wait_unless_stopped(&mut stop, tokio::time::sleep(wait)).await {
                        return;
                    }
                }
            }
        }
    }

    /// Logs a failed round. When failures repeat, it also gives the attendee a notice that the
    /// team's events wait, with the cause.
    fn report_failure(&self, series: &mut FailureSeries, error: &OutboxError, wait: Duration) {
        let team = self.store.team();
        let Some(report) = series.failed(Instant::now(), &error.to_string()) else {
            return;
        };
        tracing::warn!(
            %team,
            failures = report.failures,
            %error,
            "outbox publishing failed, trying again in {}",
            seconds(wait)
        );
        if report.notice {
            let message = format!(
                "The {} team's events wait in its outbox: {error}. The outbox tries again, \
                 waiting up to {} between attempts, and publishes them in order once publishing \
                 works again.",
                team.title(),
                seconds(MAX_RETRY)
            );
            tracing::info!(target: NOTICE_LOG_TARGET, "{message}");
            self.metrics.notice(message);
        }
    }

    /// Ends a series of failed rounds, with a notice when the series gave one.
    fn report_recovery(&self, series: &mut FailureSeries) {
        let team = self.store.team();
        let Some((failures, noticed)) = series.succeeded() else {
            return;
        };
        tracing::info!(%team, failures, "outbox publishing works again");
        if noticed {
            let message = format!(
                "The {} team's outbox publishes again, after {failures} failed attempts.",
                team.title()
            );
            tracing::info!(target: NOTICE_LOG_TARGET, "{message}");
            self.metrics.notice(message);
        }
    }
}

/// Waits for `wait` to finish. Returns false, without waiting further, when `stop` turns true
/// or its sender is dropped first.
async fn wait_unless_stopped(
    stop: &mut watch::Receiver<bool>,
    wait: impl std::future::Future,
) -> bool {
    tokio::select! {
        _ = wait => !*stop.borrow(),
        changed = stop.changed() => changed.is_ok() && !*stop.borrow(),
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;
    use course::Team;

    #[test]
    fn pending_rows_reuse_compiled_statement() {
        let dir = tempfile::tempdir().unwrap();
        let store = TeamStore::open(&dir.path().join("team.sqlite"), Team::Customer, "").unwrap();
        let (reprepared, plan) = store
            .read(|connection| {
                for _ in 0..3 {
                    let mut statement = connection.prepare_cached(PENDING_ROWS)?;
                    let rows = statement.query_map([], |row| row.get::<_, i64>(0))?;
                    assert_eq!(rows.take(PUBLISH_CHUNK).count(), 0);
                }
                let reprepared = connection
                    .prepare_cached(PENDING_ROWS)?
                    .get_status(StatementStatus::RePrepare);
                let plan: String = connection.query_row(
                    &format!("EXPLAIN QUERY PLAN {PENDING_ROWS}"),
                    [],
                    |row| row.get(3),
                )?;
                Ok((reprepared, plan))
            })
            .unwrap();
        assert_eq!(reprepared, 0);
        assert!(plan.contains("outbox_pending"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
