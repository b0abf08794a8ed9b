import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { afterEach, describe, expect, test, vi } from "vitest";

import App from "../../App.svelte";
import type { WizardState } from "../../lib/api";
import type { SavedInstructorMode } from "../../lib/instructor-api";
import { forgetInstructorMode } from "../../lib/instructor-mode.svelte";
import { SPEAKER_NOTES } from "../../lib/instructor-notes";
import { installBackend, type BackendOptions } from "../../test/backend";
import { emptyAzureChoice } from "../../lib/azure";

/** The instructor commands the app sent, with their arguments. */
interface InstructorCalls {
  saves: { on: boolean; autoplaySeconds: number }[];
  resets: number;
}

type Invoke = (command: string, args?: unknown, options?: unknown) => Promise<unknown>;

/**
 * Installs the shared stand-in backend and handles the instructor commands on top of it, so the
 * whole app runs as in the other UI tests.
 */
function installInstructorBackend(options: BackendOptions = {}) {
  const backend = installBackend(options);
  const internals = (window as unknown as { __TAURI_INTERNALS__: { invoke: Invoke } })
    .__TAURI_INTERNALS__;
  const base = internals.invoke;
  const calls: InstructorCalls = { saves: [], resets: 0 };
  mockIPC((command, args) => {
    switch (command) {
      case "save_instructor":
        calls.saves.push(structuredClone(args) as InstructorCalls["saves"][number]);
        return null;
      case "reset_progress":
        calls.resets += 1;
        return null;
      default:
        return base(command, args);
    }
  });
  return { backend, calls };
}

/** Builds a saved state on `page` with the namespace `dgrf` and the given instructor mode. */
function savedState(instructor: SavedInstructorMode, page: WizardState["page"] = "target") {
  const state: WizardState & SavedInstructorMode = {
    page,
    choices: {
      target: "local",
      namespace: "dgrf",
      namespace_from_environment: false,
      environment: "dv",
      region: { name: "northeurope", code: "eun" },
      custom_region: false,
      azure: emptyAzureChoice(),
    },
    exercise: { mode: "backward", attempts: [] },
    steps: {},
    ...instructor,
  };
  return state;
}

async function renderInInstructorMode(options: BackendOptions = {}) {
  const installed = installInstructorBackend({
    saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }),
    ...options,
  });
  const user = userEvent.setup();
  render(App);
  const bar = await screen.findByTestId("instructor-bar");
  await screen.findByRole("heading", { level: 1 });
  return { ...installed, user, bar };
}

afterEach(() => {
  vi.useRealTimers();
  clearMocks();
  forgetInstructorMode();
});

describe("instructor switch", () => {
  test("turns instructor mode on and saves it", async () => {
    const { calls } = installInstructorBackend();
    const user = userEvent.setup();
    render(App);
    const toggle = await screen.findByRole("switch", { name: "Instructor mode" });
    expect(toggle.getAttribute("aria-checked")).toBe("false");
    expect(screen.queryByTestId("instructor-bar")).toBeNull();

    await user.click(toggle);

    expect(toggle.getAttribute("aria-checked")).toBe("true");
    expect(await screen.findByTestId("instructor-bar")).toBeTruthy();
    expect(document.documentElement.hasAttribute("data-presenter")).toBe(true);
    await waitFor(() => expect(calls.saves).toEqual([{ on: true, autoplaySeconds: 60 }]));
  });

  test("Tab reaches the switch before the steps", async () => {
    installInstructorBackend();
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" });

    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("switch", { name: "Instructor mode" }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Namespace/ }));
  });

  test("turning it off hides the bar and the presenter view", async () => {
    const { calls, user } = await renderInInstructorMode();

    await user.click(screen.getByRole("switch", { name: "Instructor mode" }));

    expect(screen.queryByTestId("instructor-bar")).toBeNull();
    expect(document.documentElement.hasAttribute("data-presenter")).toBe(false);
    await waitFor(() => expect(calls.saves).toEqual([{ on: false, autoplaySeconds: 15 }]));
  });

  test("saved instructor mode and pause come back at start", async () => {
    await renderInInstructorMode();

    expect(document.documentElement.hasAttribute("data-presenter")).toBe(true);
    const pause = screen.getByTestId("instructor-pause") as HTMLSelectElement;
    await waitFor(() => expect(pause.value).toBe("15"));
  });

  test("a state saved before instructor mode existed starts with it off", async () => {
    const saved = savedState({});
    delete saved.instructor_mode;
    delete saved.autoplay_seconds;
    installInstructorBackend({ saved });
    render(App);

    const toggle = await screen.findByRole("switch", { name: "Instructor mode" });
    await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" });

    expect(toggle.getAttribute("aria-checked")).toBe("false");
    expect(screen.queryByTestId("instructor-bar")).toBeNull();
  });

  test("a failed save says so and keeps instructor mode on", async () => {
    installBackend();
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("switch", { name: "Instructor mode" }));

    const alert = await screen.findByText(/was not saved for the next start/);
    expect(alert.textContent).toContain("command save_instructor is not mocked");
    expect(screen.getByTestId("instructor-bar")).toBeTruthy();
  });
});

