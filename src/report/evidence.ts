/**
 * Evidence lines: an event shown the way the trace printed it, so a reader
 * can grep the input for it.
 *
 * @module
 */

import type { TimeUnit } from "../events/types.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import type { EventOrigin } from "../events/model_event.ts";

/** `comm-pid [cpu] flags ts: name: fields` (lost-event markers as printed). */
export function evidenceText(o: EventOrigin, unit: TimeUnit): string {
  if (o.name === "LOST") return o.fields;
  const flags = o.flags === undefined ? "" : ` ${o.flags}`;
  return `${o.comm}-${o.pid} [${String(o.cpu).padStart(3, "0")}]${flags} ${
    formatTimestamp(o.ts, unit)
  }: ` +
    `${o.name}: ${o.fields}`;
}

/**
 * `stack` without the tracing machinery's own frames at the top (the
 * stacktrace trigger's `trace_*`, `__traceiter_*`, `perf_trace_*`,
 * `event_triggers_*`): the first frame is the traced function's caller chain.
 */
export function stackBelowTracing(stack: readonly string[]): readonly string[] {
  const from = stack.findIndex((f) =>
    !/^(trace_|__traceiter_|perf_trace_|event_triggers_)/.test(f)
  );
  return stack.slice(Math.max(0, from));
}
