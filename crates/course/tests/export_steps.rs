//! Exports declare exactly the plan's resources for each step.

use course::export::{export, Format};
use course::{plan, Attendee, Environment, Plan, Region, StepId};

fn dgrf() -> Plan {
    plan(&Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap())
}

#[test]
fn bicep_declares_every_resource_once() {
    let plan = dgrf();
    for step in StepId::ALL {
        let bicep = export(&plan, step, Format::Bicep);
        let declared = bicep
            .lines()
            .filter(|line| line.starts_with("resource "))
            .count();
        let existing = bicep
            .lines()
            .filter(|line| line.contains("' existing = "))
            .count();
        assert_eq!(
            declared - existing,
            plan.step(step).resources.len(),
            "step {step}"
        );
        for resource in &plan.step(step).resources {
            assert!(
                bicep.contains(&format!("name: '{}'", resource.name)),
                "{}",
                resource.title
            );
        }
    }
}

#[test]
fn bicep_braces_and_brackets_balance() {
    let plan = dgrf();
    for step in StepId::ALL {
        let bicep = export(&plan, step, Format::Bicep);
        assert_eq!(
            bicep.matches('{').count(),
            bicep.matches('}').count(),
            "step {step}"
        );
        assert_eq!(
            bicep.matches('[').count(),
            bicep.matches(']').count(),
            "step {step}"
        );
    }
}

#[test]
fn bicep_hub_rules_have_hub_type() {
    let bicep = export(&dgrf(), StepId::Publishers, Format::Bicep);
    assert!(bicep.contains(
        "resource sendRuleOfHubCustomer 'Microsoft.EventHub/namespaces/eventhubs/authorizationRules@2024-01-01' = {"
    ));
}

#[test]
fn bicep_secrets_read_keys_never_contain_them() {
    let bicep = export(&dgrf(), StepId::Publishers, Format::Bicep);
    assert!(bicep.contains("value: sendRuleOfHubCustomer.listKeys().primaryConnectionString"));
    assert!(!bicep.contains("SharedAccessKey="));
}

#[test]
fn bicep_cross_group_parent_is_scoped() {
    let bicep = export(&dgrf(), StepId::Publishers, Format::Bicep);
    let vault_file = bicep
        .split("// ===== dv-events-account-rg.bicep =====")
        .nth(1)
        .unwrap();
    assert!(vault_file.contains("scope: resourceGroup('dv-events-broker-rg')"));
}

#[test]
fn bicep_databricks_needs_parameter() {
    let bicep = export(&dgrf(), StepId::SharedPlatform, Format::Bicep);
    assert!(bicep.contains("param createDatabricksWorkspace bool = false"));
    assert!(bicep.contains("= if (createDatabricksWorkspace) {"));
}

#[test]
fn az_script_creates_every_resource() {
    let plan = dgrf();
    for step in StepId::ALL {
        let script = export(&plan, step, Format::AzCli);
        assert!(script.starts_with("#!/usr/bin/env bash\n"));
        assert!(script.contains("set -euo pipefail"));
        let commands = script
            .lines()
            .map(|line| line.trim_start().trim_start_matches("| "))
            .filter(|line| line.starts_with("az "))
            .count();
        let secrets = plan
            .step(step)
            .resources
            .iter()
            .filter(|resource| matches!(resource.spec, course::Spec::KeyVaultSecret(_)))
            .count();
        // Each secret takes two commands: one reads the rule's key, one stores it.
        assert_eq!(
            commands,
            plan.step(step).resources.len() + secrets,
            "step {step}"
        );
    }
}

#[test]
fn az_secrets_never_reach_terminal() {
    let script = export(&dgrf(), StepId::Publishers, Format::AzCli);
    for block in script
        .split("\n\n")
        .filter(|block| block.contains("az keyvault secret set"))
    {
        assert!(block.contains("--query primaryConnectionString"));
        assert!(block.contains("--file /dev/stdin"));
        assert!(block.contains("--output none"));
    }
}

#[test]
fn az_consumer_group_metadata_quoted() {
    let script = export(&dgrf(), StepId::Consumers, Format::AzCli);
    assert!(script.contains("--user-metadata 'team : conversions'"));
}
