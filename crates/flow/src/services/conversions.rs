//! The Conversions team's lead service: consumer group `lead` on `customer` turns one
//! customer in three into a `Lead.Generated` event and the others into `Lead.Abandoned`.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use course::Team;
use rusqlite::params;
use tokio::sync::Notify;

use super::{decode, now_rfc3339, prepare_then_store, store_error};
use crate::events::{EventCodec, FlowEvent, LeadAbandoned, LeadGenerated};
use crate::ids::{derived_number, derived_uuid};
use crate::outbox::{enqueue, OutboxEntry};
use crate::runtime::{BatchFailure, EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::{first_delivery, TeamStore};
use crate::transport::ReceivedEvent;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lead_decisions (
    customer_id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS lead_decisions_by_lead ON lead_decisions (lead_id);
CREATE TABLE IF NOT EXISTS sold_leads (
    lead_id TEXT PRIMARY KEY,
    purchase_date TEXT NOT NULL,
    file_number INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sales (lead_id TEXT PRIMARY KEY, sale_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS purchases (sale_id TEXT PRIMARY KEY, lead_id TEXT NOT NULL);
";

/// The consumer group of the lead service.
pub const LEAD_GROUP: &str = "lead";

/// Reasons for abandoning customers who do not become leads, one chosen per customer.
const ABANDON_REASONS: [&str; 5] = [
    "no reply to the welcome email",
    "chose a competitor",
    "budget not approved",
    "outside the sales region",
    "duplicate of an existing contact",
];

/// Opens the Conversions team's store.
pub fn open_store(path: &Path) -> Result<TeamStore, StoreError> {
    TeamStore::open(path, Team::Conversions, SCHEMA)
}

/// The outcome for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadDecision {
    /// The customer becomes a lead.
    Lead,
    /// The customer is abandoned, with the reason.
    Abandoned(&'static str),
}

/// Decides a customer's outcome from a hash of the customer id alone, so the outcome does not
/// depend on arrival order or on how often the event is delivered. One customer in three
/// becomes a lead in expectation; the exact share of a run depends on its ids.
pub fn decide(customer_id: &str) -> LeadDecision {
    let number = derived_number(&["lead decision", customer_id]);
    if number.is_multiple_of(3) {
        LeadDecision::Lead
    } else {
        let reason = ABANDON_REASONS[(number / 3 % ABANDON_REASONS.len() as u64) as usize];
        LeadDecision::Abandoned(reason)
    }
}

/// The handler of consumer group `lead` on `customer`.
#[derive(Debug, Clone)]
pub struct LeadService {
    store: Arc<TeamStore>,
    codec: EventCodec,
    outbox: Arc<Notify>,
}

impl LeadService {
    /// Creates the handler; `outbox` wakes the team's outbox publisher.
    pub fn new(store: Arc<TeamStore>, codec: EventCodec, outbox: Arc<Notify>) -> Self {
        LeadService {
            store,
            codec,
            outbox,
        }
    }
}

/// The decision for one customer event, ready to store.
struct LeadWork {
    event_id: String,
    customer_id: String,
    lead_id: String,
    outcome: &'static str,
    reason: Option<&'static str>,
    entry: OutboxEntry,
}

impl LeadService {
    /// Decodes a `Customer.Created` event and decides its outcome.
    async fn prepare(&self, received: &ReceivedEvent) -> Result<LeadWork, HandlerError> {
        let decoded = decode(&self.codec, "customer", received).await?;
        let FlowEvent::CustomerCreated(customer) = decoded.event else {
            return Err(HandlerError(
                "expected a Customer.Created payload".to_string(),
            ));
        };
        let lead_id = derived_uuid(&["lead", &customer.id]).to_string();
        let date = now_rfc3339();
        let (outcome, reason, event) = match decide(&customer.id) {
            LeadDecision::Lead => (
                "lead",
                None,
                FlowEvent::LeadGenerated(LeadGenerated {
                    id: lead_id.clone(),
                    date: date.clone(),
                    customer_id: customer.id.clone(),
                }),
            ),
            LeadDecision::Abandoned(reason) => (
                "abandoned",
                Some(reason),
                FlowEvent::LeadAbandoned(LeadAbandoned {
                    id: lead_id.clone(),
                    date: date.clone(),
                    customer_id: customer.id.clone(),
                    reason: reason.to_string(),
                }),
            ),
        };
        let entry = OutboxEntry {
            event_id: derived_uuid(&[event.event_type(), &lead_id]).to_string(),
            partition_key: Some(customer.id.clone()),
            event,
            time: date,
        };
        Ok(LeadWork {
            event_id: decoded.cloud_event.id,
            customer_id: customer.id,
            lead_id,
            outcome,
            reason,
            entry,
        })
    }

    /// Stores decisions with their outbox events in one transaction, skipping repeated events.
    fn store_all(&self, work: &[LeadWork]) -> Result<(), HandlerError> {
        self.store
            .transaction(|transaction| {
                for item in work {
                    if !first_delivery(transaction, LEAD_GROUP, &item.event_id)? {
                        continue;
                    }
                    transaction
                        .prepare_cached(
                            "INSERT OR IGNORE INTO lead_decisions \
                             (customer_id, lead_id, outcome, reason) VALUES (?1, ?2, ?3, ?4)",
                        )?
                        .execute(params![
                            item.customer_id,
                            item.lead_id,
                            item.outcome,
                            item.reason
                        ])?;
                    enqueue(transaction, &item.entry)?;
                }
                Ok(())
            })
            .map_err(store_error)?;
        self.outbox.notify_one();
        Ok(())
    }
}

#[async_trait]
impl EventHandler for LeadService {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let work = self.prepare(received).await?;
        self.store_all(&[work])
    }

    async fn handle_batch(&self, events: &[ReceivedEvent]) -> Result<(), BatchFailure> {
        prepare_then_store(
            events,
            |received| self.prepare(received),
            |work| self.store_all(work),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_depends_on_id_only() {
        assert_eq!(decide("customer-a"), decide("customer-a"));
    }

    #[test]
    fn about_one_in_three_becomes_a_lead() {
        let leads = (0..3000)
            .filter(|number| decide(&format!("customer-{number}")) == LeadDecision::Lead)
            .count();
        assert!((900..=1100).contains(&leads), "{leads} leads of 3000");
    }
}
