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
/// or `RUST_LOG=registry=debug`). The filter always carries [`control::LOG_DIRECTIVES`], which
/// keep bearer tokens out of the older Azure SDK's request logs.
pub(crate) fn init_logging() {
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_string());
    let filter = tracing_subscriber::EnvFilter::new(control::log_filter(&base));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
