/**
 * A finding as reported: rule, severity, where, what, and the events that
 * prove it. This is what every report format (text, JSON, SARIF, HTML)
 * consumes.
 *
 * @module
 */

import type { EventOrigin } from "../events/model_event.ts";
import type { Severity } from "./rule.ts";

/** One violation. */
export interface Finding {
  /** Rule id. */
  readonly ruleId: string;
  /** Severity after configuration. */
  readonly severity: Severity;
  /** The seed document's sections the rule enforces, by heading, the main one first. */
  readonly seedSections: readonly string[];
  /** VM id. */
  readonly vm: string;
  /** vCPU id, `undefined` when identity is unknown. */
  readonly vcpu: number | undefined;
  /** The event the finding is located at. */
  readonly at: EventOrigin;
  /** Position of that event in the stream (for ordering). */
  readonly seq: number;
  /** The message. */
  readonly message: string;
  /** The events that prove it, in trace order. */
  readonly evidence: readonly EventOrigin[];
  /** `lowered` when events were lost near the evidence. */
  readonly confidence: "normal" | "lowered";
  /** Why confidence is lowered. */
  readonly confidenceNote: string | undefined;
  /**
   * The call site of the event the finding is located at, when that event
   * names one (a kick's or a request's `site`, a stock kick's caller).
   */
  readonly site?: string;
}

/** Orders findings by file, line, then rule id (deterministic output). */
export function compareFindings(a: Finding, b: Finding): number {
  return a.at.file.localeCompare(b.at.file) || a.seq - b.seq || a.at.line - b.at.line ||
    a.ruleId.localeCompare(b.ruleId) || a.message.localeCompare(b.message);
}
