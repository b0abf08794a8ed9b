//! The Customer team: creates customers on a timer and follows their leads, sales and
//! purchases.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use course::Team;
use rusqlite::params;
use tokio::sync::{watch, Notify};

use super::{decode, now_rfc3339, store_error};
use crate::events::{CustomerCreated, EventCodec, FlowEvent};
use crate::generator::generate_customer;
use crate::ids::derived_uuid;
use crate::outbox::{enqueue, OutboxEntry};
use crate::runtime::{EventHandler, HandlerError};
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
}

impl CustomerCreator {
    /// Creates customers of `seed` into `store`, at most `limit` in all when given.
    pub fn new(store: Arc<TeamStore>, seed: u64, limit: Option<u64>, outbox: Arc<Notify>) -> Self {
        CustomerCreator {
            store,
            seed,
            limit,
            outbox,
        }
    }

    /// Creates the next customer; returns `None` once the limit is reached.
    pub fn create_next(&self) -> Result<Option<CustomerCreated>, StoreError> {
        let seed = self.seed;
        let limit = self.limit;
        let created = self.store.transaction(|transaction| {
            let number: i64 =
                transaction.query_row("SELECT COUNT(*) FROM customers", [], |row| row.get(0))?;
            let number = number as u64;
            if limit.is_some_and(|limit| number >= limit) {
                return Ok(None);
            }
            let customer = generate_customer(seed, number);
            let date = now_rfc3339();
            let id = customer.id.to_string();
            transaction.execute(
                "INSERT INTO customers (id, number, first_name, last_name, email, created) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    number as i64,
                    customer.first_name,
                    customer.last_name,
                    customer.email,
                    date
                ],
            )?;
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
                    event: FlowEvent::CustomerCreated(event.clone()),
                    time: date,
                },
            )?;
            Ok(Some(event))
        })?;
        if let Some(event) = &created {
            tracing::info!(customer = %event.id, "customer created");
            self.outbox.notify_one();
        }
        Ok(created)
    }

    /// Creates a customer every `pace` while not paused, until the limit.
    pub async fn run(self, mut pace: watch::Receiver<Duration>, mut paused: watch::Receiver<bool>) {
        loop {
            let wait = *pace.borrow_and_update();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                // A new pace takes effect at once instead of after the old wait.
                changed = pace.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    continue;
                }
            }
            let _ = paused.wait_for(|paused| !*paused).await;
            match self.create_next() {
                Ok(Some(_)) => {}
                Ok(None) => {
                    tracing::info!(limit = ?self.limit, "every customer of the run is created");
                    return;
                }
                Err(error) => tracing::warn!(%error, "creating a customer failed; retrying"),
            }
        }
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

#[async_trait]
impl EventHandler for CustomerFollower {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let decoded = decode(&self.codec, self.follows.hub(), received).await?;
        let event_id = decoded.cloud_event.id;
        self.store
            .transaction(|transaction| {
                if !first_delivery(transaction, CUSTOMER_GROUP, &event_id)? {
                    return Ok(());
                }
                match &decoded.event {
                    FlowEvent::LeadGenerated(lead) => transaction.execute(
                        "INSERT OR IGNORE INTO customer_leads (lead_id, customer_id) \
                         VALUES (?1, ?2)",
                        params![lead.id, lead.customer_id],
                    )?,
                    FlowEvent::SaleConfirmation(sale) => transaction.execute(
                        "INSERT OR IGNORE INTO customer_sales (sale_id, lead_id) VALUES (?1, ?2)",
                        params![sale.id, sale.lead_id],
                    )?,
                    FlowEvent::LeadPurchased(purchase) => transaction.execute(
                        "INSERT OR IGNORE INTO customer_purchases (lead_id, purchase_date) \
                         VALUES (?1, ?2)",
                        params![purchase.id, purchase.purchase_date],
                    )?,
                    _ => 0,
                };
                Ok(())
            })
            .map_err(store_error)
    }
}