describe("autoplay in the app", () => {
  test("moves to the next page after the pause", async () => {
    const { user } = await renderInInstructorMode();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });

    await user.click(screen.getByTestId("instructor-play"));
    expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:15");
    vi.advanceTimersByTime(14_000);
    await tick();
    expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:01");
    vi.advanceTimersByTime(1_000);

    expect(await screen.findByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
    expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:15");
  });

  test("Pause freezes the countdown", async () => {
    const { user } = await renderInInstructorMode();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const play = screen.getByTestId("instructor-play");

    await user.click(play);
    vi.advanceTimersByTime(5_000);
    await tick();
    await user.click(play);
    expect(play.textContent).toBe("Resume");
    vi.advanceTimersByTime(60_000);
    await tick();

    expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:10");
    const status = screen.getByTestId("instructor-status").textContent?.replace(/\s+/g, " ");
    expect(status?.trim()).toBe("Paused, 0:10 left");
    expect(screen.getByRole("combobox", { name: "Per page" })).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Welcome to the EDA Workshop" })).toBeTruthy();
  });

  test("Next and Previous open the neighbouring pages", async () => {
    const { user } = await renderInInstructorMode();

    expect((screen.getByTestId("instructor-previous") as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByTestId("instructor-next"));
    expect(await screen.findByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
    await user.click(screen.getByTestId("instructor-previous"));
    expect(
      await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" }),
    ).toBeTruthy();
  });

  test("apply as we go runs the page's Apply and shows its result", async () => {
    const { backend, user } = await renderInInstructorMode({
      saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }, "resource_groups"),
    });
    await screen.findByRole("heading", { level: 1, name: "Resource groups" });

    await user.click(screen.getByTestId("instructor-apply-as-we-go"));
    await user.click(screen.getByTestId("instructor-play"));

    await waitFor(() => expect(backend.provisioning).toEqual(["apply:resource_groups"]));
    const result = await waitFor(() => {
      const element = document.getElementById("apply-result");
      expect(element).not.toBeNull();
      return element as HTMLElement;
    });
    expect(result.textContent).toContain("2 created");
    await waitFor(() =>
      expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:15"),
    );
  });

  test("apply as we go applies the schema group on the Schema registry page", async () => {
    const { backend, user } = await renderInInstructorMode({
      saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }, "schema_registry"),
    });
    await screen.findByRole("heading", { level: 1, name: /schema/i });

    await user.click(screen.getByTestId("instructor-apply-as-we-go"));
    await user.click(screen.getByTestId("instructor-play"));

    await waitFor(() => expect(backend.provisioning).toEqual(["apply:schema_registry"]));
    await waitFor(() =>
      expect(screen.getByTestId("instructor-countdown").textContent).toBe("0:15"),
    );
  });

  test("without apply as we go, Play applies nothing", async () => {
    const { backend, user } = await renderInInstructorMode({
      saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }, "resource_groups"),
    });
    await screen.findByRole("heading", { level: 1, name: "Resource groups" });
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });

    await user.click(screen.getByTestId("instructor-play"));
    vi.advanceTimersByTime(15_000);

    expect(await screen.findByRole("heading", { level: 1, name: "Shared platform" })).toBeTruthy();
    expect(backend.provisioning).toEqual([]);
  });
});

