import { clearMocks } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test } from "vitest";

import App from "./App.svelte";
import type { ExerciseLog, Page, WizardState } from "./lib/api";
import { installBackend } from "./test/backend";
import { emptyAzureChoice } from "./lib/azure";

afterEach(() => {
  clearMocks();
});

function savedOn(
  page: Page,
  exercise: ExerciseLog = { mode: "backward", attempts: [] },
): WizardState {
  return {
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
    exercise,
    steps: {},
  };
}

async function openSaved(page: Page) {
  const backend = installBackend({ saved: savedOn(page) });
  const user = userEvent.setup();
  render(App);
  return { backend, user };
}

describe("saved progress", () => {
  test("resumes on the saved page with the saved choices", async () => {
    await openSaved("shared_platform");

    expect(await screen.findByRole("heading", { level: 1, name: "Shared platform" })).toBeTruthy();
    const plan = await screen.findByRole("region", { name: "What Apply creates" });
    expect(plan.textContent).toContain("dv-events001-ehns-eun-dgrf");
  });

  test("saves the page and the choices after each change", async () => {
    const backend = installBackend();
    const user = userEvent.setup();
    render(App);
    await user.click(await screen.findByRole("button", { name: "Next: Namespace" }));
    await user.type(await screen.findByLabelText("Unique namespace"), "dgrf");

    await waitFor(() => expect(backend.saves.at(-1)?.choices.namespace).toBe("dgrf"));
    expect(backend.saves.at(-1)?.page).toBe("namespace");
    expect(backend.saves.at(-1)?.choices.region).toEqual({ name: "northeurope", code: "eun" });
  });

  test("shows why a saved file could not be used", async () => {
    installBackend({ notice: "The saved progress in /x/wizard.json could not be read." });
    render(App);

    expect((await screen.findByRole("status")).textContent).toContain("could not be read");
  });
});

