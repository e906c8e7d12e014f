/**
 * Running host commands for the lab: output goes to a log file (shown in
 * the error when a command fails), children are tracked so Ctrl-C and
 * timeouts can stop them.
 *
 * @module
 */

/** An error the lab reports as one clear message (no stack trace). */
export class LabError extends Error {
  /** A failure of `what`, with `detail` lines (the log's tail, a hint). */
  constructor(message: string, readonly detail: readonly string[] = []) {
    super(message);
    this.name = "LabError";
  }
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Working directory. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Append stdout and stderr to this file (else they are captured and dropped). */
  readonly log?: string;
  /** Return stdout as text instead of logging it. */
  readonly capture?: boolean;
  /** Kill the command after this many seconds. */
  readonly timeoutSec?: number;
  /** Bytes written to the command's stdin. */
  readonly stdin?: Uint8Array;
}

const live = new Set<Deno.ChildProcess>();

/** Kills every command the lab started that is still running (Ctrl-C, errors). */
export function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function tailOf(path: string, n: number): Promise<string[]> {
  try {
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    return lines.slice(-n);
  } catch {
    return [];
  }
}

/**
 * Runs `cmd args…`, waits for it and returns its stdout (when `capture`).
 * Throws a {@link LabError} naming the command, its exit code and the last
 * lines of its output when it fails, cannot start or times out.
 */
export async function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<string> {
  const shown = [cmd, ...args].join(" ");
  let logFile: Deno.FsFile | undefined;
  if (opts.log !== undefined) {
    logFile = await Deno.open(opts.log, { append: true, create: true });
    await logFile.write(new TextEncoder().encode(`\n$ ${shown}\n`));
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args: [...args],
      cwd: opts.cwd,
      env: opts.env,
      stdin: opts.stdin !== undefined ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    logFile?.close();
    throw new LabError(`cannot run ${cmd}: ${(e as Error).message}`);
  }
  live.add(child);
  let timedOut = false;
  const timer = opts.timeoutSec !== undefined
    ? setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, opts.timeoutSec * 1000)
    : undefined;
  if (opts.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(opts.stdin);
    await w.close();
  }
  const sink = async (stream: ReadableStream<Uint8Array>, keep: boolean): Promise<Uint8Array[]> => {
    const parts: Uint8Array[] = [];
    for await (const chunk of stream) {
      if (keep) parts.push(chunk);
      else if (logFile !== undefined) await logFile.write(chunk);
    }
    return parts;
  };
  const [out, err, status] = await Promise.all([
    sink(child.stdout, opts.capture === true || logFile === undefined),
    sink(child.stderr, logFile === undefined),
    child.status,
  ]);
  if (timer !== undefined) clearTimeout(timer);
  live.delete(child);
  logFile?.close();
  const text = new TextDecoder().decode(concat(out));
  if (status.success) return text;
  const tail = opts.log !== undefined
    ? await tailOf(opts.log, 15)
    : new TextDecoder().decode(concat(err)).trimEnd().split("\n").slice(-15);
  const why = timedOut ? `timed out after ${opts.timeoutSec} s` : `exited with ${status.code}`;
  const where = opts.log !== undefined ? ` (log: ${opts.log})` : "";
  throw new LabError(`${shown.slice(0, 200)} ${why}${where}`, tail);
}

/** Concatenates byte chunks. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Registers a spawned child so {@link killAll} stops it; returns a function that unregisters it. */
export function track(child: Deno.ChildProcess): () => void {
  live.add(child);
  return () => live.delete(child);
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
