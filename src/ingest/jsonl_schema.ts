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
export const jsonlEventSchema = z.object({
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
export const jsonlLostSchema = z.object({
  type: z.literal("lost"),
  line: z.number().int().nonnegative(),
  cpu: z.number().int().nonnegative(),
  count: z.number().int().nonnegative().nullable(),
});

/** A `##### CPU N buffer started ####` record. */
export const jsonlBufferStartedSchema = z.object({
  type: z.literal("buffer-started"),
  line: z.number().int().nonnegative(),
  cpu: z.number().int().nonnegative(),
});

/** The optional first record: where the events came from and their time unit. */
export const jsonlMetaSchema = z.object({
  type: z.literal("meta"),
  format: z.enum(INPUT_FORMATS as [string, ...string[]]).optional(),
  timeUnit: z.enum(["ns", "ticks"]).optional(),
  source: z.string().optional(),
});

/** Any record of the kvmreq JSON Lines format. */
export const jsonlRecordSchema = z.discriminatedUnion("type", [
  jsonlEventSchema,
  jsonlLostSchema,
  jsonlBufferStartedSchema,
  jsonlMetaSchema,
]);

/** One parsed JSON Lines record. */
export type JsonlRecord = z.infer<typeof jsonlRecordSchema>;
