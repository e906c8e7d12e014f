/**
 * A fingerprint of every tracefs setting (the top instance and each
 * instance under `instances/`): every control file a user can change, read
 * whole, as `path=value` lines. The real-tracefs tests compare it before and
 * after a recording; `deno run -A tests/record/tracefs_fingerprint.ts` prints
 * it (to check a session by hand: save it before, diff it after).
 *
 * Files whose reading has side effects (`trace_pipe` consumes, `free_buffer`
 * shrinks the buffer when closed) or that change on their own (the trace,
 * statistics, saved command lines) are left out.
 *
 * @module
 */

import { join } from "node:path";
import { readControlFile } from "../../src/record/tracefs.ts";

/** Names never read: side effects on read/close, or data rather than settings. */
const SKIP = new Set([
  "trace",
  "trace_pipe",
  "trace_pipe_raw",
  "snapshot",
  "snapshot_raw",
  "free_buffer",
  "trace_marker",
  "trace_marker_raw",
  "stats",
  "saved_cmdlines",
  "saved_tgids",
  "trace_stat",
  "available_filter_functions",
  "available_filter_functions_addrs",
  "available_events",
  "available_tracers",
  "printk_formats",
  "README",
  "format",
  "id",
  "hist",
  "header_event",
  "header_page",
  "uprobe_profile",
  "kprobe_profile",
  "dyn_ftrace_total_info",
  "per_cpu",
  "instances",
  "events",
  "options",
  "buffer_meta",
]);

async function readOrError(path: string): Promise<string> {
  try {
    return (await readControlFile(path)).replace(/\n$/, "").replaceAll("\n", "\\n");
  } catch (err) {
    return `(${err instanceof Error ? err.name : "error"})`;
  }
}

async function files(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

async function instanceSettings(root: string, prefix: string, out: string[]): Promise<void> {
  for (const name of await files(root)) {
    const p = join(root, name);
    if ((await Deno.stat(p)).isDirectory || SKIP.has(name)) continue;
    out.push(`${prefix}${name}=${await readOrError(p)}`);
  }
  for (const name of await files(join(root, "options"))) {
    out.push(`${prefix}options/${name}=${await readOrError(join(root, "options", name))}`);
  }
  for (const cpu of await files(join(root, "per_cpu"))) {
    const p = join(root, "per_cpu", cpu, "buffer_size_kb");
    out.push(`${prefix}per_cpu/${cpu}/buffer_size_kb=${await readOrError(p)}`);
  }
  const events = join(root, "events");
  for (const system of await files(events)) {
    const sp = join(events, system);
    if (!(await Deno.stat(sp)).isDirectory) continue;
    for (const f of ["enable", "filter"]) {
      out.push(`${prefix}events/${system}/${f}=${await readOrError(join(sp, f))}`);
    }
    for (const event of await files(sp)) {
      const ep = join(sp, event);
      if (!(await Deno.stat(ep)).isDirectory) continue;
      for (const f of ["enable", "filter", "trigger"]) {
        try {
          await Deno.stat(join(ep, f));
        } catch {
          continue;
        }
        out.push(`${prefix}events/${system}/${event}/${f}=${await readOrError(join(ep, f))}`);
      }
    }
  }
}

/** Every user-settable tracefs setting under `root`, one `path=value` line each, sorted. */
export async function tracefsFingerprint(root = "/sys/kernel/tracing"): Promise<string[]> {
  const out: string[] = [];
  await instanceSettings(root, "", out);
  try {
    for (const name of await files(join(root, "instances"))) {
      out.push(`instances/${name}=(instance)`);
      await instanceSettings(join(root, "instances", name), `instances/${name}/`, out);
    }
  } catch { /* no instances directory */ }
  return out.sort();
}

/** The lines of `after` that differ from `before` (`- old` / `+ new`), empty when equal. */
export function fingerprintDiff(before: readonly string[], after: readonly string[]): string[] {
  const a = new Set(before);
  const b = new Set(after);
  return [
    ...before.filter((l) => !b.has(l)).map((l) => `- ${l}`),
    ...after.filter((l) => !a.has(l)).map((l) => `+ ${l}`),
  ];
}

if (import.meta.main) {
  const lines = await tracefsFingerprint(Deno.args[0]);
  console.log(lines.join("\n"));
}
