//! The options that identify an attendee, shared by every command that builds a plan.

use clap::Args;
use course::{Attendee, Environment, Region, NAMESPACE_VARIABLE};

/// The attendee's unique namespace, environment and region.
#[derive(Debug, Clone, Args)]
pub(crate) struct AttendeeArgs {
    /// Your unique namespace, appended to every globally unique name (default: the
    /// AZURE_UNIQUE_NAMESPACE environment variable).
    #[arg(long, value_name = "NS", env = NAMESPACE_VARIABLE)]
    pub(crate) namespace: String,

    /// The environment: dv, qa or lv.
    #[arg(long = "env", value_name = "ENV", default_value = "dv")]
    pub(crate) environment: Environment,

    /// The Azure region, such as northeurope.
    #[arg(long, value_name = "REGION", default_value = "northeurope")]
    pub(crate) region: String,

    /// The region's short code in names (default: the known code of the region, such as eun).
    #[arg(long, value_name = "CODE")]
    pub(crate) region_code: Option<String>,
}

impl AttendeeArgs {
    /// Checks the options against every planned name.
    pub(crate) fn attendee(&self) -> anyhow::Result<Attendee> {
        let region = match &self.region_code {
            Some(code) => Region::new(&self.region, code)?,
            None => Region::known(&self.region)?,
        };
        let check = course::check_namespace(&self.namespace, self.environment, &region);
        for notice in &check.notices {
            eprintln!("note: {notice}");
        }
        Ok(Attendee::new(&self.namespace, self.environment, region)?)
    }
}
