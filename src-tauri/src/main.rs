//! The EDA Workshop desktop app: one window whose front end (`ui/dist`, embedded at build time)
//! talks to the core crates only through the commands in [`commands`].

// A release build on Windows opens no console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod exercise;
mod overview;
mod plan_view;
mod provision;
mod state;

use anyhow::Context as _;
use tauri::{Manager, RunEvent};
use tracing_subscriber::EnvFilter;

use crate::exercise::SchemaExercise;
use crate::provision::LocalTarget;
use crate::state::{StateStore, STATE_FILE};

/// Folder inside the app data folder for the local schema registry's database and CA.
const REGISTRY_FOLDER: &str = "registry";

/// Folder inside the app data folder for the local Resource Manager's state.
const RESOURCE_MANAGER_FOLDER: &str = "resource-manager";

/// The state the commands share: the saved wizard state and the local services.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The wizard's progress, written to the app data folder after each change.
    pub(crate) store: StateStore,
    /// The schema exercise and its local registry.
    pub(crate) exercise: SchemaExercise,
    /// Serialises the exercise's commands, each from its first read of the state to its write.
    pub(crate) exercise_turn: tauri::async_runtime::Mutex<()>,
    /// The Local target's Resource Manager, for Apply and Verify.
    pub(crate) local: LocalTarget,
}

fn main() -> anyhow::Result<()> {
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
                exercise: SchemaExercise::new(data_dir.join(REGISTRY_FOLDER)),
                exercise_turn: tauri::async_runtime::Mutex::new(()),
                local: LocalTarget::new(data_dir.join(RESOURCE_MANAGER_FOLDER)),
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
            commands::exercise_schemas,
            commands::choose_exercise_mode,
            commands::register_attempt,
            commands::register_own_schema,
            commands::reset_exercise,
        ])
        .build(tauri::generate_context!())?;

    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Stopping the local services ends their listeners cleanly before the process exits.
            let state = handle.state::<AppState>();
            tauri::async_runtime::block_on(async {
                state.exercise.stop().await;
                state.local.stop().await;
            });
        }
    });
    Ok(())
}
