//! The derivation of every resource name from the environment, the region code and the unique
//! namespace, following the course's conventions.

use crate::team::Team;

/// The parts every derived name is built from. It contains the namespace unchecked, so the
/// namespace check can build the names of a namespace that turns out to be invalid.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameParts<'a> {
    pub(crate) namespace: &'a str,
    pub(crate) environment: &'a str,
    pub(crate) region: &'a str,
}

impl NameParts<'_> {
    /// `{env}-events-{purpose}-rg`, such as `dv-events-broker-rg`.
    pub(crate) fn resource_group(&self, purpose: &str) -> String {
        format!("{}-events-{purpose}-rg", self.environment)
    }

    /// `{env}-events001-ehns-{region}-{ns}`.
    pub(crate) fn broker_namespace(&self) -> String {
        format!(
            "{}-events001-ehns-{}-{}",
            self.environment, self.region, self.namespace
        )
    }

    /// `{env}events001sa{region}{ns}`.
    pub(crate) fn capture_account(&self) -> String {
        format!(
            "{}events001sa{}{}",
            self.environment, self.region, self.namespace
        )
    }

    /// `{env}lakesa{region}{ns}`.
    pub(crate) fn lake_account(&self) -> String {
        format!(
            "{}lakesa{}{}",
            self.environment, self.region, self.namespace
        )
    }

    /// `{env}-schemaregistry-ehns-{region}-{ns}`.
    pub(crate) fn registry_namespace(&self) -> String {
        format!(
            "{}-schemaregistry-ehns-{}-{}",
            self.environment, self.region, self.namespace
        )
    }

    /// `{env}-events-dbw-{region}-{ns}`.
    pub(crate) fn databricks_workspace(&self) -> String {
        format!(
            "{}-events-dbw-{}-{}",
            self.environment, self.region, self.namespace
        )
    }

    /// The resource group Azure Databricks creates for the workspace's own resources.
    pub(crate) fn databricks_managed_group(&self) -> String {
        format!("{}-managed-rg", self.databricks_workspace())
    }

    /// `{env}-{target}-kv-{region}-{ns}`: the key vault of the team publishing a hub.
    pub(crate) fn key_vault(&self, team: Team) -> String {
        format!(
            "{}-{}-kv-{}-{}",
            self.environment,
            vault_target(team),
            self.region,
            self.namespace
        )
    }
}

/// The part of a key vault name that says whose vault it is.
///
/// A vault name is at most 24 characters and `{env}-` plus `-kv-{region}-` already take 11 with
/// a three-letter region code, so each target must leave room for a unique namespace. The team
/// name works for Platform and Customer (8 letters, leaving 5). "conversions" would leave only 2,
/// so the Conversions team's vault is named after its `leads` resource group, where it lives.
pub(crate) fn vault_target(team: Team) -> &'static str {
    match team {
        Team::Platform => "platform",
        Team::Customer => "customer",
        Team::Product => "product",
        Team::Conversions => "leads",
    }
}

/// The resource group that contains a team's key vault.
pub(crate) fn vault_group_purpose(team: Team) -> &'static str {
    match team {
        Team::Platform => "broker",
        Team::Customer => "account",
        Team::Product => "product",
        Team::Conversions => "leads",
    }
}

/// The capture container of a hub. Blob containers allow only lower-case letters, digits and
/// hyphens, so the periods and underscores that hub names may contain become hyphens
/// (`lead_purchased` is captured into `lead-purchased`).
pub fn capture_container(hub: &str) -> String {
    hub.chars()
        .map(|c| match c {
            '_' | '.' => '-',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// The key vault secret holding a hub's connection string for one of its rules:
/// `eh-{hub}-{rule}`. Secret names allow only letters, digits and hyphens, so underscores and
/// periods in the hub name become hyphens (`eh-lead-purchased-send`).
pub fn hub_secret(hub: &str, rule: &str) -> String {
    let hub: String = hub
        .chars()
        .map(|c| if c == '_' || c == '.' { '-' } else { c })
        .collect();
    format!("eh-{hub}-{rule}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(namespace: &str) -> NameParts<'_> {
        NameParts {
            namespace,
            environment: "dv",
            region: "eun",
        }
    }

    #[test]
    fn course_names_for_dgrf() {
        let names = parts("dgrf");
        assert_eq!(names.broker_namespace(), "dv-events001-ehns-eun-dgrf");
        assert_eq!(names.capture_account(), "dvevents001saeundgrf");
        assert_eq!(names.lake_account(), "dvlakesaeundgrf");
        assert_eq!(
            names.registry_namespace(),
            "dv-schemaregistry-ehns-eun-dgrf"
        );
        assert_eq!(names.databricks_workspace(), "dv-events-dbw-eun-dgrf");
        assert_eq!(names.resource_group("broker"), "dv-events-broker-rg");
    }

    #[test]
    fn customer_vault_fits_with_five_characters() {
        assert_eq!(
            parts("dgrf").key_vault(Team::Customer),
            "dv-customer-kv-eun-dgrf"
        );
        assert_eq!(parts("dgrf").key_vault(Team::Customer).len(), 23);
        assert_eq!(parts("dgrfx").key_vault(Team::Customer).len(), 24);
    }

    #[test]
    fn container_and_secret_names_replace_underscores() {
        assert_eq!(capture_container("lead_purchased"), "lead-purchased");
        assert_eq!(capture_container("customer.v1"), "customer-v1");
        assert_eq!(
            hub_secret("lead_purchased", "send"),
            "eh-lead-purchased-send"
        );
        assert_eq!(hub_secret("customer", "listen"), "eh-customer-listen");
    }
}
