import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import {
  Autoplay,
  formatCountdown,
  initialAutoplay,
  transition,
  type AutoplayState,
  type PageFacts,
} from "./instructor";
import { shortcutFor, type KeyPress } from "./instructor-keys";
import { SPEAKER_NOTES, notesFor } from "./instructor-notes";
import { LIVE_STEPS } from "./wizard";

/** The wizard's live pages in order, each open unless listed in `blocked`. */
const PAGES = ["target", "namespace", "resource_groups", "shared_platform", "consumers"];

/** A small wizard for the driver: pages in order, Apply on two of them. */
class FakeWizard {
  page = "target";
  opened: string[] = [];
  applied: string[] = [];
  blocked = new Set<string>();
  typing = false;
  /** Pending Apply runs, resolved by the test with a failure message or null. */
  pendingApplies: ((failure: string | null) => void)[] = [];
  states: AutoplayState[] = [];

  facts = (): PageFacts => {
    const index = PAGES.indexOf(this.page);
    const after = PAGES[index + 1];
    let next: PageFacts["next"] = { kind: "end" };
    if (after !== undefined) {
      next = this.blocked.has(after)
        ? { kind: "blocked", reason: `${after} needs a valid namespace.` }
        : { kind: "open", id: after, title: after };
    }
    return {
      page: this.page,
      title: this.page,
      hasApply: this.page === "resource_groups" || this.page === "shared_platform",
      next,
      previous: index > 0 ? PAGES[index - 1] : null,
      typing: this.typing,
    };
  };

  open = (id: string) => {
    if (!this.blocked.has(id)) {
      this.page = id;
      this.opened.push(id);
    }
  };

  apply = (page: string): Promise<string | null> => {
    this.applied.push(page);
    return new Promise((resolve) => this.pendingApplies.push(resolve));
  };

  onChange = (state: AutoplayState) => {
    this.states.push(state);
  };

  /** Resolves the oldest pending Apply and lets its continuation run. */
  async finishApply(failure: string | null) {
    const resolve = this.pendingApplies.shift();
    expect(resolve).toBeDefined();
    resolve?.(failure);
    await vi.advanceTimersByTimeAsync(0);
  }
}

function facts(page: string, extra: Partial<PageFacts> = {}): PageFacts {
  return {
    page,
    title: page,
    hasApply: false,
    next: { kind: "open", id: "next_page", title: "Next page" },
    previous: null,
    typing: false,
    ...extra,
  };
}

