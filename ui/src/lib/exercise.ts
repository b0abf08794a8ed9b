import type { AttemptRecord } from "./api";
import { joinWithAnd } from "./count";

/** The field name that the registry gives to a warning on the schema's top-level type. */
const TOP_LEVEL = "(top level)";

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
    const name = `\`${record.schema_name}\``;
    const accepted = `Your schema was accepted${version} of ${name} in ${mode} mode`;
    if (record.warnings.length === 0) {
      return `${accepted}. Its verdict is the last one in the list above.`;
    }
    return (
      `${accepted}, ${warningCount(record)}. ` +
      "The last verdict in the list above says what each warning means and how to fix it."
    );
  }
  const fields = [...new Set(record.reasons.map((reason) => `\`${reason.field}\``))];
  const on = fields.length > 0 ? ` because of ${fields.join(", ")}` : "";
  return (
    `Your schema was rejected in ${mode} mode${on}. ` +
    "The last verdict in the list above says why and how to fix it."
  );
}

/** The look of the line next to "Register this schema": accepted, warned or rejected. */
export type OwnTone = "accepted" | "warned" | "rejected";

/** Returns the tone of the line that `ownVerdict` writes for `record`. */
export function ownTone(record: AttemptRecord): OwnTone {
  if (!record.accepted) {
    return "rejected";
  }
  return record.warnings.length > 0 ? "warned" : "accepted";
}

/**
 * Names what a warning is about, as message text: the field path in backticks, or "the
 * top-level type" for a warning on the schema itself.
 */
export function warningSubject(field: string): string {
  return field === TOP_LEVEL ? "the top-level type" : `\`${field}\``;
}

/** Counts the warnings on `record` and names their fields, such as "with a warning on `at`". */
function warningCount(record: AttemptRecord): string {
  const subjects = [...new Set(record.warnings.map((warning) => warningSubject(warning.field)))];
  const count = record.warnings.length;
  const counted = count === 1 ? "with a warning" : `with ${count} warnings`;
  return `${counted} on ${joinWithAnd(subjects)}`;
}
