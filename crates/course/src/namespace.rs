//! Checks an attendee's unique namespace against every name the plan derives from it.
//!
//! The namespace has no rule of its own: it is valid exactly when every planned name that
//! contains it follows Azure's rule for its resource kind. So each problem names the resource
//! whose rule the namespace breaks, and the longest namespace allowed is the smallest room any
//! of those names leaves.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use crate::build::build_steps;
use crate::environment::{Environment, Region};
use crate::look_alike::ascii_look_alike;
use crate::names::NameParts;
use crate::naming::{printable_name, quote_character, ResourceKind, Violation};
use crate::step::{Step, StepId};
use crate::team::Team;

/// A character no planned name can contain by itself, used to find where the namespace sits in
/// each name.
const PLACEHOLDER: &str = "\u{1}";

/// The result of checking a unique namespace, ready to show while the attendee types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceCheck {
    /// The text as typed.
    pub input: String,
    /// The namespace every name uses: trimmed and lower case.
    pub namespace: String,
    /// Whether capitals were lower-cased.
    pub lowercased: bool,
    /// Notes on how the input was normalised, for the attendee.
    pub notices: Vec<String>,
    /// Whether every planned name is valid with this namespace.
    pub valid: bool,
    /// The maximum namespace length every planned name allows, in characters.
    pub max_length: usize,
    /// The resource whose name sets that limit, such as
    /// "key vault of the customer team `dv-customer-kv-eun-{namespace}` (at most 24 characters)".
    pub max_length_set_by: String,
    /// Every rule the namespace breaks, one entry per resource.
    pub problems: Vec<NameProblem>,
    /// When names are too long and the region code is longer than the course's, how a shorter
    /// region code would leave more room for the namespace.
    pub region_hint: Option<String>,
    /// Every name the plan will create, in creation order.
    pub names: Vec<PlannedName>,
}

/// One resource whose naming rule the namespace breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameProblem {
    /// The resource's role, such as "capture storage account".
    pub resource: String,
    /// The resource's kind.
    pub kind: ResourceKind,
    /// The name the namespace would give it.
    pub name: String,
    /// The rule broken, in words.
    pub rule: String,
    /// The change to make to the namespace.
    pub fix: String,
    /// The whole explanation in one sentence.
    pub message: String,
    /// The violation found; `None` for an empty namespace, which no name rule covers.
    #[serde(skip)]
    pub violation: Option<Violation>,
}

/// A name the plan will create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedName {
    /// The step that creates it.
    pub step: StepId,
    /// The resource's kind.
    pub kind: ResourceKind,
    /// The kind in words.
    pub kind_label: String,
    /// The resource's role.
    pub title: String,
    /// The name.
    pub name: String,
    /// The resource group it lives in.
    pub resource_group: String,
    /// The owning team.
    pub team: Team,
    /// Whether the name contains the unique namespace.
    pub contains_namespace: bool,
}

/// A unique namespace that breaks the naming rule of at least one planned resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceError {
    /// The full check, with every problem.
    pub check: Box<NamespaceCheck>,
}

