import assert from "node:assert/strict";
import { KICK_ACTIONS, type Mode, MODES } from "../../src/events/protocol.ts";
import {
  AUTOMATON_STATES,
  findTransition,
  INITIAL_MODE,
  kickTransition,
  MODE_TRANSITIONS,
  type ModeWriter,
} from "../../src/model/mode_automaton.ts";

const OUT: Mode = "OUTSIDE_GUEST_MODE";
const IN: Mode = "IN_GUEST_MODE";
const EXITING: Mode = "EXITING_GUEST_MODE";
const READING: Mode = "READING_SHADOW_PAGE_TABLES";
const WRITERS: readonly ModeWriter[] = ["vcpu", "kicker"];

/**
 * The legal writes, written out independently of the table (the test's own
 * oracle, from the seed document's "VCPU Mode" section and 6.12's
 * kvm_vcpu_kick()/vcpu_enter_guest()), plus the harmless redundant
 * OUTSIDE -> OUTSIDE write by the vCPU thread. docs/semantics.md prints
 * MODE_TRANSITIONS itself (generated).
 */
const LEGAL: readonly (readonly [Mode, Mode, ModeWriter, string])[] = [
  [OUT, IN, "vcpu", "prepare_entry"],
  [OUT, READING, "vcpu", "begin_lockless_walk"],
  [OUT, OUT, "vcpu", "set_outside"],
  [READING, OUT, "vcpu", "end_lockless_walk"],
  [IN, OUT, "vcpu", "abort_or_exit"],
  [IN, EXITING, "kicker", "kick_exchange"],
  [IN, EXITING, "vcpu", "self_kick"],
  [EXITING, OUT, "vcpu", "exit_after_kick"],
];

const key = (from: Mode, to: Mode, by: ModeWriter) => `${from} -> ${to} by ${by}`;
const LEGAL_KEYS = new Set(LEGAL.map(([f, t, b]) => key(f, t, b)));

Deno.test("mode automaton: every legal row is found, with its event name", () => {
  for (const [from, to, by, event] of LEGAL) {
    const row = findTransition(from, to, by);
    assert.ok(row, `${key(from, to, by)} should be legal`);
    assert.equal(row.from, from);
    assert.equal(row.to, to);
    assert.equal(row.by, by);
    assert.equal(row.event, event);
    assert.ok(row.why.length > 0);
  }
});

Deno.test("mode automaton: the table holds exactly the legal rows, each once", () => {
  assert.equal(MODE_TRANSITIONS.length, LEGAL.length);
  const rows = MODE_TRANSITIONS.map((t) => key(t.from, t.to, t.by));
  assert.deepEqual(new Set(rows), LEGAL_KEYS);
  assert.equal(new Set(rows).size, rows.length, "no duplicate rows");
  const events = MODE_TRANSITIONS.map((t) => t.event);
  assert.equal(new Set(events).size, events.length, "event names are unique");
});

Deno.test("mode automaton: every other (from, to, writer) is illegal", () => {
  let illegal = 0;
  for (const from of MODES) {
    for (const to of MODES) {
      for (const by of WRITERS) {
        const legal = LEGAL_KEYS.has(key(from, to, by));
        assert.equal(findTransition(from, to, by) !== undefined, legal, key(from, to, by));
        if (!legal) illegal++;
      }
    }
  }
  assert.equal(illegal, MODES.length * MODES.length * WRITERS.length - LEGAL.length);
});

Deno.test("mode automaton: the pairs the seed forbids by name", () => {
  const forbidden: [Mode, Mode, ModeWriter][] = [
    [OUT, EXITING, "vcpu"], // only a kick's cmpxchg from IN_GUEST_MODE makes EXITING
    [OUT, EXITING, "kicker"], // a kick of a vCPU outside guest mode changes nothing
    [READING, IN, "vcpu"], // the lockless walk must end (-> OUTSIDE) first
    [EXITING, IN, "vcpu"], // a kicked vCPU goes out before it comes back in
    [OUT, IN, "kicker"], // only the vCPU thread enters
    [IN, OUT, "kicker"], // kickers only cmpxchg IN -> EXITING
    [IN, READING, "vcpu"], // walks happen outside guest mode
    [READING, EXITING, "kicker"], // WAIT kicks IPI readers but do not change their mode
    [EXITING, EXITING, "kicker"], // IPI Reduction: the second kick's cmpxchg fails
    [IN, IN, "vcpu"],
  ];
  for (const [from, to, by] of forbidden) {
    assert.equal(findTransition(from, to, by), undefined, key(from, to, by));
  }
});

Deno.test("mode automaton: kickers make exactly one transition", () => {
  const kicker = MODE_TRANSITIONS.filter((t) => t.by === "kicker");
  assert.deepEqual(kicker.map((t) => [t.from, t.to]), [[IN, EXITING]]);
});

Deno.test("mode automaton: states, initial mode, reachability and no dead ends", () => {
  assert.deepEqual(AUTOMATON_STATES, [OUT, IN, EXITING, READING]); // kernel enum order
  assert.equal(INITIAL_MODE, OUT);
  const reach = (start: Mode, edges: (m: Mode) => Mode[]) => {
    const seen = new Set<Mode>([start]);
    const todo = [start];
    while (todo.length > 0) {
      for (const n of edges(todo.pop()!)) {
        if (!seen.has(n)) {
          seen.add(n);
          todo.push(n);
        }
      }
    }
    return seen;
  };
  const forward = (m: Mode) => MODE_TRANSITIONS.filter((t) => t.from === m).map((t) => t.to);
  const backward = (m: Mode) => MODE_TRANSITIONS.filter((t) => t.to === m).map((t) => t.from);
  assert.deepEqual(reach(INITIAL_MODE, forward), new Set(MODES), "every mode is reachable");
  assert.deepEqual(reach(OUT, backward), new Set(MODES), "every mode can get back to OUTSIDE");
});

Deno.test("mode automaton: findTransition returns the table's own rows", () => {
  for (const row of MODE_TRANSITIONS) assert.equal(findTransition(row.from, row.to, row.by), row);
});

Deno.test("automaton: the lookup tables give the first listed row for every write and every kick", () => {
  const writers = ["vcpu", "kicker"] as const;
  for (const from of MODES) {
    for (const to of MODES) {
      for (const by of writers) {
        const listed = MODE_TRANSITIONS.find((t) => t.from === from && t.to === to && t.by === by);
        assert.equal(findTransition(from, to, by), listed, `${from} -> ${to} by ${by}`);
      }
    }
  }
  for (const mode of [...MODES, undefined]) {
    for (const action of [...KICK_ACTIONS, "other"]) {
      for (const observed of [...MODES, undefined, "other"]) {
        const listed = observed === undefined
          ? undefined
          : MODE_TRANSITIONS.find((t) =>
            t.kick !== undefined && t.kick.observed === observed &&
            (t.kick.actions as readonly string[]).includes(action) &&
            (mode === t.from || (mode === undefined && t.kick.fromUnknown))
          );
        assert.equal(
          kickTransition(mode, action, observed),
          listed,
          `${mode} ${action} ${observed}`,
        );
      }
    }
  }
});
