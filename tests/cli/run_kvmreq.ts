/**
 * Test helper: runs `kvmreq` (main.ts, in a subprocess, from the project
 * root so relative fixture paths work) and collects what it printed.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** What one run of `kvmreq` gave. */
export interface KvmreqRun {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly out: string;
  /** Standard error. */
  readonly err: string;
}

/** How to run it, beyond the arguments. */
export interface RunSetup {
  /** Bytes for standard input (none: stdin is closed). */
  readonly stdin?: Uint8Array | string;
  /**
   * Environment: these variables, with `HOME`, `PATH` and `DENO_DIR` kept
   * and everything else cleared (default: the test's environment with `NO_COLOR=1`).
   */
  readonly env?: Record<string, string>;
  /** Working directory (default: the project root). */
  readonly cwd?: string;
}

function kept(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["HOME", "PATH", "DENO_DIR"]) {
    const v = Deno.env.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Runs `kvmreq ARGS` with `setup` and returns its exit code and output. */
export async function runKvmreqWith(setup: RunSetup, ...args: string[]): Promise<KvmreqRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    cwd: setup.cwd ?? ROOT,
    env: setup.env === undefined ? { NO_COLOR: "1" } : { ...kept(), ...setup.env },
    clearEnv: setup.env !== undefined,
    stdin: setup.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (setup.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(
      typeof setup.stdin === "string" ? new TextEncoder().encode(setup.stdin) : setup.stdin,
    );
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Runs `kvmreq ARGS` (colour off) and returns its exit code and output. */
export function runKvmreq(...args: string[]): Promise<KvmreqRun> {
  return runKvmreqWith({}, ...args);
}
