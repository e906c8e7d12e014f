/**
 * trace-cmd inside the guest: Debian's trace-cmd and the shared libraries
 * it loads, downloaded with `apt-get download` into the lab cache, unpacked
 * into one directory tree, and the files the guest needs found by following
 * the ELF dependencies (`readelf -d` NEEDED, `readelf -l` interpreter) from
 * the binary and libtraceevent's plugins.
 *
 * @module
 */

import type { LabCache } from "./cache.ts";
import { exists, LabError, run } from "./exec.ts";
import type { GuestFile } from "./initramfs.ts";

/** A Debian package of trace-cmd's runtime, pinned or at the archive's version. */
export interface TraceCmdDeb {
  /** Package name. */
  readonly name: string;
  /** `apt-get download NAME=VERSION`; undefined: the version the archive has. */
  readonly version?: string;
  /** What the guest takes from it. */
  readonly use: string;
}

/**
 * The packages: trace-cmd and the libtraceevent/libtracefs it was built with
 * are pinned (they decide how a trace.dat is written and how `trace-cmd
 * report` prints it; the host's bookworm trace-cmd is the same version);
 * libzstd1 and libc6 are taken at the archive's version (security updates
 * replace older ones) and named in the recording's notes.
 */
export const TRACE_CMD_DEBS: readonly TraceCmdDeb[] = [
  { name: "trace-cmd", version: "3.1.6-1", use: "/usr/bin/trace-cmd (record, report)" },
  { name: "libtraceevent1", version: "1:1.7.1-1", use: "event format parsing and printing" },
  {
    name: "libtraceevent1-plugin",
    version: "1:1.7.1-1",
    use: "print plugins (kvm, sched_switch, …), as on the host",
  },
  { name: "libtracefs1", version: "1.6.4-1", use: "tracefs access" },
  { name: "libzstd1", use: "zstd compression of trace.dat (file version 7)" },
  { name: "libc6", use: "the C library and the dynamic loader" },
];

/** Where the packages go in the cache: their .deb files and the unpacked tree. */
export function traceCmdDirs(c: LabCache): { debs: string; root: string } {
  return { debs: `${c.debs}/trace-cmd`, root: `${c.pkg}/trace-cmd-root` };
}

/** The .deb file of `name` in `dir` (apt names it NAME_VERSION_ARCH.deb, `:` as `%3a`). */
export async function findDeb(dir: string, name: string): Promise<string | undefined> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.startsWith(`${name}_`) && e.name.endsWith(".deb")) found.push(e.name);
  }
  return found.sort().pop();
}

/**
 * Downloads the packages missing from the cache and unpacks them all into
 * one tree (once). Returns the package files (`name_version_arch.deb`).
 */
export async function fetchTraceCmd(c: LabCache): Promise<string[]> {
  const { debs, root } = traceCmdDirs(c);
  await Deno.mkdir(debs, { recursive: true });
  const files: string[] = [];
  for (const d of TRACE_CMD_DEBS) {
    let file = await findDeb(debs, d.name);
    if (file === undefined) {
      const spec = d.version !== undefined ? `${d.name}=${d.version}` : d.name;
      try {
        await run("apt-get", ["download", spec], {
          cwd: debs,
          log: `${c.logs}/download.log`,
          timeoutSec: 600,
        });
      } catch (e) {
        throw new LabError(`cannot download ${spec} (${d.use})`, [
          ...(e instanceof LabError ? e.detail : []),
          "hint: run `apt-get update` and check that apt can reach the Debian archive",
        ]);
      }
      file = await findDeb(debs, d.name);
      if (file === undefined) throw new LabError(`apt-get download wrote no ${d.name}_*.deb`);
    }
    files.push(file);
  }
  const stamp = `${root}/.kvmreq-unpacked`;
  const want = files.join("\n") + "\n";
  if ((await Deno.readTextFile(stamp).catch(() => "")) !== want) {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    await Deno.mkdir(root, { recursive: true });
    for (const f of files) {
      await run("dpkg-deb", ["-x", `${debs}/${f}`, root], { log: `${c.logs}/unpack.log` });
    }
    await Deno.writeTextFile(stamp, want);
  }
  return files;
}

/** The directory libtraceevent loads its plugins from (compiled into the library). */
export const PLUGIN_DIR = "/usr/lib/x86_64-linux-gnu/traceevent/plugins";

/** Library directories of the unpacked tree, searched in this order (the loader's defaults). */
const LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib"];

/**
 * The host path of `path` inside the tree `root`, symbolic links followed
 * inside the tree (an absolute link target is taken relative to `root`, as
 * the guest will see it, not the host's own file).
 */
export async function resolveIn(root: string, path: string): Promise<string> {
  let p = path;
  for (let hops = 0; hops < 40; hops++) {
    const info = await Deno.lstat(`${root}${p}`);
    if (!info.isSymlink) return `${root}${p}`;
    const target = await Deno.readLink(`${root}${p}`);
    p = target.startsWith("/") ? target : `${p.slice(0, p.lastIndexOf("/"))}/${target}`;
  }
  throw new LabError(`${path}: too many symbolic links in ${root}`);
}

/** The NEEDED sonames in `readelf -d` output. */
export function neededOf(readelfDynamic: string): string[] {
  return [...readelfDynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) =>
    m[1]
  );
}

/** The program interpreter in `readelf -l` output (undefined for a static or shared object). */
export function interpreterOf(readelfProgram: string): string | undefined {
  return /\[Requesting program interpreter: ([^\]]+)\]/.exec(readelfProgram)?.[1];
}

/**
 * Every file the guest needs to run trace-cmd from the unpacked tree
 * `root`: the binary, the plugins, and the closure of their NEEDED
 * libraries and the interpreter, each at the path the loader looks for it.
 * Throws a {@link LabError} naming a library no package provides.
 */
export async function traceCmdGuestFiles(root: string): Promise<GuestFile[]> {
  const start = ["/usr/bin/trace-cmd"];
  for await (const e of Deno.readDir(`${root}${PLUGIN_DIR}`)) {
    if (e.name.endsWith(".so")) start.push(`${PLUGIN_DIR}/${e.name}`);
  }
  const out = new Map<string, GuestFile>();
  const queue = [...start.sort()];
  const add = async (dst: string) => {
    if (out.has(dst)) return;
    out.set(dst, { src: await resolveIn(root, dst), dst });
    queue.push(dst);
  };
  for (const s of start) out.set(s, { src: await resolveIn(root, s), dst: s });
  while (queue.length > 0) {
    const f = queue.shift()!;
    const file = `${root}${f}`;
    const interp = interpreterOf(await run("readelf", ["-lW", file], { capture: true }));
    if (interp !== undefined) {
      if (!(await exists(`${root}${interp}`))) {
        throw new LabError(`${f} needs the interpreter ${interp}, which no package provides`);
      }
      await add(interp);
    }
    for (const so of neededOf(await run("readelf", ["-dW", file], { capture: true }))) {
      let found: string | undefined;
      for (const d of LIB_DIRS) {
        if (await exists(`${root}${d}/${so}`)) {
          found = `${d}/${so}`;
          break;
        }
      }
      if (found === undefined) {
        throw new LabError(`${f} needs ${so}, which none of the downloaded packages has`, [
          `packages: ${TRACE_CMD_DEBS.map((d) => d.name).join(" ")}`,
        ]);
      }
      await add(found);
    }
  }
  return [...out.values()].sort((a, b) => (a.dst < b.dst ? -1 : 1));
}
