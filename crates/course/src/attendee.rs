//! The attendee taking the workshop: the unique namespace, the environment and the region that every
//! resource name is built from.

use serde::{Deserialize, Serialize};

use crate::environment::{Environment, Region};
use crate::namespace::{check_namespace, NamespaceError};

/// The environment variable the original course read the unique namespace from. The app still
/// honours it as the default value of the namespace field.
pub const NAMESPACE_VARIABLE: &str = "AZURE_UNIQUE_NAMESPACE";

/// An attendee whose unique namespace has been checked against every name of the plan.
///
/// The only way to build one is [`Attendee::new`], so holding an `Attendee` means every planned
/// name is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    namespace: String,
    environment: Environment,
    region: Region,
}

impl Attendee {
    /// Checks `namespace` (lower-casing it) against every name the plan derives from it.
    pub fn new(
        namespace: &str,
        environment: Environment,
        region: Region,
    ) -> Result<Attendee, NamespaceError> {
        let check = check_namespace(namespace, environment, &region);
        if check.valid {
            Ok(Attendee {
                namespace: check.namespace,
                environment,
                region,
            })
        } else {
            Err(NamespaceError {
                check: Box::new(check),
            })
        }
    }

    /// The unique namespace, lower case.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The environment.
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }
}
