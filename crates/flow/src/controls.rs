//! Instructor controls of a running flow: pace, pause and resume, and poison events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::cloudevents::CloudEvent;
use crate::events::{
    CodecError, CustomerCreated, EventCodec, FlowEvent, LeadAbandoned, LeadGenerated,
    LeadPurchased, SaleConfirmation,
};
use crate::ids::derived_uuid;
use crate::transport::{EventTransport, OutgoingEvent, Properties, PublishBatch, TransportError};

/// A control that cannot be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The hub carries no event type of the flow, so no poison can imitate one.
    #[error(
        "hub `{0}` is not a hub of the flow that carries events: choose customer, lead, \
         lead_abandoned, sale or lead_purchased"
    )]
    NoSuchHub(String),
    /// The sample event could not be encoded.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The broker rejected the poison event.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The controls of one running flow.
#[derive(Debug, Clone)]
pub struct FlowControls {
    pace: Arc<watch::Sender<Duration>>,
    paused: Arc<watch::Sender<bool>>,
    transport: Arc<dyn EventTransport>,
    codec: EventCodec,
    poison_count: Arc<AtomicU64>,
}

impl FlowControls {
    pub(crate) fn new(
        pace: Duration,
        transport: Arc<dyn EventTransport>,
        codec: EventCodec,
    ) -> Self {
        FlowControls {
            pace: Arc::new(watch::channel(pace).0),
            paused: Arc::new(watch::channel(false).0),
            transport,
            codec,
            poison_count: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn pace_receiver(&self) -> watch::Receiver<Duration> {
        self.pace.subscribe()
    }

    pub(crate) fn paused_receiver(&self) -> watch::Receiver<bool> {
        self.paused.subscribe()
    }

    /// Sets the time between two new customers; it applies at once.
    pub fn set_pace(&self, pace: Duration) {
        self.pace.send_replace(pace);
    }

    /// Returns the time between two new customers.
    pub fn pace(&self) -> Duration {
        *self.pace.borrow()
    }

    /// Pauses customer creation and every reader; events in flight finish first.
    pub fn pause(&self) {
        self.paused.send_replace(true);
        tracing::info!("flow paused");
    }

    /// Resumes after [`FlowControls::pause`].
    pub fn resume(&self) {
        self.paused.send_replace(false);
        tracing::info!("flow resumed");
    }

    /// Returns whether the flow is paused.
    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    /// Publishes a poison event to `hub`: it carries the hub's CloudEvents type and registry
    /// content type, but its Avro body is cut in half, so no consumer can decode it and each
    /// group parks it after its retries. Returns the poison event's id.
    pub async fn inject_poison(&self, hub: &str) -> Result<String, ControlError> {
        let event_type = course::flow::hub(hub)
            .and_then(|definition| definition.event_type)
            .ok_or_else(|| ControlError::NoSuchHub(hub.to_string()))?;
        let number = self.poison_count.fetch_add(1, Ordering::Relaxed);
        let time = chrono::Utc::now();
        let event_id = derived_uuid(&[
            "poison",
            hub,
            &number.to_string(),
            &time.timestamp_millis().to_string(),
        ])
        .to_string();

        let encoded = self
            .codec
            .encode(&sample_event(event_type, &event_id))
            .await?;
        let mut body = encoded.body;
        body.truncate(body.len() / 2);
        let mut properties = Properties::new();
        CloudEvent {
            id: event_id.clone(),
            source: "/eda-workshop/instructor".to_string(),
            event_type: event_type.to_string(),
            time: time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
        .write_to(&mut properties);
        self.transport
            .publish(PublishBatch {
                hub: hub.to_string(),
                partition_key: None,
                partition_id: None,
                events: vec![OutgoingEvent {
                    body,
                    content_type: Some(encoded.content_type),
                    properties,
                }],
            })
            .await?;
        tracing::info!(hub, event_id = %event_id, "poison event injected");
        Ok(event_id)
    }
}

fn sample_event(event_type: &str, id: &str) -> FlowEvent {
    let id = id.to_string();
    let date = "2026-01-01T00:00:00.000Z".to_string();
    let other = "poison-reference".to_string();
    match event_type {
        "Lead.Generated" => FlowEvent::LeadGenerated(LeadGenerated {
            id,
            date,
            customer_id: other,
        }),
        "Lead.Abandoned" => FlowEvent::LeadAbandoned(LeadAbandoned {
            id,
            date,
            customer_id: other,
            reason: "poison".to_string(),
        }),
        "Sale.Confirmation" => FlowEvent::SaleConfirmation(SaleConfirmation {
            id,
            date: date.clone(),
            lead_id: other,
            sale_date: date,
        }),
        "Lead.Purchased" => FlowEvent::LeadPurchased(LeadPurchased {
            id,
            date: date.clone(),
            purchase_date: date,
        }),
        _ => FlowEvent::CustomerCreated(CustomerCreated {
            id,
            date,
            email: "poison@example.com".to_string(),
        }),
    }
}
