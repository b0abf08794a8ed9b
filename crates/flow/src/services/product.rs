//! The Product team: consumer group `product` on `lead_purchased` counts purchases.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use course::Team;
use rusqlite::params;

use super::{decode, store_error};
use crate::events::{EventCodec, FlowEvent};
use crate::runtime::{EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::{first_delivery, TeamStore};
use crate::transport::ReceivedEvent;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS purchases (lead_id TEXT PRIMARY KEY, purchase_date TEXT NOT NULL);
";

/// The Product team's consumer group.
pub const PRODUCT_GROUP: &str = "product";

/// Opens the Product team's store.
pub fn open_store(path: &Path) -> Result<TeamStore, StoreError> {
    TeamStore::open(path, Team::Product, SCHEMA)
}

/// The handler of consumer group `product` on `lead_purchased`.
#[derive(Debug, Clone)]
pub struct ProductService {
    store: Arc<TeamStore>,
    codec: EventCodec,
}

impl ProductService {
    /// Creates the handler.
    pub fn new(store: Arc<TeamStore>, codec: EventCodec) -> Self {
        ProductService { store, codec }
    }
}

#[async_trait]
impl EventHandler for ProductService {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let decoded = decode(&self.codec, "lead_purchased", received).await?;
        let FlowEvent::LeadPurchased(purchase) = decoded.event else {
            return Err(HandlerError(
                "expected a Lead.Purchased payload".to_string(),
            ));
        };
        let event_id = decoded.cloud_event.id;
        self.store
            .transaction(|transaction| {
                if first_delivery(transaction, PRODUCT_GROUP, &event_id)? {
                    transaction.execute(
                        "INSERT OR IGNORE INTO purchases (lead_id, purchase_date) VALUES (?1, ?2)",
                        params![purchase.id, purchase.purchase_date],
                    )?;
                }
                Ok(())
            })
            .map_err(store_error)
    }
}
