import type { AttendeeChoice, AzureChoice, Choices, Environment, Region, Target } from "./api";
import { emptyAzureChoice } from "./azure";

/** The attendee's choices so far in the wizard. */
export interface Settings {
  target: Target;
  namespace: string;
  /** Whether the namespace field was filled in from `AZURE_UNIQUE_NAMESPACE`. */
  namespaceFromEnvironment: boolean;
  environment: Environment;
  region: Region;
  /** Whether the attendee types a region that is not in the list of known regions. */
  customRegion: boolean;
  /** How to sign in to Azure and the subscription, used when the target is Azure. */
  azure: AzureChoice;
}

/** Converts the settings to the shape the shell saves. */
export function toChoices(settings: Settings): Choices {
  return {
    target: settings.target,
    namespace: settings.namespace,
    namespace_from_environment: settings.namespaceFromEnvironment,
    environment: settings.environment,
    region: { name: settings.region.name, code: settings.region.code },
    custom_region: settings.customRegion,
    azure: {
      ...settings.azure,
      subscription: settings.azure.subscription ? { ...settings.azure.subscription } : null,
    },
  };
}

/** Converts saved choices back to settings. */
export function fromChoices(choices: Choices): Settings {
  return {
    target: choices.target,
    namespace: choices.namespace,
    namespaceFromEnvironment: choices.namespace_from_environment,
    environment: choices.environment,
    region: { ...choices.region },
    customRegion: choices.custom_region,
    azure: { ...emptyAzureChoice(), ...choices.azure },
  };
}

/** Returns whether the wizard may leave the Target page: Azure needs a chosen subscription. */
export function targetReady(settings: Settings): boolean {
  return settings.target === "local" || settings.azure.subscription !== null;
}

/** Names where the steps run, for the header: Local, or Azure with the subscription's name. */
export function targetLabel(settings: Settings): string {
  if (settings.target === "local") {
    return "Local";
  }
  const subscription = settings.azure.subscription;
  return subscription ? `Azure, ${subscription.name}` : "Azure, no subscription yet";
}

/** Returns the part of the settings that a plan is built from. */
export function attendeeOf(settings: Settings): AttendeeChoice {
  return {
    namespace: settings.namespace,
    environment: settings.environment,
    region: { name: settings.region.name, code: settings.region.code },
  };
}
