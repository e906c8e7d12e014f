/**
 * The lab's trace-cmd recordings (`--dat`, `--big`): their options, the
 * guest's trace-cmd command lines, finding trace-cmd's files for the
 * initramfs, the big run's bookkeeping, the comparison of the two lint
 * readings, and the console's crash lines.
 */
import assert from "node:assert/strict";
import { initScript } from "../../kernel/lab/guest_init.ts";
import {
  bigRecordWords,
  bigRunLines,
  datRunLines,
  kickStackWords,
  traceCmdLine,
  traceCmdRecordWords,
} from "../../kernel/lab/guest_trace_cmd.ts";
import { bigCommand, bigDir, guestTimes, runCounts } from "../../kernel/lab/lab_big.ts";
import { datBaseName, firstDifference, readEvents } from "../../kernel/lab/lab_dat.ts";
import {
  checkedDiffer,
  comparableMessage,
  factsDiffer,
  lintFacts,
  severityText,
} from "../../kernel/lab/lint_compare.ts";
import { defaultTimeout, parseLabArgs, UsageError } from "../../kernel/lab/options.ts";
import { GUEST_OOPS, qemuArgs } from "../../kernel/lab/qemu.ts";
import { remakeCommand } from "../../kernel/lab/run_guest.ts";
import { interpreterOf, neededOf, resolveIn } from "../../kernel/lab/trace_cmd.ts";
import { bigWorkloads, type Workload } from "../../kernel/lab/workloads.ts";

const w = (name: string, kvmAmdParams = ""): Workload => ({
  name,
  source: `${name}.c`,
  summary: name,
  minSmp: 2,
  kvmAmdParams,
});

Deno.test("lab options: --dat, --big, --seconds, --rounds and the time limit", () => {
  const d = parseLabArgs([]);
  assert.equal(d.dat, false);
  assert.equal(d.big, false);
  assert.equal(d.rounds, undefined);
  assert.equal(defaultTimeout(d), 900);
  const b = parseLabArgs(["--big", "--seconds", "60", "--rounds", "3"]);
  assert.equal(b.big, true);
  assert.equal(b.seconds, 60);
  assert.equal(b.rounds, 3);
  assert.equal(defaultTimeout(b), 60 + 1800);
  assert.equal(defaultTimeout(parseLabArgs(["--big", "--timeout", "100"])), 100);
  assert.throws(() => parseLabArgs(["--dat", "--big"]), UsageError);
  assert.throws(() => parseLabArgs(["--rounds", "0"]), UsageError);
  assert.throws(() => parseLabArgs(["--seconds", "x"]), UsageError);
  assert.equal(
    remakeCommand("ipi", parseLabArgs(["--rounds", "2"])),
    "deno task lab --workload ipi --rounds 2",
  );
  assert.equal(
    bigCommand(parseLabArgs(["--big", "--workload", "ipi", "--seconds", "30"])),
    "deno task lab --big --workload ipi --seconds 30",
  );
});

Deno.test("--big workloads: all that need no kvm_amd reload; naming one that does is refused", () => {
  const all = [w("ipi"), w("memslot"), w("shadow-mmu", "npt=0")];
  assert.deepEqual(bigWorkloads(all, []).map((x) => x.name), ["ipi", "memslot"]);
  assert.deepEqual(bigWorkloads(all, ["memslot"]).map((x) => x.name), ["memslot"]);
  assert.throws(() => bigWorkloads(all, ["shadow-mmu"]), /shadow-mmu \(kvm_amd npt=0\)/);
});

Deno.test("--big directory: --out, else $KVMREQ_BIG_DIR, else /work/big", () => {
  const old = Deno.env.get("KVMREQ_BIG_DIR");
  try {
    Deno.env.set("KVMREQ_BIG_DIR", "/tmp/x-big");
    assert.equal(bigDir(parseLabArgs(["--big"])), "/tmp/x-big");
    assert.equal(bigDir(parseLabArgs(["--big", "--out", "/tmp/o"])), "/tmp/o");
    Deno.env.delete("KVMREQ_BIG_DIR");
    assert.equal(bigDir(parseLabArgs(["--big"])), "/work/big");
  } finally {
    if (old !== undefined) Deno.env.set("KVMREQ_BIG_DIR", old);
    else Deno.env.delete("KVMREQ_BIG_DIR");
  }
});

