import { invoke } from "@tauri-apps/api/core";

import type { AttendeeChoice } from "./api";

/** One key vault secret of the plan, as the shell sends it: the value masked, never whole. */
export interface SecretView {
  /** The secret's name, such as `eh-customer-send`. */
  name: string;
  /** Its role, such as "`send` connection string of hub `customer`". */
  title: string;
  /** The key vault that keeps it. */
  vault: string;
  /** The value with its key hidden, or null when the secret does not exist yet. */
  masked: string | null;
}

/** Lists the plan's key vault secrets with their values masked. */
export function secretList(attendee: AttendeeChoice): Promise<SecretView[]> {
  return invoke<SecretView[]>("secret_list", { attendee });
}

/** Returns one secret's whole value. Call it only after the attendee pressed Show or Copy. */
export function secretReveal(attendee: AttendeeChoice, name: string): Promise<string> {
  return invoke<string>("secret_reveal", { attendee, name });
}