describe("resource step pages", () => {
  test("explain the step and group resource groups by team", async () => {
    await openSaved("resource_groups");

    await screen.findByRole("heading", { level: 1, name: "Resource groups" });
    expect(screen.getByText(/unit of access, cost and deletion/)).toBeTruthy();
    const platform = await screen.findByRole("region", { name: /Owned by the Platform team/ });
    expect(platform.textContent).toContain("dv-events-broker-rg");
    const customer = screen.getByRole("region", { name: /Owned by the Customer team/ });
    expect(within(customer).getByText("Customer")).toBeTruthy();
  });

  test("show the Databricks workspace as opt-in and billed while it exists", async () => {
    await openSaved("shared_platform");

    const names = await screen.findAllByText("dv-events-dbw-eun-dgrf", { exact: false });
    const row = names.map((name) => name.closest("tr")).find((candidate) => candidate !== null);
    expect(row?.textContent).toContain("opt-in");
    expect(row?.textContent).toContain("billed on Azure while it exists");
    const note = document.getElementById("opt-in-databricks_workspace")?.textContent ?? "";
    expect(note.replace(/\s+/g, " ")).toContain("bills it by the hour");
  });

  test("group consumer groups by hub", async () => {
    await openSaved("consumers");

    const customer = await screen.findByRole("region", { name: /Hub customer/ });
    expect(within(customer).getAllByRole("row")).toHaveLength(3);
    expect(screen.getByRole("region", { name: /Hub lead/ })).toBeTruthy();
  });

  test("show the step as Bicep and as az CLI with a copy button", async () => {
    const { backend, user } = await openSaved("publishers");

    await user.click(await screen.findByRole("button", { name: "Show as Bicep" }));
    const bicep = await screen.findByLabelText("Bicep text");
    expect(bicep.textContent).toBe("// Bicep for publishers");
    expect(screen.getByRole("button", { name: "Show as Bicep" }).getAttribute("aria-pressed")).toBe(
      "true",
    );

    await user.click(screen.getByRole("button", { name: "Show as az CLI" }));
    expect((await screen.findByLabelText("az CLI text")).textContent).toContain("az group create");
    expect(backend.exports).toEqual(["bicep", "az_cli"]);
    expect(screen.getByRole("button", { name: "Copy az CLI" })).toBeTruthy();
  });

  test("say what Apply and Verify do", async () => {
    await openSaved("publishers");

    const apply = (await screen.findByRole("button", {
      name: "Apply this step",
    })) as HTMLButtonElement;
    await waitFor(() => expect(apply.disabled).toBe(false));
    expect(apply.getAttribute("aria-describedby")).toBe("apply-what");
    expect(document.getElementById("apply-what")?.textContent).toContain("Local target");
  });

  test("fold the Apply explanation after the first step", async () => {
    const { user } = await openSaved("resource_groups");
    await screen.findByRole("button", { name: "Apply this step" });
    const details = () => document.querySelector("details.more") as HTMLDetailsElement;
    expect(details().open).toBe(true);
    expect(details().textContent).toContain("press Apply again");

    await user.click(screen.getByRole("button", { name: "Next: Shared platform" }));
    await screen.findByRole("heading", { level: 1, name: "Shared platform" });
    expect(details().open).toBe(false);
    expect(details().querySelector("summary")?.textContent).toBe("How Apply works");
  });

  test("Back and Next move between the steps", async () => {
    const { user } = await openSaved("publishers");

    await user.click(await screen.findByRole("button", { name: "Next: Consumers" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Consumers" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Back" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Publishers" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Back" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Schema registry" })).toBeTruthy();
  });

  test("focus the page heading when a step opens", async () => {
    await openSaved("consumers");

    const heading = await screen.findByRole("heading", { level: 1, name: "Consumers" });
    expect(document.activeElement).toBe(heading);
  });
});

describe("schema exercise page", () => {
  async function registerAll(user: ReturnType<typeof userEvent.setup>) {
    for (const attempt of [1, 2, 3, 4, 5]) {
      await user.click(await screen.findByRole("button", { name: `Register attempt ${attempt}` }));
    }
  }

  function verdicts(): string[] {
    return [1, 2, 3, 4, 5].map(
      (attempt) =>
        document.querySelector(`[data-attempt="${attempt}"] .verdict`)?.textContent?.trim() ?? "",
    );
  }

  test("a failed registration focuses its message", async () => {
    const { backend, user } = await openSaved("schema_registry");
    const first = (await screen.findByRole("button", {
      name: "Register attempt 1",
    })) as HTMLButtonElement;
    await waitFor(() => expect(first.disabled).toBe(false));
    // The backend records attempt 1 behind the page's back, so the page's request fails.
    backend.log.attempts.push({
      mode: "backward",
      attempt: 1,
    } as (typeof backend.log.attempts)[number]);

    await user.click(first);

    const message = await screen.findByText(/comes later/);
    await waitFor(() => expect(document.activeElement).toBe(message));
  });

  test("enables only the next attempt", async () => {
    await openSaved("schema_registry");

    const first = (await screen.findByRole("button", {
      name: "Register attempt 1",
    })) as HTMLButtonElement;
    await waitFor(() => expect(first.disabled).toBe(false));
    for (const attempt of [2, 3, 4, 5]) {
      const button = screen.getByRole("button", { name: `Register attempt ${attempt}` });
      expect((button as HTMLButtonElement).disabled).toBe(true);
    }
    expect(screen.getByText(/against the/).textContent).toContain("latest registered version");
  });

  test("shows the Backward verdicts with reasons and warnings", async () => {
    const { backend, user } = await openSaved("schema_registry");

    await registerAll(user);

    expect(verdicts()).toEqual(["accepted", "accepted", "rejected", "accepted", "rejected"]);
    expect(backend.log.attempts).toHaveLength(5);
    const reasons = screen.getAllByRole("list", { name: "Why it was rejected" });
    expect(reasons).toHaveLength(2);
    expect(reasons[0].textContent).toContain("mandatory_field");
    expect(reasons[0].textContent).toContain("backward: new reader, old data");
    expect(reasons[0].textContent).toContain("Fix:");
    expect(screen.getAllByRole("list", { name: "Warnings" }).length).toBe(4);
  });

  test("runs Forward separately from Backward", async () => {
    const { user } = await openSaved("schema_registry");
    await user.click(await screen.findByRole("button", { name: "Register attempt 1" }));

    await user.click(screen.getByRole("radio", { name: /Forward/ }));
    await registerAll(user);

    expect(verdicts()).toEqual(["accepted", "accepted", "accepted", "rejected", "rejected"]);
    await user.click(screen.getByRole("radio", { name: /Backward/ }));
    expect(verdicts()).toEqual(["accepted", "", "", "", ""]);
  });

  test("moves focus to the next attempt after each verdict", async () => {
    const { user } = await openSaved("schema_registry");

    await user.click(await screen.findByRole("button", { name: "Register attempt 1" }));

    await waitFor(() =>
      expect(document.activeElement).toBe(
        screen.getByRole("button", { name: "Register attempt 2" }),
      ),
    );
    expect(screen.getByText("Attempt 1 accepted.")).toBeTruthy();
  });

  test("pre-fills the editor with the next attempt and registers it", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = (await screen.findByLabelText("Try your own schema")) as HTMLTextAreaElement;
    await waitFor(() => expect(editor.value).toContain("backward-1"));

    await user.click(screen.getByRole("button", { name: "Register attempt 1" }));
    await waitFor(() => expect(editor.value).toContain("backward-2"));

    await user.click(screen.getByRole("button", { name: "Register this schema" }));
    expect(await screen.findByRole("heading", { name: /Your schema/ })).toBeTruthy();
  });

  test("reports a JSON syntax error next to the button and focuses it", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = await screen.findByLabelText("Try your own schema");

    await user.clear(editor);
    await user.type(editor, "not a schema");
    await user.click(screen.getByRole("button", { name: "Register this schema" }));

    const result = await waitFor(() => {
      const element = document.getElementById("own-result");
      expect(element).not.toBeNull();
      return element as HTMLElement;
    });
    expect(result.textContent).toContain("JSON syntax error at line 1, column 1");
    expect(result.textContent).not.toContain("Avro");
    expect(document.activeElement).toBe(result);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("reports an Avro problem in valid JSON as an Avro error", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = await screen.findByLabelText("Try your own schema");

    await user.clear(editor);
    await user.click(editor);
    await user.paste('{"type":"record","name":"A","fields":[{"name":"f","type":"strng"}]}');
    await user.click(screen.getByRole("button", { name: "Register this schema" }));

    await waitFor(() =>
      expect(document.getElementById("own-result")?.textContent).toContain("not valid Avro"),
    );
  });

  test("says the schema is empty and clears the old error", async () => {
    const { backend, user } = await openSaved("schema_registry");
    const editor = await screen.findByLabelText("Try your own schema");
    await user.clear(editor);
    await user.type(editor, "not a schema");
    const register = screen.getByRole("button", { name: "Register this schema" });
    await user.click(register);
    await waitFor(() =>
      expect(document.getElementById("own-result")?.textContent).toContain("JSON syntax"),
    );

    await user.clear(editor);
    expect((register as HTMLButtonElement).disabled).toBe(false);
    await user.click(register);

    await waitFor(() =>
      expect(document.getElementById("own-result")?.textContent).toContain("The schema is empty"),
    );
    expect(document.getElementById("own-result")?.textContent).not.toContain("JSON syntax");
    expect(document.activeElement?.id).toBe("own-result");
    expect(backend.log.attempts).toHaveLength(0);
  });

  test("shows the own schema's verdict next to the button", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = (await screen.findByLabelText("Try your own schema")) as HTMLTextAreaElement;
    await waitFor(() => expect(editor.value).toContain("backward-1"));

    await user.click(screen.getByRole("button", { name: "Register this schema" }));

    await waitFor(() =>
      expect(document.getElementById("own-result")?.textContent).toContain(
        "Your schema was accepted",
      ),
    );
    expect(document.activeElement?.id).toBe("own-result");
  });

  test("says an accepted own schema has a warning", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = await screen.findByLabelText("Try your own schema");
    await user.clear(editor);
    await user.click(editor);
    await user.paste(
      '{"type":"record","name":"example.Order","fields":[{"name":"placed_at",' +
        '"type":{"type":"long","logicalType":"timestamp-micros"}}]}',
    );

    await user.click(screen.getByRole("button", { name: "Register this schema" }));

    const result = await waitFor(() => {
      const element = document.getElementById("own-result");
      expect(element?.textContent).toContain("Your schema was accepted");
      return element as HTMLElement;
    });
    expect(result.textContent).toContain("with a warning on order.placed_at.");
    expect(result.classList.contains("warned")).toBe(true);
    expect(result.classList.contains("bad")).toBe(false);
    expect(document.activeElement).toBe(result);

    const warning = screen.getByRole("list", { name: "Warnings" }).querySelector("li");
    const lines = [...(warning?.querySelectorAll("p") ?? [])].map((line) =>
      (line.textContent ?? "").replace(/\s+/g, " ").trim(),
    );
    expect(lines[0]).toBe("Warning on order.placed_at");
    expect(warning?.querySelector("strong code")?.textContent).toBe("order.placed_at");
    expect(lines[1]).toMatch(/off by a factor of 1,000\.$/);
    expect(lines[1]).toMatch(/^Field order.placed_at changes/);
    expect(lines[2]).toBe("Fix: Keep the logical type timestamp-millis on field order.placed_at.");

    await user.click(screen.getByRole("button", { name: "Show the verdict" }));
    expect(document.activeElement?.id).toBe("latest-verdict");
  });

  test("offers no verdict button after an error", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = await screen.findByLabelText("Try your own schema");
    await user.clear(editor);
    await user.type(editor, "not a schema");

    await user.click(screen.getByRole("button", { name: "Register this schema" }));

    await waitFor(() =>
      expect(document.getElementById("own-result")?.classList.contains("bad")).toBe(true),
    );
    expect(screen.queryByRole("button", { name: "Show the verdict" })).toBeNull();
  });

  test("starts over with an empty group", async () => {
    const { backend, user } = await openSaved("schema_registry");
    await user.click(await screen.findByRole("button", { name: "Register attempt 1" }));

    await user.click(screen.getByRole("button", { name: "Start the exercise over" }));

    await waitFor(() => expect(verdicts()).toEqual(["", "", "", "", ""]));
    expect(backend.log.attempts).toHaveLength(0);
  });
});

