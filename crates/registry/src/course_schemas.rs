//! The course's schemas, embedded from the repository's `schemas/` folder so that every binary
//! works from any directory.

/// The schema group the course registers everything in.
pub const COURSE_GROUP: &str = "myschemagroup";

/// The five attempts of the compatibility exercise in Backward mode, in order.
pub const BACKWARD_ATTEMPTS: [&str; 5] = [
    include_str!("../../../schemas/exercise/backward-1.avsc"),
    include_str!("../../../schemas/exercise/backward-2.avsc"),
    include_str!("../../../schemas/exercise/backward-3.avsc"),
    include_str!("../../../schemas/exercise/backward-4.avsc"),
    include_str!("../../../schemas/exercise/backward-5.avsc"),
];

/// The five attempts of the compatibility exercise in Forward mode, in order.
pub const FORWARD_ATTEMPTS: [&str; 5] = [
    include_str!("../../../schemas/exercise/forward-1.avsc"),
    include_str!("../../../schemas/exercise/forward-2.avsc"),
    include_str!("../../../schemas/exercise/forward-3.avsc"),
    include_str!("../../../schemas/exercise/forward-4.avsc"),
    include_str!("../../../schemas/exercise/forward-5.avsc"),
];

/// The demo's event schemas as (schema name, schema text); every field is a string.
pub const EVENT_SCHEMAS: [(&str, &str); 5] = [
    (
        "Customer.Created",
        include_str!("../../../schemas/events/Customer.Created.avsc"),
    ),
    (
        "Lead.Generated",
        include_str!("../../../schemas/events/Lead.Generated.avsc"),
    ),
    (
        "Lead.Abandoned",
        include_str!("../../../schemas/events/Lead.Abandoned.avsc"),
    ),
    (
        "Sale.Confirmation",
        include_str!("../../../schemas/events/Sale.Confirmation.avsc"),
    ),
    (
        "Lead.Purchased",
        include_str!("../../../schemas/events/Lead.Purchased.avsc"),
    ),
];

/// Returns the embedded schema text of a course event by schema name.
pub fn event_schema(name: &str) -> Option<&'static str> {
    EVENT_SCHEMAS
        .iter()
        .find(|(event, _)| *event == name)
        .map(|(_, text)| *text)
}
