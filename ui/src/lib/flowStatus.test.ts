import { describe, expect, it } from "vitest";

import type { FlowUpdate, LaneUpdate, TeamId } from "./flowApi";
import {
  MAX_NOTICES,
  currentNotices,
  describeRunning,
  explainParkedReason,
  joinTitles,
  recordNotices,
  stepsToApply,
} from "./flowStatus";
import { OVERVIEW } from "../test/backend";

function lane(team: TeamId, counts: Partial<LaneUpdate> = {}): LaneUpdate {
  return {
    team,
    published: 0,
    consumed: 0,
    parked: 0,
    published_per_second: 0,
    consumed_per_second: 0,
    ...counts,
  };
}

function update(lanes: LaneUpdate[], salesPublished = 0): FlowUpdate {
  return {
    status: { running: true, paused: false, pace_ms: 10000, sales: null },
    lanes,
    hubs: [
      {
        hub: "sale",
        published: salesPublished,
        consumed: 0,
        parked: 0,
        published_per_second: 0,
        consumed_per_second: 0,
      },
    ],
    groups: [],
    parked: [],
    parked_total: 0,
    samples: [],
    seen: 0,
    notices: [],
    first_notice: 0,
    run: 1,
  };
}

describe("status line", () => {
  it("says when the first customer comes before any event", () => {
    expect(describeRunning(10000, null, false)).toBe(
      "Running: a new customer every 10 s. No event yet: the first customer comes within 10 s.",
    );
  });

  it("counts the events of a slow flow", () => {
    const slow = update([
      lane("customer", { published: 3, published_per_second: 0.2 }),
      lane("conversions", { published: 2, consumed: 3, consumed_per_second: 0.2 }),
    ]);
    expect(describeRunning(10000, slow, true)).toBe(
      "Running: a new customer every 10 s. 5 events published since the start.",
    );
  });

  it("says a slow flow handles waiting events before it publishes", () => {
    const draining = update([lane("platform", { consumed: 65, consumed_per_second: 13 })]);
    expect(describeRunning(10000, draining, true)).toBe(
      "Running: a new customer every 10 s. No new event published yet: the teams handled 65 " +
        "events that waited in the hubs.",
    );
  });

  it("says a fast flow handles waiting events when nothing new is published", () => {
    const draining = update([lane("platform", { consumed: 65, consumed_per_second: 13 })]);
    expect(describeRunning(100, draining, false)).toBe(
      "Running: a new customer every 0.1 s. No new event was published in the last 5 s: the " +
        "teams are handling 13 events a second that were waiting in the hubs.",
    );
  });

  it("gives a fast flow's rate", () => {
    const fast = update([lane("customer", { published: 40, published_per_second: 9.6 })]);
    expect(describeRunning(100, fast, true)).toBe(
      "Running: a new customer every 0.1 s. 9.6 events published a second.",
    );
  });

  it("says when this computer does not keep up with the chosen pace", () => {
    const behind = update([
      lane("customer", { published: 900, published_per_second: 240 }),
      lane("conversions", { published: 900, published_per_second: 660 }),
    ]);
    expect(describeRunning(1, behind, true)).toBe(
      "Running: a new customer every 1 ms (1,000/s), but this computer creates only about 240 " +
        "a second, so the flow runs slower than the chosen pace. 900 events published a " +
        "second; the diagram shows a sample of them.",
    );
  });

  it("waits for the rates to settle before it compares them with the pace", () => {
    const starting = update([lane("customer", { published: 10, published_per_second: 20 })]);
    expect(describeRunning(1, starting, false)).toBe(
      "Running: a new customer every 1 ms (1,000/s). 20 events published a second.",
    );
  });

});

describe("missing steps", () => {
  it("lists the missing steps in course order", () => {
    const steps = stepsToApply(OVERVIEW.course_steps, ["consumers", "schema_registry"]);
    expect(steps.map((step) => step.title)).toEqual(["Schema registry", "Consumers"]);
    expect(joinTitles(steps)).toBe("Schema registry and Consumers");
  });

  it("leaves out applied steps after a missing one", () => {
    const steps = stepsToApply(OVERVIEW.course_steps, ["schema_registry"]);
    expect(joinTitles(steps)).toBe("Schema registry");
  });

  it("lists none when nothing is missing", () => {
    expect(stepsToApply(OVERVIEW.course_steps, [])).toEqual([]);
    expect(joinTitles(stepsToApply(OVERVIEW.course_steps, ["consumers"]))).toBe("Consumers");
  });
});

describe("messages from the flow", () => {
  const numbered = (notices: string[], first_notice = 0, run = 1) => ({
    notices,
    first_notice,
    run,
  });

  it("keeps each message's first time and puts the newest first", () => {
    let log = recordNotices([], numbered(["first"]), 1000);
    log = recordNotices(log, numbered(["first", "second", "third"]), 2000);
    log = recordNotices(log, numbered(["second", "third"], 1), 3000);
    expect(log.map(({ message, receivedAt }) => ({ message, receivedAt }))).toEqual([
      { message: "third", receivedAt: 2000 },
      { message: "second", receivedAt: 2000 },
      { message: "first", receivedAt: 1000 },
    ]);
  });

  it("shows a message given again as a new one", () => {
    const again = "the Customer team's outbox publishes again, after 2 failed attempts";
    let log = recordNotices([], numbered([again, "a reader failed"]), 1000);
    log = recordNotices(log, numbered([again, "a reader failed", again]), 2000);
    expect(log.map((notice) => [notice.message, notice.receivedAt])).toEqual([
      [again, 2000],
      ["a reader failed", 1000],
      [again, 1000],
    ]);
    expect(new Set(log.map((notice) => notice.key)).size).toBe(3);
  });

  it("new flow run keeps earlier messages apart", () => {
    let log = recordNotices([], numbered(["flow reset"], 0, 1), 1000);
    log = recordNotices(log, numbered(["flow reset"], 0, 2), 2000);
    expect(log.map((notice) => notice.receivedAt)).toEqual([2000, 1000]);
  });

  it("keeps at most the newest messages", () => {
    const messages = Array.from({ length: MAX_NOTICES + 5 }, (_, index) => `notice ${index}`);
    const log = recordNotices([], numbered(messages), 1000);
    expect(log).toHaveLength(MAX_NOTICES);
    expect(log[0].message).toBe(`notice ${MAX_NOTICES + 4}`);
  });

  it("drops the missing capture file message once a sale was published", () => {
    const log = recordNotices(
      [],
      numbered([
        "capture has not written a file for hub `lead` under `/x` yet: capture writes a file",
        "consumer group `lead` parked an event",
      ]),
      1000,
    );
    expect(currentNotices(log, update([], 0))).toHaveLength(2);
    expect(currentNotices(log, update([], 1)).map((notice) => notice.message)).toEqual([
      "consumer group `lead` parked an event",
    ]);
  });
});

describe("parked reasons", () => {
  it("explains an event that is not valid Avro", () => {
    const raw =
      "decoding event `fce38253` as `Lead.Generated` failed: decoding an event written with " +
      "schema id bea6 failed: Failed to read bytes for decoding variable length integer: " +
      "failed to fill whole buffer";
    expect(explainParkedReason(raw)).toBe(
      "The event's bytes are not a valid Avro record of the schema its content type names, " +
        "so no consumer can read it.",
    );
  });

  it("falls back to a general sentence", () => {
    expect(explainParkedReason("the store is locked")).toBe(
      "The consumer's handler failed on every attempt.",
    );
  });
});
