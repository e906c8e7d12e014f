/**
 * Keeps the three sides of the event contract in step: the kernel patch
 * series (kernel/patches/linux-6.12/*.patch: what the kernel prints), the
 * contract document (docs/trace-events.md: what users are told) and kvmreq's
 * decoder (src/events/protocol.ts: what kvmreq reads). Changing one alone
 * fails here: the TP_printk() formats are read out of the committed patches,
 * the document's format table and real example lines must match them, and
 * every field they print must come out of the decoder with the value printed.
 */
import assert from "node:assert/strict";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import {
  decodeProtocolEvent,
  isProtocolEventName,
  KICK_ACTIONS,
  MODES,
  type ProtocolEvent,
} from "../../src/events/protocol.ts";
import type { TraceEvent } from "../../src/events/types.ts";

const ROOT = new URL("../../", import.meta.url);
const SERIES = new URL("kernel/patches/linux-6.12/", ROOT);

/** The lines a patch series adds to `file`, in series order. */
async function addedLines(file: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(SERIES)) if (e.name.endsWith(".patch")) names.push(e.name);
  names.sort();
  const out: string[] = [];
  for (const name of names) {
    let inFile = false;
    for (const line of (await Deno.readTextFile(new URL(name, SERIES))).split("\n")) {
      if (line.startsWith("diff --git ")) inFile = line === `diff --git a/${file} b/${file}`;
      else if (inFile && line.startsWith("+") && !line.startsWith("+++")) out.push(line.slice(1));
    }
  }
  return out;
}

/** An event the series defines: its name and TP_printk() format. */
interface KernelEvent {
  readonly name: string;
  readonly format: string;
}

/** Reads TRACE_EVENT / DECLARE_EVENT_CLASS / DEFINE_EVENT(_PRINT) out of C text. */
function kernelEvents(c: string): KernelEvent[] {
  const macro =
    /\b(TRACE_EVENT|DECLARE_EVENT_CLASS|DEFINE_EVENT_PRINT|DEFINE_EVENT)\(([^,]+),\s*(\w+)?/g;
  const found = [...c.matchAll(macro)];
  const classes = new Map<string, string>();
  const out: KernelEvent[] = [];
  found.forEach((m, i) => {
    const body = c.slice(m.index, i + 1 < found.length ? found[i + 1].index : c.length);
    const printk = /TP_printk\("((?:[^"\\]|\\.)*)"/.exec(body)?.[1];
    const [kind, first, second] = [m[1], m[2].trim(), m[3]];
    if (kind === "DECLARE_EVENT_CLASS") classes.set(first, printk!);
    else if (kind === "TRACE_EVENT") out.push({ name: first, format: printk! });
    else if (kind === "DEFINE_EVENT_PRINT") out.push({ name: second!, format: printk! });
    else out.push({ name: second!, format: classes.get(first)! });
  });
  return out;
}

/** The names a `__print_symbolic`/`__print_flags` helper macro of the series prints. */
function symbolNames(c: string, macro: string): string[] {
  const start = c.indexOf(`#define ${macro}(`);
  assert.ok(start >= 0, `the series defines ${macro}()`);
  const end = c.indexOf("\n\n", start);
  return [...c.slice(start, end).matchAll(/"([A-Za-z_|]+)" ?\}/g)].map((m) => m[1]);
}

const TRACE_HEADER = "include/trace/events/kvm.h";
const X86_HEADER = "arch/x86/include/asm/kvm_host.h";
const header = (await addedLines(TRACE_HEADER)).join("\n");
const x86Header = (await addedLines(X86_HEADER)).join("\n");
const events = kernelEvents(header);

/** What a conversion of the formats may print, `%s` by field (the series' symbol tables). */
const requestNames = [
  ...[...header.matchAll(/KVM_REQ_SYM\((KVM_REQ_\w+)\)/g)].map((m) => m[1]),
  ...[...x86Header.matchAll(/\bR\((\w+), \d+, [\w ]+\)/g)].map((m) => `KVM_REQ_${m[1]}`),
];
const modeNames = symbolNames(header, "__kvm_print_vcpu_mode");
const actionNames = symbolNames(header, "__kvm_print_kick_action");
const flagNames = symbolNames(header, "__kvm_print_request_flags");