/// Writes one line per fix, followed by the names that need it, so a rule that eight names
/// break takes one line.
impl fmt::Display for NamespaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let check = &self.check;
        let mut fixes: Vec<(&str, Vec<&NameProblem>)> = Vec::new();
        for problem in &check.problems {
            match fixes.iter_mut().find(|(fix, _)| *fix == problem.fix) {
                Some((_, problems)) => problems.push(problem),
                None => fixes.push((&problem.fix, vec![problem])),
            }
        }
        let names: HashSet<&str> = check.problems.iter().map(|p| p.name.as_str()).collect();
        match names.len() {
            0 | 1 => write!(
                f,
                "unique namespace `{}` is invalid:",
                printable_name(&check.input)
            )?,
            count => write!(
                f,
                "unique namespace `{}` is invalid: {count} planned names break Azure's naming \
                 rules:",
                printable_name(&check.input)
            )?,
        }
        for (fix, problems) in &fixes {
            let affected: Vec<String> = problems
                .iter()
                .filter(|problem| !problem.name.is_empty())
                .map(|problem| {
                    let name = printable_name(&problem.name);
                    match &problem.violation {
                        Some(Violation::TooLong { length, max }) => format!(
                            "{} `{name}` ({length} characters, at most {max})",
                            problem.resource
                        ),
                        Some(Violation::TooShort { length, min }) => format!(
                            "{} `{name}` ({length} characters, at least {min})",
                            problem.resource
                        ),
                        _ => format!("{} `{name}`", problem.resource),
                    }
                })
                .collect();
            if affected.is_empty() {
                write!(f, "\n  - {}", problems[0].message)?;
            } else {
                write!(
                    f,
                    "\n  - {}. Affected: {}.",
                    capitalized(fix),
                    affected.join(", ")
                )?;
            }
        }
        let too_long = check
            .problems
            .iter()
            .any(|problem| matches!(problem.violation, Some(Violation::TooLong { .. })));
        if too_long {
            write!(
                f,
                "\n  The longest namespace every name allows is {} characters, set by the {}.",
                check.max_length, check.max_length_set_by
            )?;
        }
        if let Some(hint) = &check.region_hint {
            write!(f, "\n  {hint}")?;
        }
        Ok(())
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl std::error::Error for NamespaceError {}

/// Checks `input` as a unique namespace for this environment and region.
///
/// ```
/// use course::{check_namespace, Environment, Region};
///
/// let check = check_namespace("DGRF", Environment::Dv, &Region::north_europe());
/// assert!(check.valid);
/// assert_eq!(check.namespace, "dgrf");
/// assert!(check.lowercased);
/// assert_eq!(check.max_length, 5);
/// ```
pub fn check_namespace(input: &str, environment: Environment, region: &Region) -> NamespaceCheck {
    let trimmed = input.trim();
    // Only ASCII letters are valid, so only they are lower-cased: a problem then names the
    // character as typed, not what full Unicode lower-casing makes of it (`İ` becomes `i` and a
    // combining dot).
    let namespace = trimmed.to_ascii_lowercase();
    let lowercased = namespace != trimmed;

    let mut notices = Vec::new();
    if trimmed != input {
        notices.push("Whitespace around the namespace was removed.".to_string());
    }
    if lowercased {
        notices.push(format!(
            "Azure names here are lower case, so `{}` is used as `{}` in every name.",
            printable_name(trimmed),
            printable_name(&namespace)
        ));
    }

    let placeholder = placeholder_steps(environment, region);
    let (max_length, max_length_set_by) = longest_namespace(&placeholder);
    let parts = NameParts {
        namespace: &namespace,
        environment: environment.code(),
        region: &region.code,
    };
    let slots = namespace_slots(&placeholder);

    let mut problems = Vec::new();
    if namespace.is_empty() {
        problems.push(NameProblem {
            resource: "unique namespace".to_string(),
            kind: ResourceKind::StorageAccount,
            name: String::new(),
            rule: "the unique namespace is part of every globally unique name".to_string(),
            fix: format!("type 1 to {max_length} lower-case letters or digits"),
            message: format!(
                "The unique namespace is empty: type 1 to {max_length} lower-case letters or \
                 digits, such as your initials."
            ),
            violation: None,
        });
    }

    let mut names = Vec::new();
    for (step, slot_step) in build_steps(parts, region).into_iter().zip(slots) {
        for (resource, slot) in step.resources.into_iter().zip(&slot_step) {
            let kind = resource.kind();
            if slot.contains_namespace && !namespace.is_empty() {
                let context = ProblemContext {
                    resource: &resource.title,
                    kind,
                    name: &resource.name,
                    fixed_part: &slot.fixed_part,
                    namespace: &namespace,
                    max_length,
                };
                let violations = kind.rule().violations(&resource.name);
                for violation in violations
                    .iter()
                    .filter(|violation| !repeats_forbidden_character(violation, &violations))
                {
                    problems.push(context.problem(violation));
                }
            }
            names.push(PlannedName {
                step: step.id,
                kind,
                kind_label: kind.label().to_string(),
                title: resource.title,
                name: resource.name,
                resource_group: resource.resource_group,
                team: resource.team,
                contains_namespace: slot.contains_namespace,
            });
        }
    }

    let too_long = problems
        .iter()
        .any(|problem| matches!(problem.violation, Some(Violation::TooLong { .. })));
    let region_hint = too_long.then(|| region_hint(region)).flatten();
    NamespaceCheck {
        input: input.to_string(),
        namespace,
        lowercased,
        notices,
        valid: problems.is_empty(),
        max_length,
        max_length_set_by,
        problems,
        region_hint,
        names,
    }
}

