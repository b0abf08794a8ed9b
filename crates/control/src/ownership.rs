//! Recognising what the app created: the tags `managed-by=eda-workshop` and
//! `workshop-namespace={ns}`.

use course::{MANAGED_BY, MANAGED_BY_TAG, NAMESPACE_TAG};
use serde_json::Value;

/// The owner of a tagged resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Created by the app for this namespace.
    Ours,
    /// Not created by the app (no `managed-by=eda-workshop` tag).
    Unmanaged,
    /// Created by the app for another namespace.
    Foreign(String),
}

/// Reads ownership from a resource's `tags`.
pub(crate) fn owner(body: &Value, namespace: &str) -> Owner {
    let tags = &body["tags"];
    if tags[MANAGED_BY_TAG].as_str() != Some(MANAGED_BY) {
        return Owner::Unmanaged;
    }
    match tags[NAMESPACE_TAG].as_str() {
        Some(found) if found == namespace => Owner::Ours,
        Some(found) => Owner::Foreign(found.to_string()),
        None => Owner::Foreign(String::new()),
    }
}

/// Explains in plain words why the app leaves a resource alone.
pub(crate) fn refusal(title: &str, name: &str, owner: &Owner) -> String {
    match owner {
        Owner::Ours => String::new(),
        Owner::Unmanaged => format!(
            "{title} `{name}` exists but was not created by EDA Workshop (no tag \
             `{MANAGED_BY_TAG}={MANAGED_BY}`): it is left alone"
        ),
        Owner::Foreign(other) if other.is_empty() => format!(
            "{title} `{name}` has no `{NAMESPACE_TAG}` tag, so it may belong to another \
             attendee: it is left alone"
        ),
        Owner::Foreign(other) => format!(
            "{title} `{name}` belongs to namespace `{other}` (tag `{NAMESPACE_TAG}`): it is left \
             alone"
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn owner_reads_both_tags() {
        let ours = json!({"tags": {"managed-by": "eda-workshop", "workshop-namespace": "dgrf"}});
        let other = json!({"tags": {"managed-by": "eda-workshop", "workshop-namespace": "abcd"}});
        let bare = json!({"tags": {"team": "platform"}});
        assert_eq!(owner(&ours, "dgrf"), Owner::Ours);
        assert_eq!(owner(&other, "dgrf"), Owner::Foreign("abcd".into()));
        assert_eq!(owner(&bare, "dgrf"), Owner::Unmanaged);
        assert_eq!(owner(&json!({}), "dgrf"), Owner::Unmanaged);
    }
}