Deno.test("trace-cmd words: the kvm preset as -e/-f/-R, floods negated last, clock and buffer", () => {
  const words = traceCmdRecordWords(["ipi"], 4096);
  assert.deepEqual(words.slice(0, 2), ["-e", "kvm"]);
  const waking = words.indexOf("sched:sched_waking");
  assert.equal(words[waking + 1], "-f");
  assert.match(words[waking + 2], /comm ~ "CPU \*" \|\| comm ~ "ipi"/);
  assert.equal(words[waking + 3], "-R");
  assert.match(words[waking + 4], /^stacktrace if /);
  const v = words.indexOf("-v");
  assert.ok(v > words.indexOf("-C"));
  assert.deepEqual(words.slice(v + 1).filter((x) => x !== "-e"), [
    "kvm:kvm_emulate_insn",
    "kvm:kvm_mmio",
    "kvm:kvm_fpu",
    "kvm:kvm_pio",
  ]);
  assert.deepEqual(words.slice(words.indexOf("-C"), words.indexOf("-C") + 4), [
    "-C",
    "global",
    "-b",
    "4096",
  ]);
  assert.ok(!words.includes("overwrite") && !words.includes("nooverwrite"));
  // $K (the kick stack trigger) goes before -v, or it would be negated
  const line = traceCmdLine("start", ["ipi"], 4096);
  assert.ok(line.indexOf("$K") < line.indexOf(" -v "));
  assert.match(line, /-f 'comm ~ "CPU \*"/);
  assert.deepEqual(kickStackWords(["kvm/kvm_vcpu_kick"]), [
    'K=""',
    '[ -d $T/events/kvm/kvm_vcpu_kick ] && K="$K -e kvm:kvm_vcpu_kick -R stacktrace"',
  ]);
});

Deno.test("--big records what issue 17 asked: kvm, sched switch/waking/wakeup, ipi, csd, unfiltered", () => {
  const words = bigRecordWords(32768);
  const events = words.filter((_, i) => words[i - 1] === "-e");
  assert.deepEqual(events, [
    "kvm",
    "sched:sched_switch",
    "sched:sched_waking",
    "sched:sched_wakeup",
    "ipi",
    "csd",
  ]);
  assert.ok(!words.includes("-f") && !words.includes("-v"));
  const lines = bigRunLines(["ipi", "memslot"], 30, 32768).join("\n");
  assert.match(lines, /end=\$\(\( \$\(date \+%s\) \+ 30 \)\)/);
  assert.match(lines, /for w in ipi memslot; do/);
  assert.match(lines, /trace-cmd record -o \/out\/big\.dat -e kvm .* \$K -- \/bin\/sh \/big\.sh/);
  assert.ok(lines.indexOf("trace-cmd record") < lines.indexOf("trace-cmd report -i /out/big.dat"));
});

Deno.test("guest /init: --big and --dat replace the tracefs set-up; --rounds exports LAB_ROUNDS", () => {
  const plan = {
    modules: ["kvm.ko"],
    workloads: [{ name: "ipi", kvmAmdParams: "" }],
    bufferSizeKb: 1024,
    diskModules: ["virtio_blk.ko"],
  };
  const text = initScript(plan);
  assert.match(text, /echo 1 > \$T\/tracing_on/);
  assert.doesNotMatch(text, /LAB_ROUNDS|trace-cmd/);
  const big = initScript({ ...plan, rounds: 5, recorder: { kind: "big", seconds: 20 } });
  assert.match(big, /^export LAB_ROUNDS=5$/m);
  assert.doesNotMatch(big, /set_event/);
  assert.match(big, /trace-cmd record -o \/out\/big\.dat/);
  assert.ok(big.indexOf('K=""') < big.indexOf("trace-cmd record"));
  assert.ok(big.indexOf("trace-cmd report") < big.indexOf("tar -cf /dev/vda"));
  const dat = initScript({ ...plan, recorder: { kind: "trace-cmd" } });
  assert.match(dat, /trace-cmd start /);
  assert.match(dat, /trace-cmd extract -o \/out\/ipi\.dat/);
  assert.ok(dat.indexOf("/w/ipi") < dat.indexOf("trace-cmd stop"));
  assert.ok(datRunLines("ipi", 1024).some((l) => l.startsWith("trace-cmd report -i /out/ipi.dat")));
});

Deno.test("trace-cmd's files: NEEDED libraries, the interpreter, links inside the tree", async () => {
  const dyn = ` 0x0000000000000001 (NEEDED)             Shared library: [libtracecmd.so.1]
 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]
 0x000000000000000c (INIT)               0x5000`;
  assert.deepEqual(neededOf(dyn), ["libtracecmd.so.1", "libc.so.6"]);
  assert.equal(
    interpreterOf("      [Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]"),
    "/lib64/ld-linux-x86-64.so.2",
  );
  assert.equal(interpreterOf("There are no program headers in this file."), undefined);
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/lib/x86_64-linux-gnu`, { recursive: true });
    await Deno.mkdir(`${root}/lib64`);
    await Deno.writeTextFile(`${root}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`, "ld");
    // an absolute link is resolved in the tree, as the guest sees it, not on the host
    await Deno.symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", `${root}/lib64/ld.so`);
    await Deno.symlink("ld-linux-x86-64.so.2", `${root}/lib/x86_64-linux-gnu/ld.rel`);
    assert.equal(
      await resolveIn(root, "/lib64/ld.so"),
      `${root}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`,
    );
    assert.equal(
      await resolveIn(root, "/lib/x86_64-linux-gnu/ld.rel"),
      `${root}/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`,
    );
    await Deno.symlink("/loop", `${root}/loop`);
    await assert.rejects(() => resolveIn(root, "/loop"), /too many symbolic links/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--big bookkeeping: runs per workload, failed runs, the guest's clock", () => {
  const runs = runCounts("ipi 0\nmemslot 0\nipi 1\n\ngarbage line\nipi 0\n");
  assert.deepEqual(Object.fromEntries(runs), {
    ipi: { runs: 3, failed: 1 },
    memslot: { runs: 1, failed: 0 },
  });
  const t = guestTimes("start 100\nrecorded 760\nreported 1300\n");
  assert.equal(t.get("recorded")! - t.get("start")!, 660);
  assert.equal(t.get("reported"), 1300);
  assert.equal(readEvents("CPU: 0\nread events: 5\nCPU: 1\nread events: 7\n"), 12);
  assert.equal(datBaseName("ipi", undefined, true), "lab-ipi");
  assert.equal(datBaseName("ipi", "M04-kick-without-ipi.patch", true), "lab-M04-kick-without-ipi");
  assert.equal(firstDifference("a\nb\nc", "a\nB\nc"), 'line 2: guest "b"; host "B"');
  assert.equal(firstDifference("a", "a"), "identical");
});

/** A lint JSON report with `findings` in its one file. */
function lintJson(events: number, checked: string[], findings: Record<string, unknown>[]): string {
  return JSON.stringify({ files: [{ events, checkedRules: checked, findings }] });
}

Deno.test("lint comparison: line numbers and duration rounding differ by nature, findings must not", () => {
  assert.equal(
    comparableMessage("KVM_REQ_EVENT served after 12.024 ms (threshold 10.000 ms), see line 8123"),
    "KVM_REQ_EVENT served after T ms (threshold T ms), see line N",
  );
  const f = (message: string, severity = "warning") => ({
    ruleId: "request-latency",
    severity,
    vm: "0",
    vcpu: 1,
    message,
    line: 99,
  });
  const dat = lintFacts(
    lintJson(10, ["a", "b"], [f("served after 12.024 ms at line 5"), f("x", "error")]),
  );
  const text = lintFacts(
    lintJson(10, ["a"], [f("served after 12.023 ms at line 9"), f("x", "error")]),
  );
  assert.deepEqual(factsDiffer(dat, text), []);
  assert.equal(checkedDiffer(dat, text), "checked on the trace.dat only: b");
  assert.equal(severityText(dat), "1 error, 1 warning");
  const other = lintFacts(lintJson(11, ["a"], [f("served after 12.023 ms at line 9")]));
  const diff = factsDiffer(dat, other);
  assert.equal(diff[0], "events: trace.dat 10, text 11");
  assert.match(diff[1], /^only in trace\.dat \(1×\): .*"severity":"error"/);
  assert.equal(severityText(lintFacts(lintJson(0, [], []))), "no findings");
});

Deno.test("qemu: the --big run is single-threaded TCG; a guest crash line is recognised", () => {
  const plan = {
    kernel: "k",
    initrd: "i",
    disk: "d",
    smp: 2,
    memMb: 6144,
    consoleLog: "c",
    timeoutSec: 10,
  };
  assert.equal(qemuArgs(plan)[1], "tcg,thread=multi");
  assert.equal(qemuArgs({ ...plan, tcgThreads: "single" })[1], "tcg,thread=single");
  // the console line of the one crash seen (multi-threaded TCG, many VMs created and destroyed)
  assert.match("[   32.698511] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI", GUEST_OOPS);
  assert.match(
    "[   32.779218] Kernel panic - not syncing: Fatal exception in interrupt",
    GUEST_OOPS,
  );
  assert.doesNotMatch("kvmreq-lab: workload ipi rc=0 dat=58291 bytes", GUEST_OOPS);
});
