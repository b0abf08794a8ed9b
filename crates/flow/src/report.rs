//! The report of a flow: per lane and hub counts, lags, parked events, and whether every event
//! is accounted for.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::lake::count_lake_records;
use crate::metrics::{compute_lags, LaneMetrics, Metrics, PartitionLag, TrackedGroup};
use crate::services::parked::{list_parked, ParkedEvent};
use crate::services::partner::SkippedRecord;
use crate::setup::{FlowConfig, FlowError, FlowStores};
use crate::sqlite::StoreError;
use crate::transport::EventTransport;

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The condition checked.
    pub name: &'static str,
    /// Whether it holds.
    pub passed: bool,
    /// The numbers behind it.
    pub detail: String,
}

/// The outcome of a flow, from the team stores, the lake files and the checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowReport {
    /// Customers created (`Customer.Created` events).
    pub customers: u64,
    /// Customers that became leads (`Lead.Generated`).
    pub leads: u64,
    /// Customers abandoned (`Lead.Abandoned`).
    pub abandoned: u64,
    /// Leads in leads-sold files.
    pub leads_sold: u64,
    /// Sales confirmed (`Sale.Confirmation`).
    pub sales: u64,
    /// Sales confirmed as purchases (`Lead.Purchased`).
    pub purchases: u64,
    /// Leads the Customer team recorded.
    pub customer_leads: u64,
    /// Sales the Customer team recorded.
    pub customer_sales: u64,
    /// Purchases the Customer team recorded.
    pub customer_purchases: u64,
    /// Purchases the Product team recorded.
    pub product_purchases: u64,
    /// Events still waiting in an outbox.
    pub outbox_pending: u64,
    /// Records in the lake files per event type.
    pub lake_records: BTreeMap<String, u64>,
    /// Records staged for the lake but not yet in a file.
    pub lake_staged: u64,
    /// The lane counts of this run of the flow, since it started.
    pub lanes: Vec<LaneMetrics>,
    /// The lag of every consumer group on every partition.
    pub lags: Vec<PartitionLag>,
    /// The parked events, one per source event and consumer group.
    pub parked: Vec<ParkedEvent>,
    /// The capture records of hub `lead` the partner skipped in this run of the flow because
    /// their body is not a lead it can decode, such as a poison event, which the consumer
    /// groups of `lead` park.
    pub skipped_capture_records: Vec<SkippedRecord>,
    /// The hubs found deleted and created again in this run of the flow, from their
    /// consumer groups' stale checkpoints. Events they held that no group had read are gone,
    /// and checks that count such events cannot pass without a reset.
    pub changed_hubs: Vec<String>,
    /// The checks; every event is accounted for when all pass.
    pub checks: Vec<Check>,
    /// Messages for the people watching, oldest first, such as parked events, skipped capture
    /// records and a capture folder that has no file yet.
    pub notices: Vec<String>,
    /// The number of the first notice in `notices`, counting from the first notice of this
    /// run of the flow, so a caller reading reports in turn can tell which notices are new.
    #[serde(skip)]
    pub first_notice_number: u64,
    /// The customer limit the run waited for.
    pub target_customers: Option<u64>,
    /// Whether a headless run ended at its timeout before finishing.
    pub timed_out: bool,
}