describe("autoplay and typing", () => {
  test("a field that only has the focus does not hold autoplay", async () => {
    const { user } = await renderInInstructorMode({
      saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }, "namespace"),
    });
    const field = await screen.findByLabelText("Unique namespace");
    await waitFor(() =>
      expect((screen.getByTestId("instructor-next") as HTMLButtonElement).disabled).toBe(false),
    );
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });

    await user.click(screen.getByTestId("instructor-play"));
    field.focus();
    vi.advanceTimersByTime(15_000);

    expect(await screen.findByRole("heading", { level: 1, name: "Resource groups" })).toBeTruthy();
  });

  test("typing in the namespace field holds the page", async () => {
    const { user } = await renderInInstructorMode({
      saved: savedState({ instructor_mode: true, autoplay_seconds: 15 }, "namespace"),
    });
    const field = await screen.findByLabelText("Unique namespace");
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });

    await user.click(screen.getByTestId("instructor-play"));
    await user.click(field);
    await user.keyboard("x");
    vi.advanceTimersByTime(15_000);
    await tick();

    expect(screen.getByTestId("instructor-message").textContent).toBe(
      "Autoplay moves on once you stop typing.",
    );
    expect(screen.getByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
  });
});

describe("instructor shortcuts in the app", () => {
  test("Space plays and pauses, arrows move between pages", async () => {
    const { user } = await renderInInstructorMode();
    document.body.focus();
    const play = screen.getByTestId("instructor-play");

    await user.keyboard(" ");
    expect(play.textContent).toBe("Pause");
    await user.keyboard(" ");
    expect(play.textContent).toBe("Resume");

    await user.keyboard("{ArrowRight}");
    expect(await screen.findByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
    // The namespace page puts the focus in its field, where the arrows move the caret.
    (document.activeElement as HTMLElement).blur();
    await user.keyboard("{ArrowLeft}");
    expect(
      await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" }),
    ).toBeTruthy();
  });

  test("keys typed in the namespace field stay in the field", async () => {
    const { user } = await renderInInstructorMode();
    await user.click(screen.getByTestId("instructor-next"));
    const field = (await screen.findByLabelText("Unique namespace")) as HTMLInputElement;
    const play = screen.getByTestId("instructor-play");

    await user.click(field);
    await user.keyboard(" {ArrowLeft}{ArrowRight}x");

    expect(play.textContent).toBe("Play");
    expect(screen.getByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
    expect(field.value).toBe("dgrf x");
  });

  test("shortcuts do nothing while instructor mode is off", async () => {
    installInstructorBackend();
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" });
    document.body.focus();

    await user.keyboard("{ArrowRight}");

    expect(screen.getByRole("heading", { name: "Welcome to the EDA Workshop" })).toBeTruthy();
  });
});

describe("reset to start", () => {
  test("asks first and says resources are kept", async () => {
    const { calls, user } = await renderInInstructorMode();

    await user.click(screen.getByTestId("instructor-reset"));

    const dialog = screen.getByRole("alertdialog", { name: "Reset the workshop to the start?" });
    expect(dialog.textContent).toContain("This does not delete any resource.");
    expect(dialog.textContent).toContain("Teardown");
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(calls.resets).toBe(0);
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByTestId("instructor-reset")),
    );
  });

  test("Cancel returns the focus to Reset to start", async () => {
    const { user } = await renderInInstructorMode();
    const opener = screen.getByTestId("instructor-reset");
    opener.focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alertdialog")).toBeTruthy();

    await user.keyboard("{Enter}");

    expect(screen.queryByRole("alertdialog")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(opener));
  });

  test("a failed reset moves the focus to its message", async () => {
    installBackend({ saved: savedState({ instructor_mode: true }, "namespace") });
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { name: "Choose your namespace" });

    await user.click(await screen.findByTestId("instructor-reset"));
    await user.click(screen.getByTestId("instructor-reset-confirm"));

    const message = await within(screen.getByRole("alertdialog")).findByRole("alert");
    await waitFor(() => expect(document.activeElement).toBe(message));
  });

  test("confirming opens the welcome page without step results", async () => {
    const saved = savedState({ instructor_mode: true, autoplay_seconds: 15 }, "resource_groups");
    saved.steps = {
      resource_groups: {
        attendee: { target: "local", namespace: "dgrf", environment: "dv", region_code: "eun" },
        applied: {
          finished_at: 1_700_000_000,
          created: 2,
          updated: 0,
          unchanged: 0,
          skipped: 0,
          not_attempted: 0,
          failure: null,
          stuck_locks: [],
          resources: [],
        },
        verified: null,
      },
    };
    const { calls, user } = await renderInInstructorMode({ saved });
    await screen.findByRole("heading", { level: 1, name: "Resource groups" });
    await waitFor(() => expect(document.getElementById("apply-result")).not.toBeNull());

    await user.click(screen.getByTestId("instructor-reset"));
    await user.click(screen.getByTestId("instructor-reset-confirm"));

    expect(
      await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" }),
    ).toBeTruthy();
    expect(calls.resets).toBe(1);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await user.click(screen.getByTestId("instructor-next"));
    await user.click(await screen.findByTestId("instructor-next"));
    await screen.findByRole("heading", { level: 1, name: "Resource groups" });
    expect(document.getElementById("apply-result")).toBeNull();
  });

  test("a failed reset changes nothing and says why", async () => {
    installBackend({ saved: savedState({ instructor_mode: true }, "namespace") });
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { name: "Choose your namespace" });

    await user.click(await screen.findByTestId("instructor-reset"));
    await user.click(screen.getByTestId("instructor-reset-confirm"));

    const dialog = screen.getByRole("alertdialog");
    expect(
      (await within(dialog).findByRole("alert")).textContent,
    ).toBe("Nothing was reset: command reset_progress is not mocked");
    expect(screen.getByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
  });
});

