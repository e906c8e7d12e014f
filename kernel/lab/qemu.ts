/**
 * Booting the guest: qemu-system-x86_64 with TCG and an emulated AMD CPU
 * with SVM, so the guest's KVM runs nested; the console is copied to a log
 * (and its `kvmreq-lab:` lines shown), the output disk is a raw file.
 *
 * @module
 */

import { LabError, track } from "./exec.ts";

/** How to boot. */
export interface BootPlan {
  /** vmlinuz. */
  readonly kernel: string;
  /** initrd.gz. */
  readonly initrd: string;
  /** The raw disk the guest writes its tar archive to. */
  readonly disk: string;
  /** Guest CPUs. */
  readonly smp: number;
  /** Guest memory, MiB. */
  readonly memMb: number;
  /** Console log file. */
  readonly consoleLog: string;
  /** Seconds before QEMU is killed. */
  readonly timeoutSec: number;
  /**
   * TCG's threading (default `multi`: one host thread per guest CPU).
   * `single` runs the guest CPUs round-robin on one host thread: slower, but
   * code one guest CPU patches (static keys, text_poke_bp's int3) is never
   * executed stale by the other — the long `--big` run oopsed once on an
   * int3 in finish_task_switch() under `multi` (the preempt-notifier static
   * key, flipped by every VM created and destroyed).
   */
  readonly tcgThreads?: "multi" | "single";
}

/** Console lines of a guest kernel crash. */
export const GUEST_OOPS = /\bOops: |\bKernel panic - |\bBUG: /;

/** The QEMU command line of `p`. */
export function qemuArgs(p: BootPlan): string[] {
  return [
    "-accel",
    `tcg,thread=${p.tcgThreads ?? "multi"}`,
    "-cpu",
    "EPYC,+svm",
    "-smp",
    String(p.smp),
    "-m",
    String(p.memMb),
    "-kernel",
    p.kernel,
    "-initrd",
    p.initrd,
    "-append",
    "console=ttyS0 quiet panic=-1 nokaslr",
    "-drive",
    `file=${p.disk},format=raw,if=virtio,cache=unsafe`,
    "-nographic",
    "-no-reboot",
  ];
}

/**
 * Boots the guest and waits for it to power off. Lines of the console that
 * start with `kvmreq-lab:` go to `onLine`. Throws a {@link LabError} on a
 * timeout (QEMU is killed) or when QEMU fails.
 */
export async function boot(p: BootPlan, onLine: (line: string) => void): Promise<void> {
  const child = new Deno.Command("qemu-system-x86_64", {
    args: qemuArgs(p),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const untrack = track(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, p.timeoutSec * 1000);
  const log = await Deno.open(p.consoleLog, { write: true, create: true, truncate: true });
  const dec = new TextDecoder();
  let partial = "";
  const oops: string[] = [];
  const pump = async () => {
    for await (const chunk of child.stdout) {
      await log.write(chunk);
      partial += dec.decode(chunk, { stream: true });
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const l of lines) {
        if (oops.length < 3 && GUEST_OOPS.test(l)) oops.push(l.trim());
        const at = l.indexOf("kvmreq-lab:");
        if (at >= 0) onLine(l.slice(at + "kvmreq-lab:".length).trim());
      }
    }
  };
  const errText = async () => {
    const parts: string[] = [];
    for await (const chunk of child.stderr) parts.push(dec.decode(chunk));
    return parts.join("");
  };
  const [, err, status] = await Promise.all([pump(), errText(), child.status]);
  clearTimeout(timer);
  untrack();
  log.close();
  if (timedOut) {
    throw new LabError(`the guest did not finish within ${p.timeoutSec} s; QEMU was stopped`, [
      `console: ${p.consoleLog}`,
      "hint: --timeout SEC gives it longer; the run directory is kept",
    ]);
  }
  if (oops.length > 0) {
    throw new LabError("the guest kernel crashed (its console says so)", [
      ...oops,
      `console: ${p.consoleLog}`,
    ]);
  }
  if (!status.success) {
    throw new LabError(`qemu-system-x86_64 exited with ${status.code}`, [
      ...err.trim().split("\n").slice(-5),
      `console: ${p.consoleLog}`,
    ]);
  }
}