impl FlowReport {
    /// Returns whether every check passes.
    pub fn accounted_for(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    /// Returns whether the customer limit is reached and every event is accounted for.
    pub fn finished(&self) -> bool {
        self.target_customers
            .is_some_and(|target| self.customers >= target)
            && self.accounted_for()
    }

    /// Returns the number of distinct source events parked, however many groups parked each.
    pub fn parked_source_events(&self) -> usize {
        let mut positions: Vec<(&str, &str, i64)> = self
            .parked
            .iter()
            .map(|event| {
                (
                    event.hub.as_str(),
                    event.partition_id.as_str(),
                    event.sequence_number,
                )
            })
            .collect();
        positions.sort();
        positions.dedup();
        positions.len()
    }
}

fn count(store: &crate::store::TeamStore, sql: &str) -> Result<u64, StoreError> {
    store
        .read(|connection| connection.query_row(sql, [], |row| row.get::<_, i64>(0)))
        .map(|count| count as u64)
}

fn check(name: &'static str, passed: bool, detail: String) -> Check {
    Check {
        name,
        passed,
        detail,
    }
}

pub(crate) async fn build_report(
    config: &FlowConfig,
    stores: &FlowStores,
    transport: &dyn EventTransport,
    metrics: &Metrics,
    outbox_pending: u64,
) -> Result<FlowReport, FlowError> {
    let customers = stores.customer.count("customers")?;
    let conversions = &stores.conversions;
    let leads = count(
        conversions,
        "SELECT COUNT(*) FROM lead_decisions WHERE outcome = 'lead'",
    )?;
    let abandoned = count(
        conversions,
        "SELECT COUNT(*) FROM lead_decisions WHERE outcome = 'abandoned'",
    )?;
    let leads_sold = conversions.count("sold_leads")?;
    let sold_with_sale = count(
        conversions,
        "SELECT COUNT(*) FROM sold_leads JOIN sales USING (lead_id)",
    )?;
    let sales = conversions.count("sales")?;
    let purchases = conversions.count("purchases")?;
    let sales_with_purchase = count(
        conversions,
        "SELECT COUNT(*) FROM sales JOIN purchases USING (sale_id)",
    )?;
    let customer_leads = stores.customer.count("customer_leads")?;
    let customer_sales = stores.customer.count("customer_sales")?;
    let customer_purchases = stores.customer.count("customer_purchases")?;
    let product_purchases = stores.product.count("purchases")?;
    let lake_staged = count(
        &stores.platform,
        "SELECT COUNT(*) FROM lake_records LEFT JOIN lake_files ON lake_records.file = \
         lake_files.path WHERE lake_records.file IS NULL OR lake_files.written = 0",
    )?;
    let (lake_records, lake_error) = match count_lake_records(&config.lake_folder) {
        Ok(records) => (records, None),
        Err(error) => {
            tracing::warn!(%error, "counting lake records failed");
            (BTreeMap::new(), Some(error.to_string()))
        }
    };
    let parked = list_parked(&stores.platform)?;
    let notices = metrics.notices();

    let groups: Vec<TrackedGroup> = course::flow::HUBS
        .iter()
        .flat_map(|hub| {
            hub.consumer_groups.iter().map(|group| TrackedGroup {
                hub: hub.name.to_string(),
                consumer_group: group.name.to_string(),
            })
        })
        .collect();
    let lags = compute_lags(transport, &stores.checkpoints, &groups).await;
    let total_lag: i64 = lags.iter().map(|lag| lag.lag).sum();
    let lag_known = lags.len() >= groups.len();

    let lake = |event_type: &str| lake_records.get(event_type).copied().unwrap_or(0);
    let expected_lake = [
        ("Customer.Created", customers),
        ("Lead.Generated", leads),
        ("Lead.Abandoned", abandoned),
        ("Sale.Confirmation", sales),
        ("Lead.Purchased", purchases),
    ];
    let lake_matches = expected_lake
        .iter()
        .all(|(event_type, expected)| lake(event_type) == *expected);
    let mut lake_detail = expected_lake
        .iter()
        .map(|(event_type, expected)| format!("{event_type} {} of {expected}", lake(event_type)))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(error) = lake_error {
        lake_detail.push_str(&format!("; {error}"));
    }

    let checks = vec![
        check(
            "every customer became a lead or an abandoned lead",
            customers == leads + abandoned,
            format!("{customers} customers, {leads} leads, {abandoned} abandoned"),
        ),
        check(
            "every lead was sold",
            leads_sold == leads,
            format!("{leads_sold} of {leads} leads sold"),
        ),
        check(
            "every sold lead has exactly one sale",
            sold_with_sale == leads_sold && sales == leads_sold,
            format!("{leads_sold} sold leads, {sales} sales, {sold_with_sale} matched"),
        ),
        check(
            "every sale has exactly one purchase",
            sales_with_purchase == sales && purchases == sales,
            format!("{sales} sales, {purchases} purchases, {sales_with_purchase} matched"),
        ),
        check(
            "the Customer and Product teams saw every lead, sale and purchase",
            customer_leads == leads
                && customer_sales == sales
                && customer_purchases == purchases
                && product_purchases == purchases,
            format!(
                "customer team: {customer_leads} leads, {customer_sales} sales, \
                 {customer_purchases} purchases; product team: {product_purchases} purchases"
            ),
        ),
        check(
            "every outbox is empty",
            outbox_pending == 0,
            format!("{outbox_pending} events waiting"),
        ),
        check(
            "the lake holds one record per event",
            lake_matches && lake_staged == 0,
            format!("{lake_detail}; {lake_staged} staged"),
        ),
        check(
            "every consumer group has lag 0",
            lag_known && total_lag == 0,
            format!("total lag {total_lag} over {} partitions", lags.len()),
        ),
    ];

    Ok(FlowReport {
        customers,
        leads,
        abandoned,
        leads_sold,
        sales,
        purchases,
        customer_leads,
        customer_sales,
        customer_purchases,
        product_purchases,
        outbox_pending,
        lake_records,
        lake_staged,
        lanes: metrics.counts().lanes,
        lags,
        parked,
        skipped_capture_records: metrics.skipped_capture_records(),
        changed_hubs: metrics.changed_hubs(),
        checks,
        notices: notices.messages,
        first_notice_number: notices.first_number,
        target_customers: config.customers,
        timed_out: false,
    })
}
