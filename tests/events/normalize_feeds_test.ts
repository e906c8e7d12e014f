/**
 * Normalization has two feeds: the text readers' {@link TextEvent}s (interned
 * field texts that memoize their decoding, the time as an exact number) and
 * plain {@link TraceEvent} records (trace.dat, JSON Lines). Every text
 * fixture, lab trace and a simulated trace with every seeded bug goes
 * through both, and the model events must agree field by field: body, seq,
 * irqs-off bit and every origin field.
 */
import assert from "node:assert/strict";
import { EventNormalizer, MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import type { ModelEvent } from "../../src/events/model_event.ts";
import { TextEvent } from "../../src/events/text_event.ts";
import type { TraceEvent, TraceRecord } from "../../src/events/types.ts";
import { readTrace } from "../../src/ingest/read_trace.ts";
import { BUG_NAMES, simulate } from "../../src/sim/simulate.ts";
import { readAll } from "../ingest/read_helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `r` as a plain record: what a reader other than the text one makes. */
function plain(r: TraceRecord): TraceRecord {
  if (r.type !== "event") return r;
  const e: TraceEvent = {
    type: "event",
    line: r.line,
    comm: r.comm,
    pid: r.pid,
    tgid: r.tgid,
    cpu: r.cpu,
    flags: r.flags,
    ts: r.ts,
    name: r.name,
    fields: r.fields,
    stack: r.stack === undefined ? undefined : [...r.stack],
  };
  return e;
}

const ORIGIN_FIELDS = [
  "file",
  "line",
  "ts",
  "comm",
  "pid",
  "cpu",
  "flags",
  "name",
  "fields",
  "stack",
] as const;

function assertSameEvents(a: ModelEvent[], b: ModelEvent[], what: string): void {
  assert.equal(a.length, b.length, `${what}: model events`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    const at = `${what}: model event ${i} (line ${y.origin.line})`;
    assert.equal(x.seq, y.seq, `${at}: seq`);
    assert.deepStrictEqual(x.body, y.body, `${at}: body`);
    assert.equal(x.irqsOff, y.irqsOff, `${at}: irqsOff`);
    for (const f of ORIGIN_FIELDS) {
      assert.deepStrictEqual(x.origin[f], y.origin[f], `${at}: origin.${f}`);
    }
  }
}

/** Normalizes `records` twice: as read, and copied into plain records. */
function bothFeeds(
  records: TraceRecord[],
  file: string,
): { text: ModelEvent[]; plain: ModelEvent[] } {
  const fromText = new EventNormalizer(file);
  const fromPlain = new EventNormalizer(file);
  const text: ModelEvent[] = [];
  const copies: ModelEvent[] = [];
  for (const r of records) {
    const copy = plain(r);
    const a = fromText.toModel(r);
    const b = fromPlain.toModel(copy);
    if (a !== undefined) text.push(a);
    if (b !== undefined) copies.push(b);
  }
  assert.equal(fromText.problemCount, fromPlain.problemCount, `${file}: decode problems`);
  assert.equal(fromText.unidentifiedKicks, fromPlain.unidentifiedKicks, `${file}: unidentified`);
  return { text, plain: copies };
}

function textTraces(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (/\.(trace|txt)$/.test(e.name)) out.push(p);
    }
  };
  walk(`${ROOT}fixtures`);
  walk(`${ROOT}traces`);
  return out.sort();
}

Deno.test("every text fixture and lab trace: both normalization feeds give the same model events", async () => {
  let checked = 0;
  let textRecords = 0;
  for (const path of textTraces()) {
    const reader = await readTrace(path, { keepEvent: (n) => MODEL_EVENT_NAMES.has(n) });
    const records: TraceRecord[] = [];
    try {
      for await (const b of reader.batches()) records.push(...b);
    } catch {
      continue; // not a trace (a fixture of a reading error): nothing to normalize
    }
    if (reader.stats.format === "jsonl") continue;
    const { text, plain } = bothFeeds(records, path);
    assertSameEvents(text, plain, path);
    for (const r of records) if (r instanceof TextEvent) textRecords++;
    checked++;
  }
  assert.ok(checked > 50, `text traces checked: ${checked}`);
  assert.ok(textRecords > 10_000, `records the text feed made: ${textRecords}`);
});

Deno.test("a simulated trace with every seeded bug: both normalization feeds give the same model events", async () => {
  let text = "";
  simulate({
    vcpus: 4,
    requesters: 3,
    events: 40_000,
    seed: 17,
    inject: BUG_NAMES.map((bug) => ({ bug, rate: 0.02 })),
  }, (chunk) => (text += chunk));
  const { records } = await readAll(text, { keepEvent: (n) => MODEL_EVENT_NAMES.has(n) });
  const both = bothFeeds(records, "test.trace");
  assert.ok(both.text.length > 30_000, `model events: ${both.text.length}`);
  assertSameEvents(both.text, both.plain, "simulated");
});
