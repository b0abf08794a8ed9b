// Typed wrappers around the shell's instructor-mode commands (src-tauri/src/instructor.rs).
import { invoke } from "@tauri-apps/api/core";

import { loadWizard, type WizardState } from "./api";

/** The instructor-mode fields of the saved wizard state, as the shell serializes them. */
export interface SavedInstructorMode {
  /** Absent in a file saved before instructor mode existed, which means off. */
  instructor_mode?: boolean;
  /** Absent or null until the instructor picks a pause length. */
  autoplay_seconds?: number | null;
}

/** Instructor mode as the app found it saved. */
export interface InstructorPreferences {
  on: boolean;
  /** The saved pause per page in seconds, or null when none was saved. */
  autoplaySeconds: number | null;
}

/** Reads instructor mode from the saved wizard state. */
export function preferencesOf(state: WizardState & SavedInstructorMode): InstructorPreferences {
  return {
    on: state.instructor_mode === true,
    autoplaySeconds: state.autoplay_seconds ?? null,
  };
}

/** Fetches whether instructor mode was on at the last save, with its pause per page. */
export async function loadInstructorMode(): Promise<InstructorPreferences> {
  const loaded = await loadWizard();
  return preferencesOf(loaded.state);
}

/** Saves whether instructor mode is on and autoplay's pause per page, in seconds. */
export function saveInstructorMode(on: boolean, autoplaySeconds: number): Promise<void> {
  return invoke<void>("save_instructor", { on, autoplaySeconds });
}

/**
 * Rewinds the saved wizard to the welcome page and clears every step's Apply and Verify
 * results. It deletes no resource.
 */
export function resetProgress(): Promise<void> {
  return invoke<void>("reset_progress");
}
