/**
 * Command-line inputs: files, `-` for stdin, and directories (their regular
 * files, sorted by name, not recursing).
 *
 * @module
 */

import { join } from "node:path";
import { InputError } from "../ingest/errors.ts";
import { describeOsError } from "../ingest/byte_source.ts";

/** Expands directories among `paths` into their files; keeps order otherwise. */
export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === "-") {
      out.push(p);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(p);
    } catch (err) {
      throw new InputError(p, 0, `cannot open: ${describeOsError(err)}`);
    }
    if (!info.isDirectory) {
      out.push(p);
      continue;
    }
    const names: string[] = [];
    for await (const entry of Deno.readDir(p)) {
      if (entry.isFile && !entry.name.startsWith(".") && !entry.name.endsWith(".md")) {
        names.push(entry.name);
      }
    }
    names.sort();
    if (names.length === 0) throw new InputError(p, 0, "directory holds no trace files");
    for (const n of names) out.push(join(p, n));
  }
  return out;
}

/** The size of `path` in bytes, 0 for stdin, FIFOs and unknown. */
export async function inputSize(path: string): Promise<number> {
  if (path === "-") return 0;
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : 0;
  } catch {
    return 0;
  }
}
