// Explanations written for someone who has never taken the workshop. Keys are the ids that the
// course crate serializes for teams and steps.

/** The role of each team in the demo, in one sentence. */
export const TEAM_ROLES: Record<string, string> = {
  platform:
    "Runs the shared Event Hubs namespace, the schema registry and the storage, and provides " +
    "the templates the other teams publish and consume with.",
  customer:
    "Stores every new customer, then publishes a Customer.Created event, and follows each " +
    "customer's leads and purchases.",
  conversions:
    "Turns one customer in three into a lead, confirms sales from a partner's file and " +
    "records purchased leads.",
  product: "Reads every purchased lead that the Conversions team publishes.",
};

/** A phrase per step about its content, shown after the step's title and a colon. */
export const STEP_SUMMARIES: Record<string, string> = {
  target: "choose where the workshop runs.",
  namespace: "make your resource names unique.",
  resource_groups: "one per team and purpose, tagged with its team.",
  shared_platform: "the Event Hubs namespace, storage and data lake.",
  schema_registry: "see which schema changes each compatibility mode accepts.",
  publishers: "an event hub per event, with capture and access rules.",
  consumers: "a consumer group for every team that reads a hub.",
  data_lake: "captured events land as Avro files.",
  live_flow: "start the teams and watch events flow.",
  teardown: "delete everything you created.",
};

/** The explanation at the top of a resource step's page. */
export interface StepCopy {
  /** The resources the step creates, in one or two sentences. */
  what: string;
  /** The reason a platform team does it this way. */
  why: string;
  /** Facts worth remembering, one line each. */
  points: string[];
}

/** Page copy for each step that creates resources, keyed by the step's id. */
export const STEP_PAGES: Record<string, StepCopy> = {
  resource_groups: {
    what:
      "Ten resource groups: four for the platform team's shared services and six for the " +
      "Customer, Product and Conversions teams. Each carries a `team` tag.",
    why:
      "In Azure a resource group is the unit of access, cost and deletion. Giving every team " +
      "its own groups lets the platform team grant each team rights on its own resources only, " +
      "read the bill per team, and delete one team's resources without touching another's.",
    points: [
      "Resource groups cost nothing, but what lives in them does.",
      "Names start with the environment (`dv`, `qa` or `lv`), so environments stay apart.",
    ],
  },
  shared_platform: {
    what:
      "What every team shares: the Event Hubs namespace that brokers all events, the storage " +
      "account that capture writes to, the data lake, and the namespace that hosts the schema " +
      "registry.",
    why:
      "Teams publish and consume events, but none of them runs a broker. One platform-owned " +
      "namespace keeps rules, limits and monitoring the same for everyone. Captured events age " +
      "from cool to archive storage and are deleted after 7 days, so storage stays cheap.",
    points: [
      "Both Event Hubs namespaces are billed by the hour for as long as they exist.",
      "The namespace-level `send` and `listen` rules are for the platform team. The other " +
        "teams get hub-level rules in the Publishers step.",
    ],
  },
  publishers: {
    what:
      "The publisher template, once per event: a hub with 4 partitions and 7 days retention, " +
      "capture of every event into a blob container as Avro files, a 7-day immutability policy " +
      "on that container, hub-level `send` and `listen` rules, and both connection strings as " +
      "secrets in the publishing team's key vault.",
    why:
      "Because the platform team owns the template, every hub gets the same capture, " +
      "retention and access rules. A team's service reads only its own hub's secret from its " +
      "own key vault, never a key that opens the whole namespace.",
    points: [
      "Capture writes a file every 300 s or 300 MB, whichever comes first, and skips empty " +
        "windows.",
      "The `parked` hub holds events that failed every retry, so none is lost silently.",
    ],
  },
  consumers: {
    what:
      "One consumer group per reading service on each hub, with the reading team in its user " +
      "metadata. All of them live on the broker namespace in the broker's resource group.",
    why:
      "A consumer group is one reader's own position in the stream: each service reads at its " +
      "own pace and checkpoints its own progress, without taking events from another. The " +
      "data lake is just another subscriber, with a `datalake` group on every hub.",
    points: [
      "Azure allows 20 consumer groups per hub on the Standard tier.",
      "Adding a reader means adding a consumer group, and the publisher does not change.",
    ],
  },
};

/** The change each of the course's attempts makes, the same in both modes. */
export const ATTEMPT_CHANGES: string[] = [
  "The first version: fields `test_guid`, `test_date` and `product_id`, each a string.",
  "Adds `optional_field`, a string or null, with the default null.",
  "Adds `mandatory_field`, a string with no default.",
  "Drops `product_id` and `mandatory_field`.",
  "Renames `test_guid` to `test_guid_renamed`.",
];

/** The meaning of each compatibility mode for the exercise page. */
export const MODE_MEANINGS: Record<string, string> = {
  backward:
    "Consumers upgrade first: a reader on the new version must read events written with the " +
    "latest one.",
  forward:
    "Publishers upgrade first: a reader on the latest version must read events written with " +
    "the new one.",
};

/** Writes the note under the schema page's Apply and Verify about sharing the group `group`. */
export function schemaApplyNote(group: string): string {
  return (
    `Each registration in the exercise first sets \`${group}\` to the compatibility mode you ` +
    "picked. Apply sets it to Backward, the plan's mode. While the group is in Forward mode, " +
    "Verify reports that difference from the plan."
  );
}
