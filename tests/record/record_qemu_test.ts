/**
 * Integration: `kvmreq record` on this machine's real tracefs while a real
 * QEMU/KVM guest (SeaBIOS only) runs, then `kvmreq lint` on the result.
 * Needs root, /dev/kvm and qemu-system-x86_64; says plainly when it skips.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function has(cmd: string): Promise<boolean> {
  try {
    return (await new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

async function missing(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not root";
  try {
    await Deno.stat("/dev/kvm");
  } catch {
    return "no /dev/kvm";
  }
  if (!(await has("qemu-system-x86_64"))) return "qemu-system-x86_64 is not installed";
  if (!(await has("timeout"))) return "no timeout(1)";
  return undefined;
}

async function tracefsState(): Promise<string> {
  const t = "/sys/kernel/tracing";
  const files = [
    "set_event",
    "tracing_on",
    "trace_clock",
    "options/record-tgid",
    "events/sched/sched_waking/filter",
  ];
  const parts: string[] = [];
  for (const f of files) {
    try {
      parts.push(`${f}=${(await Deno.readTextFile(`${t}/${f}`)).trim()}`);
    } catch {
      parts.push(`${f}=(absent)`);
    }
  }
  try {
    const trig = (await Deno.readTextFile(`${t}/events/sched/sched_waking/trigger`)).split("\n")
      .filter((l) => l && !l.startsWith("#"));
    parts.push(`trigger=${trig.join(";")}`);
  } catch {
    parts.push("trigger=(absent)");
  }
  return parts.join("\n");
}

const why = await missing();
Deno.test({
  name: `record a real QEMU guest, lint finds its request-less kicks${
    why ? ` (SKIPPED: ${why})` : ""
  }`,
  ignore: why !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const mountedBefore = (await Deno.readTextFile("/proc/mounts")).includes(
      " /sys/kernel/tracing tracefs ",
    );
    const before = mountedBefore ? await tracefsState() : undefined;
    const out = await Deno.makeTempFile({ suffix: ".trace" });
    const rec = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
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
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(rec.stderr);
    assert.match(err, /tracefs restored/, err);
    const mountedAfter = (await Deno.readTextFile("/proc/mounts")).includes(
      " /sys/kernel/tracing tracefs ",
    );
    assert.equal(mountedAfter, mountedBefore, "tracefs mount state put back");
    if (before !== undefined) assert.equal(await tracefsState(), before);
    const lint = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "lint", "--format", "json", "--rule", "request-less-kick", out],
      stdout: "piped",
    }).output();
    const report = JSON.parse(new TextDecoder().decode(lint.stdout));
    const messages: string[] = report.files[0].findings.map((f: { message: string }) => f.message);
    assert.ok(messages.some((m) => m.includes("kvm_arch_memslots_updated")), messages.join("\n"));
    await Deno.remove(out);
  },
});
