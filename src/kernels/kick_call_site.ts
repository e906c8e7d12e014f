/**
 * From a stack or a `%pS` call site to "what was this kick for": the kick
 * frames of a stack, the call site below them, and the verdict the
 * kick-site table gives it for the trace's kernel version.
 *
 * @module
 */

import type { KernelVersion } from "./kernel_version.ts";
import { type KickKind, type KickSite, kickSiteRows } from "./kick_sites.ts";
import { FAN_OUT_FUNCTIONS, KICK_FUNCTIONS, WEAK_KICK_FUNCTIONS } from "./kick_shapes.ts";

const KICK_SET: ReadonlySet<string> = new Set(KICK_FUNCTIONS);
const WEAK_SET: ReadonlySet<string> = new Set(WEAK_KICK_FUNCTIONS);
const FAN_OUT_SET: ReadonlySet<string> = new Set(FAN_OUT_FUNCTIONS);

/**
 * Reduces a stack frame or `%pS` text to a function name: drops a leading
 * `=>`, `+0x5a/0x90` offsets, ` [module]` and ` (address)` suffixes, and
 * compiler clone suffixes (`.constprop.0`, `.isra.0`, `.part.0`, `.cold`).
 */
export function normalizeFrame(frame: string): string {
  return frame.trim()
    .replace(/^=>\s*/, "")
    .replace(/\s+\[[^\]]*\]\s*$/, "")
    .replace(/\s+\([^)]*\)\s*$/, "")
    .replace(/\s+\[[^\]]*\]\s*$/, "")
    .replace(/\+0x[0-9a-f]+(\/0x[0-9a-f]+)?$/i, "")
    .replace(/(\.(constprop|isra|part|cold|llvm)(\.\d+)?)+$/, "")
    .trim();
}

/** True when `fn` (a normalized frame) is a kick or fan-out function itself. */
export function isKickFunction(fn: string): boolean {
  return KICK_SET.has(fn);
}

/** Returns the kick site row of `version` for a frame (`kvm_arch_memslots_updated+0x5a/0x90`). */
export function lookupKickSite(frame: string, version: KernelVersion): KickSite | undefined {
  return kickSiteRows(version).get(normalizeFrame(frame));
}

/** Where a stack's kick was called from. */
export interface KickCallSite {
  /** Index of the outermost consecutive kick frame. */
  readonly kickFrameIndex: number;
  /** Its function name (e.g. `__kvm_vcpu_kick`, `kvm_make_all_cpus_request`). */
  readonly kickFunction: string;
  /** The kick frames, innermost first. */
  readonly chain: readonly string[];
  /** True when the chain goes through a fan-out (the fan-out makes the request itself). */
  readonly fanOut: boolean;
  /** Function of the first frame outside the kick, `undefined` if the stack ends first. */
  readonly callSite: string | undefined;
  /** Index of that frame, `undefined` with it. */
  readonly callSiteIndex: number | undefined;
  /** The call site's row, if it is a known kick site. */
  readonly site: KickSite | undefined;
}

/**
 * Finds the kick in a stack given innermost frame first (as ftrace prints
 * `<stack trace>`), and the frame just outside the last consecutive kick
 * frame: that frame is the call site. Returns `undefined` when no kick
 * function is in the stack.
 */
export function findKickCallSite(
  stack: readonly string[],
  version: KernelVersion,
): KickCallSite | undefined {
  const rows = kickSiteRows(version);
  const names = stack.map(normalizeFrame);
  const isKickFrame = (i: number): boolean => {
    if (KICK_SET.has(names[i])) return true;
    if (!WEAK_SET.has(names[i]) || i + 1 >= names.length) return false;
    const outer = names[i + 1];
    return KICK_SET.has(outer) || rows.has(outer);
  };
  const first = names.findIndex((_, i) => isKickFrame(i));
  if (first < 0) return undefined;
  let last = first;
  while (last + 1 < names.length && isKickFrame(last + 1)) last++;
  const callSiteIndex = last + 1 < names.length ? last + 1 : undefined;
  const callSite = callSiteIndex === undefined ? undefined : names[callSiteIndex];
  const chain = names.slice(first, last + 1);
  return {
    kickFrameIndex: last,
    kickFunction: names[last],
    chain,
    fanOut: chain.some((fn) => FAN_OUT_SET.has(fn)),
    callSite,
    callSiteIndex,
    site: callSite === undefined ? undefined : rows.get(callSite),
  };
}

/** How one observed kick from a site is classified. */
export interface KickClass {
  /** Seed-document class. */
  readonly kind: KickKind;
  /** Request made before it, `null` when none or unknown (caller-supplied). */
  readonly request: string | null;
}

/**
 * Classifies a kick seen at `site` through `kickFunction`: a posted-interrupt
 * site that kicked with the plain kick took its fallback path, i.e. made
 * `fallbackRequest` first; otherwise the row's own kind and request apply.
 */
export function classifyKick(site: KickSite, kickFunction: string): KickClass {
  const fn = normalizeFrame(kickFunction);
  const plainKick = fn === "__kvm_vcpu_kick" || fn === "kvm_vcpu_kick";
  if (site.kind === "posted-interrupt" && site.fallbackRequest && plainKick) {
    return { kind: "request", request: site.fallbackRequest };
  }
  return { kind: site.kind, request: site.requestFirst };
}

/**
 * What kvmreq makes of a kick that no traced request accompanies, by its call
 * site: `request` (the site makes a request first, or the kick is a fan-out,
 * which sets the bit itself), `intentional` (a request-less kick the kernel
 * means, with the reason), `unsafe` (a known bad pattern), or `unknown`.
 */
export type KickVerdict =
  | { readonly verdict: "request"; readonly request: string | null; readonly row?: KickSite }
  | { readonly verdict: "intentional"; readonly reason: string; readonly row: KickSite }
  | { readonly verdict: "unsafe"; readonly reason: string; readonly row: KickSite }
  | { readonly verdict: "unknown" };

/**
 * The verdict for a kick from `site` (a function name or `%pS` text) through
 * `kickFunction` in kernel `version`; `fanOut` when the kick went through
 * kvm_make_all_cpus_request() or kvm_make_vcpus_request_mask().
 */
export function kickVerdict(
  site: string | undefined,
  kickFunction: string | undefined,
  version: KernelVersion,
  fanOut = false,
): KickVerdict {
  if (fanOut) return { verdict: "request", request: null };
  const row = site === undefined ? undefined : lookupKickSite(site, version);
  if (row === undefined) return { verdict: "unknown" };
  const cls = classifyKick(row, kickFunction ?? "");
  if (cls.kind === "request") return { verdict: "request", request: cls.request, row };
  if (row.policy === undefined) return { verdict: "unknown" };
  return row.policy.verdict === "unsafe"
    ? { verdict: "unsafe", reason: row.policy.reason, row }
    : { verdict: "intentional", reason: row.policy.reason, row };
}
