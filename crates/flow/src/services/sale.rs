//! The Conversions team's sale service and purchase service.
//!
//! The sale service turns each row of a leads-sold file into a `Sale.Confirmation` on `sale`.
//! The purchase service (consumer group `purchase` on `sale`) confirms each sale as a
//! `Lead.Purchased` on `lead_purchased`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::params;
use tokio::sync::Notify;

use super::partner::LEADS_SOLD_HEADER;
use super::{decode, now_rfc3339, store_error};
use crate::events::{EventCodec, FlowEvent, LeadPurchased, SaleConfirmation};
use crate::ids::derived_uuid;
use crate::outbox::{enqueue, OutboxEntry};
use crate::runtime::{EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::{first_delivery, TeamStore};
use crate::transport::ReceivedEvent;

/// The consumer group of the purchase service.
pub const PURCHASE_GROUP: &str = "purchase";

/// A leads-sold file that cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum SaleError {
    /// The file cannot be read.
    #[error("reading leads-sold file `{path}` failed: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not a leads-sold CSV.
    #[error("leads-sold file `{path}` is invalid at line {line}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The reason.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses a leads-sold CSV into (lead id, purchase date) rows.
pub fn parse_leads_sold(path: &Path, text: &str) -> Result<Vec<(String, String)>, SaleError> {
    let invalid = |line: usize, reason: String| SaleError::Invalid {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim() == LEADS_SOLD_HEADER => {}
        Some((_, header)) => {
            return Err(invalid(
                1,
                format!("the header is `{header}`, expected `{LEADS_SOLD_HEADER}`"),
            ))
        }
        None => {
            return Err(invalid(
                1,
                "the file is empty, without a header".to_string(),
            ))
        }
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        match fields.as_slice() {
            [lead_id, date] if !lead_id.is_empty() && !date.is_empty() => {
                rows.push((lead_id.to_string(), date.to_string()));
            }
            _ => {
                return Err(invalid(
                    index + 1,
                    format!("`{line}` is not `lead_id,purchase_date`"),
                ))
            }
        }
    }
    Ok(rows)
}

/// Imports leads-sold files.
#[derive(Debug, Clone)]
pub struct SaleService {
    store: Arc<TeamStore>,
    outbox: Arc<Notify>,
}

impl SaleService {
    /// Creates the service; `outbox` wakes the team's outbox publisher.
    pub fn new(store: Arc<TeamStore>, outbox: Arc<Notify>) -> Self {
        SaleService { store, outbox }
    }

    /// Stores a sale for every lead of the file not sold before, each with its
    /// `Sale.Confirmation` in the outbox. Returns how many sales are new.
    pub fn import(&self, path: &Path) -> Result<usize, SaleError> {
        let text = std::fs::read_to_string(path).map_err(|source| SaleError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let rows = parse_leads_sold(path, &text)?;
        let date = now_rfc3339();
        let created = self.store.transaction(|transaction| {
            let mut created = 0;
            let mut insert = transaction
                .prepare_cached("INSERT OR IGNORE INTO sales (lead_id, sale_id) VALUES (?1, ?2)")?;
            for (lead_id, sale_date) in &rows {
                let sale_id = derived_uuid(&["sale", lead_id]).to_string();
                let inserted = insert.execute(params![lead_id, sale_id])?;
                if inserted == 0 {
                    continue;
                }
                let event = FlowEvent::SaleConfirmation(SaleConfirmation {
                    id: sale_id.clone(),
                    date: date.clone(),
                    lead_id: lead_id.clone(),
                    sale_date: sale_date.clone(),
                });
                enqueue(
                    transaction,
                    &OutboxEntry {
                        event_id: derived_uuid(&["Sale.Confirmation", &sale_id]).to_string(),
                        partition_key: Some(lead_id.clone()),
                        event,
                        time: date.clone(),
                    },
                )?;
                created += 1;
            }
            Ok(created)
        })?;
        if created > 0 {
            tracing::info!(file = %path.display(), sales = created, "leads-sold file imported");
            self.outbox.notify_one();
        }
        Ok(created)
    }
}

/// The handler of consumer group `purchase` on `sale`.
#[derive(Debug, Clone)]
pub struct PurchaseService {
    store: Arc<TeamStore>,
    codec: EventCodec,
    outbox: Arc<Notify>,
}

impl PurchaseService {
    /// Creates the handler; `outbox` wakes the team's outbox publisher.
    pub fn new(store: Arc<TeamStore>, codec: EventCodec, outbox: Arc<Notify>) -> Self {
        PurchaseService {
            store,
            codec,
            outbox,
        }
    }
}

#[async_trait]
impl EventHandler for PurchaseService {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let decoded = decode(&self.codec, "sale", received).await?;
        let FlowEvent::SaleConfirmation(sale) = decoded.event else {
            return Err(HandlerError(
                "expected a Sale.Confirmation payload".to_string(),
            ));
        };
        let event_id = decoded.cloud_event.id;
        let date = now_rfc3339();
        let entry = OutboxEntry {
            event_id: derived_uuid(&["Lead.Purchased", &sale.id]).to_string(),
            partition_key: Some(sale.lead_id.clone()),
            event: FlowEvent::LeadPurchased(LeadPurchased {
                id: sale.lead_id.clone(),
                date: date.clone(),
                purchase_date: sale.sale_date.clone(),
            }),
            time: date,
        };
        self.store
            .transaction(|transaction| {
                if !first_delivery(transaction, PURCHASE_GROUP, &event_id)? {
                    return Ok(());
                }
                transaction.execute(
                    "INSERT OR IGNORE INTO purchases (sale_id, lead_id) VALUES (?1, ?2)",
                    params![sale.id, sale.lead_id],
                )?;
                enqueue(transaction, &entry)
            })
            .map_err(store_error)?;
        self.outbox.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_sold_rows_are_parsed() {
        let rows = parse_leads_sold(
            Path::new("f.csv"),
            "lead_id,purchase_date\na,2026-12-05\n\nb,2026-12-06\n",
        )
        .unwrap();
        assert_eq!(
            rows,
            [
                ("a".to_string(), "2026-12-05".to_string()),
                ("b".to_string(), "2026-12-06".to_string())
            ]
        );
    }

    #[test]
    fn wrong_header_is_rejected() {
        let error = parse_leads_sold(Path::new("f.csv"), "id,date\na,b\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "leads-sold file `f.csv` is invalid at line 1: the header is `id,date`, expected \
             `lead_id,purchase_date`"
        );
    }

    #[test]
    fn row_with_three_fields_is_rejected() {
        let error =
            parse_leads_sold(Path::new("f.csv"), "lead_id,purchase_date\na,b,c\n").unwrap_err();
        assert!(error.to_string().contains("at line 2"), "{error}");
    }
}
