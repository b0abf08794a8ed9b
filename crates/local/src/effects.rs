//! The local Resource Manager's effects made live: each namespace gets its own broker on
//! 127.0.0.1, hubs, consumer groups and rules change in it at once, and schema groups go to
//! the registry's store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use broker::capture::DemoInterval;
use broker::entity::{EntityError, HubSettings, Namespace, Right, RuleScope};
use broker::secret::Secret as BrokerSecret;
use control::local::{EffectError, LocalEffects, CONTROL_FOLDER, STORAGE_FOLDER};
use control::Secret;

use crate::blocking::wait_for;
use crate::capture::hub_capture;
use crate::hub_created;
use crate::lock::{DataDirLock, LockError};
use crate::namespace_broker::{recorded_port, NamespaceBroker};
use crate::BROKER_FOLDER;

/// Hours per day: ARM gives retention in hours, the broker keeps it in whole days.
const HOURS_PER_DAY: u32 = 24;
/// Retention on the Standard tier, in days.
const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=7;

/// Live brokers and the registry behind the local Resource Manager.
///
/// Each method blocks until the broker has changed, so it must run where blocking is allowed:
/// the local Resource Manager calls it on a blocking thread of its tokio runtime.
#[derive(Debug)]
pub struct LiveEffects {
    data_dir: PathBuf,
    registry: Arc<registry::Store>,
    brokers: Mutex<BTreeMap<String, NamespaceBroker>>,
    tls: Option<broker::server::TlsIdentity>,
    /// The data directory's lock when [`LiveEffects::open`] took it; a [`crate::LocalStack`]
    /// holds its own.
    lock: Option<DataDirLock>,
}

/// A failure to open the live effects of a data directory.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Another process serves the data directory, or its lock file cannot be locked.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The registry's database cannot be opened.
    #[error("cannot open the local registry's database {}: {source}", path.display())]
    Registry {
        /// The database file.
        path: PathBuf,
        /// The store's error.
        source: registry::StoreError,
    },
}

