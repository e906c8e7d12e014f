/**
 * libtraceevent's sched plugin (plugin_sched_switch.c): `sched_switch` as
 * `prev:pid [prio] S ==> next:pid [prio]` and `sched_wakeup(_new)` as
 * `comm:pid [prio] CPU:nnn`. Printing a name also teaches it to the comm
 * table for pids the saved cmdlines lack, which changes the comm column of
 * later events — so it runs for every such record, kept or not.
 *
 * @module
 */

import { decodeBytes } from "../ascii.ts";
import { findAnyField } from "./event_format.ts";
import { d32, fieldVal, lld, type PluginCtx } from "./plugin_api.ts";

const STATES = "SDTtZXxW";

function stateText(val: number): string {
  let out = "";
  for (let i = 0; i < STATES.length; i++) {
    if (!(val & (1 << i))) continue;
    if (out) out += "|";
    out += STATES[i];
  }
  return out || "R";
}

/** Writes the comm field `name` and registers it for `pid`; false when there is no such field. */
function saveComm(ctx: PluginCtx, name: string, pid: bigint): boolean {
  const f = findAnyField(ctx.ev, name);
  if (!f) return false;
  const from = ctx.r.base + f.offset;
  const limit = Math.min(from + f.size, ctx.r.bytes.length);
  let end = from;
  while (end < limit && ctx.r.bytes[end] !== 0) end++;
  const comm = decodeBytes(ctx.r.bytes, from, end);
  ctx.out += comm;
  ctx.comms.learn(Number(BigInt.asIntN(32, pid)), comm);
  return true;
}

/** libtraceevent's `return trace_seq_putc(s, '!')`: a `!`, then the generic format. */
function bang(ctx: PluginCtx): number {
  ctx.out += "!";
  return 1;
}

/** `sched_switch`. */
export function schedSwitch(ctx: PluginCtx): number {
  const prev = fieldVal(ctx, "prev_pid", true);
  if (prev === undefined) return bang(ctx);
  if (saveComm(ctx, "prev_comm", prev)) ctx.out += ":";
  ctx.out += `${lld(prev)} `;
  const prio = fieldVal(ctx, "prev_prio", true);
  if (prio !== undefined) ctx.out += `[${d32(prio)}] `;
  const state = fieldVal(ctx, "prev_state", true);
  if (state !== undefined) ctx.out += stateText(Number(BigInt.asIntN(32, state)));
  ctx.out += " ==> ";
  const next = fieldVal(ctx, "next_pid", true);
  if (next === undefined) return bang(ctx);
  if (saveComm(ctx, "next_comm", next)) ctx.out += ":";
  ctx.out += lld(next);
  const nprio = fieldVal(ctx, "next_prio", true);
  if (nprio !== undefined) ctx.out += ` [${d32(nprio)}]`;
  return 0;
}

/** `sched_wakeup` and `sched_wakeup_new`. */
export function schedWakeup(ctx: PluginCtx): number {
  const pid = fieldVal(ctx, "pid", true);
  if (pid === undefined) return bang(ctx);
  if (saveComm(ctx, "comm", pid)) ctx.out += ":";
  ctx.out += lld(pid);
  const prio = fieldVal(ctx, "prio", true);
  if (prio !== undefined) ctx.out += ` [${lld(prio)}]`;
  const success = fieldVal(ctx, "success", false);
  if (success !== undefined) ctx.out += ` success=${lld(success)}`;
  const cpu = fieldVal(ctx, "target_cpu", true);
  if (cpu !== undefined) ctx.out += ` CPU:${cpu.toString().padStart(3, "0")}`;
  return 0;
}

/**
 * Teaches the comm table what {@link schedSwitch} / {@link schedWakeup}
 * would, without building text (for records the caller does not keep).
 */
export function learnSchedComms(ctx: PluginCtx, event: "switch" | "wakeup"): void {
  const save = ctx.out;
  if (event === "switch") schedSwitch(ctx);
  else schedWakeup(ctx);
  ctx.out = save;
}
