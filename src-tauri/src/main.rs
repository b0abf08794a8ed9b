//! The EDA Workshop desktop app: one window whose front end (`ui/dist`, embedded at build time)
//! talks to the core crates only through the commands in [`commands`].

// A release build on Windows opens no console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod azure;
mod azure_commands;
mod choice;
mod cleanup_commands;
mod commands;
mod data_lake;
mod error;
mod exercise;
mod instructor;
mod live_commands;
mod live_details;
mod live_error;
mod live_flow;
mod live_pace;
mod live_rates;
mod live_sample;
mod live_sampler;
mod live_stream;
#[cfg(test)]
mod live_tests;
mod live_update;
mod overview;
mod plan_view;
mod progress;
mod provision;
mod secrets_view;
mod stack;
mod state;
mod teardown;

use anyhow::Context as _;
use tauri::{Manager, RunEvent};
use tracing_subscriber::EnvFilter;

use crate::provision::LocalTarget;
use crate::state::{StateStore, STATE_FILE};

/// The state the commands share: the saved wizard state, the local services and the Azure
/// sign-in.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The wizard's progress, written to the app data folder after each change.
    pub(crate) store: StateStore,
    /// Serialises the exercise's commands, each from its first read of the state to its write.
    pub(crate) exercise_turn: tauri::async_runtime::Mutex<()>,
    /// The live Local target: Resource Manager, registry and brokers. Reach the running stack
    /// through [`AppState::stack`].
    pub(crate) local: LocalTarget,
    /// The Azure target: the attendee's sign-in and subscription.
    pub(crate) azure: azure::AzureTarget,
    /// The live flow page's flow, its subscriber and its stream of updates.
    pub(crate) live: live_flow::LiveFlow,
}

/// The WebKitGTK variable that turns off accelerated compositing.
#[cfg(target_os = "linux")]
const COMPOSITING_VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

fn main() -> anyhow::Result<()> {
    // On Linux, WebKitGTK's accelerated compositing took about 90 MiB more in the web process
    // on the welcome page (BENCHMARKS.md, "Accelerated compositing"), and the pages need none
    // of it. A value already in the environment is left as it is. This runs before any other
    // thread starts, so setting the variable races with no reader.
    #[cfg(target_os = "linux")]
    if std::env::var_os(COMPOSITING_VARIABLE).is_none() {
        std::env::set_var(COMPOSITING_VARIABLE, "1");
    }

    // The control crate's directives keep the ARM client's bearer tokens out of the log, also
    // when RUST_LOG requests debug output.
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string());
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(control::log_filter(&base)))
        .init();

    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting EDA Workshop");
    let app = tauri::Builder::default()
        .setup(|app| {
            let data_dir = app
                .path()
                .app_data_dir()
                .context("the app data folder cannot be found")?;
            tracing::info!(data_dir = %data_dir.display(), "using the app data folder");
            app.manage(AppState {
                store: StateStore::open(data_dir.join(STATE_FILE)),
                exercise_turn: tauri::async_runtime::Mutex::new(()),
                local: LocalTarget::new(&data_dir),
                azure: azure::AzureTarget::new(),
                live: live_flow::LiveFlow::default(),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::workshop_overview,
            commands::initial_namespace,
            commands::check_namespace,
            commands::load_wizard,
            commands::save_wizard,
            commands::step_plan,
            commands::step_export,
            commands::apply_step,
            commands::verify_step,
            commands::secret_list,
            commands::secret_reveal,
            commands::exercise_schemas,
            commands::choose_exercise_mode,
            commands::register_attempt,
            commands::register_own_schema,
            commands::reset_exercise,
            azure_commands::azure_sign_in,
            azure_commands::azure_account,
            azure_commands::azure_choose_subscription,
            cleanup_commands::lake_overview,
            cleanup_commands::lake_file,
            cleanup_commands::teardown_preview,
            cleanup_commands::run_teardown,
            instructor::save_instructor,
            instructor::reset_progress,
            live_commands::live_flow_open,
            live_commands::live_flow_close,
            live_commands::live_flow_start,
            live_commands::live_flow_stop,
            live_commands::live_flow_pause,
            live_commands::live_flow_resume,
            live_commands::live_flow_set_pace,
            live_commands::live_flow_inject_poison,
            live_commands::live_flow_reset,
            live_commands::live_flow_event,
        ])
        .build(tauri::generate_context!())?;

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Stopping the local services ends their listeners cleanly before the process exits.
            let state = handle.state::<AppState>();
            tauri::async_runtime::block_on(async {
                state.live.stop().await;
                // The Local target stops last, because the live flow's clients use its brokers.
                state.local.stop().await;
            });
        }
    });
    Ok(())
}
