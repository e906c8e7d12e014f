/**
 * Worker of bench/core_check.ts: runs the spin loop for each message (the
 * iteration count) and answers with the milliseconds it took.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { spin } from "./core_check.ts";

self.onmessage = (e: MessageEvent<number>) => {
  self.postMessage(spin(e.data));
};
