//! The Customer team: creates customers on a timer and follows their leads, sales and
//! purchases.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use course::Team;
use rusqlite::params;
use tokio::sync::{watch, Notify};

use super::{decode, now_rfc3339, prepare_then_store, store_error, Decoded};
use crate::events::{CustomerCreated, EventCodec, FlowEvent};
use crate::generator::generate_customer;
use crate::ids::derived_uuid;
use crate::metrics::{Metrics, NOTICE_LOG_TARGET};
use crate::outbox::{enqueue, OutboxEntry};
use crate::retry::{recently, FailureSeries, REPEAT_AFTER};
use crate::runtime::{BatchFailure, EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::{first_delivery, TeamStore};
use crate::transport::ReceivedEvent;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_leads (lead_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customer_sales (sale_id TEXT PRIMARY KEY, lead_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customer_purchases (lead_id TEXT PRIMARY KEY, purchase_date TEXT NOT NULL);
";

/// The shortest wait between two rounds of customer creation. Faster paces create several
/// customers per round.
const TICK: Duration = Duration::from_millis(10);

/// The fastest pace the creator keeps: 10,000 customers per second.
pub const MIN_PACE: Duration = Duration::from_micros(100);

/// The events waiting in the outboxes the creator watches, all together, at which it skips its
/// rounds: one second of customers at the fastest pace. A machine that publishes slower than the
/// chosen pace then creates customers at the rate it publishes, instead of piling up unpublished
/// events.
const MAX_PENDING: i64 = 10_000;

/// [`MAX_PENDING`] as the notices write it.
const MAX_PENDING_TEXT: &str = "10,000";

/// The maximum number of customers one round creates, in one transaction: 50 ms at the
/// fastest pace. A round further behind leaves the rest, so one transaction stays short.
const MAX_ROUND: u64 = 500;

/// Opens the Customer team's store.
pub fn open_store(path: &Path) -> Result<TeamStore, StoreError> {
    TeamStore::open(path, Team::Customer, SCHEMA)
}

/// Creates customers: each one is stored with its `Customer.Created` event in one
/// transaction, and the outbox publishes the event afterwards.
#[derive(Debug, Clone)]
pub struct CustomerCreator {
    store: Arc<TeamStore>,
    seed: u64,
    limit: Option<u64>,
    outbox: Arc<Notify>,
    /// The stores of teams that publish an event for each customer they read. Their pending
    /// events count towards [`MAX_PENDING`] with the Customer team's own, because a bound on the
    /// Customer team's outbox alone moves the backlog to theirs. A shared bound, rather than one
    /// per outbox, also keeps creation steady instead of in bursts of a full outbox.
    downstream: Vec<Arc<TeamStore>>,
    /// The lane metrics that carry the creator's notice when it holds back new customers.
    metrics: Option<Arc<Metrics>>,
}

impl CustomerCreator {
    /// Creates customers of `seed` into `store`, at most `limit` in all when given.
    pub fn new(store: Arc<TeamStore>, seed: u64, limit: Option<u64>, outbox: Arc<Notify>) -> Self {
        CustomerCreator {
            store,
            seed,
            limit,
            outbox,
            downstream: Vec::new(),
            metrics: None,
        }
    }

    /// Adds a notice to `metrics` when the creator starts holding back new customers.
    pub fn with_notices(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Counts the events waiting in the outbox of `store`, a team that publishes events for the
    /// customers it reads, towards [`MAX_PENDING`].
    pub fn with_downstream_outbox(mut self, store: Arc<TeamStore>) -> Self {
        self.downstream.push(store);
        self
    }

    /// Creates up to `count` customers in one transaction, fewer when the limit is reached;
    /// returns how many it created.
    pub fn create_batch(&self, count: u64) -> Result<u64, StoreError> {
        let seed = self.seed;
        let limit = self.limit;
        let created = self.store.transaction(|transaction| {
            // `number` is unique and counts from 0 without gaps, so the next one is the count.
            let next: i64 = transaction.query_row(
                "SELECT COALESCE(MAX(number) + 1, 0) FROM customers",
                [],
                |row| row.get(0),
            )?;
            let first = next as u64;
            let end = match limit {
                Some(limit) => first.saturating_add(count).min(limit.max(first)),
                None => first.saturating_add(count),
            };
            let date = now_rfc3339();
            for number in first..end {
                let customer = generate_customer(seed, number);
                let id = customer.id.to_string();
                transaction
                    .prepare_cached(
                        "INSERT INTO customers \
                         (id, number, first_name, last_name, email, created) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        id,
                        number as i64,
                        customer.first_name,
                        customer.last_name,
                        customer.email,
                        date
                    ])?;
                let event = CustomerCreated {
                    id: id.clone(),
                    date: date.clone(),
                    email: customer.email,
                };
                enqueue(
                    transaction,
                    &OutboxEntry {
                        event_id: derived_uuid(&["Customer.Created", &id]).to_string(),
                        partition_key: Some(id),
                        event: FlowEvent::CustomerCreated(event),
                        time: date.clone(),
                    },
                )?;
            }
            Ok(end - first)
        })?;
        if created > 0 {
            tracing::debug!(customers = created, "customers created");
            self.outbox.notify_one();
        }
        Ok(created)
    }

    /// Returns whether [`MAX_PENDING`] events wait in the Customer team's outbox and the
    /// downstream teams' outboxes together.
    fn outbox_full(&self) -> Result<bool, StoreError> {
        let mut pending = 0;
        for store in std::iter::once(&self.store).chain(&self.downstream) {
            pending += pending_up_to_max(store)?;
            if pending >= MAX_PENDING {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Creates customers at `pace`, one every `pace` while not paused, until the limit. Paces
    /// shorter than [`TICK`] create the customers due in each tick in one transaction. Time
    /// spent paused creates nothing, and the part of an interval that passed before a pause
    /// counts after it.
    pub async fn run(self, mut pace: watch::Receiver<Duration>, mut paused: watch::Receiver<bool>) {
        let mut pacer = Pacer::new(Instant::now());
        let mut holding = Holding::default();
        loop {
            if *paused.borrow_and_update() {
                let paused_at = Instant::now();
                if paused.wait_for(|paused| !*paused).await.is_err() {
                    return;
                }
                pacer.resume(paused_at, Instant::now());
            }
            let current = *pace.borrow_and_update();
            let wait = pacer.until_next(Instant::now(), current).max(TICK);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                // A new pace takes effect at once instead of after the old wait.
                changed = pace.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    pacer.restart(Instant::now());
                    continue;
                }
                // A pause takes effect at once, at the top of the loop.
                changed = paused.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    continue;
                }
            }
            let count = pacer.due(Instant::now(), current);
            match self.outbox_full() {
                Ok(false) => holding.released(),
                // The customers due now are left out, as in a round that falls behind.
                Ok(true) => {
                    if let Some(message) = holding.held(Instant::now()) {
                        tracing::info!(target: NOTICE_LOG_TARGET, "{message}");
                        if let Some(metrics) = &self.metrics {
                            metrics.notice(message);
                        }
                    }
                    continue;
                }
                Err(error) => {
                    holding.failed(Instant::now(), "counting pending outbox events", &error);
                    continue;
                }
            }
            match self.create_batch(count) {
                Ok(0) if count > 0 => {
                    tracing::info!(limit = ?self.limit, "every customer of the run is created");
                    return;
                }
                Ok(_) => holding.succeeded(),
                Err(error) => holding.failed(Instant::now(), "creating customers", &error),
            }
        }
    }
}

/// The creator's record of skipped and failed rounds, so that a state lasting many rounds gives
/// one notice or log line instead of one every 10 ms.
#[derive(Debug, Default)]
struct Holding {
    /// Rounds skipped because the outboxes were full since the creator last created customers.
    held_rounds: u64,
    /// When the creator last gave the notice that it holds back.
    last_notice: Option<Instant>,
    /// The rounds that failed in a row.
    failures: FailureSeries,
}

impl Holding {
    /// Counts a round skipped for a full outbox and returns the notice to give, at most one
    /// every [`REPEAT_AFTER`].
    fn held(&mut self, now: Instant) -> Option<String> {
        self.held_rounds += 1;
        if self.held_rounds > 1 || recently(self.last_notice, now) {
            return None;
        }
        self.last_notice = Some(now);
        Some(format!(
            "New customers wait: {} events wait to be published in the Customer and \
             Conversions outboxes. The flow creates customers as fast as this machine \
             publishes their events, slower than the chosen pace.",
            MAX_PENDING_TEXT
        ))
    }

    /// Ends a run of skipped rounds.
    fn released(&mut self) {
        if self.held_rounds > 0 {
            tracing::debug!(rounds = self.held_rounds, "customer creation resumed");
        }
        self.held_rounds = 0;
    }

    /// Counts a failed round and logs it, the first of a series at once and then at most one
    /// line every [`REPEAT_AFTER`], with the number of failures so far. The creator gives no
    /// notice of its own, because the store's failure also stops the team's other work.
    fn failed(&mut self, now: Instant, action: &str, error: &StoreError) {
        let report = self
            .failures
            .failed_with_gate(now, &error.to_string(), || false);
        if let Some(report) = report {
            tracing::warn!(
                failures = report.failures,
                %error,
                "{action} failed; retrying every round and logging again in {} s",
                REPEAT_AFTER.as_secs()
            );
        }
    }

    /// Ends a series of failed rounds, saying so when one was logged.
    fn succeeded(&mut self) {
        if let Some((failures, _)) = self.failures.succeeded() {
            tracing::info!(failures, "creating customers works again");
        }
    }
}

/// Counts the events waiting in the outbox of `store`, up to [`MAX_PENDING`].
fn pending_up_to_max(store: &TeamStore) -> Result<i64, StoreError> {
    // Counting stops at the bound, so a long backlog costs no more to check than a full one.
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE published = 0 LIMIT {MAX_PENDING})"
    );
    store.read(|connection| {
        connection
            .prepare_cached(&sql)?
            .query_row([], |row| row.get(0))
    })
}

/// How many customers each round of the creator makes.
///
/// What is due follows the time that really passed since the last round, the round's own work
/// included, so a fast pace is kept as long as the machine keeps up. A round creates at most
/// [`MAX_ROUND`] customers, and what it leaves beyond that is not made up later.
#[derive(Debug, Clone, Copy)]
struct Pacer {
    last_round: Instant,
    /// The fraction of a customer carried to the next round, so paces that do not divide the
    /// time between rounds keep their rate.
    carried: f64,
}

impl Pacer {
    fn new(now: Instant) -> Self {
        Pacer {
            last_round: now,
            carried: 0.0,
        }
    }

    /// Starts counting again from `now`, as after a new pace.
    fn restart(&mut self, now: Instant) {
        *self = Pacer::new(now);
    }

    /// Leaves out the time from `paused_at` to `resumed_at`: what passed of the interval
    /// before the pause still counts.
    fn resume(&mut self, paused_at: Instant, resumed_at: Instant) {
        self.last_round += resumed_at.saturating_duration_since(paused_at);
    }

    /// Returns how long after `now` the next customer at `pace` is due.
    fn until_next(&self, now: Instant, pace: Duration) -> Duration {
        let pace = pace.max(MIN_PACE);
        let remaining = pace.mul_f64((1.0 - self.carried).clamp(0.0, 1.0));
        remaining.saturating_sub(now.saturating_duration_since(self.last_round))
    }

    /// Returns the customers due at `now` at `pace`, and starts the next round there.
    fn due(&mut self, now: Instant, pace: Duration) -> u64 {
        let elapsed = now.saturating_duration_since(self.last_round);
        self.last_round = now;
        let due = self.carried + elapsed.as_secs_f64() / pace.max(MIN_PACE).as_secs_f64();
        if due >= MAX_ROUND as f64 {
            self.carried = 0.0;
            return MAX_ROUND;
        }
        let count = due.floor();
        self.carried = due - count;
        count as u64
    }
}

/// A hub the Customer team follows, with its event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerFollows {
    /// `Lead.Generated` on `lead`.
    Leads,
    /// `Sale.Confirmation` on `sale`.
    Sales,
    /// `Lead.Purchased` on `lead_purchased`.
    Purchases,
}

