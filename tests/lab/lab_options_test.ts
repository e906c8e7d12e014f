/**
 * The lab's pure parts: its command line, the series key, the files a patch
 * touches, the workloads' header facts, the guest's /init and the traces'
 * headers.
 */
import assert from "node:assert/strict";
import { initScript, shq, tracefsSetup } from "../../kernel/lab/guest_init.ts";
import { touchedFiles } from "../../kernel/lab/kernel_tree.ts";
import { moduleName } from "../../kernel/lab/modules.ts";
import { parseLabArgs, UsageError } from "../../kernel/lab/options.ts";
import { missingLines, missingTools } from "../../kernel/lab/prereqs.ts";
import { debFileName } from "../../kernel/lab/pins.ts";
import { qemuArgs } from "../../kernel/lab/qemu.ts";
import { remakeCommand, traceDir, traceName } from "../../kernel/lab/run_guest.ts";
import { loadSeries, type PatchFile, seriesKey } from "../../kernel/lab/series.ts";
import { headerLines, lostInStats } from "../../kernel/lab/traces.ts";
import { headerFacts, listWorkloads, selectWorkloads } from "../../kernel/lab/workloads.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const enc = new TextEncoder();

Deno.test("lab options: defaults, repeatable --workload, --opt=value, mutant ids", () => {
  const d = parseLabArgs([]);
  assert.deepEqual(d.workloads, []);
  assert.equal(d.lint, true);
  assert.equal(d.smp, 2);
  assert.equal(d.mutant, undefined);
  const o = parseLabArgs([
    "--workload",
    "ipi",
    "--workload=memslot",
    "--mutant",
    "m04",
    "--no-lint",
    "--keep",
    "--smp",
    "4",
  ]);
  assert.deepEqual(o.workloads, ["ipi", "memslot"]);
  assert.equal(o.mutant, "M04");
  assert.equal(o.lint, false);
  assert.equal(o.keep, true);
  assert.equal(o.smp, 4);
});

Deno.test("lab options: mistakes are usage errors that say what is wrong", () => {
  assert.throws(
    () => parseLabArgs(["--bogus"]),
    (e) => e instanceof UsageError && /--bogus/.test(e.message),
  );
  assert.throws(() => parseLabArgs(["--mutant", "4"]), /expected an id like M03/);
  assert.throws(() => parseLabArgs(["--smp", "1"]), /from 2 to 8/);
  assert.throws(() => parseLabArgs(["--workload"]), /needs a value/);
  assert.throws(() => parseLabArgs(["--stock", "--mutant", "M01"]), /exclude each other/);
});

Deno.test("series key: changes with a patch's bytes, its name and the mutant", async () => {
  const p = (name: string, text: string): PatchFile => ({
    name,
    path: `/x/${name}`,
    bytes: enc.encode(text),
  });
  const a = await seriesKey([p("0001-a.patch", "A")], undefined);
  assert.equal(a, await seriesKey([p("0001-a.patch", "A")], undefined));
  assert.notEqual(a, await seriesKey([p("0001-a.patch", "B")], undefined));
  assert.notEqual(a, await seriesKey([p("0002-a.patch", "A")], undefined));
  assert.notEqual(a, await seriesKey([p("0001-a.patch", "A")], p("M01-x.patch", "")));
  assert.notEqual(await seriesKey([], undefined), a);
});

Deno.test("series: an unknown mutant is a clear error", async () => {
  await assert.rejects(() => loadSeries(ROOT, "M99"), /no mutant M99/);
});

Deno.test("touchedFiles: the +++ b/ paths of a git format-patch", () => {
  const patch =
    "diff --git a/virt/kvm/kvm_main.c b/virt/kvm/kvm_main.c\n--- a/virt/kvm/kvm_main.c\n" +
    "+++ b/virt/kvm/kvm_main.c\n@@ -1 +1 @@\n-a\n+b\n--- /dev/null\n+++ b/include/trace/x.h\n";
  assert.deepEqual(touchedFiles(enc.encode(patch)), ["virt/kvm/kvm_main.c", "include/trace/x.h"]);
});

