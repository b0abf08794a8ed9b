//! Verify: compare what exists with the plan, property by property, in plain words.

use course::Plan;
use serde::Serialize;

use crate::apply::{Action, Applier, Options};
use crate::arm::ArmClient;
use crate::desired::Target;
use crate::error::Result;

/// One way the target differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The resource's ARM id.
    pub id: String,
    /// The difference in plain words.
    pub message: String,
}

/// The result of a verify.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Resources compared.
    pub checked: usize,
    /// Resources left out (opt-in or not emulated), with the reason.
    pub skipped: Vec<Finding>,
    /// Every difference found.
    pub findings: Vec<Finding>,
    /// The number of findings apply cannot fix: resources that belong to someone else or
    /// differ in a setting that cannot change in place. Each finding's message gives the reason.
    pub refused: usize,
}

impl Report {
    /// Returns whether the target matches the plan.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Compares the selected steps of the plan with what the client reads.
pub async fn verify(
    client: &ArmClient,
    target: Target,
    plan: &Plan,
    options: Options,
) -> Result<Report> {
    let applier = Applier::new(client, target, plan, options, None);
    let mut report = Report::default();
    for change in applier.preview().await? {
        let finding = |message: String| Finding {
            id: change.id.clone(),
            message,
        };
        match change.action {
            Action::Unchanged => report.checked += 1,
            Action::Create => {
                report.checked += 1;
                let message = format!("{} does not exist", label(&change.title, &change.name));
                report.findings.push(finding(message));
            }
            Action::Update { drifts } => {
                report.checked += 1;
                for drift in drifts {
                    report.findings.push(finding(drift.message));
                }
            }
            Action::Refuse { reason } => {
                report.checked += 1;
                report.refused += 1;
                report.findings.push(finding(reason));
            }
            Action::Skip { reason } => report.skipped.push(finding(reason)),
        }
    }
    Ok(report)
}

/// Names a resource by its title and name. The name is left out when the title already
/// contains it (``hub `customer` ``), and set apart when the title ends with another
/// resource's name, so that no two names in backticks stand side by side unexplained.
pub(crate) fn label(title: &str, name: &str) -> String {
    if title.contains(&format!("`{name}`")) {
        title.to_owned()
    } else if title.ends_with('`') {
        format!("{title} (named `{name}`)")
    } else {
        format!("{title} `{name}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_resource_once() {
        assert_eq!(label("hub `customer`", "customer"), "hub `customer`");
        assert_eq!(
            label("`send` rule of hub `lead`", "send"),
            "`send` rule of hub `lead`"
        );
    }

    #[test]
    fn label_sets_apart_other_name() {
        assert_eq!(
            label("immutability policy of container `customer`", "default"),
            "immutability policy of container `customer` (named `default`)"
        );
        assert_eq!(
            label("capture container of `lead_abandoned`", "lead-abandoned"),
            "capture container of `lead_abandoned` (named `lead-abandoned`)"
        );
    }

    #[test]
    fn label_adds_name_to_plain_title() {
        assert_eq!(
            label("broker namespace", "dv-events001-ehns-eun-dgrf"),
            "broker namespace `dv-events001-ehns-eun-dgrf`"
        );
    }
}
