import { render, screen } from "@testing-library/svelte";
import { describe, expect, test } from "vitest";

import type { AttemptRecord } from "../lib/api";
import VerdictCard from "./VerdictCard.svelte";

function attempt(number: number | null): AttemptRecord {
  return {
    attempt: number,
    mode: "forward",
    schema_name: "ForwardCompatibleEvent.Created",
    accepted: true,
    version: 2,
    schema_id: null,
    compared_with_version: 1,
    explanation: "",
    reasons: [],
    warnings: [
      {
        field: "optional_field",
        message: "the default null does not match the first branch `string`",
        fix: "put `null` first",
      },
    ],
    registry_detail: null,
  };
}

describe("verdict card", () => {
  test("names the verdict whose warning it repeats", () => {
    render(VerdictCard, { props: { record: attempt(4), previous: attempt(3) } });
    expect(screen.getByText(/the same as for attempt 3/)).toBeTruthy();
  });

  test("names your own schema when it gave the warning first", () => {
    render(VerdictCard, { props: { record: attempt(5), previous: attempt(null) } });
    expect(screen.getByText(/the same as for your schema/)).toBeTruthy();
  });
});
