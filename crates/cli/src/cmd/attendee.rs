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
    // Kept as typed, to tell the attendee when it is used in lower case.
    #[arg(long = "env", value_name = "ENV", default_value = "dv", value_parser = environment_as_typed)]
    pub(crate) environment: String,

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
        let environment: Environment = self.environment.parse()?;
        let region = match &self.region_code {
            Some(code) => Region::new(&self.region, code)?,
            None => Region::known(&self.region)?,
        };
        let check = course::check_namespace(namespace, environment, &region);
        let typed_values = [
            ("environment", self.environment.as_str(), environment.code()),
            (
                "region code",
                self.region_code.as_deref().unwrap_or(&region.code),
                region.code.as_str(),
            ),
        ];
        let case_notices = typed_values
            .into_iter()
            .filter_map(|(field, typed, used)| case_notice(field, typed, used));
        for notice in case_notices.chain(check.notices) {
            eprintln!("note: {notice}");
        }
        Ok(Attendee::new(namespace, environment, region)?)
    }
}

/// Checks `--env` while parsing, so an unknown environment is a usage error like any other,
/// and keeps the text as typed.
fn environment_as_typed(value: &str) -> Result<String, course::UnknownEnvironment> {
    value.parse::<Environment>().map(|_| value.to_string())
}

/// Returns a notice when a value typed in capitals or with spaces around it is used trimmed and
/// in lower case, as the namespace's check reports it too.
fn case_notice(field: &str, typed: &str, used: &str) -> Option<String> {
    (typed != used).then(|| {
        format!(
            "{field} `{typed}` is used as `{used}` in every name: names here are lower case, \
             without spaces."
        )
    })
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
    fn capitals_in_codes_are_noted() {
        assert_eq!(
            case_notice("region code", "EUN", "eun").as_deref(),
            Some(
                "region code `EUN` is used as `eun` in every name: names here are lower case, \
                 without spaces."
            )
        );
        assert_eq!(case_notice("environment", "dv", "dv"), None);
    }

    #[test]
    fn capitals_in_codes_still_plan() {
        let args = Command::try_parse_from([
            "plan",
            "--namespace",
            "dgrf",
            "--env",
            "DV",
            "--region-code",
            "EUN",
        ])
        .unwrap()
        .attendee;

        let attendee = args.attendee().unwrap();

        assert_eq!(attendee.environment(), Environment::Dv);
        assert_eq!(attendee.region().code, "eun");
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
