//! Runs `tauri-build` with an app manifest, so that each of the app's own commands needs a
//! permission and the window's capability can grant exactly those.

/// The commands `main.rs` registers. Each gets an `allow-<command>` permission, with
/// underscores turned into hyphens.
const COMMANDS: &[&str] = &[
    "workshop_overview",
    "initial_namespace",
    "check_namespace",
    "load_wizard",
    "save_wizard",
    "step_plan",
    "step_export",
    "apply_step",
    "verify_step",
    "secret_list",
    "secret_reveal",
    "exercise_schemas",
    "choose_exercise_mode",
    "register_attempt",
    "register_own_schema",
    "reset_exercise",
    "azure_sign_in",
    "azure_account",
    "azure_choose_subscription",
    "lake_overview",
    "lake_file",
    "teardown_preview",
    "run_teardown",
    "save_instructor",
    "reset_progress",
    "live_flow_open",
    "live_flow_close",
    "live_flow_start",
    "live_flow_stop",
    "live_flow_pause",
    "live_flow_resume",
    "live_flow_set_pace",
    "live_flow_inject_poison",
    "live_flow_reset",
    "live_flow_event",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    let attributes = tauri_build::Attributes::new().app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
