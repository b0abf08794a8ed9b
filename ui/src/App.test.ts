import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test } from "vitest";

import App from "./App.svelte";
import { installBackend } from "./test/backend";

afterEach(() => {
  clearMocks();
});

async function openNamespacePage() {
  const user = userEvent.setup();
  render(App);
  await user.click(await screen.findByRole("button", { name: "Next: Namespace" }));
  const field = await screen.findByLabelText("Unique namespace");
  return { user, field: field as HTMLInputElement };
}

describe("welcome page", () => {
  test("introduces the teams and every step", async () => {
    installBackend();
    render(App);

    await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" });
    for (const team of ["Platform", "Customer", "Product", "Conversions"]) {
      expect(screen.getByRole("heading", { name: team })).toBeTruthy();
    }
    const steps = within(screen.getByRole("region", { name: "The steps" })).getAllByRole(
      "listitem",
    );
    expect(steps).toHaveLength(10);
  });

  test("starts on Local, with Next open", async () => {
    installBackend();
    render(App);

    const local = (await screen.findByRole("radio", { name: /^Local/ })) as HTMLInputElement;
    expect(local.checked).toBe(true);
    expect(screen.queryByRole("heading", { name: "Sign in to Azure" })).toBeNull();
    const next = screen.getByRole("button", { name: "Next: Namespace" }) as HTMLButtonElement;
    expect(next.disabled).toBe(false);
  });

  test("Azure needs a sign-in and a subscription before Next", async () => {
    const backend = installBackend();
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("radio", { name: /^Azure/ }));
    expect(screen.getByRole("heading", { name: "Sign in to Azure" })).toBeTruthy();
    const next = screen.getByRole("button", { name: "Next: Namespace" }) as HTMLButtonElement;
    expect(next.disabled).toBe(true);
    expect(screen.getByText("Sign in to Azure and choose a subscription first.")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Sign in" }));
    // The only enabled subscription is chosen at once; the disabled one cannot be.
    const chosen = (await screen.findByRole("radio", { name: /^Workshop/ })) as HTMLInputElement;
    await waitFor(() => expect(chosen.checked).toBe(true));
    const old = screen.getByRole("radio", { name: /^Old/ }) as HTMLInputElement;
    expect(old.disabled).toBe(true);
    expect((await screen.findByText(/Using Workshop/)).textContent).toContain("Microsoft.EventHub");
    expect(next.disabled).toBe(false);
    expect(backend.signIns).toEqual(["azure_cli"]);
    const saved = backend.saves.at(-1)?.choices;
    expect(saved?.target).toBe("azure");
    expect(saved?.azure.subscription?.id).toBe("11111111-1111-1111-1111-111111111111");
  });

  test("device code sign-in shows the message and the code to copy", async () => {
    installBackend();
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("radio", { name: /^Azure/ }));
    await user.click(screen.getByRole("radio", { name: "Device code" }));
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    const status = await screen.findByText(/use a web browser to open the page/);
    expect(status.textContent).toContain("K7QX2M9PL");
    expect(screen.getByText("K7QX2M9PL").tagName).toBe("CODE");
    expect(screen.getByRole("button", { name: "Copy code" })).toBeTruthy();
    expect((screen.getByRole("button", { name: "Signing in…" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  test("service principal fields and sign-in failure", async () => {
    installBackend({ azure: { failure: "signing in to Azure did not work: AADSTS7000215" } });
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("radio", { name: /^Azure/ }));
    await user.click(screen.getByRole("radio", { name: "Service principal" }));
    const signIn = screen.getByRole("button", { name: "Sign in" }) as HTMLButtonElement;
    expect(signIn.disabled).toBe(true);
    expect(screen.getByText(/Type the tenant id/)).toBeTruthy();
    await user.type(screen.getByLabelText("Tenant"), "contoso.onmicrosoft.com");
    await user.type(screen.getByLabelText(/Application \(client\) id/), "app-id");
    expect(signIn.disabled).toBe(false);
    const secret = screen.getByLabelText("Client secret") as HTMLInputElement;
    expect(secret.type).toBe("password");

    await user.click(signIn);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("AADSTS7000215");
    await waitFor(() => expect(document.activeElement).toBe(alert));
  });

  test("Enter on the target choice opens the namespace page", async () => {
    installBackend();
    const user = userEvent.setup();
    render(App);

    const local = await screen.findByRole("radio", { name: /^Local/ });
    local.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByRole("heading", { name: "Choose your namespace" })).toBeTruthy();
  });
});

describe("keyboard", () => {
  test("Tab reaches the open steps, the target choice, then Next", async () => {
    installBackend();
    const user = userEvent.setup();
    render(App);
    await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" });

    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("switch", { name: "Instructor mode" }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: /^Namespace/ }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("radio", { name: /^Local/ }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Next: Namespace" }));
  });

  test("namespace page focuses the field, then tabs through the settings to Back", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();

    expect(document.activeElement).toBe(field);
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText("Environment"));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText("Region"));
    await user.tab();
    expect(document.activeElement).toBe(
      screen.getByRole("region", { name: "Names this creates" }),
    );
    await user.tab();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Back" }));
  });
});

describe("start-up", () => {
  test("shows why the workshop could not start", async () => {
    mockIPC(() => {
      throw "course data is unavailable";
    });
    render(App);

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The workshop could not start");
    expect(alert.textContent).toContain("course data is unavailable");
  });
});

describe("step indicator", () => {
  test("marks the current step and keeps later steps closed without a namespace", async () => {
    installBackend();
    render(App);

    const nav = await screen.findByRole("navigation", { name: "Workshop steps" });
    const items = within(nav).getAllByRole("listitem");
    expect(items).toHaveLength(10);
    expect(items[0].getAttribute("aria-current")).toBe("step");
    expect(items[2].textContent).toContain("Resource groups");
    expect(items[2].textContent).toContain("needs a valid namespace");
    expect(items[7].textContent).toContain("Live flow");
    expect(items[8].textContent).toContain("Data lake");
    expect(items[8].textContent).toContain("needs a valid namespace");
    expect(items[9].textContent).toContain("Teardown");
    expect(within(nav).getAllByRole("button").map((button) => button.textContent)).toEqual([
      expect.stringContaining("Namespace"),
    ]);
    expect(within(nav).queryAllByRole("link")).toHaveLength(0);
  });

  test("opens every live step once the namespace is valid", async () => {
    installBackend("dgrf");
    const user = userEvent.setup();
    render(App);

    const nav = await screen.findByRole("navigation", { name: "Workshop steps" });
    await waitFor(() => expect(within(nav).getAllByRole("button")).toHaveLength(9));
    await user.click(within(nav).getByRole("button", { name: /Publishers/ }));

    expect(await screen.findByRole("heading", { level: 1, name: "Publishers" })).toBeTruthy();
    await user.click(within(nav).getByRole("button", { name: /Data lake/ }));
    expect(await screen.findByRole("heading", { level: 1, name: "Data lake" })).toBeTruthy();
  });

  test("marks a step applied once its Apply finishes without a failure", async () => {
    installBackend("dgrf");
    const user = userEvent.setup();
    render(App);

    const nav = await screen.findByRole("navigation", { name: "Workshop steps" });
    await waitFor(() => expect(within(nav).getAllByRole("button")).toHaveLength(9));
    const item = () => within(nav).getAllByRole("listitem")[2];
    expect(item().textContent).not.toContain("applied");
    await user.click(within(nav).getByRole("button", { name: /Resource groups/ }));
    await user.click(await screen.findByRole("button", { name: "Apply this step" }));
    await waitFor(() => expect(item().textContent).toContain("applied"));
    expect(item().querySelector(".check")?.textContent).toBe("✓");
    expect(within(nav).getAllByRole("listitem")[3].querySelector(".check")).toBeNull();
  });
});

describe("namespace page", () => {
  test("checks the namespace on every keystroke", async () => {
    const backend = installBackend();
    const { user, field } = await openNamespacePage();

    await user.type(field, "dgrf");

    const typed = backend.checks.map((call) => call.namespace).filter((text) => text !== "");
    expect(typed).toEqual(["d", "dg", "dgr", "dgrf"]);
    expect(backend.checks.at(-1)).toEqual({
      namespace: "dgrf",
      environment: "dv",
      regionName: "northeurope",
      regionCode: "eun",
    });
  });

  test("lists every planned name grouped by step and kind, with its team", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();

    await user.type(field, "dgrf");

    const plan = await screen.findByRole("region", { name: "Names this creates" });
    const platform = await within(plan).findByRole("region", { name: /Step 4: Shared platform/ });
    expect(platform.textContent).toContain("dv-events001-ehns-eun-dgrf");
    expect(platform.textContent).toContain("dvevents001saeundgrf");
    expect(within(platform).getByRole("rowheader", { name: /Event Hubs namespace/ })).toBeTruthy();
    expect(within(platform).getAllByText("Platform").length).toBeGreaterThan(0);
    const groups = within(plan).getByRole("region", { name: /Step 3: Resource groups/ });
    expect(within(groups).queryByRole("columnheader", { name: "Resource group" })).toBeNull();
    expect(within(platform).getByRole("columnheader", { name: "Resource group" })).toBeTruthy();
    expect(screen.getByText(/all 3 names are valid/)).toBeTruthy();
  });

  test("shows the longest allowed length and the resource that sets it", async () => {
    installBackend();
    await openNamespacePage();

    const hint = await screen.findByText(/At most/);
    expect(hint.textContent).toContain("8 characters");
    expect(hint.textContent).toContain("dvevents001saeun{namespace}");
  });

  test("shows each problem with its fix and marks the field invalid", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();

    await user.type(field, "toolongname");

    const problems = await screen.findByRole("list", { name: "Problems with this namespace" });
    expect(problems.id).toBe("namespace-problems");
    const item = within(problems).getByRole("listitem");
    expect(item.textContent).toContain("is too long");
    expect(item.textContent).toContain("Fix: use a unique namespace of at most 8 characters.");
    expect(item.textContent?.match(/Fix:/g)).toHaveLength(1);
    expect(screen.getByText(/1 name breaks Azure's naming rules/)).toBeTruthy();
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect(field.getAttribute("aria-describedby")).toContain("namespace-problems");
  });

  test("says when capitals are lower-cased", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();

    await user.type(field, "DGRF");

    expect((await screen.findByText(/lower case/)).textContent).toContain("dgrf");
  });

  test("starts with the namespace from AZURE_UNIQUE_NAMESPACE", async () => {
    const backend = installBackend("dgrf");
    const { field } = await openNamespacePage();

    expect(field.value).toBe("dgrf");
    expect(screen.getByText(/Filled in from the environment variable/)).toBeTruthy();
    await screen.findByText(/all 3 names are valid/);
    expect(backend.checks.at(-1)?.namespace).toBe("dgrf");
  });

  test("rechecks with the chosen environment and region", async () => {
    const backend = installBackend();
    const { user, field } = await openNamespacePage();
    await user.type(field, "dgrf");

    await user.selectOptions(screen.getByLabelText("Environment"), "qa");
    await user.selectOptions(screen.getByLabelText("Region"), "westeurope");

    expect(backend.checks.at(-1)).toEqual({
      namespace: "dgrf",
      environment: "qa",
      regionName: "westeurope",
      regionCode: "euw",
    });
    expect((await screen.findAllByText("qa-events001-ehns-euw-", { exact: false })).length).toBe(1);
  });

  test("reports an invalid region code from the shell", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();
    await user.type(field, "dgrf");

    await user.selectOptions(screen.getByLabelText("Region"), "__other__");
    const code = screen.getByLabelText("Short code in names");
    await user.clear(code);
    await user.type(code, "e-u");

    expect((await screen.findByRole("alert")).textContent).toContain("region code `e-u` is invalid");
  });

  test("Back returns to the welcome page and keeps the namespace", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();
    await user.type(field, "dgrf");

    await user.click(screen.getByRole("button", { name: "Back" }));
    expect(await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Next: Namespace" }));

    expect(((await screen.findByLabelText("Unique namespace")) as HTMLInputElement).value).toBe(
      "dgrf",
    );
  });

  test("blocks Next until the namespace is valid", async () => {
    installBackend();
    const { user, field } = await openNamespacePage();

    const next = screen.getByRole("button", { name: "Next: Resource groups" }) as HTMLButtonElement;
    expect(next.disabled).toBe(true);
    expect(screen.getByText("Type a namespace to go on.")).toBeTruthy();

    await user.type(field, "dgrf");
    await waitFor(() => expect(next.disabled).toBe(false));
    await user.click(next);
    expect(await screen.findByRole("heading", { level: 1, name: "Resource groups" })).toBeTruthy();
  });
});
