//! The demo flow: which hubs exist, which team publishes each event type and which consumer
//! groups read them.

use serde::{Deserialize, Serialize};

use crate::team::Team;

/// The schema group every event type is registered in, Avro, as in the course.
pub const SCHEMA_GROUP: &str = "myschemagroup";

/// The Avro namespace of every course schema.
pub const SCHEMA_NAMESPACE: &str = "example.avro";

/// The hub that receives events a consumer could not handle after its retries.
pub const PARKED_HUB: &str = "parked";

/// A consumer group of the flow and the team whose service reads through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupDefinition {
    /// The consumer group's name.
    pub name: &'static str,
    /// The team whose service reads through the group.
    pub team: Team,
    /// What the reading service does with the events.
    pub purpose: &'static str,
}

/// A hub of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HubDefinition {
    /// The hub's name.
    pub name: &'static str,
    /// The team that publishes to it and owns its key vault secrets.
    pub publisher: Team,
    /// The schema name of the events it carries; `None` for the parked hub, which carries
    /// events of every type.
    pub event_type: Option<&'static str>,
    /// The consumer groups on the hub.
    pub consumer_groups: &'static [GroupDefinition],
}

/// An event type of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventDefinition {
    /// The schema name, which is also the Avro record's full name.
    pub name: &'static str,
    /// The record's fields, in order; every field is an Avro `string`.
    pub fields: &'static [&'static str],
    /// The hub the event is published to.
    pub hub: &'static str,
    /// The team that publishes it.
    pub publisher: Team,
    /// What makes the publisher raise the event.
    pub trigger: &'static str,
}

const DATALAKE: GroupDefinition = GroupDefinition {
    name: "datalake",
    team: Team::Platform,
    purpose: "writes each event as a flat record into the data lake",
};

/// The hubs of the flow, in the order events travel through them.
pub const HUBS: [HubDefinition; 6] = [
    HubDefinition {
        name: "customer",
        publisher: Team::Customer,
        event_type: Some("Customer.Created"),
        consumer_groups: &[
            GroupDefinition {
                name: "lead",
                team: Team::Conversions,
                purpose: "turns one customer in three into a lead, the rest into abandoned leads",
            },
            DATALAKE,
        ],
    },
    HubDefinition {
        name: "lead",
        publisher: Team::Conversions,
        event_type: Some("Lead.Generated"),
        consumer_groups: &[
            GroupDefinition {
                name: "customer",
                team: Team::Customer,
                purpose: "records the lead on the customer",
            },
            DATALAKE,
        ],
    },
    HubDefinition {
        name: "lead_abandoned",
        publisher: Team::Conversions,
        event_type: Some("Lead.Abandoned"),
        consumer_groups: &[DATALAKE],
    },
    HubDefinition {
        name: "sale",
        publisher: Team::Conversions,
        event_type: Some("Sale.Confirmation"),
        consumer_groups: &[
            GroupDefinition {
                name: "customer",
                team: Team::Customer,
                purpose: "records the sale on the customer",
            },
            GroupDefinition {
                name: "purchase",
                team: Team::Conversions,
                purpose: "confirms each sale as a purchased lead",
            },
            DATALAKE,
        ],
    },
    HubDefinition {
        name: "lead_purchased",
        publisher: Team::Conversions,
        event_type: Some("Lead.Purchased"),
        consumer_groups: &[
            GroupDefinition {
                name: "customer",
                team: Team::Customer,
                purpose: "marks the customer as a buyer",
            },
            GroupDefinition {
                name: "product",
                team: Team::Product,
                purpose: "counts purchases for the product team",
            },
            DATALAKE,
        ],
    },
    HubDefinition {
        name: PARKED_HUB,
        publisher: Team::Platform,
        event_type: None,
        consumer_groups: &[GroupDefinition {
            name: "platform",
            team: Team::Platform,
            purpose: "lists parked events with their error for people to inspect",
        }],
    },
];