Deno.test("workloads: every workload has a summary, says its seed sections, and is selectable", async () => {
  const all = await listWorkloads(ROOT);
  assert.ok(all.length >= 1);
  for (const w of all) {
    assert.notEqual(w.summary, "(no summary)", w.name);
    const text = await Deno.readTextFile(w.source);
    assert.match(text, /vcpu-requests\.rst/, `${w.name} names the seed sections it exercises`);
  }
  assert.deepEqual(selectWorkloads(all, [all[0].name]).map((w) => w.name), [all[0].name]);
  assert.throws(() => selectWorkloads(all, ["nope"]), /no workload nope \(known: /);
  assert.deepEqual(headerFacts("/*\n * x.c - does y\n *\n * smp: 3\n * kvm_amd: npt=0\n */"), {
    summary: "does y",
    minSmp: 3,
    kvmAmdParams: "npt=0",
  });
});

Deno.test("guest /init: loads the modules in order, traces each workload, writes the disk last", () => {
  const s = initScript({
    modules: ["irqbypass.ko", "kvm.ko", "ccp.ko", "kvm_amd.ko"],
    workloads: [{ name: "ipi", kvmAmdParams: "" }, { name: "memslot", kvmAmdParams: "npt=0" }],
    bufferSizeKb: 4096,
    diskModules: ["virtio_blk.ko"],
  });
  assert.match(s, /for m in irqbypass\.ko kvm\.ko ccp\.ko kvm_amd\.ko; do/);
  assert.ok(s.indexOf("/w/ipi") < s.indexOf("/w/memslot"));
  // kvm_amd reloaded with npt=0 just before memslot, and without it after
  const reloads = [...s.matchAll(/insmod \/lib\/modules\/kvm_amd\.ko ?(\S*)/g)];
  assert.deepEqual(reloads.map((m) => m[1]), ["npt=0", ""]);
  assert.ok(s.indexOf("/w/ipi") < reloads[0].index && reloads[0].index < s.indexOf("/w/memslot"));
  assert.ok(reloads[1].index > s.indexOf("/w/memslot"));
  assert.ok(s.indexOf("/w/memslot") < s.indexOf("tar -cf /dev/vda"));
  assert.ok(s.indexOf("sha256sum") < s.indexOf("tar -cf /dev/vda"));
  assert.match(s, /echo 4096 > buffer_size_kb/);
  const setup = tracefsSetup(["irq-inject-with-a-long-name"], 1024);
  assert.ok(setup.includes("echo 'kvm:*' >> set_event"));
  assert.ok(setup.includes("echo '!kvm:kvm_pio' >> set_event"));
  assert.ok(
    setup.some((l) => l.includes("events/sched/sched_waking/trigger") && l.includes("stacktrace")),
  );
  assert.ok(
    setup.some((l) =>
      l.includes('comm ~ \\"irq-inject-with\\"') || l.includes('comm ~ "irq-inject-with"')
    ),
  );
  assert.ok(setup.some((l) => l.startsWith("[ -d events/kvm/kvm_vcpu_kick ]")));
  assert.equal(shq("a'b"), `'a'"'"'b'`);
});

Deno.test("traces: names, header, remake command and QEMU line", () => {
  const opts = parseLabArgs(["--mutant", "M03"]);
  assert.equal(traceName("ipi", undefined, true), "ipi.trace");
  assert.equal(traceName("ipi", "M04-kick-without-ipi.patch", true), "M04-kick-without-ipi.trace");
  assert.equal(
    traceName("ipi", "M04-kick-without-ipi.patch", false),
    "M04-kick-without-ipi-ipi.trace",
  );
  assert.equal(remakeCommand("ipi", opts), "deno task lab --workload ipi --mutant M03");
  assert.equal(traceDir("/r", opts), "/r/traces/lab/mutants");
  assert.equal(traceDir("/r", parseLabArgs([])), "/r/traces/lab");
  assert.equal(traceDir("/r", parseLabArgs(["--stock"])), "/r/traces/lab/stock");
  assert.equal(traceDir("/r", parseLabArgs(["--stock", "--out", "/o"])), "/o");
  assert.equal(
    remakeCommand("ipi", parseLabArgs(["--stock"])),
    "deno task lab --workload ipi --stock",
  );
  const h = headerLines({
    workload: "ipi",
    summary: "IPIs",
    kernel: "6.12.118+deb12-amd64",
    debianVersion: "6.12.118-1~deb12u1",
    seriesKey: "abc",
    series: "2 patches",
    exitCode: 0,
    verdict: "ipi: passed",
    qemu: "qemu",
    command: "deno task lab --workload ipi",
  });
  assert.ok(h.every((l) => l.startsWith("# ")));
  assert.ok(h.some((l) => l.includes("6.12.118-1~deb12u1")));
  assert.ok(h.includes("# kernel: 6.12.118+deb12-amd64"));
  assert.ok(h.includes("# arch: x86_64"));
  const q = qemuArgs({
    kernel: "k",
    initrd: "i",
    disk: "d",
    smp: 2,
    memMb: 1024,
    consoleLog: "c",
    timeoutSec: 5,
  });
  assert.ok(q.join(" ").includes("-accel tcg,thread=multi -cpu EPYC,+svm -smp 2"));
  assert.ok(q.includes("-no-reboot") && q.includes("-nographic"));
  assert.equal(moduleName("/lib/kvm-amd.ko.xz"), "kvm_amd");
  assert.equal(
    debFileName("linux-image-6.12.118+deb12-amd64-unsigned"),
    "linux-image-6.12.118+deb12-amd64-unsigned_6.12.118-1~deb12u1_amd64.deb",
  );
  assert.equal(debFileName("linux-source-6.12"), "linux-source-6.12_6.12.118-1~deb12u1_all.deb");
});

Deno.test("prerequisites: one line per missing tool, naming its Debian package and why", () => {
  const tools = [
    { command: "sh", pkg: "dash" },
    { command: "kvmreq-no-such-tool", pkg: "kvmreq-pkg" },
    { command: "/no/such/file.h", pkg: "libno-dev" },
  ];
  const missing = missingTools(tools);
  assert.deepEqual(missing.map((t) => t.command), ["kvmreq-no-such-tool", "/no/such/file.h"]);
  assert.deepEqual(missingLines(missing, "not root"), [
    "missing kvmreq-no-such-tool (Debian package kvmreq-pkg): not root",
    "missing /no/such/file.h (Debian package libno-dev): not root",
  ]);
});

Deno.test("lostInStats: overruns and dropped events of every CPU are summed", () => {
  const cpu = (o: number, c: number, d: number) =>
    `entries: 5\noverrun: ${o}\ncommit overrun: ${c}\nbytes: 10\ndropped events: ${d}\nread events: 7\n`;
  assert.equal(lostInStats(cpu(0, 0, 0) + cpu(0, 0, 0)), 0);
  assert.equal(lostInStats(cpu(3, 0, 0) + cpu(0, 1, 4)), 8);
});