impl CustomerFollows {
    /// Returns the hub read.
    pub fn hub(self) -> &'static str {
        match self {
            CustomerFollows::Leads => "lead",
            CustomerFollows::Sales => "sale",
            CustomerFollows::Purchases => "lead_purchased",
        }
    }
}

/// The Customer team's handler of one followed hub, through consumer group `customer`.
#[derive(Debug, Clone)]
pub struct CustomerFollower {
    store: Arc<TeamStore>,
    codec: EventCodec,
    follows: CustomerFollows,
}

/// The Customer team's consumer group on every hub it reads.
pub const CUSTOMER_GROUP: &str = "customer";

impl CustomerFollower {
    /// Creates the handler.
    pub fn new(store: Arc<TeamStore>, codec: EventCodec, follows: CustomerFollows) -> Self {
        CustomerFollower {
            store,
            codec,
            follows,
        }
    }
}

impl CustomerFollower {
    /// Records followed events in one transaction, skipping repeated events.
    fn record_all(&self, decoded: &[Decoded]) -> Result<(), HandlerError> {
        self.store
            .transaction(|transaction| {
                for item in decoded {
                    if !first_delivery(transaction, CUSTOMER_GROUP, &item.cloud_event.id)? {
                        continue;
                    }
                    match &item.event {
                        FlowEvent::LeadGenerated(lead) => transaction
                            .prepare_cached(
                                "INSERT OR IGNORE INTO customer_leads (lead_id, customer_id) \
                                 VALUES (?1, ?2)",
                            )?
                            .execute(params![lead.id, lead.customer_id])?,
                        FlowEvent::SaleConfirmation(sale) => transaction
                            .prepare_cached(
                                "INSERT OR IGNORE INTO customer_sales (sale_id, lead_id) \
                                 VALUES (?1, ?2)",
                            )?
                            .execute(params![sale.id, sale.lead_id])?,
                        FlowEvent::LeadPurchased(purchase) => transaction
                            .prepare_cached(
                                "INSERT OR IGNORE INTO customer_purchases \
                                 (lead_id, purchase_date) VALUES (?1, ?2)",
                            )?
                            .execute(params![purchase.id, purchase.purchase_date])?,
                        _ => 0,
                    };
                }
                Ok(())
            })
            .map_err(store_error)
    }
}

