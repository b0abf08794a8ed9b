//! One module per command.

pub(crate) mod apply;
pub(crate) mod attendee;
pub(crate) mod connection_string;
pub(crate) mod events;
pub(crate) mod export;
pub(crate) mod flow;
pub(crate) mod plan;
pub(crate) mod schema;
pub(crate) mod secrets;
pub(crate) mod serve;
pub(crate) mod teardown;
pub(crate) mod token;
pub(crate) mod verify;

/// Fails when the Local services already run over `data_dir`, in `eda-workshop serve` or in
/// the desktop app: a command that starts them too would serve the same namespaces twice.
pub(crate) fn ensure_not_served(data_dir: &std::path::Path) -> anyhow::Result<()> {
    if let Ok(endpoints) = local::Endpoints::read(data_dir) {
        if endpoints.is_running() {
            anyhow::bail!(
                "the Local services already run over {} (in `eda-workshop serve` or the desktop \
                 app): stop that program first, or pass another --data-dir",
                data_dir.display()
            );
        }
    }
    Ok(())
}
