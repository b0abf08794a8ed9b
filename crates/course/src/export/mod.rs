//! Infrastructure as code for each step: the same resources the plan holds, as Bicep or as
//! Azure CLI commands, so an attendee can see what each click of the wizard deploys.

mod arm_id;
mod az;
mod bicep;

use std::fmt;
use std::str::FromStr;

use crate::plan::Plan;
use crate::step::StepId;

pub use arm_id::ArmId;

/// The API versions the exports declare, per resource provider.
pub const EVENT_HUB_API_VERSION: &str = "2024-01-01";
/// The Storage API version.
pub const STORAGE_API_VERSION: &str = "2023-05-01";
/// The Key Vault API version.
pub const KEY_VAULT_API_VERSION: &str = "2023-07-01";
/// The Databricks API version.
pub const DATABRICKS_API_VERSION: &str = "2024-05-01";
/// The resource groups API version.
pub const RESOURCE_GROUP_API_VERSION: &str = "2021-04-01";

/// A language an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Bicep files, one per resource group the step deploys to.
    Bicep,
    /// A Bash script of Azure CLI commands.
    AzCli,
}

/// A format name that is not `bicep` or `az`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "export format `{}` is not known: use bicep or az",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "bicep" => Ok(Format::Bicep),
            "az" | "azcli" | "az-cli" | "cli" => Ok(Format::AzCli),
            _ => Err(UnknownFormat(value.to_string())),
        }
    }
}

/// Writes one step of the plan in the chosen format.
pub fn export(plan: &Plan, step: StepId, format: Format) -> String {
    match format {
        Format::Bicep => bicep::export(plan, step),
        Format::AzCli => az::export(plan, step),
    }
}
