/**
 * The guest's recording with `trace-cmd record` instead of tracefs text:
 * the same events, filters and triggers as the lab's tracefs set-up (the
 * `kvm` preset of `kvmreq record`), given as trace-cmd options, and the
 * shell lines that record one workload (`--dat`) or run workloads over and
 * over for a while under one recording (`--big`).
 *
 * @module
 */

import { kvmPreset } from "../../src/record/preset.ts";
import { shq } from "./shell.ts";

/**
 * `trace-cmd record` options for the `kvm` preset on threads named
 * `workloads` (and QEMU-style `CPU N/KVM`): every enabled system or event
 * as `-e`, its filter as `-f` and trigger as `-R` right after it, the
 * per-instruction floods negated last (`-v` negates every `-e` after it),
 * the preset's options (`-O`), clock (`-C`) and a `bufferSizeKb` buffer per
 * CPU (`-b`). Returned as words, unquoted. The kick stack trigger is added
 * by the script only when the kernel has the event ({@link kickStackWords}).
 */
export function traceCmdRecordWords(
  workloads: readonly string[],
  bufferSizeKb: number,
): string[] {
  const plan = kvmPreset(["CPU *", ...workloads.map((w) => w.slice(0, 15))], [], false);
  const words: string[] = [];
  const negated: string[] = [];
  for (const sel of plan.setEvent) {
    if (sel.startsWith("!")) {
      negated.push(sel.slice(1));
      continue;
    }
    const [system, event] = sel.split(":");
    words.push("-e", event === "*" ? system : sel);
    const dir = `events/${system}/${event}`;
    const filter = plan.filters.get(dir);
    if (filter !== undefined) words.push("-f", filter);
    for (const t of plan.triggers.get(dir) ?? []) words.push("-R", t);
  }
  for (const [opt, v] of plan.options) {
    // overwrite is the ring buffer's mode for reading `trace`; record drains it as it fills
    if (opt !== "overwrite") words.push("-O", v === "0" ? `no${opt}` : opt);
  }
  words.push("-C", plan.clock, "-b", String(bufferSizeKb));
  if (negated.length > 0) words.push("-v", ...negated.flatMap((e) => ["-e", e]));
  return words;
}

/**
 * Shell lines that set `$K` to the stack trigger options of `events`
 * (`kvm/kvm_vcpu_kick` → `-e kvm:kvm_vcpu_kick -R stacktrace`) the kernel
 * has, and to nothing for those it lacks (stock KVM). `$K` must come
 * before the negated events.
 */
export function kickStackWords(events: readonly string[]): string[] {
  const lines = ['K=""'];
  for (const e of events) {
    const [system, event] = e.split("/");
    lines.push(
      `[ -d $T/events/${e} ] && K="$K -e ${system}:${event} -R stacktrace"`,
    );
  }
  return lines;
}

/** `w` as one shell word: as it is when it is plain, else single-quoted. */
export function shWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : shq(w);
}

/**
 * `trace-cmd VERB [-o OUT] <preset words> $K <negated words> [-- CMD]` as
 * one shell line (`record` or `start`).
 */
export function traceCmdLine(
  verb: "record" | "start",
  workloads: readonly string[],
  bufferSizeKb: number,
  out?: string,
  command?: string,
): string {
  const words = traceCmdRecordWords(workloads, bufferSizeKb);
  const v = words.indexOf("-v");
  const head = v >= 0 ? words.slice(0, v) : words;
  const tail = v >= 0 ? words.slice(v) : [];
  return [
    `trace-cmd ${verb}`,
    ...(out !== undefined ? ["-o", out] : []),
    ...head.map(shWord),
    "$K",
    ...tail.map(shWord),
    ...(command !== undefined ? ["--", command] : []),
  ].join(" ");
}

/**
 * Shell lines that write `/tmp/kallsyms.small`: the lines of /proc/kallsyms
 * whose symbol is a word of the kernel's text `text` (every name a `%pS`,
 * `%ps` or stack frame printed), each with the symbol that follows it in
 * address order (so an address still resolves to the right function and
 * its size is known) — a few hundred lines instead of ~170,000.
 */
export function smallKallsymsLines(text: string): string[] {
  return [
    `grep -oE '[A-Za-z_][A-Za-z0-9_.]*' ${text} | sort -u > /tmp/names`,
    "cat /proc/kallsyms > /tmp/kallsyms.all",
    "sort -k1,1 /tmp/kallsyms.all | awk 'NR == FNR { want[$1] = 1; next } " +
    "{ if (want[$3] || prev) print; prev = want[$3] }' /tmp/names - > /tmp/kallsyms.small",
  ];
}

/**
 * Records workload `w` with trace-cmd for a small trace.dat: `trace-cmd
 * start` (the preset), the workload, `trace-cmd stop`, the kernel's own text
 * of the buffer (`/out/<w>.tracefs.txt`), then `trace-cmd extract` in a
 * private mount namespace where /proc/kallsyms holds only the symbols that
 * text names ({@link smallKallsymsLines}; a full kallsyms is ~1.4 MB of
 * the file even compressed) and where the event systems other than the
 * recorded ones are empty (extract saves the formats of every system
 * tracefs shows). The ring buffer's data is trace-cmd's own; the file has
 * trace-cmd's default version and compression. Writes `/out/<w>.dat`, the
 * workload's output and exit code, trace-cmd's log and, made in the guest,
 * `trace-cmd report`'s text `/out/<w>.report.txt` and its `--stat` (the
 * ring buffer's per-CPU statistics: lost events) `/out/<w>.stat`.
 */