impl LiveEffects {
    /// Serves namespaces from `{data_dir}/broker/{namespace}` and keeps schema groups in
    /// `registry`, the store of the running registry.
    pub fn new(data_dir: &Path, registry: Arc<registry::Store>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            registry,
            brokers: Mutex::default(),
            tls: None,
            lock: None,
        }
    }

    /// Gives every broker started from now on a TLS listener that presents `identity`.
    pub fn with_tls(mut self, identity: broker::server::TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Opens the registry's store in the data directory, the database that a
    /// [`crate::LocalStack`] over the same directory serves, and serves namespaces as
    /// [`LiveEffects::new`] does. Takes the data directory's [`DataDirLock`] first and keeps it
    /// as long as the effects live, so it fails at once while another process serves it.
    pub fn open(data_dir: &Path) -> Result<Self, OpenError> {
        let lock = DataDirLock::acquire(data_dir)?;
        let path = data_dir.join(registry::service::DATABASE_FILE);
        let store = registry::Store::open(&path, registry::Limits::STANDARD)
            .map_err(|source| OpenError::Registry { path, source })?;
        let mut effects = Self::new(data_dir, Arc::new(store));
        effects.lock = Some(lock);
        Ok(effects)
    }

    /// Returns a snapshot of each running namespace, with its endpoint such as
    /// `sb://127.0.0.1:5672`, sorted by name.
    pub fn namespaces(&self) -> Vec<(Namespace, String)> {
        self.lock()
            .values()
            .map(|running| {
                let port = running.handle().endpoint().port();
                (running.handle().namespace(), sb_endpoint(port))
            })
            .collect()
    }

    /// Returns a running namespace's TLS endpoint, such as `sb://localhost:5671`, or `None` when
    /// it is not running or serves plain AMQP only. It names `localhost`, a name in the
    /// certificate, because Node's SDK sends the host as the TLS server name, where an IP
    /// address is not allowed.
    pub fn tls_endpoint(&self, namespace: &str) -> Option<String> {
        let address = self.lock().get(&key(namespace))?.handle().tls_endpoint()?;
        Some(format!("sb://localhost:{}", address.port()))
    }

    /// Returns when a hub's next capture window closes, in milliseconds since the Unix epoch;
    /// `None` when the namespace or the hub is not captured.
    pub fn next_capture_close_ms(&self, namespace: &str, hub: &str) -> Option<i64> {
        self.lock()
            .get(&key(namespace))?
            .handle()
            .next_capture_close_ms(hub)
    }

    /// Replaces the time window of every capture of a running namespace with a demo window
    /// (`None` for the windows the hubs' `captureDescription` sets), restarting each capture
    /// with the new window while the broker serves on. The broker keeps the demo window for
    /// later capture changes until it is set again or the namespace's broker is created anew.
    /// The Resource Manager's hubs keep their own windows, so a verify of the namespace reports
    /// nothing for it. Returns whether the window changed. Blocks as the other effects do.
    pub fn set_demo_capture_window(
        &self,
        namespace: &str,
        demo: Option<DemoInterval>,
    ) -> Result<bool, EffectError> {
        let action = match demo {
            Some(interval) => format!(
                "set a demo capture window of {} s on namespace `{namespace}`",
                interval.seconds()
            ),
            None => format!("restore the hubs' capture windows on namespace `{namespace}`"),
        };
        let mut brokers = self.lock();
        let running = brokers
            .get_mut(&key(namespace))
            .ok_or_else(|| not_running(namespace, &action))?;
        if running.demo_interval() == demo {
            return Ok(false);
        }
        let before_seconds = running.demo_interval().map(|interval| interval.seconds());
        wait_for(running.set_demo_interval(demo));
        tracing::info!(
            namespace,
            before_demo_window_seconds = before_seconds,
            demo_window_seconds = demo.map(|interval| interval.seconds()),
            "restarted the captures with a new demo capture window"
        );
        Ok(true)
    }

    /// Returns the demo capture window of a running namespace, `None` when its captures use
    /// the hubs' own windows or the namespace is not running.
    pub fn demo_capture_window(&self, namespace: &str) -> Option<DemoInterval> {
        self.lock().get(&key(namespace))?.demo_interval()
    }

    /// Stops every broker.
    pub async fn shutdown(&self) {
        let running = std::mem::take(&mut *self.lock());
        for (_, broker) in running {
            broker.shutdown().await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, NamespaceBroker>> {
        self.brokers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn folder(&self, namespace: &str) -> PathBuf {
        self.data_dir.join(BROKER_FOLDER).join(key(namespace))
    }

    /// Runs a change on a running namespace; fails when its broker is not running.
    fn change<R>(
        &self,
        namespace: &str,
        action: &str,
        change: impl FnOnce(&mut Namespace) -> Result<R, EntityError>,
    ) -> Result<R, EffectError> {
        let brokers = self.lock();
        let running = brokers
            .get(&key(namespace))
            .ok_or_else(|| not_running(namespace, action))?;
        running
            .handle()
            .update_namespace(change)
            .map_err(|error| broker_failure(action, error))
    }

    /// Replaces one hub's capture (or removes it when `capture` is `None`) while the
    /// namespace's broker serves on. An unchanged capture keeps running.
    fn replace_capture(
        &self,
        namespace: &str,
        hub: &str,
        capture: Option<broker::server::HubCapture>,
        action: &str,
    ) -> Result<(), EffectError> {
        let mut brokers = self.lock();
        let running = brokers
            .get_mut(&key(namespace))
            .ok_or_else(|| not_running(namespace, action))?;
        let had_capture = running
            .captures()
            .iter()
            .any(|existing| existing.hub.eq_ignore_ascii_case(hub));
        let unchanged = match &capture {
            None => !had_capture,
            Some(wanted) => running
                .captures()
                .iter()
                .any(|existing| same_capture(existing, wanted)),
        };
        if !unchanged {
            wait_for(running.set_capture(hub, capture));
        }
        Ok(())
    }
}

impl LocalEffects for LiveEffects {
    fn create_namespace(&self, namespace: &str) -> Result<(), EffectError> {
        let action = format!("create namespace `{namespace}`");
        let mut brokers = self.lock();
        if brokers.contains_key(&key(namespace)) {
            return Ok(());
        }
        let entity = Namespace::new(namespace).map_err(|error| broker_failure(&action, error))?;
        let folder = self.folder(namespace);
        let running = wait_for(NamespaceBroker::start(
            entity,
            folder,
            Vec::new(),
            None,
            self.tls.clone(),
        ))
        .map_err(|error| broker_failure(&action, error))?;
        tracing::info!(
            namespace,
            endpoint = %running.handle().endpoint(),
            "namespace is live"
        );
        brokers.insert(key(namespace), running);
        Ok(())
    }

    fn delete_namespace(&self, namespace: &str) -> Result<(), EffectError> {
        let action = format!("delete namespace `{namespace}`");
        let removed = self.lock().remove(&key(namespace));
        let folder = match removed {
            Some(running) => {
                let folder = running.folder().to_path_buf();
                wait_for(running.shutdown());
                folder
            }
            None => self.folder(namespace),
        };
        match std::fs::remove_dir_all(&folder) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(broker_failure(
                &action,
                format!("cannot remove {}: {error}", folder.display()),
            )),
        }
    }

    fn create_hub(
        &self,
        namespace: &str,
        hub: &str,
        partitions: u32,
        retention_hours: u32,
    ) -> Result<(), EffectError> {
        let action = format!("create hub `{hub}` in namespace `{namespace}`");
        let settings = HubSettings {
            partition_count: partitions,
            retention_days: retention_days(retention_hours),
        };
        let created_at_ms = hub_created::creation_time(&self.folder(namespace), hub, now_ms());
        self.change(namespace, &action, |entity| {
            put_hub(entity, hub, settings, created_at_ms)
        })
    }

    fn delete_hub(&self, namespace: &str, hub: &str) -> Result<(), EffectError> {
        let action = format!("delete hub `{hub}` from namespace `{namespace}`");
        let container = {
            let brokers = self.lock();
            let Some(running) = brokers.get(&key(namespace)) else {
                return Ok(());
            };
            running
                .captures()
                .iter()
                .find(|capture| capture.hub.eq_ignore_ascii_case(hub))
                .map(|capture| capture.container.clone())
        };
        // The capture stops first, so that it never reads a hub that is gone.
        self.replace_capture(namespace, hub, None, &action)?;
        {
            let brokers = self.lock();
            let running = brokers
                .get(&key(namespace))
                .ok_or_else(|| not_running(namespace, &action))?;
            running
                .handle()
                .update_namespace(|entity| ignore_missing(entity.delete_hub(hub)))
                .map_err(|error| broker_failure(&action, error))?;
            wait_for(running.handle().event_log().delete_hub(hub))
                .map_err(|error| broker_failure(&action, error))?;
        }
        hub_created::forget(&self.folder(namespace), hub);
        // The capture positions count the deleted hub's events, and a new hub of the same name
        // starts at sequence number 0, so they go with the hub. Written files stay.
        if let Some(container) = container {
            broker::server::forget_capture_state(&container, namespace, hub).map_err(|error| {
                let reason = format!(
                    "removing its capture positions from `{}` failed: {error}",
                    container.display()
                );
                broker_failure(&action, reason)
            })?;
        }
        Ok(())
    }

    fn create_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError> {
        let action = format!("create consumer group `{group}` on hub `{hub}`");
        self.change(namespace, &action, |entity| {
            let target = entity.hub_mut(hub)?;
            if target.consumer_group(group).is_some() {
                return Ok(());
            }
            target.create_consumer_group(group)
        })
    }

    fn delete_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError> {
        let action = format!("delete consumer group `{group}` from hub `{hub}`");
        if !self.lock().contains_key(&key(namespace)) {
            return Ok(());
        }
        self.change(namespace, &action, |entity| {
            let target = match entity.hub_mut(hub) {
                Ok(target) => target,
                Err(EntityError::NotFound { .. }) => return Ok(()),
                Err(error) => return Err(error),
            };
            match target.delete_consumer_group(group) {
                // ARM deletes a hub's `$Default` row before the hub; the broker keeps it
                // until the hub goes.
                Err(EntityError::DefaultConsumerGroup) => Ok(()),
                result => ignore_missing(result),
            }
        })
    }

    fn create_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
        rights: &[String],
        primary: &Secret,
        secondary: &Secret,
    ) -> Result<(), EffectError> {
        let action = format!("create authorization rule `{rule}`");
        let rights = parse_rights(rights).map_err(|reason| broker_failure(&action, reason))?;
        let scope = scope_of(hub);
        let primary = BrokerSecret::new(primary.expose().to_owned());
        let secondary = BrokerSecret::new(secondary.expose().to_owned());
        self.change(namespace, &action, |entity| {
            entity
                .put_rule(scope, rule, &rights, primary, secondary)
                .map(|_| ())
        })
    }

    fn delete_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
    ) -> Result<(), EffectError> {
        let action = format!("delete authorization rule `{rule}`");
        if !self.lock().contains_key(&key(namespace)) {
            return Ok(());
        }
        self.change(namespace, &action, |entity| {
            ignore_missing(entity.delete_rule(&scope_of(hub), rule))
        })
    }

    fn create_schema_group(
        &self,
        _namespace: &str,
        group: &str,
        compatibility: &str,
    ) -> Result<(), EffectError> {
        let action = format!("create schema group `{group}`");
        let mode = compatibility
            .parse::<registry::CompatibilityMode>()
            .map_err(|error| registry_failure(&action, error))?;
        self.registry
            .put_group(group, mode)
            .map(|_| ())
            .map_err(|error| registry_failure(&action, error))
    }

    fn delete_schema_group(&self, _namespace: &str, group: &str) -> Result<(), EffectError> {
        match self.registry.delete_group(group) {
            Ok(()) | Err(registry::StoreError::GroupNotFound(_)) => Ok(()),
            Err(error) => Err(registry_failure(
                &format!("delete schema group `{group}`"),
                error,
            )),
        }
    }

    fn endpoint(&self, namespace: &str) -> String {
        let running = self
            .lock()
            .get(&key(namespace))
            .map(|running| running.handle().endpoint().port());
        match running.or_else(|| recorded_port(&self.folder(namespace))) {
            Some(port) => sb_endpoint(port),
            None => "sb://127.0.0.1".to_owned(),
        }
    }

    fn set_capture(
        &self,
        namespace: &str,
        hub: &str,
        capture: &serde_json::Value,
    ) -> Result<(), EffectError> {
        let action = format!("set the capture of hub `{hub}`");
        let storage_root = self.data_dir.join(CONTROL_FOLDER).join(STORAGE_FOLDER);
        let capture = hub_capture(&storage_root, hub, capture)
            .map_err(|reason| broker_failure(&action, reason))?;
        self.replace_capture(namespace, hub, capture, &action)
    }
}

