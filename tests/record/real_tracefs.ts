/**
 * Test helper for tests that record on this machine's real tracefs.
 *
 * They run only when asked (`KVMREQ_TEST_TRACEFS=1`, which CI's `.ci/run`
 * sets), as root, with tracefs available; otherwise they are skipped with
 * the reason in their name. Several `deno task test` runs may happen at once
 * on one machine (other checkouts), and tracefs is one per kernel, so the
 * tests of all of them take turns: each test holds an exclusive lock
 * (flock, which the kernel also releases when the process ends, however it
 * ends) on /run/kvmreq/tracefs-tests.lock while it runs. A kvmreq recording
 * started outside the tests meanwhile is refused by record's own journal,
 * and the tests that meet one say so.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fingerprintDiff, tracefsFingerprint } from "./tracefs_fingerprint.ts";

/** The real tracefs mount point. */
export const TRACEFS = "/sys/kernel/tracing";

const LOCK = "/run/kvmreq/tracefs-tests.lock";

/** Why the real-tracefs tests cannot run here, or undefined when they can. */
export async function realTracefsUnavailable(): Promise<string | undefined> {
  let asked: string | undefined;
  try {
    asked = Deno.env.get("KVMREQ_TEST_TRACEFS");
  } catch {
    return "no permission to read KVMREQ_TEST_TRACEFS";
  }
  if (asked !== "1") return "set KVMREQ_TEST_TRACEFS=1 to record on this machine's tracefs";
  if (Deno.uid() !== 0) return "not root";
  try {
    if (!(await Deno.readTextFile("/proc/filesystems")).includes("\ttracefs\n")) {
      return "this kernel has no tracefs";
    }
    await Deno.stat(TRACEFS);
  } catch {
    return `no ${TRACEFS}`;
  }
  return undefined;
}

/**
 * Takes the machine-wide lock of the real-tracefs tests, waiting up to
 * `waitMs` for another test run to finish; returns its release.
 */
async function takeTestLock(waitMs: number): Promise<() => void> {
  await Deno.mkdir("/run/kvmreq", { recursive: true, mode: 0o700 });
  const file = await Deno.open(LOCK, { read: true, write: true, create: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const got = await Promise.race([
    file.lock(true).then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), waitMs))),
  ]);
  clearTimeout(timer);
  if (!got) {
    // The pending lock() goes with the process; this test cannot wait longer.
    throw new Error(`another test run has held ${LOCK} for ${waitMs / 1000} s`);
  }
  return () => {
    try {
      file.unlockSync();
      file.close();
    } catch { /* closed */ }
  };
}

/** Whether tracefs is mounted at {@link TRACEFS}. */
export async function tracefsIsMounted(): Promise<boolean> {
  return (await Deno.readTextFile("/proc/mounts")).includes(` ${TRACEFS} tracefs `);
}

async function sh(cmd: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
  }
}

/** The host's tracing state: whether tracefs is mounted, and every setting (mounting it for a moment if it is not). */
export async function hostTracingState(): Promise<{ mounted: boolean; settings: string[] }> {
  const mounted = await tracefsIsMounted();
  if (!mounted) await sh("mount", "-t", "tracefs", "nodev", TRACEFS);
  try {
    return { mounted, settings: await tracefsFingerprint(TRACEFS) };
  } finally {
    if (!mounted) await sh("umount", TRACEFS);
  }
}

/**
 * Runs `body` with a temporary directory, then checks that the host's
 * tracing state (mounted or not, every setting) is what it was before.
 */
export async function leavesTracingAsFound(body: (dir: string) => Promise<void>): Promise<void> {
  const before = await hostTracingState();
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-record-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
    const after = await hostTracingState();
    assert.equal(after.mounted, before.mounted, "tracefs mount state as found");
    assert.deepEqual(
      fingerprintDiff(before.settings, after.settings),
      [],
      "tracefs settings as found",
    );
  }
}

/**
 * Registers a real-tracefs test, skipped (with the reason in its name) when
 * `why` says so; it runs holding the machine-wide test lock.
 */
export function realTracefsTest(why: string | undefined, name: string, fn: () => Promise<void>) {
  Deno.test({
    name: `${name}${why ? ` (SKIPPED: ${why})` : ""}`,
    ignore: why !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const release = await takeTestLock(300_000);
      try {
        await fn();
      } finally {
        release();
      }
    },
  });
}

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running `kvmreq` whose stderr is collected as it comes. */
export interface KvmreqProcess {
  /** The child. */
  readonly child: Deno.ChildProcess;
  /** Standard error so far. */
  err(): string;
  /** Resolves once stderr matches `re` (or the process ends). */
  waitFor(re: RegExp): Promise<boolean>;
  /** Exit code, stdout and stderr once it ends. */
  done(): Promise<{ code: number; out: string; err: string }>;
}

/** Starts `kvmreq ARGS` in a subprocess. */
export function startKvmreq(...args: string[]): KvmreqProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  let ended = false;
  const waiters: { re: RegExp; resolve: (v: boolean) => void }[] = [];
  const check = (ended: boolean) => {
    for (const w of waiters.splice(0)) {
      if (w.re.test(err)) w.resolve(true);
      else if (ended) w.resolve(false);
      else waiters.push(w);
    }
  };
  const errDone = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      err += dec.decode(chunk, { stream: true });
      check(false);
    }
    ended = true;
    check(true);
  })();
  const outText = new Response(child.stdout).text();
  return {
    child,
    err: () => err,
    waitFor(re) {
      if (re.test(err)) return Promise.resolve(true);
      if (ended) return Promise.resolve(false);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
    async done() {
      const st = await child.status;
      await errDone;
      return { code: st.code, out: await outText, err };
    },
  };
}
