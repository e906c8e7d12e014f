/**
 * Command-line inputs: files, `-` for stdin, and directories (their regular
 * files and links to files, sorted by name, not recursing: a subdirectory is
 * named in a note).
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
  /**
   * A directory found in a named directory: not read (no recursion), and
   * said with a note so that nothing in it is left out in silence.
   */
  readonly subdirectory?: true;
}

/** Expands directories among `paths` into their files; keeps order otherwise. */
export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  return (await expandInputList(paths)).filter((p) => !p.subdirectory).map((p) => p.path);
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
    const subdirectories: string[] = [];
    for await (const entry of Deno.readDir(p)) {
      if (entry.name.startsWith(".") || entry.name.endsWith(".md")) continue;
      let isFile = entry.isFile;
      let isDirectory = entry.isDirectory;
      if (entry.isSymlink) {
        // A link to a trace (latest.trace -> run-42.trace) is read like the trace.
        try {
          const target = await Deno.stat(join(p, entry.name));
          isFile = target.isFile;
          isDirectory = target.isDirectory;
        } catch { /* a dangling link: nothing to read */ }
      }
      if (isFile) names.push(entry.name);
      else if (isDirectory) subdirectories.push(entry.name);
    }
    names.sort();
    subdirectories.sort();
    if (names.length === 0) {
      throw new InputError(
        p,
        0,
        subdirectories.length === 0
          ? "directory holds no trace files"
          : `directory holds no trace files, only directories (${subdirectories.join(", ")}), ` +
            "which are not read: name them",
      );
    }
    for (const n of names) out.push({ path: join(p, n), inDirectory: true, directory: p });
    for (const n of subdirectories) {
      out.push({ path: join(p, n), inDirectory: true, directory: p, subdirectory: true });
    }
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
