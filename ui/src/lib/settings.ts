import type { AttendeeChoice, Choices, Environment, Region } from "./api";

/** The place the workshop runs. Only Local works in this build. */
export type Target = "local";

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
  };
}

/** Returns the part of the settings that a plan is built from. */
export function attendeeOf(settings: Settings): AttendeeChoice {
  return {
    namespace: settings.namespace,
    environment: settings.environment,
    region: { name: settings.region.name, code: settings.region.code },
  };
}
