/**
 * Snapshot and restore of every tracefs setting a recording touches: the
 * enabled events, the filters and triggers of the events it configures,
 * buffer size, trace clock, the options it sets, `tracing_on` and
 * `set_event_pid`. Restoring is idempotent and runs on success, error,
 * SIGINT and SIGTERM.
 *
 * @module
 */

import { selectedChoice, type Tracefs } from "./tracefs.ts";

/** What was there before. */
export interface TracefsSnapshot {
  readonly tracingOn: string;
  readonly clock: string;
  readonly bufferSizeKb: string;
  readonly setEvent: readonly string[];
  readonly setEventPid: string | undefined;
  readonly options: ReadonlyMap<string, string>;
  /** Per configured event directory (`events/sched/sched_waking`): filter and triggers. */
  readonly events: ReadonlyMap<
    string,
    { readonly filter: string; readonly triggers: readonly string[] }
  >;
}

/** Reads the trigger lines of an event (comment lines dropped). */
export async function readTriggers(t: Tracefs, eventDir: string): Promise<string[]> {
  const text = await t.read(`${eventDir}/trigger`);
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

/** The command that removes one trigger line (`stacktrace:unlimited if x` → `!stacktrace`). */
export function triggerRemoval(line: string): string {
  const cmd = line.split(" if ")[0].trim();
  const name = cmd.split(":")[0];
  if (/^(enable|disable)_(event|hist)$/.test(name)) {
    return `!${cmd.split(":").slice(0, 3).join(":")}`;
  }
  return `!${name}`;
}

/** Takes a snapshot of the settings `options` and `eventDirs` name. */
export async function snapshotTracefs(
  t: Tracefs,
  options: readonly string[],
  eventDirs: readonly string[],
): Promise<TracefsSnapshot> {
  const opts = new Map<string, string>();
  for (const o of options) {
    if (await t.exists(`options/${o}`)) opts.set(o, await t.read(`options/${o}`));
  }
  const events = new Map<string, { filter: string; triggers: string[] }>();
  for (const dir of eventDirs) {
    if (!(await t.exists(dir))) continue;
    events.set(dir, {
      filter: await t.read(`${dir}/filter`),
      triggers: await readTriggers(t, dir),
    });
  }
  return {
    tracingOn: await t.read("tracing_on"),
    clock: selectedChoice(await t.read("trace_clock")),
    bufferSizeKb: await t.read("buffer_size_kb"),
    setEvent: (await t.read("set_event")).split("\n").filter((l) => l.trim() !== ""),
    setEventPid: (await t.exists("set_event_pid")) ? await t.read("set_event_pid") : undefined,
    options: opts,
    events,
  };
}

/**
 * Puts every setting of `s` back; `added` lists the triggers the recording
 * added, by event directory (saved triggers are never removed, so they need
 * no re-adding).
 */
export async function restoreTracefs(
  t: Tracefs,
  s: TracefsSnapshot,
  added: ReadonlyMap<string, readonly string[]>,
): Promise<void> {
  await t.write("tracing_on", "0");
  for (const [dir, lines] of added) {
    for (const line of lines) await t.write(`${dir}/trigger`, triggerRemoval(line));
  }
  for (const [dir, saved] of s.events) {
    await t.write(`${dir}/filter`, saved.filter === "none" ? "0" : saved.filter);
  }
  await t.write("set_event", "");
  for (const e of s.setEvent) await t.write("set_event", e, true);
  if (s.setEventPid !== undefined) await t.write("set_event_pid", s.setEventPid);
  for (const [o, v] of s.options) await t.write(`options/${o}`, v);
  await t.write("trace_clock", s.clock);
  if (/^\d+$/.test(s.bufferSizeKb)) await t.write("buffer_size_kb", s.bufferSizeKb);
  else {
    const m = /expanded: (\d+)/.exec(s.bufferSizeKb);
    if (m !== null) await t.write("buffer_size_kb", m[1]);
  }
  await t.write("tracing_on", s.tracingOn);
}
