/**
 * Requests as the model sees them: a `req=`/`nr=`/`flags=` triple from a
 * trace resolved against the request table into a number, a name and flags,
 * with any inconsistency kept as a problem for the `unknown-request` rule.
 *
 * @module
 */

import type { RequestRef } from "../events/protocol.ts";
import { resolveRequest } from "./request_table.ts";

/** A request resolved against the table. */
export interface ResolvedRequest {
  /** The text as printed (`KVM_REQ_TLB_FLUSH`, `8`, `0x00000300`). */
  readonly text: string;
  /** Bit number, `undefined` when it cannot be told. */
  readonly nr: number | undefined;
  /** Request name, `undefined` when the table does not know the number. */
  readonly name: string | undefined;
  /** KVM_REQUEST_WAIT. */
  readonly wait: boolean;
  /** KVM_REQUEST_NO_WAKEUP. */
  readonly noWakeup: boolean;
  /** KVM_REQUEST_NO_ACTION (no bit is set on the target). */
  readonly noAction: boolean;
  /** The table knows this request and its flags. */
  readonly known: boolean;
  /** Why it is not fully known (unknown name, number, flags, `nr=` mismatch). */
  readonly problem: string | undefined;
}

/** The name of the request that marks a VM dead. */
export const KVM_REQ_VM_DEAD = "KVM_REQ_VM_DEAD";

/** The name of the request that waits until targets are outside guest mode. */
export const KVM_REQ_OUTSIDE_GUEST_MODE = "KVM_REQ_OUTSIDE_GUEST_MODE";

/**
 * A resolver with its own memo (traces repeat a few requests millions of
 * times); each model owns one, so there is no shared state.
 */
export function createRequestResolver(): (ref: RequestRef) => ResolvedRequest {
  const cache = new Map<string, ResolvedRequest>();
  return (ref) => {
    const key = `${ref.req}\u0000${ref.nr ?? ""}\u0000${ref.flags ?? ""}`;
    let r = cache.get(key);
    if (r === undefined) {
      r = resolveRequestRef(ref);
      if (cache.size < 4096) cache.set(key, r);
    }
    return r;
  };
}

/** Resolves `ref` against the request table. */
export function resolveRequestRef(ref: RequestRef): ResolvedRequest {
  const res = resolveRequest(ref.req, ref.nr, ref.flags);
  if (!res.ok) {
    return {
      text: ref.req,
      nr: ref.nr,
      name: undefined,
      wait: false,
      noWakeup: false,
      noAction: false,
      known: false,
      problem: res.error,
    };
  }
  const problem = res.mismatch ?? res.warning ??
    (res.known ? undefined : `request number ${res.nr} is not in the request table`);
  return {
    text: ref.req,
    nr: res.nr,
    name: res.name,
    wait: res.flags.wait,
    noWakeup: res.flags.noWakeup,
    noAction: res.flags.noAction,
    known: problem === undefined,
    problem,
  };
}
