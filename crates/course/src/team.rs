//! The teams of the course.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A team of the course. Every resource is tagged with the team that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Team {
    /// Owns the shared infrastructure and the templates the other teams deploy from.
    Platform,
    /// Owns customers: creates them and follows their leads and purchases.
    Customer,
    /// Owns products; reads purchased leads.
    Product,
    /// Owns leads and sales: turns customers into leads and leads into sales.
    Conversions,
}

impl Team {
    /// Every team, in the order the live flow shows their lanes.
    pub const ALL: [Team; 4] = [
        Team::Platform,
        Team::Customer,
        Team::Product,
        Team::Conversions,
    ];

    /// The team's name as tags and metadata carry it.
    pub fn name(self) -> &'static str {
        match self {
            Team::Platform => "platform",
            Team::Customer => "customer",
            Team::Product => "product",
            Team::Conversions => "conversions",
        }
    }

    /// The team's name as a heading shows it.
    pub fn title(self) -> &'static str {
        match self {
            Team::Platform => "Platform",
            Team::Customer => "Customer",
            Team::Product => "Product",
            Team::Conversions => "Conversions",
        }
    }
}

impl fmt::Display for Team {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