/// Creates a hub created at `created_at_ms`, or gives an existing one new settings while
/// keeping its creation time, consumer groups, rules and events. The broker fixes a hub's
/// settings at creation, so a change re-creates the entity.
fn put_hub(
    entity: &mut Namespace,
    hub: &str,
    settings: HubSettings,
    created_at_ms: i64,
) -> Result<(), EntityError> {
    let Some(current) = entity.hub(hub).cloned() else {
        entity.create_hub(hub, settings, created_at_ms)?;
        return Ok(());
    };
    if current.settings() == settings {
        return Ok(());
    }
    entity.delete_hub(hub)?;
    entity.create_hub(current.name(), settings, current.created_at_ms())?;
    let recreated = entity.hub_mut(current.name())?;
    for group in current.consumer_groups() {
        if recreated.consumer_group(group).is_none() {
            recreated.create_consumer_group(group)?;
        }
    }
    for rule in current.rules() {
        entity.put_rule(
            RuleScope::Hub(current.name().to_owned()),
            &rule.name,
            &rule.rights.to_vec(),
            rule.primary_key.clone(),
            rule.secondary_key.clone(),
        )?;
    }
    Ok(())
}

/// Compares two captures by hub, folder and settings, so an unchanged capture keeps running
/// and keeps the window it has open.
fn same_capture(a: &broker::server::HubCapture, b: &broker::server::HubCapture) -> bool {
    a.hub.eq_ignore_ascii_case(&b.hub) && a.container == b.container && a.settings == b.settings
}

