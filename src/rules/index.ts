/**
 * The rule catalog, in the order the README and SARIF list it.
 *
 * @module
 */

import { entryAfterVmDead } from "./entry_after_vm_dead.ts";
import { guestModeIrqsEnabled } from "./guest_mode_irqs_enabled.ts";
import { invalidModeTransition } from "./invalid_mode_transition.ts";
import { kickWithoutIpi } from "./kick_without_ipi.ts";
import { lostWakeup } from "./lost_wakeup.ts";
import { noWakeupViolated } from "./no_wakeup_violated.ts";
import { outsideGuestModeNotReached } from "./outside_guest_mode_not_reached.ts";
import { redundantIpi } from "./redundant_ipi.ts";
import { requestConsumedUnmade } from "./request_consumed_unmade.ts";
import { requestLatency } from "./request_latency.ts";
import { requestLessKick } from "./request_less_kick.ts";
import { requestUnseenAtEntry } from "./request_unseen_at_entry.ts";
import type { Rule } from "./rule.ts";
import { unknownRequest } from "./unknown_request.ts";
import { waitMissedReader } from "./wait_missed_reader.ts";
import { waitUnacknowledged } from "./wait_unacknowledged.ts";

/** Every rule. */
export const RULES: readonly Rule[] = [
  requestLessKick,
  requestUnseenAtEntry,
  kickWithoutIpi,
  redundantIpi,
  invalidModeTransition,
  guestModeIrqsEnabled,
  lostWakeup,
  noWakeupViolated,
  waitMissedReader,
  waitUnacknowledged,
  outsideGuestModeNotReached,
  entryAfterVmDead,
  requestConsumedUnmade,
  requestLatency,
  unknownRequest,
];

/** The rule with id `id`, or `undefined`. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
