// Autoplay of instructor mode: the wizard moves through its pages on its own, pausing on each
// so the instructor can talk. The transitions are a pure function (`transition`), and
// `Autoplay` drives them with a one-second timer and hands page changes and Apply runs to
// the app, so tests can run every path with fake timers.

/** The pause lengths per page that the instructor can pick, in seconds. */
export const PAUSE_CHOICES: readonly number[] = [15, 30, 45, 60, 90, 120, 180, 300];

/** The pause per page before the instructor picks one, in seconds. */
export const DEFAULT_PAUSE_SECONDS = 60;

/**
 * The wizard pages whose Apply autoplay may run when "apply as we go" is on: the course steps
 * that create resources. On the Schema registry page, Apply creates the step's schema group,
 * which the live flow needs, and registers no schema: the exercise's attempts stay for the
 * instructor to register by hand.
 */
export const APPLY_PAGES: readonly string[] = [
  "resource_groups",
  "shared_platform",
  "schema_registry",
  "publishers",
  "consumers",
];

/** The phase of autoplay. */
export type AutoplayPhase =
  /** Not running: before Play, or after it stopped on its own. */
  | "stopped"
  /** Counting down on the current page. */
  | "playing"
  /** The countdown is frozen until Resume. */
  | "paused"
  /** Running the page's Apply. The countdown starts when it finishes. */
  | "applying"
  /** The countdown ended and autoplay asked the app to open the next page. */
  | "moving";

/** The page after the current one, from the point of view of autoplay. */
export type NextPage =
  | { kind: "open"; id: string; title: string }
  /** A step that cannot be opened yet, with the reason in a sentence. */
  | { kind: "blocked"; reason: string }
  /** The current page is the last one this build has. */
  | { kind: "end" };

/** The facts about the current page that the app supplies to autoplay. */
export interface PageFacts {
  /** The page's id, such as "resource_groups". */
  page: string;
  /** The page's title, for messages. */
  title: string;
  /** Whether the page has an Apply that "apply as we go" runs. */
  hasApply: boolean;
  next: NextPage;
  /** The page before this one when it can be opened, or null. */
  previous: string | null;
  /** Whether the instructor is typing in a text field, so the page must not change under them. */
  typing: boolean;
}

/** Everything autoplay keeps between events. */
export interface AutoplayState {
  phase: AutoplayPhase;
  /** The page autoplay counts down on. */
  page: string;
  /** Seconds left on this page before autoplay moves on. */
  remaining: number;
  /** Seconds autoplay pauses on each page. */
  pauseSeconds: number;
  /** Whether autoplay runs each page's Apply, and waits for it, before counting down. */
  applyAsWeGo: boolean;
  /** The phase to go to when the running Apply finishes: "paused" after a Pause during it. */
  afterApply: "playing" | "paused";
  /** Whether Apply still has to run on this page before the countdown (set on arrival). */
  applyPending: boolean;
  /** A sentence for the instructor: why autoplay stopped or is waiting, or null. */
  message: string | null;
}

/** Something that happens to autoplay. */
export type AutoplayEvent =
  | { type: "play"; facts: PageFacts }
  | { type: "pause" }
  | { type: "stop" }
  | { type: "resume"; facts: PageFacts }
  | { type: "tick"; facts: PageFacts }
  | { type: "arrived"; facts: PageFacts }
  | { type: "applied"; failure: string | null; facts: PageFacts }
  | { type: "not_moved"; title: string }
  | { type: "set_pause"; seconds: number }
  | { type: "set_apply_as_we_go"; on: boolean };

/** Work that a transition leaves to the driver. */
export type AutoplayEffect =
  | { kind: "open"; id: string; title: string }
  | { kind: "apply"; page: string };

/** The state after an event, and the work it leaves to the driver, if any. */
export interface Transition {
  state: AutoplayState;
  effect: AutoplayEffect | null;
}

/** Returns autoplay before the first Play, on `page`. */
export function initialAutoplay(
  page: string,
  pauseSeconds: number = DEFAULT_PAUSE_SECONDS,
): AutoplayState {
  return {
    phase: "stopped",
    page,
    remaining: pauseSeconds,
    pauseSeconds,
    applyAsWeGo: false,
    afterApply: "playing",
    applyPending: false,
    message: null,
  };
}

/** Returns whether `seconds` is a pause length that autoplay offers. */
export function isPauseChoice(seconds: number): boolean {
  return PAUSE_CHOICES.includes(seconds);
}

/** Formats a countdown as minutes and seconds, such as "1:05". */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  return `${minutes}:${rest.toString().padStart(2, "0")}`;
}

function unchanged(state: AutoplayState): Transition {
  return { state, effect: null };
}

