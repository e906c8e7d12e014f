import assert from "node:assert/strict";
import { runKvmreq } from "./run_kvmreq.ts";

const TRACE = new URL("../../traces/boot-2vcpu-debug-threads.trace", import.meta.url).pathname;

/** `kvmreq ARGS` that ran (exit 0 or 1): its standard output. */
async function kvmreq(...args: string[]): Promise<string> {
  const r = await runKvmreq(...args);
  assert.ok(r.code === 0 || r.code === 1, `kvmreq ${args.join(" ")}: ${r.err}`);
  return r.out;
}

interface JsonlEvent {
  type: string;
  line: number;
  comm: string;
  pid: number;
  cpu: number;
  ts: string;
  name: string;
}

function events(jsonl: string): JsonlEvent[] {
  return jsonl.trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.type === "event");
}

/** Event lines of the real trace, read here with a regular expression (an independent reading). */
function textEvents(): { cpu: number; pid: number; comm: string; ts: number; name: string }[] {
  const out = [];
  for (const line of Deno.readTextFileSync(TRACE).split("\n")) {
    const m = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+\S+\s+(\d+\.\d+): ([a-z_]+):/.exec(line);
    if (m) out.push({ comm: m[1], pid: +m[2], cpu: +m[3], ts: +m[4], name: m[5] });
  }
  return out;
}

Deno.test("events: name, CPU, thread and time filters pick what the text says", async () => {
  const all = textEvents();
  const waking1 = events(
    await kvmreq("events", "--format", "jsonl", "-e", "sched_waking", "-c", "1", TRACE),
  );
  assert.equal(waking1.length, all.filter((e) => e.name === "sched_waking" && e.cpu === 1).length);
  assert.ok(waking1.length > 10);
  assert.ok(waking1.every((e) => e.name === "sched_waking" && e.cpu === 1));

  const kvm = events(await kvmreq("events", "--format", "jsonl", "-e", "kvm_*", TRACE));
  assert.equal(kvm.length, all.filter((e) => e.name.startsWith("kvm_")).length);

  const comm = "CPU 1/KVM";
  const mine = all.filter((e) => e.comm.trim() === comm);
  assert.ok(mine.length > 2, "the vCPU thread has events");
  const from = mine[1].ts.toFixed(6);
  const until = mine[mine.length - 2].ts.toFixed(6);
  const window = events(
    await kvmreq(
      "events",
      "--format",
      "jsonl",
      "--comm",
      comm,
      "--from",
      from,
      "--until",
      until,
      TRACE,
    ),
  );
  const expected = mine.filter((e) => e.ts >= +from && e.ts <= +until);
  assert.equal(window.length, expected.length);
  assert.ok(window.every((e) => e.comm === comm && e.pid === expected[0].pid));
});

Deno.test("events: JSON Lines read back give lint the same findings as the text", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const jsonl = `${dir}/boot.jsonl`;
    await Deno.writeTextFile(jsonl, await kvmreq("events", "--format", "jsonl", TRACE));
    const rows = (await Deno.readTextFile(jsonl)).split("\n");
    const fromText = findings(JSON.parse(await kvmreq("lint", "--format", "json", TRACE)));
    const fromJsonl = findings(JSON.parse(await kvmreq("lint", "--format", "json", jsonl)));
    assert.ok(fromText.length > 0, "the real trace has findings");
    assert.equal(fromJsonl.length, fromText.length);
    for (let i = 0; i < fromText.length; i++) {
      // A finding in the JSON Lines file points at its own line there, whose
      // record carries the line of the text it came from.
      const a = fromText[i];
      const b = fromJsonl[i];
      assert.equal(JSON.parse(rows[b.line - 1]).line, a.line, `finding ${i}`);
      b.evidence.forEach((e, k) => {
        assert.equal(JSON.parse(rows[e.line - 1]).line, a.evidence[k].line);
      });
      assert.deepEqual(comparable(b, jsonl), comparable(a, TRACE), `finding ${i}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

interface LintFinding {
  line: number;
  evidence: { line: number }[];
}

function findings(r: { files: { findings: LintFinding[] }[] }): LintFinding[] {
  return r.files[0].findings;
}

/** A finding without its file name and line numbers (which name the file read). */
function comparable(f: LintFinding, file: string): unknown {
  const text = JSON.stringify(f).replaceAll(JSON.stringify(file), '"FILE"');
  return JSON.parse(text, (k, v) => (k === "line" ? 0 : v));
}
