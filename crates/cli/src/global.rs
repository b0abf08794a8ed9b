//! Options every command takes, and the set-up they share.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

/// Options that apply to every command.
#[derive(Debug, Clone, Args)]
pub(crate) struct Global {
    /// Print machine-readable JSON on standard output instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// The folder where local state lives (default: the per-user app data folder).
    #[arg(long, global = true, value_name = "DIR", env = "EDA_WORKSHOP_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

impl Global {
    /// The data folder: `--data-dir` if given, else the operating system's per-user app data
    /// folder (`~/.local/share/eda-workshop` on Linux, `~/Library/Application Support/...` on
    /// macOS, `%APPDATA%\...` on Windows). It is created if missing.
    pub(crate) fn data_dir(&self) -> anyhow::Result<PathBuf> {
        let dir = match &self.data_dir {
            Some(dir) => dir.clone(),
            None => directories::ProjectDirs::from("dev", "edaworkshop", "eda-workshop")
                .context("no home folder found: pass --data-dir DIR")?
                .data_dir()
                .to_path_buf(),
        };
        if dir.exists() && !dir.is_dir() {
            anyhow::bail!(
                "the data folder {} is a file, not a folder: pass another --data-dir",
                dir.display()
            );
        }
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "cannot create data folder {}: check that its parent folder is writable, or \
                 pass another --data-dir",
                dir.display()
            )
        })?;
        Ok(dir)
    }
}

/// Sends `tracing` output to standard error. Commands print their own progress, so library logs
/// show only warnings and errors unless `RUST_LOG` asks for more (for example `RUST_LOG=info`
/// or `RUST_LOG=registry=debug`). `quiet` lists directives for logs that the command already
/// reports in its own output, and applies only without `RUST_LOG`. The filter always carries
/// [`control::LOG_DIRECTIVES`], which keep bearer tokens out of the older Azure SDK's request
/// logs.
pub(crate) fn init_logging(quiet: &[&str]) {
    let filter = log_filter(std::env::var("RUST_LOG").ok(), quiet);
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

/// Builds the log filter from `RUST_LOG`, or from `warn` and the `quiet` directives when it is
/// not set.
fn log_filter(rust_log: Option<String>, quiet: &[&str]) -> String {
    let base = rust_log.unwrap_or_else(|| {
        let mut base = vec!["warn"];
        base.extend_from_slice(quiet);
        base.join(",")
    });
    control::log_filter(&base)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A log destination in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Logs through a filter and returns what it let through.
    fn logged(filter: &str, log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new(filter))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone()),
            );
        tracing::subscriber::with_default(subscriber, log);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn quiet_target_hides_warnings_only() {
        let filter = log_filter(None, crate::cmd::schema::QUIET_LOG_DIRECTIVES);
        let output = logged(&filter, || {
            tracing::warn!(target: "registry::service::routes", "default warning");
            tracing::error!(target: "registry::service::routes", "handler failed");
            tracing::warn!(target: "registry::service::http", "accept failed");
            tracing::warn!(target: "registry::exercise", "verdicts differ");
        });
        assert!(!output.contains("default warning"), "{output}");
        assert!(output.contains("handler failed"), "{output}");
        assert!(output.contains("accept failed"), "{output}");
        assert!(output.contains("verdicts differ"), "{output}");
    }

    #[test]
    fn flow_notices_logged_only_as_notes() {
        let filter = log_filter(None, crate::cmd::flow::QUIET_LOG_DIRECTIVES);
        let output = logged(&filter, || {
            tracing::warn!(target: flow::metrics::NOTICE_LOG_TARGET, "parked the event");
            tracing::error!(target: flow::metrics::NOTICE_LOG_TARGET, "stopped reading");
            tracing::warn!(target: flow::metrics::RETRY_LOG_TARGET, "handling failed");
            tracing::warn!(target: "flow::runtime::partition", "receiving failed");
            tracing::error!(target: "flow::outbox", "outbox publishing failed");
        });
        assert!(!output.contains("parked the event"), "{output}");
        assert!(!output.contains("stopped reading"), "{output}");
        assert!(!output.contains("handling failed"), "{output}");
        assert!(output.contains("receiving failed"), "{output}");
        assert!(output.contains("outbox publishing failed"), "{output}");
    }

    #[test]
    fn rust_log_shows_flow_notices() {
        let filter = log_filter(
            Some("warn".to_string()),
            crate::cmd::flow::QUIET_LOG_DIRECTIVES,
        );
        let output = logged(&filter, || {
            tracing::warn!(target: flow::metrics::NOTICE_LOG_TARGET, "parked the event");
            tracing::warn!(target: flow::metrics::RETRY_LOG_TARGET, "handling failed");
        });
        assert!(output.contains("parked the event"), "{output}");
        assert!(output.contains("handling failed"), "{output}");
    }

    #[test]
    fn rust_log_overrides_quiet_directives() {
        let filter = log_filter(
            Some("info".to_string()),
            crate::cmd::schema::QUIET_LOG_DIRECTIVES,
        );
        let output = logged(&filter, || {
            tracing::warn!(target: "registry::service::routes", "default warning");
        });
        assert!(output.contains("default warning"), "{output}");
    }

    #[test]
    fn token_directives_always_apply() {
        for rust_log in [None, Some("trace".to_string())] {
            let filter = log_filter(rust_log, &[]);
            assert!(filter.ends_with("azure_core::policies=off"), "{filter}");
        }
    }
}
