/**
 * Integration: `kvmreq record` on this machine's real tracefs while a real
 * QEMU/KVM guest (SeaBIOS only) runs, then `kvmreq lint` on the result.
 * Needs what every real-tracefs test needs (real_tracefs.ts), plus /dev/kvm
 * and qemu-system-x86_64; says plainly when it skips.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  leavesTracingAsFound,
  realTracefsTest,
  realTracefsUnavailable,
  startKvmreq,
} from "./real_tracefs.ts";

async function has(cmd: string): Promise<boolean> {
  try {
    return (await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

async function missing(): Promise<string | undefined> {
  const why = await realTracefsUnavailable();
  if (why !== undefined) return why;
  try {
    await Deno.stat("/dev/kvm");
  } catch {
    return "no /dev/kvm";
  }
  if (!(await has("qemu-system-x86_64"))) return "qemu-system-x86_64 is not installed";
  if (!(await has("timeout"))) return "no timeout(1)";
  return undefined;
}

realTracefsTest(
  await missing(),
  "record a real QEMU guest, lint finds its request-less kicks",
  () =>
    leavesTracingAsFound(async (dir) => {
      const out = join(dir, "guest.trace");
      const rec = await startKvmreq(
        "record",
        "-o",
        out,
        "--comm",
        "qemu*",
        "--comm",
        "CPU *",
        "--",
        "timeout",
        "3",
        "qemu-system-x86_64",
        "-enable-kvm",
        "-cpu",
        "kvm64",
        "-smp",
        "2",
        "-m",
        "128",
        "-nographic",
        "-no-reboot",
        "-name",
        "guest,debug-threads=on",
        "-monitor",
        "none",
        "-serial",
        "none",
      ).done();
      assert.equal(rec.code, 0, rec.err);
      assert.match(rec.err, /exited with status 124/);
      assert.match(rec.err, /tracefs left as it was/);
      const lint = await startKvmreq(
        "lint",
        "--format",
        "json",
        "--rule",
        "request-less-kick",
        out,
      ).done();
      const report = JSON.parse(lint.out);
      const messages: string[] = report.files[0].findings.map((f: { message: string }) =>
        f.message
      );
      assert.ok(messages.some((m) => m.includes("kvm_arch_memslots_updated")), messages.join("\n"));
    }),
);
