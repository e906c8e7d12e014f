/**
 * Rules read the model and never change it (docs/architecture.md, "What a
 * rule sees"): the checker hands them a `ModelView`. Two checks, on every
 * rule fixture, the lab's traces (real 6.12 recordings, stock and patched)
 * and a simulated trace with every seeded bug:
 *
 * - replayed with every rule and with none, the model ends in the same state
 *   (a rule that writes or creates state shows up as a difference);
 * - the rules run against a deep read-only proxy of the model: any property
 *   write, map or set mutation, or call to `apply` throws.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Checker } from "../../src/check/checker.ts";
import type { ModelEvent } from "../../src/events/model_event.ts";
import { EventNormalizer, MODEL_EVENT_NAMES } from "../../src/events/normalize.ts";
import { memoryByteSource } from "../../src/ingest/byte_source.ts";
import { readTraceFrom } from "../../src/ingest/read_trace.ts";
import { chooseKernel } from "../../src/kernels/kernel_version.ts";
import { ProtocolModel } from "../../src/model/protocol_model.ts";
import type { ModelView } from "../../src/model/view.ts";
import { RULES } from "../../src/rules/index.ts";
import { BUG_NAMES } from "../../src/sim/bugs.ts";
import { simulate } from "../../src/sim/simulate.ts";

const ROOT = new URL("../../", import.meta.url);
const RULE_OPTIONS = { latencyThresholdNs: 10_000_000n, allowedKickSites: [] };

/** The inputs: name and bytes. */
async function inputs(): Promise<{ name: string; data: Uint8Array }[]> {
  const out: { name: string; data: Uint8Array }[] = [];
  const fixtures = new URL("fixtures/rules/", ROOT);
  for await (const rule of Deno.readDir(fixtures)) {
    for await (const f of Deno.readDir(new URL(`${rule.name}/`, fixtures))) {
      if (!f.name.endsWith(".trace")) continue;
      const rel = `fixtures/rules/${rule.name}/${f.name}`;
      out.push({ name: rel, data: await Deno.readFile(new URL(rel, ROOT)) });
    }
  }
  for (const rel of ["traces/lab/ipi.trace", "traces/lab/stock/memslot.trace"]) {
    out.push({ name: rel, data: await Deno.readFile(new URL(rel, ROOT)) });
  }
  let text = "";
  simulate({
    vcpus: 4,
    requesters: 2,
    events: 20_000,
    seed: 7,
    inject: BUG_NAMES.map((bug) => ({ bug, rate: 0.01 })),
  }, (chunk) => text += chunk);
  out.push({ name: "simulated-all-bugs.trace", data: new TextEncoder().encode(text) });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The model events of an input, and the kernel its header names, as lint reads them. */
async function eventsOf(name: string, data: Uint8Array) {
  const reader = readTraceFrom(memoryByteSource(name, data), {
    keepEvent: (n) => MODEL_EVENT_NAMES.has(n),
  });
  const events: ModelEvent[] = [];
  let normalizer: EventNormalizer | undefined;
  for await (const batch of reader.batches()) {
    normalizer ??= new EventNormalizer(name, chooseKernel(reader.stats.kernel).version);
    for (const r of batch) {
      const ev = normalizer.toModel(r);
      if (ev !== undefined) events.push(ev);
    }
  }
  return { events, kernel: chooseKernel(reader.stats.kernel) };
}

/** Everything the view shows of a model: every vCPU's state and every kicker's. */
function snapshot(m: ModelView, events: readonly ModelEvent[]): unknown {
  const pids = new Set(events.map((e) => e.origin.pid));
  const vcpus = m.allVcpus();
  const kickers: unknown[] = [];
  for (const v of vcpus) {
    for (const pid of pids) kickers.push([pid, v.vm, v.vcpu, { ...m.kicker(pid, v.vm, v.vcpu) }]);
  }
  return { vcpus, kickers, patched: m.kernelPatched, last: m.lastEvent?.seq };
}

Deno.test("model view: rules leave the model as the model alone leaves it", async () => {
  for (const { name, data } of await inputs()) {
    const { events, kernel } = await eventsOf(name, data);
    const run = (rules: boolean) => {
      const c = new Checker({ rules: rules ? RULES : [], ruleOptions: RULE_OPTIONS }, kernel);
      c.setTimeUnit("ns");
      for (const ev of events) c.push(ev);
      c.finish();
      return c;
    };
    const withRules = run(true);
    const alone = run(false);
    assert.deepEqual(snapshot(withRules.model, events), snapshot(alone.model, events), name);
  }
});

/** Mutating methods of maps and sets. */
const MUTATORS = new Set(["set", "delete", "clear", "add"]);

/**
 * `target` behind a proxy that throws on any write, on any map or set
 * mutation and on `apply`, and hands out proxies of everything it returns.
 */
function readOnly<T>(target: T, path: string): T {
  if (target === null || (typeof target !== "object" && typeof target !== "function")) {
    return target;
  }
  const seen = new WeakMap<object, unknown>();
  const wrap = <U>(v: U, p: string): U => {
    if (v === null || typeof v !== "object") return v;
    const hit = seen.get(v as object);
    if (hit !== undefined) return hit as U;
    const proxy = new Proxy(v as object, {
      get(t, key) {
        const value = Reflect.get(t, key, t);
        const at = `${p}.${String(key)}`;
        if (typeof value !== "function") return wrap(value, at);
        if (key === "apply" && t instanceof ProtocolModel) {
          return () => {
            throw new Error(`a rule called ${at}()`);
          };
        }
        if ((t instanceof Map || t instanceof Set) && MUTATORS.has(String(key))) {
          return () => {
            throw new Error(`a rule called ${at}()`);
          };
        }
        return (...args: unknown[]) =>
          wrap((value as (...a: unknown[]) => unknown).apply(t, args), `${at}()`);
      },
      set(_t, key) {
        throw new Error(`a rule wrote ${p}.${String(key)}`);
      },
      defineProperty(_t, key) {
        throw new Error(`a rule defined ${p}.${String(key)}`);
      },
      deleteProperty(_t, key) {
        throw new Error(`a rule deleted ${p}.${String(key)}`);
      },
    });
    seen.set(v as object, proxy);
    return proxy as U;
  };
  return wrap(target, path);
}

Deno.test("model view: rules run against a read-only proxy of the model", async () => {
  for (const { name, data } of await inputs()) {
    const { events, kernel } = await eventsOf(name, data);
    const model = new ProtocolModel({ kernel });
    const view = readOnly<ModelView>(model, "model");
    const handlers = RULES.map((rule) =>
      rule.create({
        model: view,
        options: RULE_OPTIONS,
        timeUnit: "ns",
        report: () => {},
      }) as unknown as Record<string, ((ev?: ModelEvent) => void) | undefined>
    );
    for (const ev of events) {
      for (const h of handlers) h[ev.body.kind]?.(ev);
      model.apply(ev);
    }
    for (const h of handlers) h.finish?.();
    assert.ok(events.length > 0, name);
  }
});

Deno.test("model view: the proxy catches a write, a map mutation and apply", () => {
  const model = new ProtocolModel();
  const view = readOnly<ModelView>(model, "model");
  const v = view.vcpu("0", 0) as unknown as { mode: unknown; pending: Map<number, unknown> };
  assert.throws(() => v.mode = "IN_GUEST_MODE", /a rule wrote model\.vcpu\(\)\.mode/);
  assert.throws(() => v.pending.set(1, {}), /a rule called model\.vcpu\(\)\.pending\.set\(\)/);
  assert.throws(() => (view as ProtocolModel).apply({} as ModelEvent), /apply/);
});