/// Says how many characters a shorter region code gives the namespace, when the region code is
/// longer than the course's three letters.
fn region_hint(region: &Region) -> Option<String> {
    let course_length = Region::north_europe().code.len();
    let extra = region.code.len().checked_sub(course_length)?;
    if extra == 0 {
        return None;
    }
    let example = match Region::known(&region.name) {
        Ok(known) if known.code.len() < region.code.len() => {
            format!("`{}`, the usual code of {}", known.code, known.name)
        }
        _ => "`eun` for northeurope".to_string(),
    };
    let plural = if extra == 1 { "" } else { "s" };
    Some(format!(
        "The region code `{}` is part of these names too: a code of {course_length} letters, \
         such as {example}, leaves {extra} more character{plural} for the namespace.",
        region.code
    ))
}

/// Decides whether a violation of the first or last character only repeats a character that
/// the name's list of forbidden characters already names, as the last character of `dgrß`
/// does. Removing or replacing that character fixes both, so one problem is enough.
fn repeats_forbidden_character(violation: &Violation, violations: &[Violation]) -> bool {
    let character = match violation {
        Violation::InvalidFirst { character, .. } | Violation::InvalidLast { character, .. } => {
            character
        }
        _ => return false,
    };
    violations.iter().any(|other| match other {
        Violation::ForbiddenCharacters { characters, .. } => characters.contains(character),
        _ => false,
    })
}

/// The position of the namespace in one planned name.
#[derive(Debug, Clone)]
struct Slot {
    contains_namespace: bool,
    /// The name without the namespace, such as `dvevents001saeun`.
    fixed_part: String,
}

/// Builds the plan around a placeholder namespace, so every name shows where the namespace sits.
fn placeholder_steps(environment: Environment, region: &Region) -> Vec<Step> {
    let parts = NameParts {
        namespace: PLACEHOLDER,
        environment: environment.code(),
        region: &region.code,
    };
    build_steps(parts, region)
}

/// Finds, for each planned resource, whether its name contains the namespace and what the rest
/// of the name is.
fn namespace_slots(placeholder: &[Step]) -> Vec<Vec<Slot>> {
    placeholder
        .iter()
        .map(|step| {
            step.resources
                .iter()
                .map(|resource| Slot {
                    contains_namespace: resource.name.contains(PLACEHOLDER),
                    fixed_part: resource.name.replace(PLACEHOLDER, ""),
                })
                .collect()
        })
        .collect()
}

/// Computes the longest namespace every planned name allows, and which name sets that limit.
pub fn max_namespace_length(environment: Environment, region: &Region) -> (usize, String) {
    longest_namespace(&placeholder_steps(environment, region))
}

fn longest_namespace(placeholder: &[Step]) -> (usize, String) {
    let mut best: Option<(usize, String)> = None;
    for resource in placeholder.iter().flat_map(|step| step.resources.iter()) {
        if !resource.name.contains(PLACEHOLDER) {
            continue;
        }
        let max = resource.kind().rule().max;
        let fixed = resource.name.chars().count() - 1;
        let room = max.saturating_sub(fixed);
        if best.as_ref().is_none_or(|(smallest, _)| room < *smallest) {
            let pattern = resource.name.replace(PLACEHOLDER, "{namespace}");
            let described = format!("{} `{pattern}` (at most {max} characters)", resource.title);
            best = Some((room, described));
        }
    }
    best.expect("the plan has names that contain the namespace")
}

