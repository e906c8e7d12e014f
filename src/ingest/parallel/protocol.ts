/**
 * What the main thread and the chunk workers share: control words, and a
 * pool of chunk slots in `SharedArrayBuffer`s through which scanned chunks
 * travel without a message or a copy per chunk.
 *
 * A chunk's producer (a worker, or the main thread when it steals work)
 * reads the chunk's bytes into the slot, scans them, writes the result into
 * the slot's metadata area and publishes it by storing the chunk index in
 * the slot's ready word (then `Atomics.notify`). The main thread applies
 * slots in chunk order and clears the ready word before it lets claims move
 * past the chunk. A result that does not fit its slot's areas travels as a
 * message instead (the ready word says so).
 *
 * @module
 */

import { type ChunkPlan, type ChunkResult, PART_STRIDE, STRIDE } from "./chunk_scan.ts";

/** Indices of the shared control words. */
export const CTL = {
  /** Next chunk index to claim. */
  NEXT: 0,
  /** Chunks the main thread has applied (all indices below this). */
  CONSUMED: 1,
  /** Non-zero: stop. */
  ABORT: 2,
} as const;

/** Number of control words. */
export const CTL_WORDS = 4;

/** Header words of a slot's metadata. */
const H = {
  /** Chunk index + 1 once published (negated: the result came as a message); 0 when empty. */
  READY: 0,
  N_RECS: 1,
  LINES: 2,
  HEADER_LINES: 3,
  FILTERED: 4,
  N_RUN: 5,
  TAIL_RUN_START: 6,
  TAIL_RUN_END: 7,
  TAIL_RUN_ANY: 8,
  N_PARTS: 9,
  N_NAME_TRIPLES: 10,
  N_CPU_TRIPLES: 11,
  FIRST_NEW_ID: 12,
  N_NEW_NAMES: 13,
  NEW_NAME_BYTES: 14,
  FINAL_KIND: 15,
  FINAL_START: 16,
  FINAL_END: 17,
  BYTES: 18,
  DATA_LENGTH: 19,
} as const;
const HEADER_INTS = 20;

/** Sizes of a slot's metadata areas (in int32, names in bytes). */
export interface Areas {
  /** Records. */
  readonly recs: number;
  /** CPUs of filtered events, in runs. */
  readonly runCpus: number;
  /** Batches within the chunk. */
  readonly parts: number;
  /** `(nameId, count, firstRel)` triples. */
  readonly nameTriples: number;
  /** `(cpu, count, firstRel)` triples. */
  readonly cpuTriples: number;
  /** Lengths of the names new to the producer. */
  readonly nameLengths: number;
  /** Bytes of those names. */
  readonly nameBytes: number;
}

/**
 * Buffers shared by every thread: one slot per chunk that can be in flight
 * (chunk `k` uses slot `k % slots`: claims never run more than `slots`
 * chunks ahead of the consumer, so no two live chunks share a slot).
 */
export interface SlotPool {
  /** Number of slots (the claim window). */
  readonly slots: number;
  /** Bytes per slot: a chunk plus the longest line before it. */
  readonly dataBytes: number;
  /** Int32 words of metadata per slot. */
  readonly metaInts: number;
  /** Area sizes. */
  readonly areas: Areas;
  /** Chunk bytes, `slots × dataBytes`. */
  readonly data: SharedArrayBuffer;
  /** Headers, records, runs, parts and counts, `slots × metaInts` int32. */
  readonly meta: SharedArrayBuffer;
  /** Names new to the producer, UTF-8, `slots × areas.nameBytes`. */
  readonly names: SharedArrayBuffer;
}

/** Allocates a pool for `plan` with `slots` slots. */
export function createSlotPool(plan: ChunkPlan, slots: number): SlotPool {
  const dataBytes = Math.ceil((plan.chunkBytes + plan.maxLine + 1) / 8) * 8;
  // Room for a record every 100 bytes (a dense protocol trace has one every
  // ~125 bytes); a denser chunk travels as a message. The pool's pages are
  // all resident, so it is sized for the common case.
  const recs = Math.ceil(plan.chunkBytes / 100) + 64;
  const areas: Areas = {
    recs: recs * STRIDE,
    runCpus: 2 * recs + 1024,
    parts: (Math.ceil(plan.chunkBytes / plan.batchBytes) + 2) * PART_STRIDE,
    nameTriples: 3 * 2048,
    cpuTriples: 3 * 2048,
    nameLengths: 256,
    nameBytes: 16384,
  };
  const metaInts = HEADER_INTS + areas.recs + areas.runCpus + areas.parts + areas.nameTriples +
    areas.cpuTriples + areas.nameLengths;
  return {
    slots,
    dataBytes,
    metaInts,
    areas,
    data: new SharedArrayBuffer(slots * dataBytes),
    meta: new SharedArrayBuffer(slots * metaInts * 4),
    names: new SharedArrayBuffer(slots * areas.nameBytes),
  };
}