describe("autoplay transitions", () => {
  test("play starts the countdown at the pause length", () => {
    const { state, effect } = transition(initialAutoplay("target", 30), {
      type: "play",
      facts: facts("target"),
    });

    expect(state.phase).toBe("playing");
    expect(state.remaining).toBe(30);
    expect(effect).toBeNull();
  });

  test("countdown reaching zero opens the next page", () => {
    let state: AutoplayState = { ...initialAutoplay("target", 30), phase: "playing", remaining: 1 };

    const { state: after, effect } = transition(state, { type: "tick", facts: facts("target") });
    state = after;

    expect(state.phase).toBe("moving");
    expect(effect).toEqual({ kind: "open", id: "next_page", title: "Next page" });
  });

  test("blocked next page stops with the reason", () => {
    const state: AutoplayState = { ...initialAutoplay("namespace", 30), phase: "playing", remaining: 1 };
    const blocked = facts("namespace", {
      next: { kind: "blocked", reason: "Resource groups needs a valid namespace." },
    });

    const { state: after, effect } = transition(state, { type: "tick", facts: blocked });

    expect(after.phase).toBe("stopped");
    expect(after.message).toBe(
      "Autoplay stopped: Resource groups needs a valid namespace. Press Play to go on.",
    );
    expect(effect).toBeNull();
  });

  test("last page stops autoplay with a message", () => {
    const state: AutoplayState = { ...initialAutoplay("consumers", 30), phase: "playing", remaining: 1 };

    const { state: after } = transition(state, {
      type: "tick",
      facts: facts("consumers", { title: "Consumers", next: { kind: "end" } }),
    });

    expect(after.phase).toBe("stopped");
    expect(after.message).toBe("Autoplay reached Consumers, the last page of this build.");
  });

  test("countdown waits while the instructor types", () => {
    const state: AutoplayState = { ...initialAutoplay("namespace", 30), phase: "playing", remaining: 1 };

    const { state: after, effect } = transition(state, {
      type: "tick",
      facts: facts("namespace", { typing: true }),
    });

    expect(after.phase).toBe("playing");
    expect(after.remaining).toBe(0);
    expect(after.message).toBe("Autoplay moves on once you stop typing.");
    expect(effect).toBeNull();
  });

  test("play with apply as we go runs Apply before counting", () => {
    const state = { ...initialAutoplay("resource_groups", 30), applyAsWeGo: true };

    const { state: after, effect } = transition(state, {
      type: "play",
      facts: facts("resource_groups", { hasApply: true }),
    });

    expect(after.phase).toBe("applying");
    expect(effect).toEqual({ kind: "apply", page: "resource_groups" });
  });

  test("apply as we go does nothing on a page without Apply", () => {
    const state = { ...initialAutoplay("schema_registry", 30), applyAsWeGo: true };

    const { state: after, effect } = transition(state, {
      type: "play",
      facts: facts("schema_registry", { hasApply: false }),
    });

    expect(after.phase).toBe("playing");
    expect(effect).toBeNull();
  });

  test("failed Apply stops autoplay on its page", () => {
    const state: AutoplayState = { ...initialAutoplay("resource_groups", 30), phase: "applying" };

    const { state: after } = transition(state, {
      type: "applied",
      failure: "the local Resource Manager failed: timed out",
      facts: facts("resource_groups", { hasApply: true }),
    });

    expect(after.phase).toBe("stopped");
    expect(after.page).toBe("resource_groups");
    expect(after.message).toBe(
      "Autoplay stopped because Apply failed: the local Resource Manager failed: timed out",
    );
  });

  test("pause during Apply freezes the countdown once it finishes", () => {
    let state: AutoplayState = { ...initialAutoplay("resource_groups", 30), phase: "applying" };

    state = transition(state, { type: "pause" }).state;
    expect(state.phase).toBe("applying");
    state = transition(state, {
      type: "applied",
      failure: null,
      facts: facts("resource_groups", { hasApply: true }),
    }).state;

    expect(state.phase).toBe("paused");
    expect(state.remaining).toBe(30);
  });

  test("page opened by hand restarts the countdown there", () => {
    const state: AutoplayState = { ...initialAutoplay("target", 30), phase: "playing", remaining: 4 };

    const { state: after } = transition(state, { type: "arrived", facts: facts("namespace") });

    expect(after.page).toBe("namespace");
    expect(after.phase).toBe("playing");
    expect(after.remaining).toBe(30);
  });

  test("arrival on the same page changes nothing", () => {
    const state: AutoplayState = { ...initialAutoplay("target", 30), phase: "playing", remaining: 4 };

    const { state: after } = transition(state, { type: "arrived", facts: facts("target") });

    expect(after).toBe(state);
  });

  test("pause length outside the choices is ignored", () => {
    const state = initialAutoplay("target", 30);

    expect(transition(state, { type: "set_pause", seconds: 7 }).state.pauseSeconds).toBe(30);
    expect(transition(state, { type: "set_pause", seconds: 45 }).state.pauseSeconds).toBe(45);
  });

  test("stop ends autoplay and ignores the Apply that still runs", () => {
    let state: AutoplayState = { ...initialAutoplay("resource_groups", 30), phase: "applying" };

    state = transition(state, { type: "stop" }).state;
    state = transition(state, {
      type: "applied",
      failure: null,
      facts: facts("resource_groups", { hasApply: true }),
    }).state;

    expect(state.phase).toBe("stopped");
  });
});

