/**
 * Requests as the model sees them: a `req=`/`nr=`/`flags=` triple from a
 * trace resolved against the request table of the trace's kernel into a
 * number, a name and flags, with any inconsistency kept as a problem for the
 * `unknown-request` rule.
 *
 * A name the table does not know but that the trace prints with its bit
 * number is taken from the trace: a kernel's tracepoints print its own
 * request names (`__print_symbolic` over its #defines), so a newer or patched
 * kernel's request is not "unknown" just because kvmreq's table is older. The
 * trace must then use that name for one bit only.
 *
 * @module
 */

import type { RequestRef } from "../events/protocol.ts";
import { NEWEST_REQUESTS } from "../kernels/request_defs.ts";
import { NO_FLAGS, parseFlags, type RequestTable } from "../kernels/request_table.ts";

/** A request resolved against the table. */
export interface ResolvedRequest {
  /** The text as printed (`KVM_REQ_TLB_FLUSH`, `8`, `0x00000300`). */
  readonly text: string;
  /** Bit number, `undefined` when it cannot be told. */
  readonly nr: number | undefined;
  /** Request name, `undefined` when neither the table nor the trace names the number. */
  readonly name: string | undefined;
  /** KVM_REQUEST_WAIT. */
  readonly wait: boolean;
  /** KVM_REQUEST_NO_WAKEUP. */
  readonly noWakeup: boolean;
  /** KVM_REQUEST_NO_ACTION (no bit is set on the target). */
  readonly noAction: boolean;
  /**
   * The request makes a halted vCPU runnable by itself (the table's
   * `wakesHalted`); `true` for requests the table does not know, so that no
   * rule relaxes a check on a request it cannot judge.
   */
  readonly wakesHalted: boolean;
  /** The table knows this request and its flags, or the trace names it consistently. */
  readonly known: boolean;
  /** Where the name came from: the kernel version's table, or the trace itself. */
  readonly source: "table" | "trace" | undefined;
  /** Why it is not fully known (unknown name, number, flags, `nr=` mismatch). */
  readonly problem: string | undefined;
}

/** The name of the request that marks a VM dead. */
export const KVM_REQ_VM_DEAD = "KVM_REQ_VM_DEAD";

/** The name of the request that waits until targets are outside guest mode. */
export const KVM_REQ_OUTSIDE_GUEST_MODE = "KVM_REQ_OUTSIDE_GUEST_MODE";

/**
 * A resolver for one trace, against `table`, with its own memo (traces
 * repeat a few requests millions of times) and the request names the trace
 * has printed so far; each model owns one, so there is no shared state.
 */
export function createRequestResolver(
  table: RequestTable = NEWEST_REQUESTS,
): (ref: RequestRef) => ResolvedRequest {
  const cache = new Map<string, ResolvedRequest>();
  const traceNames = new Map<string, number>();
  return (ref) => {
    const key = `${ref.req}\u0000${ref.nr ?? ""}\u0000${ref.flags ?? ""}`;
    let r = cache.get(key);
    if (r === undefined) {
      r = resolveRequestRef(ref, table, traceNames);
      if (cache.size < 4096) cache.set(key, r);
    }
    return r;
  };
}

/**
 * Resolves `ref` against `table`. `traceNames` (name → bit) collects the
 * names the trace printed that the table does not know; pass the same map
 * for every event of one trace.
 */
export function resolveRequestRef(
  ref: RequestRef,
  table: RequestTable = NEWEST_REQUESTS,
  traceNames: Map<string, number> = new Map(),
): ResolvedRequest {
  const res = table.resolve(ref.req, ref.nr, ref.flags);
  if (!res.ok) {
    const learned = traceNames.get(ref.req.trim());
    if (learned !== undefined && ref.nr === undefined) {
      return fromTrace(ref, learned);
    }
    return {
      text: ref.req,
      nr: ref.nr,
      name: undefined,
      wait: false,
      noWakeup: false,
      noAction: false,
      wakesHalted: true,
      known: false,
      source: undefined,
      problem: res.error,
    };
  }
  const def = res.name === undefined ? undefined : table.byName(res.name);
  if (!res.known && res.name !== undefined && def === undefined) {
    // A name the trace prints with its bit that this version's table lacks.
    const earlier = traceNames.get(res.name);
    if (earlier === undefined) traceNames.set(res.name, res.nr);
    const problem = earlier !== undefined && earlier !== res.nr
      ? `the trace printed ${res.name} as bit ${earlier} before, now as bit ${res.nr}`
      : res.mismatch ?? res.warning;
    return resolved(ref, res, true, "trace", problem);
  }
  const problem = res.mismatch ?? res.warning ??
    (res.known
      ? undefined
      : `request number ${res.nr} is not in the kernel ${table.version} request table`);
  const known = def ?? (res.name === undefined ? undefined : table.byName(res.name));
  const source = res.name === undefined ? undefined : "table";
  return resolved(ref, res, known?.wakesHalted ?? true, source, problem);
}

/** The {@link ResolvedRequest} of a table resolution `res`. */
function resolved(
  ref: RequestRef,
  res: Extract<ReturnType<RequestTable["resolve"]>, { ok: true }>,
  wakesHalted: boolean,
  source: ResolvedRequest["source"],
  problem: string | undefined,
): ResolvedRequest {
  return {
    text: ref.req,
    nr: res.nr,
    name: res.name,
    wait: res.flags.wait,
    noWakeup: res.flags.noWakeup,
    noAction: res.flags.noAction,
    wakesHalted,
    known: problem === undefined,
    source,
    problem,
  };
}

/** A name-only reference to a name the trace printed with its bit earlier. */
function fromTrace(ref: RequestRef, nr: number): ResolvedRequest {
  const parsed = parseFlags(ref.flags);
  const flags = parsed.ok ? parsed.flags : NO_FLAGS;
  return {
    text: ref.req,
    nr,
    name: ref.req.trim(),
    wait: flags.wait,
    noWakeup: flags.noWakeup,
    noAction: flags.noAction,
    wakesHalted: true,
    known: true,
    source: "trace",
    problem: undefined,
  };
}