export function datRunLines(w: string, bufferSizeKb: number): string[] {
  const keep = ["kvm", "ipi", "csd", "sched", "ftrace"];
  const ns = [
    "set -e",
    "mount --bind /tmp/kallsyms.small /proc/kallsyms",
    "mkdir -p /tmp/empty",
    "for d in $T/events/*/; do",
    `  case $(basename $d) in ${keep.join("|")}) ;; *) mount --bind /tmp/empty $d ;; esac`,
    "done",
    `trace-cmd extract -o /out/${w}.dat`,
  ].join("\n");
  const log = `/out/${w}.record.log`;
  return [
    `echo "kvmreq-lab: workload ${w} starts (trace-cmd start, extract)"`,
    `${traceCmdLine("start", [w], bufferSizeKb)} > ${log} 2>&1 ` +
    `|| fail "trace-cmd start for ${w}: $(tail -n 3 ${log})"`,
    `/w/${w} > /out/${w}.out 2>&1`,
    `echo $? > /out/${w}.rc`,
    `trace-cmd stop >> ${log} 2>&1`,
    `cat $T/trace > /out/${w}.tracefs.txt`,
    ...smallKallsymsLines(`/out/${w}.tracefs.txt`),
    `printf '${ns}\n' > /tmp/extract.sh`,
    `T=$T unshare -m /bin/sh /tmp/extract.sh >> ${log} 2>&1 ` +
    `|| fail "trace-cmd extract of ${w}: $(tail -n 3 ${log})"`,
    `trace-cmd reset >> ${log} 2>&1`,
    `trace-cmd report -i /out/${w}.dat > /out/${w}.report.txt 2> /out/${w}.report.err ` +
    `|| fail "trace-cmd report of ${w}.dat: $(tail -n 3 /out/${w}.report.err)"`,
    `trace-cmd report --stat -i /out/${w}.dat > /out/${w}.stat 2>&1`,
    `echo "kvmreq-lab: workload ${w} rc=$(cat /out/${w}.rc) dat=$(wc -c < /out/${w}.dat) bytes, ` +
    `kallsyms $(wc -l < /tmp/kallsyms.small) of $(wc -l < /tmp/kallsyms.all) lines"`,
    `{ grep '^FAIL' /out/${w}.out; tail -n 1 /out/${w}.out; } | sed 's/^/kvmreq-lab:   /'`,
  ];
}

/**
 * The events of the `--big` recording, as `trace-cmd record` words: every
 * kvm event (the series' protocol events are in the kvm system, and the
 * stock per-exit ones — kvm_pio, kvm_mmio, kvm_emulate_insn — are left in,
 * as a user's `-e kvm` would), the scheduler's switches and wakeups of every
 * thread (no filter), ipi and csd; the global clock (the rules compare
 * times across CPUs) and `bufferSizeKb` per CPU. The kick stack trigger is
 * `$K` ({@link kickStackWords}).
 */
export function bigRecordWords(bufferSizeKb: number): string[] {
  return [
    "-e",
    "kvm",
    "-e",
    "sched:sched_switch",
    "-e",
    "sched:sched_waking",
    "-e",
    "sched:sched_wakeup",
    "-e",
    "ipi",
    "-e",
    "csd",
    "-C",
    "global",
    "-b",
    String(bufferSizeKb),
  ];
}

/**
 * One long recording: the workloads `ws` run one after the other, over and
 * over, until `seconds` have passed (guest clock), under one `trace-cmd
 * record` ({@link bigRecordWords}) writing `/out/big.dat`; then `trace-cmd
 * report` writes `/out/big.trace`. `/out/big.runs` lists each run
 * (`workload exit-code`), the output of a failed run is kept as
 * `/out/big-fail-N-<w>.out`, and `/out/big.times` has the guest's clock at
 * each step (seconds).
 */
export function bigRunLines(
  ws: readonly string[],
  seconds: number,
  bufferSizeKb: number,
): string[] {
  const loop = [
    `end=$(( $(date +%s) + ${seconds} )); n=0`,
    "while [ $(date +%s) -lt $end ]; do",
    `  for w in ${ws.join(" ")}; do`,
    "    n=$((n + 1)); /w/$w > /tmp/run.out 2>&1; rc=$?",
    '    echo "$w $rc" >> /out/big.runs',
    '    [ $rc -eq 0 ] || cp /tmp/run.out "/out/big-fail-$n-$w.out"',
    "  done",
    "done",
  ].join("\n");
  return [
    `cat > /big.sh <<'KVMREQ_BIG'\n${loop}\nKVMREQ_BIG`,
    `echo "kvmreq-lab: big recording: ${ws.join(" ")} over and over for ${seconds} s"`,
    'echo "start $(date +%s)" > /out/big.times',
    `trace-cmd record -o /out/big.dat ${bigRecordWords(bufferSizeKb).join(" ")} $K ` +
    "-- /bin/sh /big.sh " +
    '> /out/big.record.log 2>&1 || fail "trace-cmd record: $(tail -n 3 /out/big.record.log)"',
    'echo "recorded $(date +%s)" >> /out/big.times',
    'echo "kvmreq-lab: recorded $(wc -l < /out/big.runs) runs, big.dat $(wc -c < /out/big.dat) bytes"',
    "trace-cmd report -i /out/big.dat > /out/big.trace 2> /out/big.report.err " +
    '|| fail "trace-cmd report: $(tail -n 3 /out/big.report.err)"',
    'echo "reported $(date +%s)" >> /out/big.times',
    "trace-cmd report --stat -i /out/big.dat > /out/big.stat 2>&1",
    'echo "kvmreq-lab: trace-cmd report: $(wc -l < /out/big.trace) lines, $(wc -c < /out/big.trace) bytes"',
  ];
}
