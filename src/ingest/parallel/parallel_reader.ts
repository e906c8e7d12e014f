/**
 * Reading a regular file on several cores. The file is cut into chunks of
 * `C` bytes (see chunk_scan.ts); workers and the main thread claim chunks
 * from a shared counter and scan them into compact results (counts of the
 * events not kept, and records of the lines that matter); the main thread
 * applies the results strictly in chunk order to the one
 * {@link RecordBuilder}, so records, line numbers, stack attachment and every
 * counter are exactly those of the sequential reader, batch for batch.
 *
 * The main thread steals chunks only while the next result it needs is not
 * ready, and nobody claims more than `window` chunks ahead of the consumer,
 * so memory stays at a few chunks whatever the file size.
 *
 * @module
 */

import type { TraceRecord } from "../../events/types.ts";
import type { RecordBuilder } from "../record_builder.ts";
import {
  chunkCount,
  type ChunkPlan,
  chunkReadRange,
  type ChunkResult,
  ChunkScanner,
  FINAL_LINE,
  FINAL_NONE,
  PART_STRIDE,
  readChunkBytes,
} from "./chunk_scan.ts";
import { ChunkProducer } from "./producer.ts";
import {
  claimChunk,
  clearSlot,
  createSlotPool,
  CTL,
  CTL_WORDS,
  readResult,
  readyState,
  readyWords,
  slotOf,
  waitReady,
  type WorkerInit,
  type WorkerMessage,
} from "./protocol.ts";

/** Keep decisions a worker can read, by its name id. */
const DECISION_SLOTS = 1 << 16;

/** Settings of {@link readChunksInParallel}. */
export interface ParallelSettings {
  /** The file. */
  readonly path: string;
  /** Its chunking. */
  readonly plan: ChunkPlan;
  /** First chunk to read (earlier ones were applied already). */
  readonly firstChunk: number;
  /** Worker threads to start. */
  readonly workers: number;
  /** Chunks claimed at most ahead of the consumer. */
  readonly window: number;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly decisions: Int8Array;
  /** Its name ids and field texts, as this thread maps them. */
  readonly producer: ChunkProducer;
  alive: boolean;
  done: boolean;
}

/**
 * Reads chunks `firstChunk..` of `settings.path` into `builder`, yielding
 * the records released by each chunk (as the sequential reader yields one
 * batch per read), then the final line and the held records.
 */
