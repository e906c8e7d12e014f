/**
 * Where the lab keeps what it downloads and builds:
 * `${KVMREQ_LAB_CACHE:-$HOME/.cache/kvmreq-lab}`.
 *
 * @module
 */

/** Paths inside the lab cache. */
export interface LabCache {
  /** The cache's root. */
  readonly root: string;
  /** Downloaded `.deb` files. */
  readonly debs: string;
  /** Unpacked packages, one directory per package (`dpkg-deb -x`). */
  readonly pkg: string;
  /** The unpacked, prepared kernel source (never patched). */
  readonly prepared: string;
  /** Patched trees, one per series key (hard-linked copies of `prepared`). */
  readonly builds: string;
  /** Built modules, one directory per series key. */
  readonly modules: string;
  /** Built workloads and guest images. */
  readonly guest: string;
  /** Command logs. */
  readonly logs: string;
  /** Scratch space of one run. */
  readonly runs: string;
}

/** The cache at `root` (default: `KVMREQ_LAB_CACHE`, else `$HOME/.cache/kvmreq-lab`). */
export function labCache(root = defaultCacheRoot()): LabCache {
  return {
    root,
    debs: `${root}/debs`,
    pkg: `${root}/pkg`,
    prepared: `${root}/src/linux-prepared`,
    builds: `${root}/build`,
    modules: `${root}/modules`,
    guest: `${root}/guest`,
    logs: `${root}/logs`,
    runs: `${root}/runs`,
  };
}

/** `KVMREQ_LAB_CACHE`, else `$HOME/.cache/kvmreq-lab`. */
export function defaultCacheRoot(): string {
  const env = Deno.env.get("KVMREQ_LAB_CACHE");
  if (env !== undefined && env !== "") return env;
  return `${Deno.env.get("HOME") ?? "/root"}/.cache/kvmreq-lab`;
}

/** Creates the cache's directories. */
export async function makeCacheDirs(c: LabCache): Promise<void> {
  for (const d of [c.debs, c.pkg, c.builds, c.modules, c.guest, c.logs, c.runs]) {
    await Deno.mkdir(d, { recursive: true });
  }
  await Deno.mkdir(`${c.root}/src`, { recursive: true });
}