describe("schema registry step", () => {
  function pressed(): string[] {
    const views = screen.getByRole("group", { name: "Show the step as" });
    return within(views)
      .getAllByRole("button")
      .filter((button) => button.getAttribute("aria-pressed") === "true")
      .map((button) => button.textContent?.trim() ?? "");
  }

  async function enabledButton(name: string): Promise<HTMLButtonElement> {
    const button = (await screen.findByRole("button", { name })) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    return button;
  }

  test("opens on the exercise, keeping edits across views", async () => {
    const { user } = await openSaved("schema_registry");
    const editor = (await screen.findByLabelText("Try your own schema")) as HTMLTextAreaElement;
    await waitFor(() => expect(editor.value).toContain("backward-1"));

    expect(pressed()).toEqual(["Exercise"]);
    await user.clear(editor);
    await user.paste("{}");
    await user.click(screen.getByRole("button", { name: "Plan" }));

    expect(pressed()).toEqual(["Plan"]);
    expect(screen.queryByLabelText("Try your own schema")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Exercise" }));
    expect((screen.getByLabelText("Try your own schema") as HTMLTextAreaElement).value).toBe("{}");
  });

  test("shows plan, Bicep and az CLI", async () => {
    const { backend, user } = await openSaved("schema_registry");

    await user.click(await screen.findByRole("button", { name: "Plan" }));
    const plan = await screen.findByRole("region", { name: "What Apply creates" });
    await within(plan).findByText(/1 resource for/);
    expect(plan.textContent).toContain("myschemagroup");
    expect(plan.textContent).toContain("Avro, compatibility Backward");

    await user.click(screen.getByRole("button", { name: "Show as Bicep" }));
    expect((await screen.findByLabelText("Bicep text")).textContent).toBe(
      "// Bicep for schema_registry",
    );
    await user.click(screen.getByRole("button", { name: "Show as az CLI" }));
    expect((await screen.findByLabelText("az CLI text")).textContent).toContain("schema_registry");
    expect(backend.exports).toEqual(["bicep", "az_cli"]);
  });

  test("explains Apply and Verify beside the exercise", async () => {
    await openSaved("schema_registry");

    const apply = await enabledButton("Apply this step");
    const verify = screen.getByRole("button", { name: "Verify" });
    expect(apply.getAttribute("aria-describedby")).toBe("apply-what apply-note");
    expect(verify.getAttribute("aria-describedby")).toBe("apply-what apply-note");
    const note = (document.getElementById("apply-note")?.textContent ?? "").replace(/\s+/g, " ");
    expect(note).toContain("first sets myschemagroup to the compatibility mode you picked");
    expect(note).toContain("Apply sets it to Backward");
    expect(note).toContain("Verify reports that difference");
    // Registering an attempt is the page's main action, so Apply does not compete with it.
    expect(apply.classList.contains("primary")).toBe(false);
    expect(screen.getByRole("button", { name: /Register attempt 1/ }).classList).toContain(
      "primary",
    );
  });

  test("Apply then Verify matches the plan", async () => {
    const { backend, user } = await openSaved("schema_registry");

    await user.click(await enabledButton("Apply this step"));
    const applied = await screen.findByText(/1 created, 0 updated, 0 unchanged, 0 skipped/);
    expect(applied.closest("#apply-result")).toBeTruthy();
    await waitFor(() => expect(document.activeElement?.id).toBe("apply"));
    expect(pressed()).toEqual(["Exercise"]);

    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText(/the 1 resource checked matches the plan/)).toBeTruthy();
    expect(document.activeElement?.id).toBe("verify");
    expect(backend.provisioning).toEqual(["apply:schema_registry", "verify:schema_registry"]);
  });

  test("Verify reports a group in Forward mode", async () => {
    const { user } = await openSaved("schema_registry");
    await user.click(await screen.findByRole("radio", { name: /Forward/ }));
    await user.click(await enabledButton("Register attempt 1"));
    await screen.findByText("Attempt 1 accepted.");

    await user.click(screen.getByRole("button", { name: "Verify" }));

    const verdict = await screen.findByText(/1 difference from the plan in/);
    expect(verdict.textContent?.replace(/\s+/g, " ")).toContain(
      "1 difference from the plan in 1 resource checked",
    );
    expect(document.getElementById("verify-result")?.textContent).toContain(
      "has compatibility mode Forward",
    );

    await user.click(screen.getByRole("button", { name: "Apply this step" }));
    await screen.findByText(/0 created, 0 updated, 1 unchanged/);
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText(/the 1 resource checked matches the plan/)).toBeTruthy();
  });

  test("locks the exercise while Apply runs", async () => {
    let release = () => {};
    const applyGate = new Promise<void>((resolve) => (release = resolve));
    installBackend({ saved: savedOn("schema_registry"), applyGate });
    const user = userEvent.setup();
    render(App);
    const first = await enabledButton("Register attempt 1");

    await user.click(await enabledButton("Apply this step"));

    expect(await screen.findByRole("region", { name: /Apply running/ })).toBeTruthy();
    expect(first.disabled).toBe(true);
    expect((screen.getByRole("radio", { name: /Forward/ }) as HTMLInputElement).disabled).toBe(
      true,
    );
    release();
    await screen.findByText(/1 created/);
    await waitFor(() => expect(first.disabled).toBe(false));
    expect(await screen.findByLabelText("Try your own schema")).toBeTruthy();
  });

  test("registration shows the exercise again", async () => {
    const { user } = await openSaved("schema_registry");
    await user.click(await screen.findByRole("button", { name: "Plan" }));

    await user.click(await enabledButton("Register attempt 1"));

    await waitFor(() => expect(pressed()).toEqual(["Exercise"]));
    expect(await screen.findByRole("heading", { name: "Verdicts in Backward mode" })).toBeTruthy();
    expect(document.getElementById("latest-verdict")).not.toBeNull();
  });

  test("keeps the Apply result after leaving", async () => {
    const { user } = await openSaved("schema_registry");
    await user.click(await enabledButton("Apply this step"));
    await screen.findByText(/1 created/);

    await user.click(screen.getByRole("button", { name: "Next: Publishers" }));
    await screen.findByRole("heading", { level: 1, name: "Publishers" });
    await user.click(screen.getByRole("button", { name: "Back" }));

    await screen.findByRole("heading", { level: 1, name: "Schema registry" });
    const saved = await waitFor(() => {
      const element = document.getElementById("apply-result");
      expect(element).not.toBeNull();
      return element as HTMLElement;
    });
    expect(saved.textContent).toContain("1 created");
  });
});

