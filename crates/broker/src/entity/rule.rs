//! Shared access authorization rules: a name, rights, and a primary and a secondary key.

use std::fmt;

use base64::Engine as _;

use crate::secret::Secret;

/// A right that an authorization rule grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Right {
    /// Send events to a hub or partition.
    Send,
    /// Receive events from a consumer group.
    Listen,
    /// Manage entities; Azure requires Send and Listen alongside it.
    Manage,
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Right::Send => "Send",
            Right::Listen => "Listen",
            Right::Manage => "Manage",
        })
    }
}

/// The set of rights of one authorization rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rights {
    send: bool,
    listen: bool,
    manage: bool,
}

impl Rights {
    /// Builds a set of rights. Manage implies Send and Listen, as Azure requires of a Manage rule.
    pub fn from_slice(rights: &[Right]) -> Self {
        let mut set = Self::default();
        for right in rights {
            match right {
                Right::Send => set.send = true,
                Right::Listen => set.listen = true,
                Right::Manage => {
                    set.send = true;
                    set.listen = true;
                    set.manage = true;
                }
            }
        }
        set
    }

    /// Returns whether the set grants `right`.
    pub fn contains(&self, right: Right) -> bool {
        match right {
            Right::Send => self.send,
            Right::Listen => self.listen,
            Right::Manage => self.manage,
        }
    }

    /// Returns whether the set grants nothing.
    pub fn is_empty(&self) -> bool {
        !(self.send || self.listen || self.manage)
    }

    /// Lists the granted rights in the order Azure shows them (Manage, Send, Listen).
    pub fn to_vec(&self) -> Vec<Right> {
        [Right::Manage, Right::Send, Right::Listen]
            .into_iter()
            .filter(|right| self.contains(*right))
            .collect()
    }
}

/// The scope of an authorization rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleScope {
    /// Every hub of the namespace.
    Namespace,
    /// One hub, named here.
    Hub(String),
}

/// One of a rule's two keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// The primary key.
    Primary,
    /// The secondary key.
    Secondary,
}

/// A shared access authorization rule with its keys.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRule {
    /// The rule name, the `skn` of the tokens it signs.
    pub name: String,
    /// The scope the rule covers.
    pub scope: RuleScope,
    /// The granted rights.
    pub rights: Rights,
    /// The primary key, in Azure's form: 32 random bytes in base64.
    pub primary_key: Secret<String>,
    /// The secondary key, in the same form.
    pub secondary_key: Secret<String>,
}

impl AuthorizationRule {
    /// Creates a rule with two freshly generated keys.
    pub fn generate(name: &str, scope: RuleScope, rights: Rights) -> Self {
        Self {
            name: name.to_owned(),
            scope,
            rights,
            primary_key: generate_key(),
            secondary_key: generate_key(),
        }
    }

    /// Replaces one key with a freshly generated one, as Azure's regenerate-keys operation does.
    pub fn regenerate(&mut self, kind: KeyKind) {
        match kind {
            KeyKind::Primary => self.primary_key = generate_key(),
            KeyKind::Secondary => self.secondary_key = generate_key(),
        }
    }
}

/// Generates a key in Azure's form: 32 random bytes from the operating system, base64 encoded.
pub fn generate_key() -> Secret<String> {
    use ring::rand::SecureRandom as _;

    let mut bytes = [0u8; 32];
    // Without the operating system's random source no key can be generated safely, so this
    // panics rather than return a weak key.
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system random source is unavailable");
    Secret::new(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_implies_send_and_listen() {
        let rights = Rights::from_slice(&[Right::Manage]);
        assert!(rights.contains(Right::Send));
        assert!(rights.contains(Right::Listen));
        assert!(rights.contains(Right::Manage));
        assert_eq!(
            rights.to_vec(),
            vec![Right::Manage, Right::Send, Right::Listen]
        );
    }

    #[test]
    fn listen_only_lacks_send() {
        let rights = Rights::from_slice(&[Right::Listen]);
        assert!(!rights.contains(Right::Send));
        assert!(rights.contains(Right::Listen));
        assert!(Rights::from_slice(&[]).is_empty());
    }

    #[test]
    fn generated_key_is_32_bytes_base64() {
        let key = generate_key();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(key.expose())
            .unwrap();
        assert_eq!(decoded.len(), 32);
        assert_eq!(key.expose().len(), 44);
        assert_ne!(generate_key(), key);
    }

    #[test]
    fn regenerate_changes_one_key() {
        let mut rule = AuthorizationRule::generate("send", RuleScope::Namespace, Rights::default());
        let (primary, secondary) = (rule.primary_key.clone(), rule.secondary_key.clone());
        rule.regenerate(KeyKind::Secondary);
        assert_eq!(rule.primary_key, primary);
        assert_ne!(rule.secondary_key, secondary);
    }
}
