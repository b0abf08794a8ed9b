//! The overview of the course that the welcome and namespace pages show before the attendee
//! types anything: its steps, teams, environments and regions.

use course::{Environment, Region, StepId, Team};
use serde::Serialize;

/// A step of the course that creates resources.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CourseStep {
    /// The step's id, as planned names refer to it.
    pub(crate) id: StepId,
    /// The step's number in the course.
    pub(crate) number: u8,
    /// The step's title.
    pub(crate) title: &'static str,
    /// The step's purpose, in an attendee's terms.
    pub(crate) summary: &'static str,
}

/// A team of the course.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TeamSummary {
    /// The team's id, as planned names refer to it.
    pub(crate) id: Team,
    /// The team's name as a heading shows it.
    pub(crate) title: &'static str,
}

/// An environment the attendee can choose.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EnvironmentChoice {
    /// The code names carry.
    pub(crate) code: Environment,
    /// The environment's meaning in words.
    pub(crate) title: &'static str,
}

/// The steps, teams, environments and regions of the workshop, with the defaults.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkshopOverview {
    /// The steps that create resources, in course order.
    pub(crate) course_steps: Vec<CourseStep>,
    /// Every team, in the order the live flow shows their lanes.
    pub(crate) teams: Vec<TeamSummary>,
    /// Every environment, in the order a chooser lists them.
    pub(crate) environments: Vec<EnvironmentChoice>,
    /// The environment chosen until the attendee picks another.
    pub(crate) default_environment: Environment,
    /// Regions with a known short code.
    pub(crate) regions: Vec<Region>,
    /// The region chosen until the attendee picks another.
    pub(crate) default_region: Region,
}

impl WorkshopOverview {
    /// Collects the overview from the course crate.
    pub(crate) fn from_course() -> WorkshopOverview {
        let course_steps = StepId::ALL
            .into_iter()
            .map(|id| CourseStep {
                id,
                number: id.number(),
                title: id.title(),
                summary: id.summary(),
            })
            .collect();
        let teams = Team::ALL
            .into_iter()
            .map(|id| TeamSummary {
                id,
                title: id.title(),
            })
            .collect();
        let environments = Environment::ALL
            .into_iter()
            .map(|code| EnvironmentChoice {
                code,
                title: environment_title(code),
            })
            .collect();

        WorkshopOverview {
            course_steps,
            teams,
            environments,
            default_environment: Environment::default(),
            regions: Region::known_regions().collect(),
            default_region: Region::default(),
        }
    }
}

/// Names the meaning of an environment code for the environment chooser.
fn environment_title(environment: Environment) -> &'static str {
    match environment {
        Environment::Dv => "development",
        Environment::Qa => "quality assurance",
        Environment::Lv => "live",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overview_lists_course_steps_in_order() {
        let overview = WorkshopOverview::from_course();
        let ids: Vec<StepId> = overview.course_steps.iter().map(|step| step.id).collect();
        assert_eq!(ids, StepId::ALL.to_vec());
    }

    #[test]
    fn overview_defaults_to_course_environment_and_region() {
        let overview = WorkshopOverview::from_course();
        assert_eq!(overview.default_environment, Environment::Dv);
        assert_eq!(overview.default_region, Region::north_europe());
        assert!(overview.regions.contains(&Region::north_europe()));
    }

    #[test]
    fn overview_serializes_ids_as_the_ui_reads_them() {
        let json = serde_json::to_value(WorkshopOverview::from_course()).unwrap();
        assert_eq!(json["course_steps"][0]["id"], "resource_groups");
        assert_eq!(json["teams"][0]["id"], "platform");
        assert_eq!(json["environments"][1]["code"], "qa");
        assert_eq!(json["environments"][1]["title"], "quality assurance");
        assert_eq!(json["default_region"]["code"], "eun");
    }
}
