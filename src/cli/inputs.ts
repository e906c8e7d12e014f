/**
 * Command-line inputs: files, `-` for stdin, and directories (their regular
 * files, sorted by name, not recursing).
 *
 * @module
 */

import { join } from "node:path";
import { InputError } from "../ingest/errors.ts";

/** An input to read: a path, and whether it was found in a directory (rather than named). */
export interface InputPath {
  /** The path (`-` for standard input). */
  readonly path: string;
  /** Found by listing a directory: when it is not a trace it is skipped with a note. */
  readonly inDirectory: boolean;
  /** The directory it was found in, as named. */
  readonly directory?: string;
}

/** Expands directories among `paths` into their files; keeps order otherwise. */
export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  return (await expandInputList(paths)).map((p) => p.path);
}

/** Like {@link expandInputs}, saying which paths came from a directory. */
export async function expandInputList(paths: readonly string[]): Promise<InputPath[]> {
  const out: InputPath[] = [];
  for (const p of paths) {
    if (p === "-") {
      out.push({ path: p, inDirectory: false });
      continue;
    }
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(p);
    } catch {
      // Said when it is opened, as a problem of this input alone.
    }
    if (info === undefined || !info.isDirectory) {
      out.push({ path: p, inDirectory: false });
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
    for (const n of names) out.push({ path: join(p, n), inDirectory: true, directory: p });
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
