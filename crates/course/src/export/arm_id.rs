//! Reading the parts of the ARM ids the plan assigns.

/// An ARM id below the subscription, split into its parts.
///
/// ```
/// use course::export::ArmId;
///
/// let id = ArmId::parse(
///     "/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/eventhubs/customer",
/// )
/// .unwrap();
/// assert_eq!(id.resource_group, "rg");
/// assert_eq!(id.resource_type(), "Microsoft.EventHub/namespaces/eventhubs");
/// assert_eq!(id.name(), "customer");
/// assert_eq!(id.name_of("namespaces"), Some("ns"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmId {
    /// The resource group.
    pub resource_group: String,
    /// The resource provider, such as `Microsoft.EventHub`; empty for a resource group.
    pub provider: String,
    /// Type segments and names from the top resource down, such as
    /// `[("namespaces", "ns"), ("eventhubs", "customer")]`.
    pub segments: Vec<(String, String)>,
}

impl ArmId {
    /// Splits an id of the form `/resourceGroups/{rg}[/providers/{provider}/{type}/{name}...]`.
    pub fn parse(id: &str) -> Option<ArmId> {
        let parts: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        let (head, rest) = parts.split_at_checked(2)?;
        if !head[0].eq_ignore_ascii_case("resourceGroups") || head[1].is_empty() {
            return None;
        }
        let resource_group = head[1].to_string();
        if rest.is_empty() {
            return Some(ArmId {
                resource_group,
                provider: String::new(),
                segments: Vec::new(),
            });
        }
        let (marker, pairs) = rest.split_at_checked(2)?;
        if !marker[0].eq_ignore_ascii_case("providers") || pairs.is_empty() || pairs.len() % 2 != 0
        {
            return None;
        }
        let segments = pairs
            .chunks(2)
            .map(|pair| (pair[0].to_string(), pair[1].to_string()))
            .collect();
        Some(ArmId {
            resource_group,
            provider: marker[1].to_string(),
            segments,
        })
    }

    /// The full resource type, such as `Microsoft.EventHub/namespaces/eventhubs`.
    pub fn resource_type(&self) -> String {
        if self.segments.is_empty() {
            return "Microsoft.Resources/resourceGroups".to_string();
        }
        let types: Vec<&str> = self
            .segments
            .iter()
            .map(|(kind, _)| kind.as_str())
            .collect();
        format!("{}/{}", self.provider, types.join("/"))
    }

    /// The resource's own name.
    pub fn name(&self) -> &str {
        self.segments
            .last()
            .map_or(&self.resource_group, |(_, name)| name)
    }

    /// The name at the segment of this type, such as the namespace of a hub.
    pub fn name_of(&self, segment: &str) -> Option<&str> {
        self.segments
            .iter()
            .find(|(kind, _)| kind.eq_ignore_ascii_case(segment))
            .map(|(_, name)| name.as_str())
    }

    /// The id of the parent resource, if this is a child.
    pub fn parent(&self) -> Option<String> {
        if self.segments.len() < 2 {
            return None;
        }
        let mut parent = self.clone();
        parent.segments.pop();
        Some(parent.to_string())
    }
}

impl std::fmt::Display for ArmId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/resourceGroups/{}", self.resource_group)?;
        if !self.segments.is_empty() {
            write!(f, "/providers/{}", self.provider)?;
            for (kind, name) in &self.segments {
                write!(f, "/{kind}/{name}")?;
            }
        }
        Ok(())
    }
}
