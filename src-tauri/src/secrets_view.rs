//! The connection strings of the Publishers step as the window shows them: masked in every
//! list, and whole only when the attendee presses Show for one of them.
//!
//! On Local the secrets are the keychain entries of the local Resource Manager's key vaults.
//! On Azure they are read from the teams' key vaults with the attendee's sign-in. A masked value
//! keeps the endpoint, the rule and the hub, which name where it leads, and hides the key.

use control::secrets::{KeyVaultStore, SecretStore};
use control::Secret;
use course::{Attendee, Resource, ResourceKind};
use serde::Serialize;

use crate::azure::AzureTarget;
use crate::choice::AzureChoice;
use crate::error::CommandError;
use crate::provision::LocalTarget;

/// The text the window shows in place of a key.
const HIDDEN: &str = "••••••••";

/// One key vault secret of the plan, with its value masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SecretView {
    /// The secret's name, such as `eh-customer-send`.
    pub(crate) name: String,
    /// Its role, such as "`send` connection string of hub `customer`".
    pub(crate) title: String,
    /// The key vault that keeps it.
    pub(crate) vault: String,
    /// The value with its key hidden, or `None` when the secret does not exist yet.
    pub(crate) masked: Option<String>,
}

/// The store the secrets are read from.
#[derive(Debug)]
pub(crate) enum SecretSource<'a> {
    /// The local Resource Manager's key vaults, kept in the OS keychain.
    Local(&'a LocalTarget),
    /// The teams' key vaults in the chosen Azure subscription.
    Azure(&'a AzureTarget, AzureChoice),
}

impl SecretSource<'_> {
    /// Lists every key vault secret of the attendee's plan, masked.
    pub(crate) async fn list(&self, attendee: &Attendee) -> Result<Vec<SecretView>, CommandError> {
        let plan = course::plan(attendee);
        let mut views = Vec::new();
        for resource in plan
            .resources()
            .filter(|resource| resource.kind() == ResourceKind::KeyVaultSecret)
        {
            let vault = vault_of(&plan, resource)?;
            let value = self.read(resource, &vault).await?;
            views.push(SecretView {
                name: resource.name.clone(),
                title: resource.title.clone(),
                vault,
                masked: value.map(|value| mask(value.expose())),
            });
        }
        Ok(views)
    }

    /// Returns the whole value of the secret `name` of the attendee's plan.
    pub(crate) async fn reveal(
        &self,
        attendee: &Attendee,
        name: &str,
    ) -> Result<Secret, CommandError> {
        let plan = course::plan(attendee);
        let resource = plan
            .resources()
            .find(|resource| {
                resource.kind() == ResourceKind::KeyVaultSecret && resource.name == name
            })
            .ok_or_else(|| CommandError::UnknownSecret {
                name: name.to_string(),
                known: plan
                    .resources()
                    .filter(|resource| resource.kind() == ResourceKind::KeyVaultSecret)
                    .map(|resource| resource.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let vault = vault_of(&plan, resource)?;
        let value = self.read(resource, &vault).await?;
        tracing::info!(secret = name, vault = %vault, "showed a secret at the attendee's request");
        value.ok_or(CommandError::SecretMissing {
            name: name.to_string(),
            vault,
        })
    }

    async fn read(&self, resource: &Resource, vault: &str) -> Result<Option<Secret>, CommandError> {
        let failed =
            |error: control::secrets::SecretError| CommandError::Keychain(error.to_string());
        match self {
            SecretSource::Local(local) => {
                let service = local.service();
                if !service.data_dir().exists() {
                    return Ok(None);
                }
                let entry = service
                    .stack()
                    .await?
                    .resource_manager()
                    .secret_entry(&resource.id);
                service.keychain()?.read(&entry).map_err(failed)
            }
            SecretSource::Azure(azure, choice) => {
                let credential = azure.credential(choice).await?;
                KeyVaultStore::new(vault, credential)
                    .get(&resource.name)
                    .await
                    .map_err(|error| CommandError::Azure(error.to_string()))
            }
        }
    }
}

/// Returns the name of the key vault that keeps `secret`.
fn vault_of(plan: &course::Plan, secret: &Resource) -> Result<String, CommandError> {
    secret
        .parent
        .as_deref()
        .and_then(|parent| plan.resource(parent))
        .map(|vault| vault.name.clone())
        .ok_or_else(|| CommandError::UnknownSecret {
            name: secret.name.clone(),
            known: "none in a key vault of the plan".to_string(),
        })
}

/// Hides the key of a connection string and keeps its other fields. A value that is not a
/// connection string is hidden whole.
fn mask(value: &str) -> String {
    let fields: Vec<&str> = value.split(';').filter(|field| !field.is_empty()).collect();
    let is_connection_string = fields.iter().any(|field| field.starts_with("Endpoint="))
        && fields.iter().all(|field| field.contains('='));
    if !is_connection_string {
        return HIDDEN.to_string();
    }
    fields
        .iter()
        .map(|field| match field.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("SharedAccessKey") => {
                format!("{key}={HIDDEN}")
            }
            Some((key, _)) if key.eq_ignore_ascii_case("SharedAccessSignature") => {
                format!("{key}={HIDDEN}")
            }
            _ => field.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use course::{Environment, Region, StepId};

    const KEY: &str = "J3k8c2VjcmV0LWtleS1vZi10aGUtcnVsZS0xMjM0NTY=";

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    #[test]
    fn mask_hides_key_and_keeps_where_it_leads() {
        let value = format!(
            "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=send;SharedAccessKey={KEY};\
             EntityPath=customer;UseDevelopmentEmulator=true"
        );
        let masked = mask(&value);
        assert!(!masked.contains(KEY), "{masked}");
        assert_eq!(
            masked,
            "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=send;SharedAccessKey=••••••••;\
             EntityPath=customer;UseDevelopmentEmulator=true"
        );
    }

    #[test]
    fn mask_hides_other_values_whole() {
        assert_eq!(mask(KEY), HIDDEN);
        assert_eq!(mask("Endpoint=sb://x/;no equals sign here"), HIDDEN);
    }

    #[test]
    fn list_masks_applied_secrets_and_reveal_gives_one() {
        let folder = tempfile::tempdir().unwrap();
        let local = LocalTarget::with_memory_keychain(folder.path());
        let source = SecretSource::Local(&local);
        tauri::async_runtime::block_on(async {
            let before = source.list(&dgrf()).await.unwrap();
            assert_eq!(before.len(), 12);
            assert!(before.iter().all(|view| view.masked.is_none()));

            for step in [
                StepId::ResourceGroups,
                StepId::SharedPlatform,
                StepId::Publishers,
            ] {
                let applied = local.apply(&dgrf(), step, |_| {}).await.unwrap();
                assert_eq!(applied.failure, None, "{step}");
            }
            let listed = source.list(&dgrf()).await.unwrap();
            let send = listed
                .iter()
                .find(|view| view.name == "eh-customer-send")
                .unwrap();
            assert_eq!(send.vault, "dv-customer-kv-eun-dgrf");
            let masked = send.masked.as_deref().unwrap();
            assert!(masked.contains("SharedAccessKey=••••••••"), "{masked}");
            assert!(masked.contains("EntityPath=customer"), "{masked}");

            let revealed = source.reveal(&dgrf(), "eh-customer-send").await.unwrap();
            let key = revealed
                .expose()
                .split(';')
                .find_map(|field| field.strip_prefix("SharedAccessKey="))
                .unwrap()
                .to_string();
            assert_eq!(key.len(), 44, "a base64 key of 32 bytes");
            assert!(!listed.iter().any(|view| view
                .masked
                .as_deref()
                .is_some_and(|masked| masked.contains(&key))));

            let unknown = source.reveal(&dgrf(), "eh-nothing-send").await.unwrap_err();
            assert!(
                unknown.to_string().contains("eh-customer-send"),
                "{unknown}"
            );
            local.stop().await;
        });
    }
}