describe("speaker notes", () => {
  test("start open on a tall window and follow the page", async () => {
    const height = window.innerHeight;
    Object.defineProperty(window, "innerHeight", { value: 1080, configurable: true });
    try {
      const { user } = await renderInInstructorMode();
      const notes = screen.getByTestId("instructor-notes");
      expect(notes.querySelectorAll("li")).toHaveLength(SPEAKER_NOTES.target.length);
      expect(notes.textContent).toContain("Four teams share events instead of calling each other");

      await user.click(screen.getByTestId("instructor-next"));

      await waitFor(() => expect(notes.textContent).toContain("AZURE_UNIQUE_NAMESPACE"));
      await user.click(screen.getByTestId("instructor-notes-toggle"));
      expect(screen.queryByTestId("instructor-notes")).toBeNull();
    } finally {
      Object.defineProperty(window, "innerHeight", { value: height, configurable: true });
    }
  });

  test("start closed on a short window and open on request", async () => {
    // jsdom's window is 1024x768, shorter than the height from which the notes start open.
    const { user } = await renderInInstructorMode();
    expect(screen.queryByTestId("instructor-notes")).toBeNull();
    const toggle = screen.getByTestId("instructor-notes-toggle");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");

    await user.click(toggle);

    expect(screen.getByTestId("instructor-notes").querySelectorAll("li")).toHaveLength(
      SPEAKER_NOTES.target.length,
    );
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
  });
});
