import type { AttemptRecord } from "./api";

/** The message for "Register this schema" with nothing in the editor. */
export const EMPTY_SCHEMA =
  "The schema is empty: write or paste an Avro schema, such as the next attempt.";

/**
 * Summarises the verdict on the attendee's own schema for the line next to its button. The
 * verdict card at the end of the list above gives the details.
 */
export function ownVerdict(record: AttemptRecord): string {
  const mode = record.mode === "backward" ? "Backward" : "Forward";
  if (record.accepted) {
    const version = record.version === null ? "" : ` as version ${record.version}`;
    return (
      `Your schema was accepted${version} of \`${record.schema_name}\` in ${mode} mode. ` +
      "Its verdict is the last one in the list above."
    );
  }
  const fields = [...new Set(record.reasons.map((reason) => `\`${reason.field}\``))];
  const on = fields.length > 0 ? ` because of ${fields.join(", ")}` : "";
  return (
    `Your schema was rejected in ${mode} mode${on}. ` +
    "The last verdict in the list above says why and how to fix it."
  );
}
