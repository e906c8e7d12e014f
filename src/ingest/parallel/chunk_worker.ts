/**
 * Worker entry of the parallel reader: claims chunks of a regular file from
 * a shared counter (never more than `window` ahead of the consumer), scans
 * each with {@link ChunkScanner} into the chunk's shared slot and publishes
 * it there (see protocol.ts). Keep decisions for this worker's name ids
 * arrive through a shared byte array the main thread fills as it learns the
 * names.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { NameTable } from "../name_table.ts";
import { chunkReadRange, ChunkScanner, readChunkBytes } from "./chunk_scan.ts";
import {
  claimChunk,
  CTL,
  publishAsMessage,
  publishResult,
  slotOf,
  type WorkerInit,
} from "./protocol.ts";

self.onmessage = (e: MessageEvent<WorkerInit>) => {
  const init = e.data;
  const ctl = new Int32Array(init.control);
  const owner = new Int32Array(init.owner);
  const decisions = new Int8Array(init.decisions);
  const names = new NameTable();
  const scanner = new ChunkScanner(
    names,
    (id) => (id < decisions.length ? decisions[id] : 0),
    init.plan,
  );
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(init.path, { read: true });
    while (Atomics.load(ctl, CTL.ABORT) === 0) {
      const consumed = Atomics.load(ctl, CTL.CONSUMED);
      const k = claimChunk(ctl, init.chunks, init.window);
      if (k === -1) break;
      if (k === -2) {
        // Too far ahead of the consumer: wait until it applies a chunk.
        Atomics.wait(ctl, CTL.CONSUMED, consumed, 100);
        continue;
      }
      owner[k] = init.id;
      const range = chunkReadRange(init.plan, k);
      const slot = slotOf(init.pool, k);
      const r = scanner.scan(k, readChunkBytes(file, range.from, range.to, slot.data), slot.recs);
      if (!publishResult(init.pool, k, r)) {
        // Too big for the slot's areas: send it (its bytes stay in the slot).
        const transfer: ArrayBuffer[] = [];
        for (const a of [r.recs, r.runCpus, r.parts, r.nameCounts, r.cpuCounts]) {
          if (a.buffer instanceof ArrayBuffer) transfer.push(a.buffer);
        }
        self.postMessage({ type: "chunk", worker: init.id, result: r }, transfer);
        publishAsMessage(init.pool, k);
      }
    }
  } catch (err) {
    self.postMessage({ type: "error", worker: init.id, message: String(err) });
  } finally {
    try {
      file?.close();
    } catch { /* closed */ }
    self.postMessage({ type: "done", worker: init.id });
  }
};