/**
 * Starts the countdown on the current page in `phase`, or runs its Apply first when "apply as
 * we go" is on and the page has one that has not run on this visit.
 */
function begin(
  state: AutoplayState,
  facts: PageFacts,
  phase: "playing" | "paused",
): Transition {
  const base: AutoplayState = { ...state, page: facts.page, message: null };
  if (phase === "playing" && base.applyAsWeGo && facts.hasApply && base.applyPending) {
    return {
      state: { ...base, phase: "applying", afterApply: "playing", applyPending: false },
      effect: { kind: "apply", page: facts.page },
    };
  }
  return { state: { ...base, phase }, effect: null };
}

/** Decides what happens when the countdown on the current page reaches zero. */
function moveOn(state: AutoplayState, facts: PageFacts): Transition {
  if (facts.typing) {
    return unchanged({
      ...state,
      remaining: 0,
      message: "Autoplay moves on once you stop typing.",
    });
  }
  switch (facts.next.kind) {
    case "open":
      return {
        state: { ...state, phase: "moving", remaining: 0, message: null },
        effect: { kind: "open", id: facts.next.id, title: facts.next.title },
      };
    case "blocked":
      return unchanged({
        ...state,
        phase: "stopped",
        remaining: state.pauseSeconds,
        message: `Autoplay stopped: ${facts.next.reason} Press Play to go on.`,
      });
    case "end":
      return unchanged({
        ...state,
        phase: "stopped",
        remaining: state.pauseSeconds,
        message: `Autoplay reached ${facts.title}, the last page of this build.`,
      });
  }
}

/** Returns the state after `event`, and the work the driver must do for it. */
export function transition(state: AutoplayState, event: AutoplayEvent): Transition {
  switch (event.type) {
    case "play":
      if (state.phase !== "stopped") {
        return unchanged(state);
      }
      return begin(
        { ...state, remaining: state.pauseSeconds, applyPending: true },
        event.facts,
        "playing",
      );

    case "pause":
      if (state.phase === "playing" || state.phase === "moving") {
        return unchanged({ ...state, phase: "paused", message: null });
      }
      if (state.phase === "applying") {
        return unchanged({ ...state, afterApply: "paused" });
      }
      return unchanged(state);

    case "stop":
      return unchanged({
        ...state,
        phase: "stopped",
        remaining: state.pauseSeconds,
        afterApply: "playing",
        message: null,
      });

    case "resume":
      if (state.phase === "applying") {
        return unchanged({ ...state, afterApply: "playing" });
      }
      if (state.phase !== "paused") {
        return unchanged(state);
      }
      if (state.remaining <= 0) {
        return moveOn({ ...state, phase: "playing" }, event.facts);
      }
      return begin(state, event.facts, "playing");

    case "tick": {
      if (state.phase !== "playing") {
        return unchanged(state);
      }
      const remaining = Math.max(0, state.remaining - 1);
      if (remaining > 0) {
        return unchanged({ ...state, remaining, message: null });
      }
      return moveOn({ ...state, remaining }, event.facts);
    }

    case "arrived": {
      if (event.facts.page === state.page) {
        return unchanged(state);
      }
      const fresh: AutoplayState = {
        ...state,
        page: event.facts.page,
        remaining: state.pauseSeconds,
        applyPending: true,
        message: null,
      };
      switch (state.phase) {
        case "playing":
        case "moving":
          return begin(fresh, event.facts, "playing");
        case "paused":
          return begin(fresh, event.facts, "paused");
        case "applying":
          // An Apply cannot be cancelled, so the new page waits until it finishes.
          return unchanged(fresh);
        case "stopped":
          return unchanged(fresh);
      }
    }

    case "applied":
      if (state.phase !== "applying") {
        return unchanged(state);
      }
      if (event.failure !== null) {
        return unchanged({
          ...state,
          phase: "stopped",
          remaining: state.pauseSeconds,
          message: `Autoplay stopped because Apply failed: ${event.failure}`,
        });
      }
      // The page shown may have changed while Apply ran. Autoplay goes on from that page.
      return begin({ ...state, remaining: state.pauseSeconds }, event.facts, state.afterApply);

    case "not_moved":
      if (state.phase !== "moving") {
        return unchanged(state);
      }
      return unchanged({
        ...state,
        phase: "stopped",
        remaining: state.pauseSeconds,
        message: `Autoplay stopped: ${event.title} did not open. Open it by hand, then press Play.`,
      });

    case "set_pause": {
      if (!isPauseChoice(event.seconds)) {
        return unchanged(state);
      }
      // A new length restarts the countdown on this page, so the change is visible at once.
      const counting = state.phase !== "applying" && state.phase !== "moving";
      return unchanged({
        ...state,
        pauseSeconds: event.seconds,
        remaining: counting ? event.seconds : state.remaining,
      });
    }

    case "set_apply_as_we_go":
      return unchanged({ ...state, applyAsWeGo: event.on });
  }
}

