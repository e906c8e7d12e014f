/**
 * A recording: snapshot tracefs, apply the plan, stream `trace_pipe` to a
 * file while a command runs (or for a duration), then put every setting
 * back — on success, error, SIGINT and SIGTERM alike.
 *
 * @module
 */

import type { RecordPlan } from "./preset.ts";
import type { Tracefs } from "./tracefs.ts";
import { readTriggers, restoreTracefs, snapshotTracefs } from "./tracefs_state.ts";

/** Settings of {@link recordTrace}. */
export interface RecordSettings {
  /** The tracefs to use. */
  readonly tracefs: Tracefs;
  /** What to enable. */
  readonly plan: RecordPlan;
  /** Output file for the trace_pipe stream. */
  readonly output: string;
  /** Record while this command runs (argv). */
  readonly command: readonly string[];
  /** Or for this long (also a cap when a command is given). */
  readonly durationMs: number | undefined;
  /** Progress and notices. */
  readonly log: (message: string) => void;
  /** Aborted by SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Called with the output file path as bytes arrive (for live lint), optional. */
  readonly onStarted?: () => void;
}

/** What happened. */
export interface RecordOutcome {
  /** Bytes written to the output. */
  readonly bytes: number;
  /** The command's exit code, when one ran. */
  readonly commandCode: number | undefined;
  /** Stopped by a signal. */
  readonly interrupted: boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(id);
      resolve();
    }, { once: true });
  });
}

async function applyPlan(
  t: Tracefs,
  plan: RecordPlan,
  added: Map<string, string[]>,
  log: (m: string) => void,
) {
  await t.write("tracing_on", "0");
  await t.write("trace_clock", plan.clock);
  await t.write("buffer_size_kb", String(plan.bufferSizeKb));
  for (const [o, v] of plan.options) {
    if (t.dryRun || await t.exists(`options/${o}`)) await t.write(`options/${o}`, v);
  }
  await t.write("set_event", "");
  for (const e of plan.setEvent) await t.write("set_event", e, true);
  for (const [dir, f] of plan.filters) await t.write(`${dir}/filter`, f);
  for (const [dir, lines] of plan.triggers) {
    const existing = t.dryRun ? [] : await readTriggers(t, dir);
    for (const line of lines) {
      const type = line.split(/[ :]/)[0];
      if (existing.some((e) => e.startsWith(type))) {
        log(`${dir} already has a ${type} trigger; keeping it and not adding another`);
        continue;
      }
      await t.write(`${dir}/trigger`, line);
      added.set(dir, [...(added.get(dir) ?? []), line]);
    }
  }
  await t.write("trace", "");
}

/** Records a trace; always restores tracefs before returning or throwing. */
export async function recordTrace(s: RecordSettings): Promise<RecordOutcome> {
  const t = s.tracefs;
  const eventDirs = [...new Set([...s.plan.filters.keys(), ...s.plan.triggers.keys()])];
  const readable = await t.exists("tracing_on");
  if (!readable && !t.dryRun) throw new Error(`no tracefs at ${t.root}`);
  const snapshot = readable
    ? await snapshotTracefs(t, [...s.plan.options.keys()], eventDirs)
    : undefined;
  const added = new Map<string, string[]>();
  const stopPolling = new AbortController();
  let poller: Promise<void> | undefined;
  let bytes = 0;
  let commandCode: number | undefined;
  try {
    await applyPlan(t, s.plan, added, s.log);
    if (!t.dryRun) {
      const out = await Deno.open(s.output, { write: true, create: true, truncate: true });
      poller = pollTracePipe(t.path("trace_pipe"), out, stopPolling.signal, (n) => (bytes += n));
    }
    await t.write("tracing_on", "1");
    s.onStarted?.();
    if (s.command.length > 0) {
      s.log(`recording while \`${s.command.join(" ")}\` runs`);
      if (!t.dryRun) commandCode = await runCommand(s.command, s.durationMs, s.signal);
    } else {
      const ms = s.durationMs ?? 10_000;
      s.log(`recording for ${ms / 1000} s`);
      if (!t.dryRun) await sleep(ms, s.signal);
    }
    await t.write("tracing_on", "0");
  } finally {
    stopPolling.abort();
    await poller;
    if (snapshot !== undefined) await restoreTracefs(t, snapshot, added);
    else {s.log(
        `tracefs is not mounted at ${t.root}: the restore writes depend on its state and are not shown`,
      );}
  }
  return { bytes, commandCode, interrupted: s.signal.aborted };
}

/** How often trace_pipe is polled. */
const POLL_MS = 50;

/**
 * Copies trace_pipe to `out` by polling it with non-blocking reads until
 * `stop`, then drains it. A blocking reader would be woken (by irq_work and
 * its IPIs) for every event, and those wakeups are themselves ipi/csd events:
 * the reader would fill the buffer with its own traffic.
 */
async function pollTracePipe(
  pipe: string,
  out: Deno.FsFile,
  stop: AbortSignal,
  onBytes: (n: number) => void,
): Promise<void> {
  const drainOnce = async (): Promise<number> => {
    const r = await new Deno.Command("dd", {
      args: [`if=${pipe}`, "iflag=nonblock", "bs=1048576", "status=none"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (r.stdout.length > 0) {
      await out.write(r.stdout);
      onBytes(r.stdout.length);
    }
    return r.stdout.length;
  };
  try {
    while (!stop.aborted) {
      await drainOnce();
      await sleep(POLL_MS, stop);
    }
    // Drain what is left (bounded: a regular file, as in tests, never reads empty).
    for (let i = 0; i < 16 && (await drainOnce()) > 0; i++) { /* again */ }
  } finally {
    out.close();
  }
}

async function runCommand(
  argv: readonly string[],
  capMs: number | undefined,
  signal: AbortSignal,
): Promise<number> {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  })
    .spawn();
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
  };
  signal.addEventListener("abort", stop, { once: true });
  const timer = capMs === undefined ? undefined : setTimeout(stop, capMs);
  try {
    return (await child.status).code;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}