describe("autoplay driver", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  test("moves one page per pause and stops at the last page", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 15);

    autoplay.play();
    vi.advanceTimersByTime(14_000);
    expect(wizard.page).toBe("target");
    expect(autoplay.state.remaining).toBe(1);

    vi.advanceTimersByTime(1_000);
    expect(wizard.page).toBe("namespace");
    expect(autoplay.state.remaining).toBe(15);

    vi.advanceTimersByTime(15_000 * 3);
    expect(wizard.opened).toEqual(["namespace", "resource_groups", "shared_platform", "consumers"]);
    expect(autoplay.state.phase).toBe("playing");

    vi.advanceTimersByTime(15_000);
    expect(autoplay.state.phase).toBe("stopped");
    expect(autoplay.state.message).toContain("the last page of this build");
    expect(vi.getTimerCount()).toBe(0);
    autoplay.dispose();
  });

  test("never applies unless apply as we go is on", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 15);

    autoplay.play();
    vi.advanceTimersByTime(15_000 * 5);

    expect(wizard.opened).toHaveLength(4);
    expect(wizard.applied).toEqual([]);
    autoplay.dispose();
  });

  test("pause freezes the countdown and resume continues it", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 30);

    autoplay.play();
    vi.advanceTimersByTime(10_000);
    autoplay.pause();
    vi.advanceTimersByTime(120_000);

    expect(autoplay.state.phase).toBe("paused");
    expect(autoplay.state.remaining).toBe(20);
    expect(wizard.page).toBe("target");
    expect(vi.getTimerCount()).toBe(0);

    autoplay.resume();
    vi.advanceTimersByTime(19_000);
    expect(wizard.page).toBe("target");
    vi.advanceTimersByTime(1_000);
    expect(wizard.page).toBe("namespace");
    autoplay.dispose();
  });

  test("toggle plays, pauses and resumes", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 30);

    autoplay.toggle();
    expect(autoplay.state.phase).toBe("playing");
    autoplay.toggle();
    expect(autoplay.state.phase).toBe("paused");
    autoplay.toggle();
    expect(autoplay.state.phase).toBe("playing");
    autoplay.dispose();
  });

  test("next and previous move at once and restart the countdown", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 30);
    autoplay.play();
    vi.advanceTimersByTime(25_000);

    autoplay.next();
    expect(wizard.page).toBe("namespace");
    expect(autoplay.state.remaining).toBe(30);

    vi.advanceTimersByTime(5_000);
    autoplay.previous();
    expect(wizard.page).toBe("target");
    expect(autoplay.state.remaining).toBe(30);
    expect(autoplay.state.phase).toBe("playing");
    autoplay.dispose();
  });

  test("next and previous work while autoplay is off and keep it off", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 30);

    autoplay.next();
    autoplay.next();
    autoplay.previous();

    expect(wizard.opened).toEqual(["namespace", "resource_groups", "namespace"]);
    expect(autoplay.state.phase).toBe("stopped");
    expect(vi.getTimerCount()).toBe(0);
    autoplay.dispose();
  });

  test("next does nothing when the next page is blocked", () => {
    const wizard = new FakeWizard();
    wizard.page = "namespace";
    wizard.blocked.add("resource_groups");
    const autoplay = new Autoplay(wizard, 30);

    autoplay.next();

    expect(wizard.page).toBe("namespace");
    expect(wizard.opened).toEqual([]);
    autoplay.dispose();
  });

  test("stops on the namespace page until the namespace is valid", () => {
    const wizard = new FakeWizard();
    wizard.page = "namespace";
    wizard.blocked.add("resource_groups");
    const autoplay = new Autoplay(wizard, 15);

    autoplay.play();
    vi.advanceTimersByTime(15_000);
    expect(autoplay.state.phase).toBe("stopped");
    expect(autoplay.state.message).toBe(
      "Autoplay stopped: resource_groups needs a valid namespace. Press Play to go on.",
    );

    wizard.blocked.clear();
    autoplay.play();
    vi.advanceTimersByTime(15_000);
    expect(wizard.page).toBe("resource_groups");
    autoplay.dispose();
  });

  test("apply as we go waits for each Apply before counting down", async () => {
    const wizard = new FakeWizard();
    wizard.page = "namespace";
    const autoplay = new Autoplay(wizard, 15);
    autoplay.setApplyAsWeGo(true);

    autoplay.play();
    vi.advanceTimersByTime(15_000);
    expect(wizard.page).toBe("resource_groups");
    expect(autoplay.state.phase).toBe("applying");
    expect(wizard.applied).toEqual(["resource_groups"]);

    // However long Apply takes, the countdown has not started and the page does not change.
    vi.advanceTimersByTime(120_000);
    expect(wizard.page).toBe("resource_groups");
    expect(vi.getTimerCount()).toBe(0);

    await wizard.finishApply(null);
    expect(autoplay.state.phase).toBe("playing");
    expect(autoplay.state.remaining).toBe(15);
    vi.advanceTimersByTime(15_000);
    expect(wizard.page).toBe("shared_platform");
    expect(wizard.applied).toEqual(["resource_groups", "shared_platform"]);
    autoplay.dispose();
  });

  test("apply as we go stops on a failed Apply", async () => {
    const wizard = new FakeWizard();
    wizard.page = "resource_groups";
    const autoplay = new Autoplay(wizard, 15);
    autoplay.setApplyAsWeGo(true);

    autoplay.play();
    await wizard.finishApply("resource group `dv-events-broker-rg` could not be created");
    vi.advanceTimersByTime(60_000);

    expect(autoplay.state.phase).toBe("stopped");
    expect(autoplay.state.message).toBe(
      "Autoplay stopped because Apply failed: resource group `dv-events-broker-rg` could " +
        "not be created",
    );
    expect(wizard.page).toBe("resource_groups");
    autoplay.dispose();
  });

  test("a rejected Apply counts as a failure", async () => {
    const wizard = new FakeWizard();
    wizard.page = "resource_groups";
    wizard.apply = () => Promise.reject("the local Resource Manager failed: refused");
    const autoplay = new Autoplay(wizard, 15);
    autoplay.setApplyAsWeGo(true);

    autoplay.play();
    await vi.advanceTimersByTimeAsync(0);

    expect(autoplay.state.phase).toBe("stopped");
    expect(autoplay.state.message).toContain("the local Resource Manager failed: refused");
    autoplay.dispose();
  });

  test("resume after a pause does not run Apply again", async () => {
    const wizard = new FakeWizard();
    wizard.page = "resource_groups";
    const autoplay = new Autoplay(wizard, 15);
    autoplay.setApplyAsWeGo(true);

    autoplay.play();
    await wizard.finishApply(null);
    autoplay.pause();
    autoplay.resume();

    expect(wizard.applied).toEqual(["resource_groups"]);
    expect(autoplay.state.phase).toBe("playing");
    autoplay.dispose();
  });

  test("page opened during Apply waits for it, then counts down there", async () => {
    const wizard = new FakeWizard();
    wizard.page = "resource_groups";
    const autoplay = new Autoplay(wizard, 15);
    autoplay.setApplyAsWeGo(true);

    autoplay.play();
    autoplay.previous();
    expect(wizard.page).toBe("namespace");
    expect(autoplay.state.phase).toBe("applying");

    await wizard.finishApply(null);
    expect(autoplay.state.page).toBe("namespace");
    expect(autoplay.state.phase).toBe("playing");
    expect(wizard.applied).toEqual(["resource_groups"]);
    autoplay.dispose();
  });

  test("a page that does not open stops autoplay", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay({ ...wizard, facts: wizard.facts, open: () => {} }, 15);

    autoplay.play();
    vi.advanceTimersByTime(15_000);

    expect(autoplay.state.phase).toBe("stopped");
    expect(autoplay.state.message).toBe(
      "Autoplay stopped: namespace did not open. Open it by hand, then press Play.",
    );
    expect(vi.getTimerCount()).toBe(0);
    autoplay.dispose();
  });

  test("a new pause length restarts the countdown", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 60);
    autoplay.play();
    vi.advanceTimersByTime(50_000);

    autoplay.setPause(30);
    vi.advanceTimersByTime(29_000);
    expect(wizard.page).toBe("target");
    vi.advanceTimersByTime(1_000);
    expect(wizard.page).toBe("namespace");
    autoplay.dispose();
  });

  test("dispose stops the timer", () => {
    const wizard = new FakeWizard();
    const autoplay = new Autoplay(wizard, 15);
    autoplay.play();

    autoplay.dispose();
    vi.advanceTimersByTime(60_000);

    expect(vi.getTimerCount()).toBe(0);
    expect(wizard.page).toBe("target");
  });
});

