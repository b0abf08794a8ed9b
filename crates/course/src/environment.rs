//! The environment and the region, the fixed parts of every resource name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The deployment environment, the first part of every name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Development, the course's default.
    #[default]
    Dv,
    /// Quality assurance.
    Qa,
    /// Live.
    Lv,
}

impl Environment {
    /// Every environment, in the order a chooser lists them.
    pub const ALL: [Environment; 3] = [Environment::Dv, Environment::Qa, Environment::Lv];

    /// The two-letter code used in names.
    pub fn code(self) -> &'static str {
        match self {
            Environment::Dv => "dv",
            Environment::Qa => "qa",
            Environment::Lv => "lv",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An environment code that is not `dv`, `qa` or `lv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnvironment(pub String);

impl fmt::Display for UnknownEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "environment `{}` is not known: use dv, qa or lv", self.0)
    }
}

impl std::error::Error for UnknownEnvironment {}

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "dv" => Ok(Environment::Dv),
            "qa" => Ok(Environment::Qa),
            "lv" => Ok(Environment::Lv),
            _ => Err(UnknownEnvironment(value.to_string())),
        }
    }
}

/// An Azure region and the short code that names carry for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    /// The region's ARM name, such as `northeurope`.
    pub name: String,
    /// The short code used in names, such as `eun`.
    pub code: String,
}

/// Short codes for regions often used in Europe and the United States. Any other region works
/// too when its code is given.
const KNOWN_REGIONS: [(&str, &str); 12] = [
    ("northeurope", "eun"),
    ("westeurope", "euw"),
    ("swedencentral", "sec"),
    ("uksouth", "uks"),
    ("ukwest", "ukw"),
    ("francecentral", "frc"),
    ("germanywestcentral", "gwc"),
    ("norwayeast", "noe"),
    ("eastus", "use"),
    ("eastus2", "use2"),
    ("westus2", "usw2"),
    ("centralus", "usc"),
];

/// A region name or code that cannot be used in names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionError {
    /// The region name is not an ARM region name.
    InvalidName(String),
    /// The region's short code is not 2 to 5 lower-case letters or digits.
    InvalidCode(String),
    /// The region has no known short code and none was given.
    UnknownCode(String),
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::InvalidName(name) => write!(
                f,
                "region `{name}` is invalid: use the region's ARM name in lower-case letters and \
                 digits, such as `northeurope`"
            ),
            RegionError::InvalidCode(code) => write!(
                f,
                "region code `{code}` is invalid: use 2 to 5 lower-case letters or digits, such \
                 as `eun`"
            ),
            RegionError::UnknownCode(name) => write!(
                f,
                "region `{name}` has no known short code: give one with --region-code, such as \
                 `eun` for northeurope"
            ),
        }
    }
}

impl std::error::Error for RegionError {}

impl Region {
    /// The course's region: `northeurope`, code `eun`.
    pub fn north_europe() -> Region {
        Region {
            name: "northeurope".to_string(),
            code: "eun".to_string(),
        }
    }

    /// A region with an explicit short code. The name may be the ARM name or the portal's
    /// display name, such as `North Europe`.
    pub fn new(name: &str, code: &str) -> Result<Region, RegionError> {
        let name = arm_name(name);
        let code = code.trim().to_ascii_lowercase();
        let is_plain = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        };
        if name.is_empty() || !is_plain(&name) {
            return Err(RegionError::InvalidName(name));
        }
        if !(2..=5).contains(&code.len()) || !is_plain(&code) {
            return Err(RegionError::InvalidCode(code));
        }
        Ok(Region { name, code })
    }

    /// A region by its ARM name or display name, with its code from the table of known regions.
    pub fn known(name: &str) -> Result<Region, RegionError> {
        let wanted = arm_name(name);
        match KNOWN_REGIONS.iter().find(|(known, _)| *known == wanted) {
            Some((known, code)) => Region::new(known, code),
            None => Err(RegionError::UnknownCode(wanted)),
        }
    }

    /// The regions with a known short code, as (name, code) pairs.
    pub fn known_regions() -> impl Iterator<Item = Region> {
        KNOWN_REGIONS.iter().map(|(name, code)| Region {
            name: name.to_string(),
            code: code.to_string(),
        })
    }
}

/// Converts a region's display name, such as `North Europe` or `East US 2`, to its ARM name
/// (`northeurope`, `eastus2`): Azure's display names are the ARM names with spaces and capitals.
fn arm_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<String>()
        .to_ascii_lowercase()
}

impl Default for Region {
    fn default() -> Self {
        Region::north_europe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_parses_codes_in_any_case() {
        assert_eq!("QA".parse::<Environment>(), Ok(Environment::Qa));
        assert_eq!(
            "prod".parse::<Environment>().unwrap_err().to_string(),
            "environment `prod` is not known: use dv, qa or lv"
        );
    }

    #[test]
    fn known_region_has_its_code() {
        assert_eq!(Region::known("NorthEurope"), Ok(Region::north_europe()));
        assert_eq!(Region::known(" North Europe "), Ok(Region::north_europe()));
        assert_eq!(Region::known("East US 2").unwrap().code, "use2");
        assert_eq!(
            Region::new("Sweden Central", "sec").unwrap().name,
            "swedencentral"
        );
        assert_eq!(
            Region::known("atlantis"),
            Err(RegionError::UnknownCode("atlantis".to_string()))
        );
    }

    #[test]
    fn region_code_must_be_short_and_plain() {
        assert_eq!(
            Region::new("northeurope", "e-un"),
            Err(RegionError::InvalidCode("e-un".to_string()))
        );
        assert_eq!(
            Region::new("northeurope", "europe"),
            Err(RegionError::InvalidCode("europe".to_string()))
        );
    }
}
