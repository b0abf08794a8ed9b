import { describe, expect, test } from "vitest";

import type { ApplyRecord, ResourceView, StepResult, VerifyRecord } from "./api";
import { counted } from "./count";
import { STATE_LABELS } from "./progress";
import {
  appliedSteps,
  applyCounts,
  leftOutText,
  resourceStatus,
  skippedText,
  timeOfDay,
  verifyCounts,
} from "./results";

function applied(counts: Partial<ApplyRecord>): ApplyRecord {
  return {
    finished_at: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    not_attempted: 0,
    failure: null,
    stuck_locks: [],
    resources: [],
    ...counts,
  };
}

function verified(checked: number, findings: number): VerifyRecord {
  return {
    finished_at: 0,
    checked,
    skipped: [],
    findings: Array.from({ length: findings }, (_, index) => ({
      id: `/r/${index}`,
      message: `difference ${index}`,
    })),
  };
}

function resource(id: string, title: string, name: string, optIn: boolean): ResourceView {
  return {
    id,
    name,
    title,
    kind: "databricks_workspace",
    kind_label: title,
    resource_group: "rg",
    team: "platform",
    parent_name: null,
    settings: "",
    billing: "while_exists",
    opt_in: optIn,
  };
}

describe("counted", () => {
  test("uses the singular for one only", () => {
    expect(counted(1, "resource", "resources")).toBe("1 resource");
    expect(counted(0, "resource", "resources")).toBe("0 resources");
    expect(counted(2, "resource", "resources")).toBe("2 resources");
  });
});

describe("applyCounts", () => {
  test("counts resources not attempted after a failure", () => {
    expect(applyCounts(applied({ not_attempted: 9 }))).toBe(
      "0 created, 0 updated, 0 unchanged, 0 skipped, 9 not attempted.",
    );
  });

  test("leaves out a zero not-attempted count", () => {
    expect(applyCounts(applied({ created: 9, skipped: 1 }))).toBe(
      "9 created, 0 updated, 0 unchanged, 1 skipped.",
    );
  });

  test("reads a result saved without the count", () => {
    const saved = applied({ created: 2 }) as Partial<ApplyRecord>;
    delete saved.not_attempted;
    expect(applyCounts(saved as ApplyRecord)).toBe("2 created, 0 updated, 0 unchanged, 0 skipped.");
  });
});

describe("verifyCounts", () => {
  test("one difference in the singular", () => {
    expect(verifyCounts(verified(9, 1))).toBe("1 difference from the plan in 9 resources checked.");
  });

  test("differences in the plural", () => {
    expect(verifyCounts(verified(9, 3))).toBe("3 differences from the plan in 9 resources checked.");
  });

  test("one resource checked in the singular", () => {
    expect(verifyCounts(verified(1, 1))).toBe("1 difference from the plan in 1 resource checked.");
    expect(verifyCounts(verified(1, 0))).toBe("the 1 resource checked matches the plan.");
  });

  test("all resources match", () => {
    expect(verifyCounts(verified(9, 0))).toBe("all 9 resources checked match the plan.");
  });
});

describe("leftOutText", () => {
  const workspace = resource(
    "/dbw",
    "Databricks workspace",
    "dv-events-dbw-eun-dgrf",
    true,
  );

  test("names the opt-in Databricks workspace", () => {
    const text = leftOutText([{ id: "/dbw", message: "not emulated" }], [workspace]);
    expect(text).toBe("Left out: the opt-in Databricks workspace `dv-events-dbw-eun-dgrf`.");
  });

  test("joins several resources with and", () => {
    const hub = resource("/hub", "hub", "lead", false);
    const text = leftOutText(
      [
        { id: "/dbw", message: "opt-in" },
        { id: "/hub", message: "other" },
        { id: "/gone", message: "other" },
      ],
      [workspace, hub],
    );
    expect(text).toBe(
      "Left out: the opt-in Databricks workspace `dv-events-dbw-eun-dgrf`, the hub `lead` and /gone.",
    );
  });
});

describe("not attempted resources", () => {
  test("progress rows label them in words", () => {
    expect(STATE_LABELS.not_attempted).toBe("not attempted");
  });

  test("plan rows label them in words", () => {
    const result: StepResult = {
      attendee: { target: "local", namespace: "dgrf", environment: "dv", region_code: "eun" },
      applied: applied({
        not_attempted: 1,
        resources: [
          {
            id: "/hub",
            title: "hub `lead`",
            outcome: "not_attempted",
            detail: "apply stopped when broker namespace `ns` failed",
          },
        ],
      }),
      verified: null,
    };
    expect(resourceStatus(result, "/hub")).toEqual({
      label: "not attempted",
      tone: "neutral",
      detail: "apply stopped when broker namespace `ns` failed",
    });
  });
});

describe("applied steps", () => {
  const attendee = {
    target: "local" as const,
    namespace: "dgrf",
    environment: "dv" as const,
    region_code: "eun",
  };

  test("lists the steps applied without a failure for these names", () => {
    const results: Record<string, StepResult> = {
      resource_groups: { attendee, applied: applied({ created: 3 }), verified: null },
      shared_platform: {
        attendee,
        applied: applied({ failure: "the namespace could not be created" }),
        verified: null,
      },
      publishers: { attendee, applied: null, verified: verified(4, 0) },
      consumers: {
        attendee: { ...attendee, namespace: "other" },
        applied: applied({ created: 5 }),
        verified: null,
      },
    };
    expect(appliedSteps(results, "local", "dgrf", "dv", "eun")).toEqual(["resource_groups"]);
    expect(appliedSteps(results, "azure", "dgrf", "dv", "eun")).toEqual([]);
  });
});

describe("skipped by Apply", () => {
  test("names the opt-in resource Apply left out", () => {
    const workspace = resource("/dbw", "Databricks workspace", "dv-events-dbw-eun-dgrf", true);
    const record = applied({
      created: 9,
      skipped: 1,
      resources: [
        { id: "/ns", title: "Event Hubs namespace", outcome: "created", detail: null },
        { id: "/dbw", title: "Databricks workspace", outcome: "skipped", detail: "opt-in" },
      ],
    });
    expect(skippedText(record, [workspace])).toBe(
      "Left out: the opt-in Databricks workspace `dv-events-dbw-eun-dgrf`.",
    );
    expect(skippedText(applied({ created: 2 }), [workspace])).toBe("");
  });
});

describe("timeOfDay", () => {
  test("writes a 24-hour clock", () => {
    const afternoon = new Date(2026, 11, 6, 15, 9).getTime() / 1000;
    expect(timeOfDay(afternoon)).toBe("15:09");
  });
});
