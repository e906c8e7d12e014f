/**
 * Output files that cannot destroy what the user had: the bytes go to a
 * temporary file beside the target, which replaces it only when the run
 * succeeded (a rename, atomic on one file system), so a failing or killed run
 * leaves the previous output as it was. An output that is one of the inputs,
 * a symbolic link (kvmreq record runs as root: a planted link would make it
 * write anywhere), a directory or a block device is refused. A FIFO or
 * character device (`-o /dev/null`, a named pipe) is written in place.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { describeOsError } from "../ingest/byte_source.ts";
import { InputError, SystemError } from "../ingest/errors.ts";

/** Options of {@link createOutputFile}. */
export interface OutputFileOptions {
  /** Inputs of the run (expanded): the output may not be one of them. */
  readonly inputs?: readonly string[];
  /**
   * Permission bits of a new file (the umask applies).
   * @default 0o666
   */
  readonly mode?: number;
  /** Give the file to the user behind `sudo` (SUDO_UID/SUDO_GID) when running as root. */
  readonly sudoOwner?: boolean;
  /**
   * Remove the temporary file and exit on SIGINT, SIGTERM and SIGHUP (a
   * command that handles signals itself, such as record, says `false`).
   * @default true
   */
  readonly cleanupOnSignal?: boolean;
}

/** An output being written: bytes go to `file` (at `writePath`) until {@link commit} or {@link discard}. */
export interface OutputFile {
  /** The output as the user named it. */
  readonly path: string;
  /** Where the bytes are written now (the temporary file, or `path` for a FIFO or device). */
  readonly writePath: string;
  /** The open file at `writePath`. */
  readonly file: Deno.FsFile;
  /** Closes the file and puts it in place of `path`. */
  commit(): Promise<void>;
  /** Closes the file and removes it; `path` stays as it was. Idempotent. */
  discard(): Promise<void>;
}

/** The signals after which a temporary output is removed, with their numbers (exit code 128 + n). */
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Device names kvmreq writes through although they are links (`/dev/stdout` → `/proc/self/fd/1`). */
const STANDARD_STREAMS = new Set([
  "/dev/stdout",
  "/dev/stderr",
  "/dev/null",
  "/dev/fd/1",
  "/dev/fd/2",
]);

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err; // a missing Deno permission: exit 4
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new InputError(path, 0, `cannot write: ${describeOsError(err)}`);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * What to throw when writing the output `name` failed with `err`: the
 * system's refusal (a full disk, an I/O error) as a one-line
 * {@link SystemError} naming the output (exit 4, not "a bug in kvmreq");
 * anything else (a missing Deno permission, a kvmreq bug) as it is.
 */
export function writeFailure(name: string, err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (err instanceof Deno.errors.NotCapable || typeof code !== "string") return err;
  return new SystemError(`${name}: cannot write: ${describeOsError(err)}`);
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino !== null && a.ino === b.ino;
}

/** Refuses `path` when it names the same file as one of `inputs`. */
async function refuseInput(path: string, target: Deno.FileInfo, inputs: readonly string[]) {
  for (const input of inputs) {
    if (input === "-") continue;
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(input);
    } catch {
      continue;
    }
    if (sameFile(info, target)) {
      throw new InputError(
        path,
        0,
        `is also an input (${input}); writing it would destroy the trace — choose another output file`,
      );
    }
  }
}

async function openInPlace(path: string): Promise<OutputFile> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err; // a missing Deno permission: exit 4
    throw new InputError(path, 0, `cannot write: ${describeOsError(err)}`);
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      file.close();
    } catch { /* closed */ }
  };
  return {
    path,
    writePath: path,
    file,
    commit: () => Promise.resolve(close()),
    discard: () => Promise.resolve(close()),
  };
}

function sudoIds(): { uid: number; gid: number } | undefined {
  try {
    if (Deno.uid() !== 0) return undefined;
    const uid = Deno.env.get("SUDO_UID");
    const gid = Deno.env.get("SUDO_GID");
    if (uid === undefined || !/^\d+$/.test(uid)) return undefined;
    return { uid: Number(uid), gid: gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : 0 };
  } catch {
    return undefined; // no permission to read the environment: keep root's ownership
  }
}

/**
 * Opens an output for `path`; see the module documentation for what is
 * refused. The caller writes to `file`, then calls `commit()` on success or
 * `discard()` on failure.
 */
export async function createOutputFile(
  path: string,
  options: OutputFileOptions = {},
): Promise<OutputFile> {
  const target = await lstatOrUndefined(path);
  if (STANDARD_STREAMS.has(path)) return await openInPlace(path);
  if (target?.isSymlink) {
    let to = "";
    try {
      to = ` to ${await Deno.readLink(path)}`;
    } catch { /* unreadable link */ }
    throw new InputError(
      path,
      0,
      `is a symbolic link${to}; kvmreq does not write through links — name the file itself to write there`,
    );
  }
  if (target?.isDirectory) throw new InputError(path, 0, "is a directory; name a file to write");
  if (target?.isBlockDevice) throw new InputError(path, 0, "is a block device; name a file");
  if (target !== undefined) await refuseInput(path, target, options.inputs ?? []);
  if (target !== undefined && !target.isFile) return await openInPlace(path); // FIFO, char device

  const dir = dirname(path);
  const tempPath = join(
    dir,
    `.${basename(path)}.kvmreq-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tempPath, { write: true, createNew: true, mode: options.mode ?? 0o666 });
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err; // a missing Deno permission: exit 4
    const why = err instanceof Deno.errors.NotFound && !(await isDirectory(dir))
      ? `no such directory: ${dir}`
      : describeOsError(err);
    throw new InputError(path, 0, `cannot write: ${why}`);
  }
  const owner = options.sudoOwner ? sudoIds() : undefined;
  if (owner !== undefined) {
    try {
      await Deno.chown(tempPath, owner.uid, owner.gid);
    } catch { /* keep root's ownership */ }
  }
  let done = false;
  const cleanup = options.cleanupOnSignal ?? true;
  const listeners = Object.entries(SIGNAL_NUMBERS).map(([name, n]) => {
    const fn = () => {
      try {
        Deno.removeSync(tempPath);
      } catch { /* gone */ }
      Deno.exit(128 + n);
    };
    return [name as Deno.Signal, fn] as const;
  });
  if (cleanup) { for (const [sig, fn] of listeners) Deno.addSignalListener(sig, fn); }
  const finish = () => {
    if (done) return false;
    done = true;
    if (cleanup) { for (const [sig, fn] of listeners) Deno.removeSignalListener(sig, fn); }
    try {
      file.close();
    } catch { /* closed */ }
    return true;
  };
  return {
    path,
    writePath: tempPath,
    file,
    async commit() {
      if (!finish()) return;
      try {
        await Deno.rename(tempPath, path);
      } catch (err) {
        await Deno.remove(tempPath).catch(() => {});
        throw new InputError(path, 0, `cannot write: ${describeOsError(err)}`);
      }
    },
    async discard() {
      if (!finish()) return;
      await Deno.remove(tempPath).catch(() => {});
    },
  };
}
