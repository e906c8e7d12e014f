/**
 * The kvmreq JSON Lines format: one JSON object per line, the same records
 * the text readers yield. `kvmreq events --format jsonl` writes it and every
 * command reads it back. Timestamps are decimal strings of integer
 * nanoseconds (or ticks) so that no JSON reader rounds them.
 *
 * ```json
 * {"type":"meta","format":"ftrace","timeUnit":"ns","source":"boot.trace"}
 * {"type":"event","line":12,"comm":"CPU 0/KVM","pid":6459,"cpu":0,"flags":"d..1.","ts":"8678237572000","name":"kvm_entry","fields":"vcpu 0, rip 0xffffffff81000000"}
 * {"type":"lost","line":40,"cpu":1,"count":1234}
 * ```
 *
 * @module
 */

import { z } from "zod";
import { INPUT_FORMATS } from "../events/types.ts";

/** A trace event record. `tgid`: number, `null` for `(-------)`, absent without the column. */
const jsonlEventSchema = z.object({
  type: z.literal("event"),
  line: z.number().int().nonnegative(),
  comm: z.string(),
  pid: z.number().int().nonnegative(),
  tgid: z.number().int().nonnegative().nullable().optional(),
  cpu: z.number().int().nonnegative(),
  flags: z.string().optional(),
  ts: z.string().regex(/^[0-9]{1,20}$/, "a decimal string of nanoseconds or ticks"),
  name: z.string().min(1),
  fields: z.string(),
  stack: z.array(z.string()).optional(),
});

/** A `CPU:N [LOST M EVENTS]` record (`count` null when unknown). */
const jsonlLostSchema = z.object({
  type: z.literal("lost"),
  line: z.number().int().nonnegative(),
  cpu: z.number().int().nonnegative(),
  count: z.number().int().nonnegative().nullable(),
});

/** A `##### CPU N buffer started ####` record. */
const jsonlBufferStartedSchema = z.object({
  type: z.literal("buffer-started"),
  line: z.number().int().nonnegative(),
  cpu: z.number().int().nonnegative(),
});

/** The optional first record: where the events came from and their time unit. */
const jsonlMetaSchema = z.object({
  type: z.literal("meta"),
  format: z.enum(INPUT_FORMATS as [string, ...string[]]).optional(),
  timeUnit: z.enum(["ns", "ticks"]).optional(),
  source: z.string().optional(),
});

/** A trace event record. */
export interface JsonlEvent {
  /** Record kind. */
  readonly type: "event";
  /** Line of the input the event was read from. */
  readonly line: number;
  /** Thread name. */
  readonly comm: string;
  /** Thread id. */
  readonly pid: number;
  /** Thread-group id: a number, `null` for `(-------)`, absent without the column. */
  readonly tgid?: number | null;
  /** CPU. */
  readonly cpu: number;
  /** The flag column as printed. */
  readonly flags?: string;
  /** Decimal string of integer nanoseconds (or ticks). */
  readonly ts: string;
  /** Event name. */
  readonly name: string;
  /** Field text as printed. */
  readonly fields: string;
  /** Stack frames, innermost first. */
  readonly stack?: string[];
}

/** A lost-events record. */
export interface JsonlLost {
  /** Record kind. */
  readonly type: "lost";
  /** Line of the marker. */
  readonly line: number;
  /** CPU whose buffer lost events. */
  readonly cpu: number;
  /** How many, `null` when unknown. */
  readonly count: number | null;
}

/** A buffer-started record. */
export interface JsonlBufferStarted {
  /** Record kind. */
  readonly type: "buffer-started";
  /** Line of the marker. */
  readonly line: number;
  /** CPU whose buffer starts here. */
  readonly cpu: number;
}

/** The meta record. */
export interface JsonlMeta {
  /** Record kind. */
  readonly type: "meta";
  /** The format the events were read from. */
  readonly format?: string;
  /** Unit of `ts`. */
  readonly timeUnit?: "ns" | "ticks";
  /** Input name. */
  readonly source?: string;
}

/** One parsed JSON Lines record. */
export type JsonlRecord = JsonlEvent | JsonlLost | JsonlBufferStarted | JsonlMeta;

/** Any record of the kvmreq JSON Lines format. */
const jsonlRecordSchema: z.ZodType<JsonlRecord> = z.discriminatedUnion("type", [
  jsonlEventSchema,
  jsonlLostSchema,
  jsonlBufferStartedSchema,
  jsonlMetaSchema,
]);

/**
 * Checks a parsed JSON value against the format: the record, or what is
 * wrong with it (`pid: Invalid input: expected number, received string`).
 */
export function parseJsonlRecord(
  value: unknown,
): { readonly ok: true; readonly record: JsonlRecord } | {
  readonly ok: false;
  readonly error: string;
} {
  const parsed = jsonlRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    error: issue ? `${issue.path.join(".") || "record"}: ${issue.message}` : "not a record",
  };
}