/// Converts ARM's retention in hours to the broker's whole days, rounding up, within the
/// Standard tier's 1 to 7 days.
fn retention_days(hours: u32) -> u32 {
    hours
        .div_ceil(HOURS_PER_DAY)
        .clamp(*RETENTION_DAYS.start(), *RETENTION_DAYS.end())
}

/// Parses ARM's rights (`Send`, `Listen`, `Manage`), ignoring case as ARM does.
fn parse_rights(rights: &[String]) -> Result<Vec<Right>, String> {
    rights
        .iter()
        .map(|right| match right.to_ascii_lowercase().as_str() {
            "send" => Ok(Right::Send),
            "listen" => Ok(Right::Listen),
            "manage" => Ok(Right::Manage),
            _ => Err(format!(
                "unknown right `{right}`: use Send, Listen or Manage"
            )),
        })
        .collect()
}

fn scope_of(hub: Option<&str>) -> RuleScope {
    match hub {
        Some(hub) => RuleScope::Hub(hub.to_owned()),
        None => RuleScope::Namespace,
    }
}

/// Treats "not found" as done, because deletes are idempotent.
fn ignore_missing(result: Result<(), EntityError>) -> Result<(), EntityError> {
    match result {
        Err(EntityError::NotFound { .. }) => Ok(()),
        result => result,
    }
}

