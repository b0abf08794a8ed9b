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

/// Fails when another process serves the Local target over `data_dir` (`eda-workshop serve`,
/// `eda-workshop flow` or the desktop app), because a command that starts the services too
/// would serve the same namespaces twice. The data directory's lock decides, so every command
/// reports a busy folder with the same message, which names the process by its id.
pub(crate) fn ensure_not_served(data_dir: &std::path::Path) -> anyhow::Result<()> {
    drop(local::DataDirLock::acquire(data_dir)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_folder_names_process_id() {
        let dir = tempfile::tempdir().unwrap();
        let _held = local::DataDirLock::acquire(dir.path()).unwrap();

        let message = ensure_not_served(dir.path()).unwrap_err().to_string();

        let holder = format!("(process id {})", std::process::id());
        assert!(message.contains(&holder), "{message}");
    }

    #[test]
    fn free_folder_passes() {
        let dir = tempfile::tempdir().unwrap();

        ensure_not_served(dir.path()).unwrap();

        assert!(local::DataDirLock::acquire(dir.path()).is_ok());
    }
}