function alternatives(words: readonly string[]): string {
  return words.map((w) => w.replace(/[|]/g, "\\|")).join("|");
}

const STRING_FIELDS: Record<string, string> = {
  req: `${alternatives(requestNames)}|0x[0-9a-f]+`,
  flags: `(?:${alternatives(flagNames)})(?:\\|(?:${alternatives(flagNames)}))*|0`,
  mode: alternatives(modeNames),
  old: alternatives(modeNames),
  new: alternatives(modeNames),
  action: alternatives(actionNames),
  phase: "begin|end",
};

const CONVERSIONS: Record<string, string> = {
  "%d": "-?[0-9]+",
  "%u": "[0-9]+",
  "0x%016llx": "0x[0-9a-f]{16}",
  "%pS": "\\S+(?: \\[\\w+\\])?",
};

/** `key=%conv key2=...` → the keys in order and a regex matching exactly what it prints. */
function formatPattern(format: string): { keys: string[]; re: RegExp } {
  const keys: string[] = [];
  const parts = format.split(" ").map((pair) => {
    const eq = pair.indexOf("=");
    assert.ok(eq > 0, `format word '${pair}' is key=conversion`);
    const key = pair.slice(0, eq);
    const conv = pair.slice(eq + 1);
    keys.push(key);
    if (conv === "%s") {
      assert.ok(key in STRING_FIELDS, `no value set for %s field '${key}'`);
      return `${key}=(?<${key}>${STRING_FIELDS[key]})`;
    }
    if (/^[0-9]+$/.test(conv)) return `${key}=(?<${key}>${conv})`; // a constant (result=1)
    assert.ok(conv in CONVERSIONS, `unknown conversion ${conv} in '${format}'`);
    return `${key}=(?<${key}>${CONVERSIONS[conv]})`;
  });
  return { keys, re: new RegExp(`^${parts.join(" ")}$`) };
}

/** Each printed key as kvmreq's decoded value prints it again, `undefined` when not decoded. */
const bit = (b: boolean | undefined) => b === undefined ? undefined : b ? "1" : "0";
const hex64 = (n: bigint | undefined) =>
  n === undefined ? undefined : `0x${n.toString(16).padStart(16, "0")}`;
// deno-lint-ignore no-explicit-any
const DECODED: Record<string, (d: any) => string | undefined> = {
  vcpu: (d) => d.vcpu === undefined ? (d.kind === "ipi_ack" ? "-1" : undefined) : String(d.vcpu),
  idx: (d) => d.idx === undefined ? undefined : String(d.idx),
  req: (d) => d.request?.req,
  nr: (d) => d.request?.nr === undefined ? undefined : String(d.request.nr),
  flags: (d) => d.request?.flags,
  site: (d) => d.site,
  mode: (d) => d.mode,
  action: (d) => d.action,
  cpu: (d) => d.cpu === undefined ? undefined : String(d.cpu),
  mask: (d) => hex64(d.mask),
  phase: (d) => d.phase,
  old: (d) => d.old,
  new: (d) => d.new,
  pending: (d) => hex64(d.pending),
  work: (d) => bit(d.work),
  exit: (d) => bit(d.exit),
  result: (d) => bit(d.result),
  woken: (d) => bit(d.woken),
};

/** The contract document's real example lines, read by kvmreq's own ftrace reader. */
async function docExamples(doc: string): Promise<TraceEvent[]> {
  const begin = doc.indexOf("<!-- contract-examples:begin -->");
  const end = doc.indexOf("<!-- contract-examples:end -->");
  assert.ok(begin >= 0 && end > begin, "docs/trace-events.md has the contract-examples block");
  const lines = doc.slice(begin, end).split("\n").filter((l) => /: kvm_\w+: /.test(l));
  const reader = readTraceFrom(
    memoryByteSource("trace-events.md", new TextEncoder().encode(lines.join("\n") + "\n")),
  );
  const out: TraceEvent[] = [];
  for await (const batch of reader.batches()) {
    for (const r of batch) if (r.type === "event") out.push(r);
  }
  assert.equal(out.length, lines.length, "every example line reads as an ftrace event");
  return out;
}

