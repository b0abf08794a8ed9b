//! The options that identify an attendee, shared by every command that builds a plan.

use clap::Args;
use course::{Attendee, Environment, Region, NAMESPACE_VARIABLE};

/// The attendee's unique namespace, environment and region.
#[derive(Debug, Clone, Args)]
pub(crate) struct AttendeeArgs {
    /// Your unique namespace, appended to every globally unique name (default: the
    /// AZURE_UNIQUE_NAMESPACE environment variable).
    #[arg(long, value_name = "NS", env = NAMESPACE_VARIABLE)]
    pub(crate) namespace: Option<String>,

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
    /// Checks the options against every planned name. Fails, naming both ways to give a
    /// namespace, when neither `--namespace` nor the environment variable gives one.
    pub(crate) fn attendee(&self) -> anyhow::Result<Attendee> {
        let Some(namespace) = &self.namespace else {
            anyhow::bail!(
                "the namespace is missing: pass --namespace NS, or set the \
                 {NAMESPACE_VARIABLE} environment variable as the course does"
            );
        };
        let region = match &self.region_code {
            Some(code) => Region::new(&self.region, code)?,
            None => Region::known(&self.region)?,
        };
        let check = course::check_namespace(namespace, self.environment, &region);
        for notice in &check.notices {
            eprintln!("note: {notice}");
        }
        Ok(Attendee::new(namespace, self.environment, region)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        attendee: AttendeeArgs,
    }

    #[test]
    fn missing_namespace_names_variable() {
        let args = Command::try_parse_from(["plan"]).unwrap().attendee;
        // The variable may be set where the tests run, and it would fill in the namespace.
        let args = AttendeeArgs {
            namespace: None,
            ..args
        };

        let message = args.attendee().unwrap_err().to_string();

        assert_eq!(
            message,
            "the namespace is missing: pass --namespace NS, or set the AZURE_UNIQUE_NAMESPACE \
             environment variable as the course does"
        );
    }
}
