// Whether instructor mode is on, shared by the header's switch and the instructor bar, and
// saved in the wizard state so that it survives a restart.
import { errorMessage } from "./api";
import { DEFAULT_PAUSE_SECONDS, isPauseChoice } from "./instructor";
import { loadInstructorMode, saveInstructorMode } from "./instructor-api";

/** Instructor mode as the views show it. */
export interface InstructorModeState {
  on: boolean;
  /** Seconds autoplay pauses on each page. */
  pauseSeconds: number;
  /** The reason the last read or save failed, for the instructor to read, or null. */
  error: string | null;
}

/** The one shared instance; views read and change it through the functions below. */
export const instructorMode: InstructorModeState = $state({
  on: false,
  pauseSeconds: DEFAULT_PAUSE_SECONDS,
  error: null,
});

// Set once the instructor changes something, so a slow read of the saved state does not undo it.
let changedSinceStart = false;

/** Reads the saved instructor mode, unless the instructor changed it in the meantime. */
export async function restoreInstructorMode(): Promise<void> {
  try {
    const saved = await loadInstructorMode();
    if (changedSinceStart) {
      return;
    }
    instructorMode.on = saved.on;
    if (saved.autoplaySeconds !== null && isPauseChoice(saved.autoplaySeconds)) {
      instructorMode.pauseSeconds = saved.autoplaySeconds;
    }
  } catch (error) {
    instructorMode.error = `Instructor mode could not be read: ${errorMessage(error)}`;
  }
}

async function save(): Promise<void> {
  changedSinceStart = true;
  try {
    await saveInstructorMode(instructorMode.on, instructorMode.pauseSeconds);
    instructorMode.error = null;
  } catch (error) {
    instructorMode.error =
      `Instructor mode works now but was not saved for the next start: ` +
      `${errorMessage(error)}`;
  }
}

/** Turns instructor mode on or off and saves it. */
export function setInstructorMode(on: boolean): Promise<void> {
  instructorMode.on = on;
  return save();
}

/** Sets autoplay's pause per page and saves it. A length autoplay does not offer is ignored. */
export function setPauseSeconds(seconds: number): Promise<void> {
  if (!isPauseChoice(seconds)) {
    return Promise.resolve();
  }
  instructorMode.pauseSeconds = seconds;
  return save();
}

/** Puts the shared state back to its start, for tests that render the app several times. */
export function forgetInstructorMode(): void {
  instructorMode.on = false;
  instructorMode.pauseSeconds = DEFAULT_PAUSE_SECONDS;
  instructorMode.error = null;
  changedSinceStart = false;
}