/// The event types of the flow.
pub const EVENTS: [EventDefinition; 5] = [
    EventDefinition {
        name: "Customer.Created",
        fields: &["id", "date", "email"],
        hub: "customer",
        publisher: Team::Customer,
        trigger: "a timer creates a customer, stores it, then publishes",
    },
    EventDefinition {
        name: "Lead.Generated",
        fields: &["id", "date", "customer_id"],
        hub: "lead",
        publisher: Team::Conversions,
        trigger: "consumer group `lead` on `customer`: one customer in three becomes a lead",
    },
    EventDefinition {
        name: "Lead.Abandoned",
        fields: &["id", "date", "customer_id", "reason"],
        hub: "lead_abandoned",
        publisher: Team::Conversions,
        trigger: "consumer group `lead` on `customer`: the customers who do not become leads, \
                  with the reason",
    },
    EventDefinition {
        name: "Sale.Confirmation",
        fields: &["id", "date", "lead_id", "sale_date"],
        hub: "sale",
        publisher: Team::Conversions,
        trigger: "a partner's leads-sold file (`lead_id,purchase_date`), built from captured \
                  `lead` files",
    },
    EventDefinition {
        name: "Lead.Purchased",
        fields: &["id", "date", "purchase_date"],
        hub: "lead_purchased",
        publisher: Team::Conversions,
        trigger: "consumer group `purchase` on `sale`",
    },
];

/// Looks up a hub of the flow by name.
pub fn hub(name: &str) -> Option<&'static HubDefinition> {
    HUBS.iter().find(|hub| hub.name == name)
}

/// Looks up an event type of the flow by schema name.
pub fn event(name: &str) -> Option<&'static EventDefinition> {
    EVENTS.iter().find(|event| event.name == name)
}

/// A consumer of an event type: a team reading through a consumer group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventConsumer {
    /// The reading team.
    pub team: Team,
    /// The consumer group it reads through.
    pub consumer_group: String,
    /// What it does with the events.
    pub purpose: String,
}

/// An event type of the flow, with where it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventType {
    /// The schema name, which is also the Avro record's full name.
    pub name: String,
    /// The Avro namespace declared in the schema.
    pub namespace: String,
    /// The schema group it is registered in.
    pub schema_group: String,
    /// The fields, in order; every field is an Avro `string`.
    pub fields: Vec<String>,
    /// The hub it is published to.
    pub hub: String,
    /// The publishing team.
    pub publisher: Team,
    /// What makes the publisher raise it.
    pub trigger: String,
    /// The teams that read it.
    pub consumers: Vec<EventConsumer>,
}

/// Lists the event types of the flow with their consumers.
pub fn event_types() -> Vec<EventType> {
    EVENTS
        .iter()
        .map(|event| {
            let hub = hub(event.hub).expect("every event's hub is in the flow");
            EventType {
                name: event.name.to_string(),
                namespace: SCHEMA_NAMESPACE.to_string(),
                schema_group: SCHEMA_GROUP.to_string(),
                fields: event.fields.iter().map(|field| field.to_string()).collect(),
                hub: event.hub.to_string(),
                publisher: event.publisher,
                trigger: event.trigger.to_string(),
                consumers: hub
                    .consumer_groups
                    .iter()
                    .map(|group| EventConsumer {
                        team: group.team,
                        consumer_group: group.name.to_string(),
                        purpose: group.purpose.to_string(),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_its_hub_and_back() {
        for event in EVENTS {
            let hub = hub(event.hub).expect("event's hub is in the flow");
            assert_eq!(hub.event_type, Some(event.name));
            assert_eq!(hub.publisher, event.publisher);
        }
        for hub in HUBS.iter().filter(|hub| hub.name != PARKED_HUB) {
            assert!(
                event(hub.event_type.unwrap()).is_some(),
                "hub {} has an event",
                hub.name
            );
        }
    }

    #[test]
    fn every_hub_but_parked_has_a_datalake_group() {
        for hub in HUBS.iter().filter(|hub| hub.name != PARKED_HUB) {
            assert!(hub.consumer_groups.contains(&DATALAKE), "hub {}", hub.name);
        }
    }

    #[test]
    fn course_consumer_groups_are_kept() {
        let names = |hub_name| -> Vec<&str> {
            hub(hub_name)
                .unwrap()
                .consumer_groups
                .iter()
                .map(|g| g.name)
                .collect()
        };
        assert_eq!(names("customer"), ["lead", "datalake"]);
        assert_eq!(names("lead"), ["customer", "datalake"]);
        assert!(names("sale").starts_with(&["customer"]));
        assert!(names("sale").contains(&"datalake"));
    }
}