describe("formatCountdown", () => {
  test("shows minutes and two-digit seconds", () => {
    expect(formatCountdown(0)).toBe("0:00");
    expect(formatCountdown(9)).toBe("0:09");
    expect(formatCountdown(65)).toBe("1:05");
    expect(formatCountdown(300)).toBe("5:00");
  });
});

function press(key: string, target: EventTarget | null, extra: Partial<KeyPress> = {}): KeyPress {
  return {
    key,
    altKey: false,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    defaultPrevented: false,
    target,
    ...extra,
  };
}

describe("instructor shortcuts", () => {
  test("Space and the arrows act on the page body", () => {
    expect(shortcutFor(press(" ", document.body))).toBe("toggle");
    expect(shortcutFor(press("ArrowLeft", document.body))).toBe("previous");
    expect(shortcutFor(press("ArrowRight", document.body))).toBe("next");
    expect(shortcutFor(press("Enter", document.body))).toBeNull();
  });

  test("no shortcut fires while typing in a field", () => {
    for (const html of ['<input type="text">', "<textarea></textarea>", "<select></select>"]) {
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const field = holder.firstElementChild;
      expect(shortcutFor(press(" ", field)), html).toBeNull();
      expect(shortcutFor(press("ArrowLeft", field)), html).toBeNull();
      expect(shortcutFor(press("ArrowRight", field)), html).toBeNull();
    }
  });

  test("no shortcut fires in editable text", () => {
    const editor = document.createElement("div");
    editor.setAttribute("contenteditable", "true");
    const inner = document.createElement("span");
    editor.append(inner);

    expect(shortcutFor(press(" ", inner))).toBeNull();
    expect(shortcutFor(press("ArrowRight", inner))).toBeNull();
  });

  test("Space on a button is left to the button", () => {
    const button = document.createElement("button");

    expect(shortcutFor(press(" ", button))).toBeNull();
    expect(shortcutFor(press("ArrowRight", button))).toBe("next");
  });

  test("arrows inside a radio group are left to the group", () => {
    const group = document.createElement("div");
    group.setAttribute("role", "radiogroup");
    const option = document.createElement("span");
    group.append(option);

    expect(shortcutFor(press("ArrowLeft", option))).toBeNull();
  });

  test("modifier keys and handled events fire nothing", () => {
    expect(shortcutFor(press("ArrowLeft", document.body, { altKey: true }))).toBeNull();
    expect(shortcutFor(press(" ", document.body, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press(" ", document.body, { shiftKey: true }))).toBeNull();
    expect(shortcutFor(press(" ", document.body, { defaultPrevented: true }))).toBeNull();
  });
});

describe("speaker notes", () => {
  test("every live page has two or three lines", () => {
    for (const page of LIVE_STEPS) {
      const notes = notesFor(page);
      expect(notes.length, page).toBeGreaterThanOrEqual(2);
      expect(notes.length, page).toBeLessThanOrEqual(3);
    }
  });

  // About 120 characters fit on one line of the bar at 1200 pixels wide in presenter view.
  test("each note fits one line", () => {
    for (const [page, notes] of Object.entries(SPEAKER_NOTES)) {
      for (const line of notes) {
        expect(line.length, `${page}: ${line}`).toBeLessThanOrEqual(120);
      }
    }
  });

  // An instructor may never have seen another version of the workshop, so a note states the
  // mistake itself instead of pointing at a course that made it.
  test("notes read without another course", () => {
    for (const [page, notes] of Object.entries(SPEAKER_NOTES)) {
      for (const line of notes) {
        expect(line, page).not.toMatch(/\bcourse\b|course's/i);
      }
    }
  });

  test("a page without notes gets an empty list", () => {
    expect(notesFor("no_such_page")).toEqual([]);
  });
});
