// Speaker notes of instructor mode: three short lines per wizard page for the instructor to say
// while the room looks at the page. Each page's notes give the reason a platform team does the
// step and what the original course (Bicep, PowerShell and Python run by hand) got wrong or
// left undone there. Text in backticks shows as code.

/** Speaker notes per wizard page, keyed by the page's id. */
export const SPEAKER_NOTES: Record<string, readonly string[]> = {
  target: [
    "Four teams share events instead of calling each other, and Platform runs the broker, " +
      "registry and storage.",
    "On the Local target the app itself serves Event Hubs over AMQP 1.0, the Schema Registry " +
      "and Resource Manager.",
    "The original course was scripts run by hand. The app runs the same steps and fixes what " +
      "the course got wrong.",
  ],
  namespace: [
    "Each attendee picks a short unique namespace, like the course's `dgrf`, so globally " +
      "unique names never collide.",
    "The longest name built from it sets the maximum length, and the page names that resource.",
    "The course read it from `AZURE_UNIQUE_NAMESPACE`, and the app still takes it from there " +
      "as the default.",
  ],
  resource_groups: [
    "Ten groups, each tagged `team`, because in Azure the resource group is the unit of " +
      "access, cost and deletion.",
    "Platform grants each team rights on its own groups only and reads the bill per team.",
    "The course deployed without locks. Apply holds a `CanNotDelete` lock on each group while " +
      "it deploys.",
  ],
  shared_platform: [
    "One Standard namespace brokers all events: Kafka on, auto-inflate to 20 throughput " +
      "units, zone redundant.",
    "Capture files turn cool after 3 days and archive after 5, and are deleted after 7, so " +
      "keeping events is cheap.",
    "The course pasted keys into scripts. The app keeps every secret in the OS keychain or " +
      "Key Vault.",
  ],
  schema_registry: [
    "Backward: a reader on the new version reads old events. Forward: a reader on the old " +
      "version reads new ones.",
    "A new field without a default breaks Backward, dropping one without a default breaks " +
      "Forward, a rename both.",
    "Azure accepts attempt 2 although Avro wants a union's default to match its first branch, " +
      "so the app warns.",
  ],
  publishers: [
    "One template per hub: 4 partitions, 7 days retention, capture every 300 s or 300 MB, a " +
      "7-day immutable container.",
    "Each hub gets its own `send` and `listen` rules, with the connection strings in the " +
      "owning team's key vault.",
    "The course's consumers used the namespace-level listen rule, a flaw it admitted. Here " +
      "each gets its hub's rule.",
  ],
  consumers: [
    "A consumer group is one reader's own position, so each team reads at its own pace and " +
      "checkpoints its progress.",
    "The data lake is just another subscriber, with a `datalake` group on every hub.",
    "The course had no answer for a failing event. The app retries, then parks it, and " +
      "checkpoints past it.",
  ],
  data_lake: [
    "Capture writes Avro files in Azure's `{EventHub}/{Year}/{Month}/{Day}/{Hour}` layout, " +
      "which any Avro tool reads.",
    "Stream Analytics cannot read the schema registry's framing, so the app shows both " +
      "encodings.",
    "The course's leads-sold generator had an off-by-one file index and failed before the " +
      "first capture file.",
  ],
  live_flow: [
    "Customer stores a customer, then publishes `Customer.Created`. Conversions turns one in " +
      "three into a lead.",
    "The course read fields that did not exist and got nulls. The app decodes with reader " +
      "schemas and reports it.",
    "The course dropped customers who did not become leads, although it wanted an " +
      "abandoned-leads hub.",
  ],
  teardown: [
    "Teardown deletes what the steps created. On Azure both namespaces are billed by the hour " +
      "while they exist.",
    "Reset to start only rewinds the wizard. Resources stay until Teardown deletes them.",
    "Deleting a schema needs the schema's owner, which the course never documented.",
  ],
};

/** Returns the speaker notes of `page`, or an empty list for a page without notes. */
export function notesFor(page: string): readonly string[] {
  return SPEAKER_NOTES[page] ?? [];
}
