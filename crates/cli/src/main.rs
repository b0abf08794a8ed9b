//! `eda-workshop`: every step of the EDA Workshop from the command line.
//!
//! Results go to standard output (as a table, or as JSON with `--json`); progress and errors go
//! to standard error. Every failure, invalid input or not, exits with status 2 and a message
//! that names the problem and the fix.

mod cmd;
mod global;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub(crate) use global::Global;

/// EDA Workshop: learn event-driven architecture on Azure Event Hubs, step by step.
#[derive(Debug, Parser)]
#[command(name = "eda-workshop", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the plan of every step: each resource, its settings and its team.
    Plan(cmd::plan::PlanArgs),
    /// Print one step's resources as Bicep or as Azure CLI commands.
    Export(cmd::export::ExportArgs),
    /// Register schemas, run the compatibility exercise, show a schema by id.
    Schema(cmd::schema::SchemaArgs),
    /// Create or update the plan's resources on Local or Azure (idempotent, resumable).
    Apply(cmd::apply::ApplyArgs),
    /// Compare what exists with the plan and name each difference.
    Verify(cmd::verify::VerifyArgs),
    /// Remove what the app created for a namespace, after a dry run and a confirmation.
    Teardown(cmd::teardown::TeardownArgs),
    /// Show one secret of the plan, or store the service principal's secret.
    Secrets(cmd::secrets::SecretsArgs),
    /// Serve the Local target (Resource Manager, schema registry, brokers) until Ctrl-C.
    Serve(cmd::serve::ServeArgs),
    /// Print a connection string for a hub served by `serve --hub`.
    ConnectionString(cmd::connection_string::ConnectionStringArgs),
    /// Print a bearer token of the Resource Manager or the registry that `serve` runs.
    Token(cmd::token::TokenArgs),
    /// Run the demo flow headless until every customer has passed through every service.
    Flow(cmd::flow::FlowArgs),
    /// Send events to an event hub with the connection string in EVENTHUB_CONNECTION_STRING.
    Send(cmd::events::SendArgs),
    /// Receive events from an event hub with the connection string in
    /// EVENTHUB_CONNECTION_STRING.
    Receive(cmd::events::ReceiveArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    exit_quietly_when_output_closes();
    let cli = Cli::parse();
    let quiet_logs: &[&str] = match &cli.command {
        Command::Schema(_) => cmd::schema::QUIET_LOG_DIRECTIVES,
        Command::Flow(_) => cmd::flow::QUIET_LOG_DIRECTIVES,
        Command::Send(_) | Command::Receive(_) => cmd::events::QUIET_LOG_DIRECTIVES,
        _ => &[],
    };
    global::init_logging(quiet_logs);

    let result = match cli.command {
        Command::Plan(args) => cmd::plan::run(args, &cli.global).await,
        Command::Export(args) => cmd::export::run(args, &cli.global).await,
        Command::Schema(args) => cmd::schema::run(args, &cli.global).await,
        Command::Apply(args) => cmd::apply::run(args, &cli.global).await,
        Command::Verify(args) => cmd::verify::run(args, &cli.global).await,
        Command::Teardown(args) => cmd::teardown::run(args, &cli.global).await,
        Command::Secrets(args) => cmd::secrets::run(args, &cli.global).await,
        Command::Serve(args) => cmd::serve::run(args, &cli.global).await,
        Command::ConnectionString(args) => cmd::connection_string::run(args, &cli.global).await,
        Command::Token(args) => cmd::token::run(args, &cli.global).await,
        Command::Flow(args) => cmd::flow::run(args, &cli.global).await,
        Command::Send(args) => cmd::events::send(args, &cli.global).await,
        Command::Receive(args) => cmd::events::receive(args, &cli.global).await,
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_text(&error));
            ExitCode::from(2)
        }
    }
}

/// The exit status of a command whose standard output was closed by its reader: 128 + 13, as a
/// shell reports a process that SIGPIPE ended.
const CLOSED_OUTPUT_STATUS: i32 = 141;

/// Ends the process quietly with [`CLOSED_OUTPUT_STATUS`] when standard output is a pipe whose
/// reader is gone, as in `eda-workshop receive | head -3`. Rust ignores SIGPIPE, so `println!`
/// panics there instead, with a message and a backtrace that look like a fault.
fn exit_quietly_when_output_closes() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if is_closed_output(message) {
            std::process::exit(CLOSED_OUTPUT_STATUS);
        }
        default_hook(info);
    }));
}

/// Returns whether a panic message is the one `println!` raises when standard output is a
/// closed pipe: EPIPE is error 32 on Linux and macOS, and Windows reports error 232.
fn is_closed_output(message: &str) -> bool {
    message.starts_with("failed printing to stdout")
        && ["os error 32)", "os error 232)"]
            .iter()
            .any(|code| message.contains(code))
}

/// Joins an error and its causes with `: `. A cause already written into the message before it
/// is left out, because many errors include their cause's text.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that writes its cause into its own message and also returns it as its source.
    #[derive(Debug)]
    struct Wrapping {
        path: &'static str,
        source: std::io::Error,
    }

    impl std::fmt::Display for Wrapping {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot open `{}`: {}", self.path, self.source)
        }
    }

    impl std::error::Error for Wrapping {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn closed_output_recognised() {
        assert!(is_closed_output(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_output(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_output("index out of bounds (os error 32)"));
    }

    #[test]
    fn cause_written_once() {
        let source = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let error = anyhow::Error::new(Wrapping {
            path: "a.db",
            source,
        })
        .context("reset failed");
        assert_eq!(
            error_text(&error),
            "reset failed: cannot open `a.db`: denied"
        );
    }

    #[test]
    fn other_causes_kept() {
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_text(&error), "outer: inner");
    }
}