fn key(namespace: &str) -> String {
    namespace.to_ascii_lowercase()
}

fn sb_endpoint(port: u16) -> String {
    format!("sb://127.0.0.1:{port}")
}

fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

fn not_running(namespace: &str, action: &str) -> EffectError {
    broker_failure(
        action,
        format!("namespace `{namespace}` has no running broker: create the namespace first"),
    )
}

fn broker_failure(action: &str, reason: impl std::fmt::Display) -> EffectError {
    EffectError {
        service: "broker",
        action: action.to_owned(),
        reason: reason.to_string(),
    }
}

fn registry_failure(action: &str, reason: impl std::fmt::Display) -> EffectError {
    EffectError {
        service: "registry",
        action: action.to_owned(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(partition_count: u32, retention_days: u32) -> HubSettings {
        HubSettings {
            partition_count,
            retention_days,
        }
    }

    #[test]
    fn retention_hours_round_up_to_days() {
        assert_eq!(retention_days(168), 7);
        assert_eq!(retention_days(24), 1);
        assert_eq!(retention_days(25), 2);
        assert_eq!(retention_days(1), 1);
        assert_eq!(retention_days(0), 1);
        assert_eq!(retention_days(1000), 7);
    }

    #[test]
    fn rights_parse_ignoring_case() {
        let rights = parse_rights(&["send".to_owned(), "Listen".to_owned()]).unwrap();
        assert_eq!(rights, vec![Right::Send, Right::Listen]);
        assert_eq!(
            parse_rights(&["Read".to_owned()]).unwrap_err(),
            "unknown right `Read`: use Send, Listen or Manage"
        );
    }

    #[test]
    fn changed_retention_keeps_groups_and_rules() {
        let mut entity = Namespace::new("eda-local").unwrap();
        put_hub(&mut entity, "orders", settings(2, 7), 1_000).unwrap();
        entity
            .hub_mut("orders")
            .unwrap()
            .create_consumer_group("billing")
            .unwrap();
        let key = BrokerSecret::new("a2V5".to_owned());
        entity
            .put_rule(
                RuleScope::Hub("orders".to_owned()),
                "send",
                &[Right::Send],
                key.clone(),
                key.clone(),
            )
            .unwrap();

        put_hub(&mut entity, "orders", settings(2, 1), 2_000).unwrap();

        let hub = entity.hub("orders").unwrap();
        assert_eq!(hub.settings(), settings(2, 1));
        assert_eq!(hub.created_at_ms(), 1_000);
        assert_eq!(hub.consumer_groups(), ["$Default", "billing"]);
        assert_eq!(hub.rules().len(), 1);
        assert_eq!(hub.rules()[0].primary_key, key);
    }

    #[test]
    fn same_settings_leave_hub_alone() {
        let mut entity = Namespace::new("eda-local").unwrap();
        put_hub(&mut entity, "orders", settings(2, 7), 1_000).unwrap();
        let created = entity.hub("orders").unwrap().created_at_ms();
        put_hub(&mut entity, "orders", settings(2, 7), 1_000).unwrap();
        assert_eq!(entity.hubs().len(), 1);
        assert_eq!(entity.hub("orders").unwrap().created_at_ms(), created);
    }
}
