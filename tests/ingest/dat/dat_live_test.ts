/**
 * Live comparison with `trace-cmd report` on this machine: synthetic files
 * covering both byte orders, both long sizes, v6 and v7 (none, zstd, zlib),
 * instances and every print-format feature, plus the recorded fixtures.
 * Skipped, with a message, when trace-cmd is not on PATH.
 *
 * @module
 */

import { deepEqual, equal } from "node:assert/strict";
import {
  compareRecords,
  datRecords,
  haveTraceCmd,
  lostMarkers,
  reportBytes,
  reportText,
  traceCmdCompressions,
} from "./compare.ts";
import { writeDatV6 } from "./dat_writer.ts";
import { writeDatV7 } from "./dat_writer_v7.ts";
import { parseReport } from "./report_text.ts";
import { syntheticFile } from "./synthetic.ts";

const live = await haveTraceCmd();
if (!live) {
  console.warn(
    "dat live tests: trace-cmd is not on PATH; skipped (apt-get install trace-cmd to run them)",
  );
}

async function sameAsReport(data: Uint8Array, label: string): Promise<void> {
  const d = await datRecords(data);
  equal(d.error, undefined, label);
  const report = parseReport(await reportBytes(data));
  deepEqual(compareRecords(d.records, report), [], label);
  deepEqual(lostMarkers(d.records), lostMarkers(report), label);
}

Deno.test({
  name: "dat live: synthetic v6 files equal trace-cmd report (LE/BE, 4/8-byte longs)",
  ignore: !live,
  fn: async () => {
    for (const bigEndian of [false, true]) {
      for (const longSize of [4, 8] as const) {
        await sameAsReport(
          writeDatV6(syntheticFile({ bigEndian, longSize })),
          `v6 ${bigEndian} ${longSize}`,
        );
      }
    }
  },
});

Deno.test({
  name:
    "dat live: synthetic v7 files equal trace-cmd report (none and the compressions it has; LE/BE)",
  ignore: !live,
  fn: async () => {
    const have = await traceCmdCompressions();
    const kinds = (["none", "zstd", "zlib"] as const).filter((k) =>
      k === "none" || have.includes(k)
    );
    if (kinds.length < 3) {
      console.warn(
        `dat live: this trace-cmd lacks ${["zstd", "zlib"].filter((k) => !have.includes(k))}`,
      );
    }
    for (const bigEndian of [false, true]) {
      for (const kind of kinds) {
        await sameAsReport(
          writeDatV7(syntheticFile({ bigEndian, cpus: 4 }), kind),
          `v7 ${kind} ${bigEndian}`,
        );
      }
    }
  },
});

Deno.test({
  name: "dat live: the recorded fixtures equal a fresh trace-cmd report",
  ignore: !live,
  fn: async () => {
    const dir = new URL("../../../fixtures/dat/", import.meta.url);
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".dat")) continue;
      const path = new URL(e.name, dir).pathname;
      const d = await datRecords(path);
      deepEqual(compareRecords(d.records, parseReport(await reportText(path))), [], e.name);
    }
  },
});