#[async_trait]
impl EventHandler for CustomerFollower {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let decoded = decode(&self.codec, self.follows.hub(), received).await?;
        self.record_all(&[decoded])
    }

    async fn handle_batch(&self, events: &[ReceivedEvent]) -> Result<(), BatchFailure> {
        prepare_then_store(
            events,
            |received| decode(&self.codec, self.follows.hub(), received),
            |decoded| self.record_all(decoded),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creator_with_pending(pending: i64) -> (tempfile::TempDir, CustomerCreator) {
        let folder = tempfile::tempdir().unwrap();
        let store = store_with_pending(&folder.path().join("customer.sqlite"), pending);
        let creator = CustomerCreator::new(store, 1, None, Arc::new(Notify::new()));
        (folder, creator)
    }

    /// Opens a Customer team store at `path` with `pending` unpublished events in its outbox.
    fn store_with_pending(path: &Path, pending: i64) -> Arc<TeamStore> {
        let store = Arc::new(open_store(path).unwrap());
        store
            .transaction(|connection| {
                let mut insert = connection.prepare(
                    "INSERT INTO outbox (event_id, hub, event_json, time) \
                     VALUES (?1, 'customer', '{}', '2026-12-06T00:00:00Z')",
                )?;
                for number in 0..pending {
                    insert.execute([format!("event-{number}")])?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    #[test]
    fn outbox_full_at_max_pending() {
        let (_folder, below) = creator_with_pending(MAX_PENDING - 1);
        assert!(!below.outbox_full().unwrap());
        let (_folder, full) = creator_with_pending(MAX_PENDING);
        assert!(full.outbox_full().unwrap());
    }

    #[test]
    fn outbox_full_counts_downstream_outbox() {
        let (folder, creator) = creator_with_pending(0);
        let full = store_with_pending(&folder.path().join("full.sqlite"), MAX_PENDING);
        let creator = creator.with_downstream_outbox(full);
        assert!(creator.outbox_full().unwrap());
    }

    #[test]
    fn outbox_full_adds_up_outboxes() {
        let own = 6_000;
        let (folder, below) = creator_with_pending(own);
        let downstream =
            store_with_pending(&folder.path().join("below.sqlite"), MAX_PENDING - own - 1);
        let below = below.with_downstream_outbox(downstream);
        assert!(!below.outbox_full().unwrap());

        let (folder, full) = creator_with_pending(own);
        let downstream = store_with_pending(&folder.path().join("full.sqlite"), MAX_PENDING - own);
        let full = full.with_downstream_outbox(downstream);
        assert!(full.outbox_full().unwrap());
    }

    #[test]
    fn outbox_full_ignores_published_events() {
        let (_folder, creator) = creator_with_pending(MAX_PENDING);
        creator
            .store
            .transaction(|connection| {
                connection.execute("UPDATE outbox SET published = 1 WHERE position % 2 = 0", [])
            })
            .unwrap();
        assert!(!creator.outbox_full().unwrap());
    }

    const FASTEST: Duration = MIN_PACE;

    #[test]
    fn pacer_counts_the_round_work() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        // A 10 ms tick, then 15 ms of work before the next round: 25 ms at 10,000 a second.
        assert_eq!(pacer.due(start + Duration::from_millis(10), FASTEST), 100);
        assert_eq!(pacer.due(start + Duration::from_millis(35), FASTEST), 250);
    }

    #[test]
    fn pacer_carries_fractions_over() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        let pace = Duration::from_millis(4);
        // 10 ms at one customer every 4 ms: 2.5 customers, so 2, then 3.
        assert_eq!(pacer.due(start + Duration::from_millis(10), pace), 2);
        assert_eq!(pacer.due(start + Duration::from_millis(20), pace), 3);
    }

    #[test]
    fn pacer_caps_a_late_round() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        assert_eq!(
            pacer.due(start + Duration::from_secs(2), FASTEST),
            MAX_ROUND
        );
        // The 19,500 customers left behind are not made up.
        assert_eq!(
            pacer.due(start + Duration::from_millis(2_010), FASTEST),
            100
        );
    }

    #[test]
    fn pacer_keeps_fastest_pace() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        assert_eq!(
            pacer.due(start + Duration::from_millis(10), Duration::ZERO),
            100
        );
    }

    #[test]
    fn pacer_restart_forgets_earlier_time() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        let resumed = start + Duration::from_secs(60);
        pacer.restart(resumed);
        assert_eq!(pacer.due(resumed + Duration::from_millis(10), FASTEST), 100);
    }

    #[test]
    fn pacer_resume_keeps_time_before_pause() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        let pace = Duration::from_secs(60);
        // 10 s pass, then a pause of 30 s: the next customer is due 50 s after the resume.
        let paused_at = start + Duration::from_secs(10);
        let resumed_at = paused_at + Duration::from_secs(30);
        pacer.resume(paused_at, resumed_at);
        assert_eq!(pacer.until_next(resumed_at, pace), Duration::from_secs(50));
        assert_eq!(pacer.due(resumed_at + Duration::from_secs(49), pace), 0);
        assert_eq!(pacer.due(resumed_at + Duration::from_secs(50), pace), 1);
    }

    #[test]
    fn pacer_waits_for_the_fraction_left() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start);
        let pace = Duration::from_millis(4);
        // 2.5 customers after 10 ms: the third is due 2 ms later.
        assert_eq!(pacer.due(start + Duration::from_millis(10), pace), 2);
        assert_eq!(
            pacer.until_next(start + Duration::from_millis(10), pace),
            Duration::from_millis(2)
        );
        assert_eq!(
            pacer.until_next(start + Duration::from_millis(30), pace),
            Duration::ZERO
        );
    }

    #[test]
    fn holding_notice_once_per_series() {
        let start = Instant::now();
        let mut holding = Holding::default();
        let first = holding.held(start).unwrap();
        assert!(first.contains("10,000 events wait"), "{first}");
        assert!(first.contains("slower than the chosen pace"), "{first}");
        assert_eq!(holding.held(start + Duration::from_millis(10)), None);
        holding.released();
        // Held again within 30 s: the attendee has the notice already.
        assert_eq!(holding.held(start + Duration::from_secs(1)), None);
        holding.released();
        assert!(holding.held(start + REPEAT_AFTER).is_some());
    }

    #[test]
    fn max_pending_text_matches() {
        assert_eq!(MAX_PENDING_TEXT.replace(',', ""), MAX_PENDING.to_string());
    }

    fn customers(store: &TeamStore) -> i64 {
        store
            .read(|connection| {
                connection.query_row("SELECT COUNT(*) FROM customers", [], |row| row.get(0))
            })
            .unwrap()
    }

    #[tokio::test]
    async fn creator_pause_delays_next_customer() {
        let (_folder, creator) = creator_with_pending(0);
        let store = creator.store.clone();
        let pace = Duration::from_millis(300);
        let (_pace_sender, pace_receiver) = watch::channel(pace);
        let (pause_sender, pause_receiver) = watch::channel(false);
        let start = Instant::now();
        let run = tokio::spawn(creator.run(pace_receiver, pause_receiver));

        tokio::time::sleep(Duration::from_millis(50)).await;
        pause_sender.send(true).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let resumed = Instant::now();
        pause_sender.send(false).unwrap();
        let paused_for = resumed - start - Duration::from_millis(50);

        let mut first = None;
        for _ in 0..200 {
            if customers(&store) > 0 {
                first = Some(start.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        run.abort();
        let first = first.expect("no customer within 1 s of the resume");
        // Never before the pace plus the time paused; later only when the machine is slow.
        assert!(
            first >= pace + paused_for.min(Duration::from_millis(100)),
            "the first customer came after {first:?}"
        );
    }
}
