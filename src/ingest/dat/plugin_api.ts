/**
 * What an event-printing plugin sees, and libtraceevent's helpers for
 * plugins (`tep_get_field_val`, `tep_print_num_field`) with their error
 * texts. A plugin appends to `out` and returns non-zero when the generic
 * print format must follow its text (libtraceevent's `print_pretty`).
 *
 * @module
 */

import type { CommTable } from "./comm_table.ts";
import { type EventFormat, type FieldDef, findField } from "./event_format.ts";
import type { EvalEnv } from "./fmt_eval.ts";
import { readNumber, type RecordView } from "./record_view.ts";

/** The state a plugin works with for one record. */
export interface PluginCtx {
  /** The record. */
  readonly r: RecordView;
  /** Its event description. */
  readonly ev: EventFormat;
  /** Symbols and sizes. */
  readonly env: EvalEnv;
  /** Task names (plugins may add to them). */
  readonly comms: CommTable;
  /** CPU the record came from. */
  readonly cpu: number;
  /** Text written so far. */
  out: string;
}

/** A plugin handler; returns non-zero to append the generic format output. */
export type PluginHandler = (ctx: PluginCtx) => number;

/**
 * `tep_get_field_val`: the unsigned value of one of the event's own fields,
 * or `undefined` after writing libtraceevent's error text when `err`.
 */
export function fieldVal(ctx: PluginCtx, name: string, err: boolean): bigint | undefined {
  const f = numField(ctx, name, err);
  return f === undefined ? undefined : readNumber(ctx.r, f.offset, f.size);
}

/**
 * Like {@link fieldVal}, but returns the field itself (for readers that
 * avoid `bigint`), after the same checks and error texts.
 */
export function numField(ctx: PluginCtx, name: string, err: boolean): FieldDef | undefined {
  const f = findField(ctx.ev, name);
  if (!f) {
    if (err) ctx.out += `<CANT FIND FIELD ${name}>`;
    return undefined;
  }
  if (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8) {
    if (err) ctx.out += ` ${name}=INVALID`;
    return undefined;
  }
  return f;
}

/**
 * `tep_print_num_field`: `fmt(value)` for a field, or the error text when it
 * is missing and `err`. Returns whether the field was printed.
 */
export function printNumField(
  ctx: PluginCtx,
  name: string,
  fmt: (v: bigint) => string,
  err: boolean,
): boolean {
  const f = findField(ctx.ev, name);
  if (!f || (f.size !== 1 && f.size !== 2 && f.size !== 4 && f.size !== 8)) {
    if (err) ctx.out += `CAN'T FIND FIELD "${name}"`;
    return false;
  }
  ctx.out += fmt(readNumber(ctx.r, f.offset, f.size));
  return true;
}

/** `%lld` of an unsigned 64-bit value. */
export function lld(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

/** `%d` of the low 32 bits. */
export function d32(v: bigint): string {
  return BigInt.asIntN(32, v).toString();
}

/** `%u` of the low 32 bits. */
export function u32(v: bigint): string {
  return BigInt.asUintN(32, v).toString();
}