/** The shared spaces of chunk `index`'s slot. */
export interface SlotSpace {
  /** Slot number. */
  readonly slot: number;
  /** Chunk bytes. */
  readonly data: Uint8Array;
  /** Record area (the scanner writes records here directly). */
  readonly recs: Int32Array;
}

/** The byte and record space of chunk `index`. */
export function slotOf(pool: SlotPool, index: number): SlotSpace {
  const s = index % pool.slots;
  return {
    slot: s,
    data: new Uint8Array(pool.data, s * pool.dataBytes, pool.dataBytes),
    recs: new Int32Array(pool.meta, (s * pool.metaInts + HEADER_INTS) * 4, pool.areas.recs),
  };
}

/** The ready word of each slot (index `slot × metaInts`). */
export function readyWords(pool: SlotPool): Int32Array {
  return new Int32Array(pool.meta);
}

/**
 * Writes `r` (scanned from the slot's bytes, records already in its record
 * area or spilled) into chunk `index`'s slot and publishes it. Returns false
 * when it does not fit: the caller then sends it as a message, after
 * {@link publishAsMessage}.
 */
export function publishResult(pool: SlotPool, index: number, r: ChunkResult): boolean {
  const s = index % pool.slots;
  const a = pool.areas;
  const enc = new TextEncoder();
  const nameBytes = r.newNames.map((n) => enc.encode(n));
  const totalNameBytes = nameBytes.reduce((t, b) => t + b.length, 0);
  const space = slotOf(pool, index);
  if (
    r.recs.buffer !== space.recs.buffer || r.runCpus.length > a.runCpus ||
    r.parts.length > a.parts || r.nameCounts.length > a.nameTriples ||
    r.cpuCounts.length > a.cpuTriples || nameBytes.length > a.nameLengths ||
    totalNameBytes > a.nameBytes
  ) {
    return false;
  }
  const meta = new Int32Array(pool.meta, s * pool.metaInts * 4, pool.metaInts);
  let at = HEADER_INTS + a.recs;
  meta.set(r.runCpus, at);
  at += a.runCpus;
  meta.set(r.parts, at);
  at += a.parts;
  meta.set(r.nameCounts, at);
  at += a.nameTriples;
  meta.set(r.cpuCounts, at);
  at += a.cpuTriples;
  const names = new Uint8Array(pool.names, s * a.nameBytes, a.nameBytes);
  let off = 0;
  for (let i = 0; i < nameBytes.length; i++) {
    meta[at + i] = nameBytes[i].length;
    names.set(nameBytes[i], off);
    off += nameBytes[i].length;
  }
  meta[H.N_RECS] = r.nRecs;
  meta[H.LINES] = r.lines;
  meta[H.HEADER_LINES] = r.headerLines;
  meta[H.FILTERED] = r.filteredEvents;
  meta[H.N_RUN] = r.runCpus.length;
  meta[H.TAIL_RUN_START] = r.tailRunStart;
  meta[H.TAIL_RUN_END] = r.tailRunEnd;
  meta[H.TAIL_RUN_ANY] = r.tailRunAny;
  meta[H.N_PARTS] = r.parts.length;
  meta[H.N_NAME_TRIPLES] = r.nameCounts.length;
  meta[H.N_CPU_TRIPLES] = r.cpuCounts.length;
  meta[H.FIRST_NEW_ID] = r.firstNewId;
  meta[H.N_NEW_NAMES] = nameBytes.length;
  meta[H.NEW_NAME_BYTES] = totalNameBytes;
  meta[H.FINAL_KIND] = r.finalKind;
  meta[H.FINAL_START] = r.finalStart;
  meta[H.FINAL_END] = r.finalEnd;
  meta[H.BYTES] = r.bytes;
  meta[H.DATA_LENGTH] = r.buf.length;
  const ready = readyWords(pool);
  Atomics.store(ready, s * pool.metaInts + H.READY, index + 1);
  Atomics.notify(ready, s * pool.metaInts + H.READY);
  return true;
}

/** Marks chunk `index`'s slot as published by message (call after posting it). */
export function publishAsMessage(pool: SlotPool, index: number): void {
  const s = index % pool.slots;
  const ready = readyWords(pool);
  Atomics.store(ready, s * pool.metaInts + H.READY, -(index + 1));
  Atomics.notify(ready, s * pool.metaInts + H.READY);
}

