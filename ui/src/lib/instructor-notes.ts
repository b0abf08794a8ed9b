// Speaker notes of instructor mode: three short lines per wizard page for the instructor to say
// while the room looks at the page. Each page's notes give the reason a platform team does the
// step and a common mistake at that step, stated so that an instructor who never saw another
// version of the workshop can present it. Text in backticks shows as code.

/** Speaker notes per wizard page, keyed by the page's id. */
export const SPEAKER_NOTES: Record<string, readonly string[]> = {
  target: [
    "Four teams share events instead of calling each other, and Platform runs the broker, " +
      "registry and storage.",
    "On the Local target the app itself serves Event Hubs over AMQP 1.0, the Schema Registry " +
      "and Resource Manager.",
    "Each page is one step a platform team runs. Its last note names a common mistake at that " +
      "step and the app's fix.",
  ],
  namespace: [
    "Each attendee picks a short unique namespace, such as `dgrf`, so globally unique names " +
      "never collide.",
    "The longest name built from it sets the maximum length, and the page names that resource.",
    "Scripts often read it from `AZURE_UNIQUE_NAMESPACE`, and the app takes that variable as " +
      "its default too.",
  ],
  resource_groups: [
    "Ten groups, each tagged `team`, because in Azure the resource group is the unit of " +
      "access, cost and deletion.",
    "Platform grants each team rights on its own groups only and reads the bill per team.",
    "Without a lock, a group can be deleted halfway through a deployment. Apply holds a " +
      "`CanNotDelete` lock meanwhile.",
  ],
  shared_platform: [
    "One Standard namespace brokers all events: Kafka on, auto-inflate to 20 throughput " +
      "units, zone redundant.",
    "Capture files turn cool after 3 days and archive after 5, and are deleted after 7, so " +
      "keeping events is cheap.",
    "Keys pasted into scripts end up in shell history and repositories. The app keeps them in " +
      "a keychain or Key Vault.",
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
    "A namespace-level listen rule lets every consumer read every hub. Here each consumer gets " +
      "its own hub's rule.",
  ],
  consumers: [
    "A consumer group is one reader's own position, so each team reads at its own pace and " +
      "checkpoints its progress.",
    "The data lake is just another subscriber, with a `datalake` group on every hub.",
    "Without a plan, one event that always fails blocks its partition. The app retries, parks " +
      "it and reads on.",
  ],
  data_lake: [
    "Capture writes Avro files in Azure's `{EventHub}/{Year}/{Month}/{Day}/{Hour}` layout, " +
      "which any Avro tool reads.",
    "Stream Analytics cannot read the schema registry's framing, so the app shows both " +
      "encodings.",
    "A partner job must wait for the first capture file and count files from 0, or it fails " +
      "or reads past the end.",
  ],
  live_flow: [
    "Customer stores a customer, then publishes `Customer.Created`. Conversions turns one in " +
      "three into a lead.",
    "Reading a field that the schema lacks silently gives null. The app decodes with reader " +
      "schemas and says so.",
    "A customer who does not become a lead is a fact too, so Conversions publishes it to " +
      "`lead_abandoned`.",
  ],
  teardown: [
    "Teardown deletes what the steps created. On Azure both namespaces are billed by the hour " +
      "while they exist.",
    "Reset to start only rewinds the wizard. Resources stay until Teardown deletes them.",
    "Deleting a schema needs its owner's rights, so decide who owns the schema group before " +
      "the workshop.",
  ],
};

/** Returns the speaker notes of `page`, or an empty list for a page without notes. */
export function notesFor(page: string): readonly string[] {
  return SPEAKER_NOTES[page] ?? [];
}