/// The resource a violation was found on.
struct ProblemContext<'a> {
    resource: &'a str,
    kind: ResourceKind,
    name: &'a str,
    fixed_part: &'a str,
    /// The unique namespace, trimmed and lower case.
    namespace: &'a str,
    /// The maximum namespace length every planned name allows.
    max_length: usize,
}

impl ProblemContext<'_> {
    /// Says which forbidden characters to remove from the namespace, and which to replace with
    /// the ASCII letter or digit they look like, such as `a` for the Cyrillic `а` (U+0430).
    /// With a replacement it also shows the namespace as it would then read.
    fn forbidden_characters_fix(&self, characters: &[char]) -> String {
        let mut replacements = Vec::new();
        let mut removals = Vec::new();
        for &c in characters {
            match ascii_look_alike(c) {
                Some(ascii) => replacements.push(format!(
                    "{} with `{}`",
                    quote_character(c),
                    ascii.to_ascii_lowercase()
                )),
                None => removals.push(quote_character(c)),
            }
        }
        if replacements.is_empty() {
            return format!("remove {} from the unique namespace", removals.join(", "));
        }

        let suggested: String = self
            .namespace
            .chars()
            .filter_map(|c| match ascii_look_alike(c) {
                Some(ascii) => Some(ascii.to_ascii_lowercase()),
                None if characters.contains(&c) => None,
                None => Some(c),
            })
            .collect();
        let mut fix = format!("replace {}", replacements.join(", "));
        if !removals.is_empty() {
            fix.push_str(&format!(", and remove {},", removals.join(", ")));
        }
        fix.push_str(&format!(
            " in the unique namespace, as in `{}`",
            printable_name(&suggested)
        ));
        fix
    }

    /// Explains a violation of this resource's rule in terms of the namespace that caused it.
    fn problem(&self, violation: &Violation) -> NameProblem {
        let kind = self.kind.label();
        let fixed_length = self.fixed_part.chars().count();
        let rule = violation.to_string();
        let fix = match violation {
            Violation::TooLong { max, .. } => {
                let room = max.saturating_sub(fixed_length);
                if room > self.max_length {
                    // A fix that satisfies only this name would fail on a shorter one.
                    format!(
                        "use a unique namespace of at most {room} characters for this name, and \
                         at most {} for every planned name",
                        self.max_length
                    )
                } else {
                    format!("use a unique namespace of at most {room} characters")
                }
            }
            Violation::TooShort { min, .. } => {
                let needed = min.saturating_sub(fixed_length);
                format!("use a unique namespace of at least {needed} characters")
            }
            Violation::ForbiddenCharacters {
                characters,
                allowed,
            } => format!(
                "{}: {kind} names allow only {allowed}",
                self.forbidden_characters_fix(characters)
            ),
            Violation::InvalidFirst { required, .. } => {
                format!("start the unique namespace with {required}")
            }
            Violation::InvalidLast { required, .. } => {
                format!("end the unique namespace with {required}")
            }
            Violation::DoubleHyphen => {
                "remove hyphens next to each other or at the start of the unique namespace"
                    .to_string()
            }
            Violation::ReservedSuffix { suffix } => {
                format!("choose a unique namespace that does not make the name end with `{suffix}`")
            }
            Violation::NotDefault => "this name is fixed and cannot change".to_string(),
        };

        let detail = match violation {
            Violation::TooLong { length, max } => format!(
                "The {} name `{}` would be {length} characters, but a {kind} name is at most \
                 {max}: `{}` takes {fixed_length}, so at most {} characters of unique namespace \
                 fit.",
                self.resource,
                printable_name(self.name),
                self.fixed_part,
                max.saturating_sub(fixed_length)
            ),
            _ => format!(
                "The {} name `{}` is invalid because {rule}.",
                self.resource,
                printable_name(self.name)
            ),
        };

        NameProblem {
            resource: self.resource.to_string(),
            kind: self.kind,
            name: self.name.to_string(),
            rule,
            message: format!("{detail} Fix: {fix}."),
            fix,
            violation: Some(violation.clone()),
        }
    }
}