/** What chunk `index`'s ready word says: 0 not yet, 1 in the slot, -1 by message. */
export function readyState(pool: SlotPool, ready: Int32Array, index: number): number {
  const v = Atomics.load(ready, (index % pool.slots) * pool.metaInts + H.READY);
  return v === index + 1 ? 1 : v === -(index + 1) ? -1 : 0;
}

/** Waits (asynchronously, at most `ms`) for chunk `index`'s ready word to change from 0. */
export async function waitReady(
  pool: SlotPool,
  ready: Int32Array,
  index: number,
  ms: number,
): Promise<void> {
  const at = (index % pool.slots) * pool.metaInts + H.READY;
  const w = Atomics.waitAsync(ready, at, 0, ms);
  if (w.async) await w.value;
}

/** Empties chunk `index`'s slot (before claims may reuse it). */
export function clearSlot(pool: SlotPool, ready: Int32Array, index: number): void {
  Atomics.store(ready, (index % pool.slots) * pool.metaInts + H.READY, 0);
}

/** Reads the result published in chunk `index`'s slot. */
export function readResult(pool: SlotPool, index: number): ChunkResult {
  const s = index % pool.slots;
  const a = pool.areas;
  const meta = new Int32Array(pool.meta, s * pool.metaInts * 4, pool.metaInts);
  let at = HEADER_INTS;
  const recs = meta.subarray(at, at + meta[H.N_RECS] * STRIDE);
  at += a.recs;
  const runCpus = meta.subarray(at, at + meta[H.N_RUN]);
  at += a.runCpus;
  const parts = meta.subarray(at, at + meta[H.N_PARTS]);
  at += a.parts;
  const nameCounts = meta.subarray(at, at + meta[H.N_NAME_TRIPLES]);
  at += a.nameTriples;
  const cpuCounts = meta.subarray(at, at + meta[H.N_CPU_TRIPLES]);
  at += a.cpuTriples;
  const newNames: string[] = [];
  const names = new Uint8Array(pool.names, s * a.nameBytes, a.nameBytes);
  const dec = new TextDecoder();
  let off = 0;
  for (let i = 0; i < meta[H.N_NEW_NAMES]; i++) {
    const len = meta[at + i];
    newNames.push(dec.decode(names.slice(off, off + len)));
    off += len;
  }
  return {
    index,
    buf: new Uint8Array(pool.data, s * pool.dataBytes, meta[H.DATA_LENGTH]),
    bytes: meta[H.BYTES],
    lines: meta[H.LINES],
    recs,
    nRecs: meta[H.N_RECS],
    runCpus,
    tailRunStart: meta[H.TAIL_RUN_START],
    tailRunEnd: meta[H.TAIL_RUN_END],
    tailRunAny: meta[H.TAIL_RUN_ANY],
    parts,
    nameCounts,
    cpuCounts,
    headerLines: meta[H.HEADER_LINES],
    filteredEvents: meta[H.FILTERED],
    newNames,
    firstNewId: meta[H.FIRST_NEW_ID],
    finalKind: meta[H.FINAL_KIND],
    finalStart: meta[H.FINAL_START],
    finalEnd: meta[H.FINAL_END],
  };
}

/** First message to a worker. */
export interface WorkerInit {
  /** Worker number (1-based; chunk owners use it). */
  readonly id: number;
  /** File to read. */
  readonly path: string;
  /** Its chunking. */
  readonly plan: ChunkPlan;
  /** Number of chunks. */
  readonly chunks: number;
  /** Chunks a claim may run ahead of the consumer (the pool's slot count). */
  readonly window: number;
  /** The shared chunk buffers. */
  readonly pool: SlotPool;
  /** Control words (`Int32Array`). */
  readonly control: SharedArrayBuffer;
  /** Per chunk: the worker that claimed it (`Int32Array`). */
  readonly owner: SharedArrayBuffer;
  /** Keep decision per name id of this worker (`Int8Array`; 0 unknown, 1 keep, 2 count only). */
  readonly decisions: SharedArrayBuffer;
}

/** Messages from a worker. */
export type WorkerMessage =
  | { readonly type: "chunk"; readonly worker: number; readonly result: ChunkResult }
  | { readonly type: "error"; readonly worker: number; readonly message: string }
  | { readonly type: "done"; readonly worker: number };

/**
 * Claims the next chunk: its index, -1 when none is left, -2 when the next
 * one is more than `window` chunks ahead of the consumer.
 */
export function claimChunk(ctl: Int32Array, chunks: number, window: number): number {
  while (true) {
    const n = Atomics.load(ctl, CTL.NEXT);
    if (n >= chunks) return -1;
    if (n >= Atomics.load(ctl, CTL.CONSUMED) + window) return -2;
    if (Atomics.compareExchange(ctl, CTL.NEXT, n, n + 1) === n) return n;
  }
}