/** The app's side of autoplay: page facts, page changes, Apply runs and state updates. */
export interface AutoplayHost {
  /** Returns the facts about the page shown now. */
  facts: () => PageFacts;
  /** Opens the page `id`, as a click on its step would. */
  open: (id: string) => void;
  /**
   * Runs the Apply of `page` and resolves to its failure message, or to null when it
   * succeeded. It must not reject: a rejection is reported as a failure.
   */
  apply: (page: string) => Promise<string | null>;
  /** Receives every new state, for the view to show. */
  onChange: (state: AutoplayState) => void;
}

/** The countdown's tick, in milliseconds. */
const TICK_MS = 1000;

/**
 * Drives autoplay: a one-second timer that runs only while the countdown runs, page changes
 * and Apply runs through the host, and the state handed to the view after every event.
 */
export class Autoplay {
  #host: AutoplayHost;
  #state: AutoplayState;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(host: AutoplayHost, pauseSeconds: number = DEFAULT_PAUSE_SECONDS) {
    this.#host = host;
    this.#state = initialAutoplay(host.facts().page, pauseSeconds);
  }

  /** The current state. */
  get state(): AutoplayState {
    return this.#state;
  }

  /** Starts autoplay on the current page. */
  play(): void {
    this.#send({ type: "play", facts: this.#host.facts() });
  }

  /** Freezes the countdown, or freezes it once the running Apply finishes. */
  pause(): void {
    this.#send({ type: "pause" });
  }

  /** Ends autoplay. A running Apply still finishes, but autoplay does not go on after it. */
  stop(): void {
    this.#send({ type: "stop" });
  }

  /** Continues the countdown where it was frozen. */
  resume(): void {
    this.#send({ type: "resume", facts: this.#host.facts() });
  }

  /** Plays, pauses or resumes, whichever the current phase calls for: the Space shortcut. */
  toggle(): void {
    switch (this.#state.phase) {
      case "stopped":
        this.play();
        return;
      case "paused":
        this.resume();
        return;
      case "applying":
        if (this.#state.afterApply === "paused") {
          this.resume();
        } else {
          this.pause();
        }
        return;
      case "playing":
      case "moving":
        this.pause();
        return;
    }
  }

  /** Opens the next page now, when it can be opened. The countdown restarts there. */
  next(): void {
    const facts = this.#host.facts();
    if (facts.next.kind === "open") {
      this.#host.open(facts.next.id);
      this.pageChanged();
    }
  }

  /** Opens the previous page now, when there is one. The countdown restarts there. */
  previous(): void {
    const previous = this.#host.facts().previous;
    if (previous !== null) {
      this.#host.open(previous);
      this.pageChanged();
    }
  }

  /** Tells autoplay that the app shows another page, opened by autoplay or by hand. */
  pageChanged(): void {
    this.#send({ type: "arrived", facts: this.#host.facts() });
  }

  /** Sets the pause per page, in seconds. A length that autoplay does not offer is ignored. */
  setPause(seconds: number): void {
    this.#send({ type: "set_pause", seconds });
  }

  /** Turns "apply as we go" on or off. */
  setApplyAsWeGo(on: boolean): void {
    this.#send({ type: "set_apply_as_we_go", on });
  }

  /** Stops the timer for good, when the view goes away. */
  dispose(): void {
    this.#stopTimer();
  }

  #send(event: AutoplayEvent): void {
    const { state, effect } = transition(this.#state, event);
    this.#state = state;
    this.#syncTimer();
    this.#host.onChange(state);
    if (effect !== null) {
      this.#run(effect);
    }
  }

  #run(effect: AutoplayEffect): void {
    if (effect.kind === "open") {
      this.#host.open(effect.id);
      const facts = this.#host.facts();
      if (facts.page === effect.id) {
        this.#send({ type: "arrived", facts });
      } else {
        this.#send({ type: "not_moved", title: effect.title });
      }
      return;
    }
    this.#host.apply(effect.page).then(
      (failure) => this.#send({ type: "applied", failure, facts: this.#host.facts() }),
      (error: unknown) =>
        this.#send({ type: "applied", failure: String(error), facts: this.#host.facts() }),
    );
  }

  /** Keeps the timer running exactly while the countdown runs. */
  #syncTimer(): void {
    const counting = this.#state.phase === "playing";
    if (counting && this.#timer === null) {
      this.#timer = setInterval(
        () => this.#send({ type: "tick", facts: this.#host.facts() }),
        TICK_MS,
      );
    } else if (!counting) {
      this.#stopTimer();
    }
  }

  #stopTimer(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