export async function* readChunksInParallel(
  builder: RecordBuilder,
  settings: ParallelSettings,
): AsyncGenerator<TraceRecord[], void, undefined> {
  const { plan, firstChunk } = settings;
  const chunks = chunkCount(plan);
  const control = new SharedArrayBuffer(CTL_WORDS * 4);
  const ctl = new Int32Array(control);
  ctl[CTL.NEXT] = firstChunk;
  ctl[CTL.CONSUMED] = firstChunk;
  const ownerBuf = new SharedArrayBuffer(Math.max(1, chunks) * 4);
  const owner = new Int32Array(ownerBuf);
  const pool = createSlotPool(plan, settings.window);
  const ready = readyWords(pool);
  /** Results this thread scanned itself, and results that came as messages. */
  const mine = new Map<number, ChunkResult>();
  const sent = new Map<number, { r: ChunkResult; slot: WorkerSlot }>();
  const slots: WorkerSlot[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onMessage = (slot: WorkerSlot, m: WorkerMessage) => {
    if (m.type === "chunk") sent.set(m.result.index, { r: m.result, slot });
    else if (m.type === "error") slot.alive = false;
    else slot.done = true;
    notify();
  };
  const file = Deno.openSync(settings.path, { read: true });
  let turn: EventLoopTurn | undefined;
  try {
    for (let i = 0; i < settings.workers && chunks - firstChunk > 1; i++) {
      const decisionsBuf = new SharedArrayBuffer(DECISION_SLOTS);
      let worker: Worker;
      try {
        worker = new Worker(new URL("./chunk_worker.ts", import.meta.url).href, {
          type: "module",
        });
      } catch {
        break;
      }
      const slot: WorkerSlot = {
        worker,
        decisions: new Int8Array(decisionsBuf),
        producer: new ChunkProducer(false),
        alive: true,
        done: false,
      };
      worker.onmessage = (e: MessageEvent<WorkerMessage>) => onMessage(slot, e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        slot.alive = false;
        notify();
      };
      const init: WorkerInit = {
        id: i + 1,
        path: settings.path,
        plan,
        chunks,
        window: settings.window,
        pool,
        control,
        owner: ownerBuf,
        decisions: decisionsBuf,
      };
      worker.postMessage(init);
      slots.push(slot);
    }
    // This thread's own chunks: claimed in increasing order, so its field
    // texts are interned in the order they are applied; a chunk taken over
    // from a worker that will not deliver it comes out of that order, and
    // is scanned without interning.
    const scanner = new ChunkScanner(builder.names, (id) => builder.keepOf(id), plan);
    const rescuer = new ChunkScanner(builder.names, (id) => builder.keepOf(id), plan, false);
    const myself = new ChunkProducer(true);
    const scanMine = (k: number, rescue = false) => {
      owner[k] = -1;
      const range = chunkReadRange(plan, k);
      const space = slotOf(pool, k);
      const bytes = readChunkBytes(file, range.from, range.to, space.data);
      mine.set(k, (rescue ? rescuer : scanner).scan(k, bytes, space.recs));
    };
    /** Waits for chunk `k` to be published or a message to arrive (at most 100 ms). */
    const pause = (k: number) =>
      Promise.race([
        waitReady(pool, ready, k, 100),
        new Promise<void>((resolve) => (wake = resolve)),
      ]);
    /** Waits for a message (at most 100 ms). */
    const waitMessage = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    let last: ChunkResult | undefined;
    turn = new EventLoopTurn();
    for (let k = firstChunk; k < chunks; k++) {
      let r: ChunkResult | undefined;
      let from: WorkerSlot | null = null;
      while (true) {
        r = mine.get(k);
        if (r !== undefined) {
          mine.delete(k);
          break;
        }
        const state = readyState(pool, ready, k);
        const who = owner[k];
        if (state !== 0 && who > 0) {
          from = slots[who - 1];
          if (state === 1) {
            r = readResult(pool, k);
            break;
          }
          const m = sent.get(k);
          if (m !== undefined) {
            sent.delete(k);
            r = m.r;
            break;
          }
          // It was posted: wait for the event loop to deliver it.
          await waitMessage();
          continue;
        }
        if (Atomics.load(ctl, CTL.NEXT) <= k) {
          // Nobody had it a moment ago: claim the next chunk (k, or a later
          // one if a worker took k meanwhile; a claimed chunk is never dropped).
          const j = claimChunk(ctl, chunks, settings.window);
          if (j >= 0) scanMine(j);
          continue;
        }
        const live = slots.some((s) => s.alive && !s.done);
        if ((who > 0 && !slots[who - 1].alive) || !live) {
          // Claimed by a worker that will not deliver it.
          if (readyState(pool, ready, k) === 0) scanMine(k, true);
          continue;
        }
        // Steal ahead while waiting, if the window allows.
        const j = claimChunk(ctl, chunks, settings.window);
        if (j >= 0) {
          scanMine(j);
          continue;
        }
        await pause(k);
      }
      if (from !== null) learnNames(builder, from, r);
      const base = builder.lineNo;
      const nParts = r.parts.length / PART_STRIDE;
      for (let part = 0; part < nParts; part++) {
        const out: TraceRecord[] = [];
        builder.addChunkPart(r, from === null ? myself : from.producer, part, base, out);
        builder.syncStats();
        if (out.length > 0) yield out;
      }
      if (k === chunks - 1) last = r;
      // Give the event loop a turn now and then: without reads to await,
      // this loop would otherwise starve V8's incremental GC tasks, whose
      // marking then finalizes late and promotes a whole young generation.
      await turn!.next();
      // The slot stays ours until here (the final line of the last chunk lives in it).
      if (k < chunks - 1) {
        clearSlot(pool, ready, k);
        Atomics.store(ctl, CTL.CONSUMED, k + 1);
        Atomics.notify(ctl, CTL.CONSUMED);
      }
    }
    // End of input, as the sequential reader's last iteration.
    const out: TraceRecord[] = [];
    const stats = builder.stats;
    if (last !== undefined && last.finalKind !== FINAL_NONE) {
      const line = ++builder.lineNo;
      if (last.finalKind === FINAL_LINE) {
        builder.addLine(last.buf, last.finalStart, last.finalEnd, line, out);
      } else {
        stats.lines++;
        builder.skipLine("line-too-long", line);
      }
    }
    builder.flush(out);
    builder.syncStats();
    if (out.length > 0) yield out;
  } finally {
    turn?.close();
    Atomics.store(ctl, CTL.ABORT, 1);
    Atomics.notify(ctl, CTL.CONSUMED);
    for (const s of slots) s.worker.terminate();
    try {
      file.close();
    } catch { /* closed */ }
  }
}

/**
 * Maps a worker's new names to main ids and publishes their keep decisions.
 * A worker's chunks are applied in the order it scanned them (claims only
 * go up), so its names arrive in id order.
 */
function learnNames(builder: RecordBuilder, slot: WorkerSlot, r: ChunkResult): void {
  for (let i = 0; i < r.newNames.length; i++) {
    const wid = r.firstNewId + i;
    const id = builder.names.idOf(r.newNames[i]);
    slot.producer.nameMap![wid] = id;
    if (wid < slot.decisions.length) Atomics.store(slot.decisions, wid, builder.keepOf(id));
  }
}

/** One event-loop turn on demand (a message to ourselves: ~20 µs, where `setTimeout(0)` takes ~1 ms). */
class EventLoopTurn {
  readonly #channel = new MessageChannel();
  #resolve: (() => void) | undefined;

  constructor() {
    this.#channel.port1.onmessage = () => this.#resolve?.();
  }

  /** Resolves on the next turn of the event loop. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#channel.port2.postMessage(null);
    });
  }

  /** Releases the channel. */
  close(): void {
    this.#channel.port1.close();
    this.#channel.port2.close();
  }
}