const doc = await Deno.readTextFile(new URL("docs/trace-events.md", ROOT));

Deno.test("contract: the series' events are read out of the committed patches", () => {
  // A sanity floor, so the other tests cannot pass on an empty parse.
  assert.ok(events.length >= 12, `found ${events.map((e) => e.name)}`);
  assert.ok(requestNames.length >= 39, `found ${requestNames.length} request names`);
  assert.deepEqual(new Set(modeNames), new Set(MODES));
  assert.deepEqual(new Set(actionNames), new Set(KICK_ACTIONS));
  assert.deepEqual(flagNames, ["WAIT", "NO_WAKEUP", "NO_ACTION"]);
});

Deno.test("contract: the document's format table is the series' TP_printk formats", () => {
  const rows = [...doc.matchAll(/^\| `(kvm_\w+)` \| `([^`]+)` \|/gm)].map((m) => ({
    name: m[1],
    format: m[2],
  }));
  assert.deepEqual(
    rows.sort((a, b) => a.name.localeCompare(b.name)),
    [...events].sort((a, b) => a.name.localeCompare(b.name)),
  );
});

Deno.test("contract: every example line is one the series prints, and each event has one", async () => {
  const examples = await docExamples(doc);
  const byName = new Map(events.map((e) => [e.name, formatPattern(e.format)]));
  for (const ex of examples) {
    const pattern = byName.get(ex.name);
    assert.ok(pattern !== undefined, `line ${ex.line}: ${ex.name} is not an event of the series`);
    assert.match(ex.fields, pattern.re, `line ${ex.line}: ${ex.name} does not match its format`);
  }
  for (const e of events) {
    assert.ok(examples.some((x) => x.name === e.name), `no example line of ${e.name}`);
  }
});

Deno.test("contract: kvmreq decodes every field the series prints, to the value printed", async () => {
  for (const e of events) assert.ok(isProtocolEventName(e.name), `${e.name} is not decoded`);
  for (const ex of await docExamples(doc)) {
    if (!isProtocolEventName(ex.name)) continue;
    const { keys, re } = formatPattern(events.find((e) => e.name === ex.name)!.format);
    const printed = re.exec(ex.fields)!.groups!;
    const d = decodeProtocolEvent(ex.name, ex.fields);
    assert.ok(d.ok, `${ex.name}: ${d.ok ? "" : d.error}`);
    const value: ProtocolEvent = d.value;
    for (const key of keys) {
      assert.ok(key in DECODED, `${ex.name} prints '${key}=', which kvmreq does not decode`);
      assert.equal(DECODED[key](value), printed[key], `${ex.name} ${key}= decoded`);
    }
  }
});

Deno.test("contract: the decoder checks what it reads (a wrong value is an error)", () => {
  // The format test above would also pass on a decoder that accepted anything.
  const bad: [Parameters<typeof decodeProtocolEvent>[0], string][] = [
    ["kvm_vcpu_kick", "vcpu=0 idx=0 mode=INSIDE action=ipi cpu=0"],
    ["kvm_vcpu_kick", "vcpu=0 idx=0 mode=IN_GUEST_MODE action=poke cpu=0"],
    ["kvm_request_pending", "vcpu=0 pending=0x0 mode=IN_GUEST_MODE work=2 exit=0"],
    ["kvm_make_all_cpus_request", "req=KVM_REQ_TLB_FLUSH nr=0 flags=0 mask=0x3 phase=middle"],
    ["kvm_vcpu_ipi_ack", "vcpu=-2 cpu=0"],
  ];
  for (const [name, fields] of bad) {
    assert.equal(decodeProtocolEvent(name, fields).ok, false, `${name}: ${fields}`);
  }
});
