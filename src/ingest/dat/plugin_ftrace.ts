/**
 * libtraceevent's function plugin (plugin_function.c) for the ftrace
 * events: `function` (the function name, indented by the call depth it
 * infers from parents per CPU) and `kernel_stack` (the stacktrace trigger's
 * `<stack trace >` with one frame per return address).
 *
 * @module
 */

import { findAnyField } from "./event_format.ts";
import { fieldVal, type PluginCtx } from "./plugin_api.ts";
import { readNumber } from "./record_view.ts";

/** The first line of a kernel_stack record as trace-cmd prints it. */
export const STACK_HEADER = "<stack trace >";

/**
 * The frames of a `kernel_stack` record, innermost first: function names,
 * or the address in hex for an address kallsyms does not cover. `undefined`
 * when the event has no `caller` field.
 */
export function stackFrames(ctx: PluginCtx): string[] | undefined {
  const f = findAnyField(ctx.ev, "caller");
  if (!f) return undefined;
  const size = ctx.env.longSize;
  const frames: string[] = [];
  for (let off = f.offset; off < ctx.r.size; off += size) {
    const addr = readNumber(ctx.r, off, size);
    if ((size === 8 && addr === 0xffffffffffffffffn) || (addr & 0xffffffffn) === 0xffffffffn) break;
    const sym = ctx.env.kallsyms.find(addr);
    frames.push(sym ? sym.name : addr.toString(16));
  }
  return frames;
}

/** Per-CPU function call stacks the `function` handler infers. */
export class FunctionIndent {
  readonly #stacks = new Map<number, (string | undefined)[]>();

  /** The indent level of `child` called from `parent` on `cpu` (libtraceevent's `add_and_get_index`). */
  index(parent: string, child: string | undefined, cpu: number): number {
    let stack = this.#stacks.get(cpu);
    if (!stack) this.#stacks.set(cpu, stack = []);
    for (let i = 0; i < stack.length && stack[i] !== undefined; i++) {
      if (stack[i] === parent) {
        if (child !== undefined) stack[i + 1] = child;
        return i;
      }
    }
    stack[0] = parent;
    if (child !== undefined) stack[1] = child;
    return 0;
  }
}

/** The `function` event: indent, then the function name (or its address). */
export function functionEvent(ctx: PluginCtx, indent: FunctionIndent): number {
  const ip = fieldVal(ctx, "ip", true);
  if (ip === undefined) {
    ctx.out += "!";
    return 1;
  }
  const func = ctx.env.kallsyms.find(ip)?.name;
  const pip = fieldVal(ctx, "parent_ip", true);
  if (pip === undefined) {
    ctx.out += "!";
    return 1;
  }
  const parent = ctx.env.kallsyms.find(pip)?.name;
  const level = parent !== undefined ? indent.index(parent, func, ctx.cpu) : 0;
  ctx.out += " ".repeat(level * 3) + (func ?? "0x" + ip.toString(16));
  return 0;
}