describe("step page texts", () => {
  test("numbers the page as the step indicator does", async () => {
    await openSaved("resource_groups");

    expect((await screen.findByText("Step 3 of 10")).className).toContain("eyebrow");
  });

  test("says the namespace is marked only where a name contains it", async () => {
    await openSaved("resource_groups");
    const plan = await screen.findByRole("region", { name: "What Apply creates" });
    await within(plan).findByText(/resources for/);
    expect(plan.textContent).not.toContain("Your namespace is marked");
  });

  test("says the namespace is marked where names contain it", async () => {
    await openSaved("shared_platform");
    const plan = await screen.findByRole("region", { name: "What Apply creates" });
    await within(plan).findByText(/resources for/);
    expect(plan.textContent).toContain("Your namespace is marked in the names that contain it.");
  });
});

describe("apply and verify", () => {
  test("Verify before Apply lists every missing resource", async () => {
    const { backend, user } = await openSaved("resource_groups");

    await user.click(await screen.findByRole("button", { name: "Verify" }));

    const verdict = await screen.findByText(/differences from the plan/);
    expect(verdict.textContent?.replace(/\s+/g, " ")).toContain("2 differences");
    expect(backend.provisioning).toEqual(["verify:resource_groups"]);
    const plan = screen.getByRole("region", { name: "What Apply creates" });
    expect(within(plan).getAllByText("differs")).toHaveLength(2);
  });

  test("Apply creates the step and Verify then matches", async () => {
    const { backend, user } = await openSaved("resource_groups");

    await user.click(await screen.findByRole("button", { name: "Apply this step" }));
    const applied = await screen.findByText(/2 created, 0 updated, 0 unchanged, 0/);
    expect(applied.closest("#apply-result")).toBeTruthy();
    const plan = screen.getByRole("region", { name: "What Apply creates" });
    expect(within(plan).getAllByText("created")).toHaveLength(2);

    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText(/all 2 resources checked match the plan/)).toBeTruthy();
    expect(within(plan).getAllByText("matches")).toHaveLength(2);
    expect(backend.provisioning).toEqual(["apply:resource_groups", "verify:resource_groups"]);
  });

  test("shows a saved result only for the same names", async () => {
    const saved = savedOn("resource_groups");
    const result = {
      attendee: {
        target: "local" as const,
        namespace: "other",
        environment: "dv" as const,
        region_code: "eun",
      },
      applied: null,
      verified: { finished_at: 1, checked: 2, skipped: [], findings: [] },
    };
    installBackend({ saved: { ...saved, steps: { resource_groups: result } } });
    render(App);

    await screen.findByRole("region", { name: "What Apply creates" });
    expect(screen.queryByText(/match the plan/)).toBeNull();
  });
});

describe("step pages on Azure", () => {
  function savedOnAzure(page: Page): WizardState {
    const saved = savedOn(page);
    saved.choices.target = "azure";
    saved.choices.azure.subscription = { id: "sub-1", name: "Workshop", tenant: "t" };
    return saved;
  }

  test("name the subscription and offer the Databricks workspace", async () => {
    const backend = installBackend({ saved: savedOnAzure("shared_platform") });
    const user = userEvent.setup();
    render(App);

    const apply = await screen.findByRole("button", { name: "Apply on Azure" });
    expect(apply.getAttribute("aria-describedby")).toBe("apply-what");
    expect(document.getElementById("apply-what")?.textContent).toContain("Workshop (sub-1)");
    const optIn = screen.getByRole("checkbox", { name: /Create it in my subscription/ });
    expect((optIn as HTMLInputElement).checked).toBe(false);

    await user.click(optIn);
    await waitFor(() => expect(backend.saves.at(-1)?.choices.azure.with_databricks).toBe(true));
  });

  test("on Local offer no Databricks workspace", async () => {
    await openSaved("shared_platform");
    await screen.findByRole("button", { name: "Apply this step" });
    expect(screen.queryByRole("checkbox", { name: /Create it in my subscription/ })).toBeNull();
  });
});
