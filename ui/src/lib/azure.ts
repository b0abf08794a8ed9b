import { Channel, invoke } from "@tauri-apps/api/core";

import type { AzureChoice, SignInMethod } from "./api";

/** A subscription the signed-in account can use. */
export interface Subscription {
  id: string;
  name: string;
  tenant: string;
  /** `Enabled`, `Disabled`, `Warned` and so on. */
  state: string;
}

/** Whether the app is signed in with the method and fields of the choice, and the subscriptions. */
export interface AzureAccount {
  signed_in: boolean;
  subscriptions: Subscription[];
}

/** A resource provider the plan needs that is not registered, with the command that registers it. */
export interface ProviderProblem {
  namespace: string;
  state: string;
  fix: string;
}

/** The chosen subscription and the providers the plan needs in it. */
export interface SubscriptionCheck {
  subscription: { id: string; name: string; tenant: string };
  needed: string[];
  problems: ProviderProblem[];
}

/** The ways to sign in, in the order the page offers them. */
export const SIGN_IN_METHODS: readonly { id: SignInMethod; title: string; text: string }[] = [
  {
    id: "azure_cli",
    title: "Azure CLI",
    text: "Uses the account you signed in to with `az login` on this computer.",
  },
  {
    id: "device_code",
    title: "Device code",
    text: "Shows a code to enter at microsoft.com/devicelogin, in a browser on any device.",
  },
  {
    id: "service_principal",
    title: "Service principal",
    text: "An app registration with a client secret; the secret is kept in the OS keychain.",
  },
];

/** Returns a choice with no sign-in details and no subscription: the Azure CLI's default. */
export function emptyAzureChoice(): AzureChoice {
  return {
    method: "azure_cli",
    tenant: "",
    client_id: "",
    subscription: null,
    with_databricks: false,
  };
}

/**
 * Returns what the choice still lacks before its sign-in can start, or null. A service
 * principal's secret may be left empty: the one stored in the keychain is used then.
 */
export function missingSignInField(choice: AzureChoice): string | null {
  if (choice.method !== "service_principal") {
    return null;
  }
  if (choice.tenant.trim() === "") {
    return "Type the tenant id or domain of the service principal.";
  }
  if (choice.client_id.trim() === "") {
    return "Type the application (client) id of the service principal.";
  }
  return null;
}

/** The page and the code of a device code sign-in, as far as its message names them. */
export interface DeviceCode {
  url: string | null;
  code: string | null;
}

/**
 * Finds the sign-in page and the code in Microsoft Entra's device code message, such as "To
 * sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the
 * code ABCD1234 to authenticate."
 */
export function deviceCode(message: string): DeviceCode {
  const url = /https:\/\/[^\s]+[^\s.,;)]/.exec(message)?.[0] ?? null;
  const code = /\bcode\s+([A-Z0-9-]{6,})\b/.exec(message)?.[1] ?? null;
  return { url, code };
}

/**
 * Signs in with the method of `choice` and lists the subscriptions. `clientSecret`, when not empty,
 * goes to the OS keychain. `onPrompt` receives the device code message.
 */
export function azureSignIn(
  choice: AzureChoice,
  clientSecret: string,
  onPrompt: (message: string) => void,
): Promise<AzureAccount> {
  const prompt = new Channel<string>();
  prompt.onmessage = onPrompt;
  return invoke<AzureAccount>("azure_sign_in", {
    choice,
    clientSecret: clientSecret === "" ? null : clientSecret,
    prompt,
  });
}

/** Returns whether the app is signed in with the method and fields of `choice`, without prompting. */
export function azureAccount(choice: AzureChoice): Promise<AzureAccount> {
  return invoke<AzureAccount>("azure_account", { choice });
}

/** Chooses the subscription `id` and checks the resource providers the plan needs in it. */
export function azureChooseSubscription(
  choice: AzureChoice,
  id: string,
): Promise<SubscriptionCheck> {
  return invoke<SubscriptionCheck>("azure_choose_subscription", { choice, id });
}
