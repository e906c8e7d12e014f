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

/** Runs `kvmreq ARGS` (colour off) and returns its exit code and output. */
export async function runKvmreq(...args: string[]): Promise<KvmreqRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}
