/**
 * `request-less-kick` — a kick not paired with a request, judged by its call
 * site.
 *
 * Seed, "Request-less VCPU Kicks": whether a kick sends an IPI is decided by
 * the Dekker pattern that pairs `vcpu->mode` with `vcpu->requests`. A kick
 * with no request behind it has no final `kvm_request_pending()` check to fall
 * back on: if the vCPU was just about to write IN_GUEST_MODE, the kick sends
 * no IPI and the vCPU enters the guest without doing what the kick was for.
 * The seed says such kicks are "almost never correct" — and the kernel has
 * some it means: x86's kvm_arch_memslots_updated() and
 * kvm_arch_sync_dirty_log(), posted-interrupt and AVIC delivery. So the
 * verdict depends on the call site (src/kernels/kick_sites.ts, per kernel
 * version):
 *
 * - a site the table knows as intentionally request-less: `info`, with the
 *   reason and the source it rests on;
 * - a site the table knows as unsafe: `error`;
 * - a site the table says makes a request first, kicked with no request
 *   traced (protocol traces only): `error` — the kernel did not do what its
 *   source does, or the request's event was lost;
 * - an unknown site (or none): `warning`, unless the trace shows the kick's
 *   work was lost — the kick read OUTSIDE_GUEST_MODE and did nothing, and
 *   the vCPU then wrote IN_GUEST_MODE, found no request in its final check
 *   and entered the guest without leaving the kernel (the seed's own
 *   scenario): then `error`.
 *
 * Protocol traces: a `kvm_vcpu_kick` of V by thread T (not `action=self`, not
 * inside a kvm_make_all_cpus_request()) when T made no request of V since its
 * previous kick of V, and no `kvm_posted_interrupt` of V by T came since.
 * Stock traces: kicks recovered from stacks and IPI events; a kick through a
 * fan-out or an ack_kick IPI makes its request itself.
 * `allowedKickSites` (kvmreq.json) silences a site.
 *
 * @module
 */

import type { ModelEvent } from "../events/model_event.ts";
import { isKickFunction, kickVerdict, normalizeFrame } from "../kernels/kick_call_site.ts";
import { KICK_SHAPES } from "../kernels/kick_shapes.ts";
import type { KickSite } from "../kernels/kick_sites.ts";
import { vcpuLabel, who } from "./describe.ts";
import { defineRule, type Rule, type RuleContext } from "./rule.ts";
import { VcpuMap } from "./vcpu_map.ts";

/** `arch/x86/kvm/x86.c, 6.12 and 6.18`: where the row was read. */
function cite(row: KickSite): string {
  return `${row.file}, ${row.versions.join(" and ")}`;
}

/** A request-less kick from an unknown site that found its vCPU outside guest mode. */
interface Suspect {
  readonly kick: ModelEvent;
  readonly message: string;
  inWrite: ModelEvent | undefined;
  check: ModelEvent | undefined;
}

function siteOf(site: string | undefined): string | undefined {
  if (site === undefined) return undefined;
  const fn = normalizeFrame(site);
  return fn === "" || isKickFunction(fn) ? undefined : fn;
}

function allowed(ctx: RuleContext, site: string | undefined): boolean {
  if (site === undefined) return false;
  const fn = normalizeFrame(site);
  return ctx.options.allowedKickSites.some((s) => site.startsWith(s) || fn === s);
}

/** The rule. */
export const requestLessKick: Rule = defineRule({
  meta: {
    id: "request-less-kick",
    severity: "error",
    seedSections: ["Request-less VCPU Kicks"],
    description: "a kick of a vCPU by a thread that made no request of it first",
    help: "A kick without a request relies on an IPI alone; if the vCPU is between its final " +
      "kvm_request_pending() check and guest entry, no IPI is sent and the kick is lost. Make a " +
      "request (kvm_make_request) before kvm_vcpu_kick(), or use posted-interrupt semantics. " +
      "Call sites the kernel means to kick without a request are info, unknown ones warnings; " +
      "an error is a kick the trace shows was lost, or one from a site known to need a request.",
    reads: [
      "kvm_vcpu_mode",
      "kvm_request_pending",
      "kvm_vcpu_block",
      "kvm_entry",
      "kvm_exit",
      "kvm_userspace_exit",
    ],
    needs: [["kvm_vcpu_kick"], ["stock-kick"]],
  },
  create(ctx) {
    const version = ctx.model.kernel.version;
    const suspects = new VcpuMap<Suspect>();
    const warn = (s: Suspect, why: string) =>
      ctx.report({
        vm: s.kick.body.kind === "kick" ? s.kick.body.vm : "0",
        vcpu: s.kick.body.kind === "kick" ? s.kick.body.vcpu : undefined,
        at: s.kick,
        severity: "warning",
        message: `${s.message}; ${why}`,
        evidence: [s.kick],
      });
    const settle = (vm: string, vcpu: number, why: string) => {
      const s = suspects.get(vm, vcpu);
      if (s === undefined) return;
      suspects.delete(vm, vcpu);
      warn(s, why);
    };
    return {
      kick(ev) {
        const b = ev.body;
        if (b.action === "self") return;
        const { model } = ctx;
        if (model.kickContext(b.vm, ev.origin.pid, b.vcpu).call !== undefined) return;
        const k = model.kicker(ev.origin.pid, b.vm, b.vcpu);
        if (k.requestSince !== undefined || k.postedSince !== undefined) return;
        if (allowed(ctx, b.site)) return;
        const site = siteOf(b.site);
        const since = k.lastKick === undefined ? "the trace began" : "its previous kick";
        const target = vcpuLabel(b.vm, b.vcpu);
        const from = site === undefined ? "" : ` from ${site}()`;
        const base = `${who(ev)} kicked ${target}${from} (action=${b.action}) without making a ` +
          `request of it since ${since}`;
        const evidence = k.lastKick === undefined ? [ev] : [k.lastKick, ev];
        const v = kickVerdict(site, KICK_SHAPES[version].kickFrame, version);
        if (v.verdict === "intentional") {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            severity: "info",
            message: `${base}: intentional: ${v.reason} (${cite(v.row)})`,
            evidence,
          });
        } else if (v.verdict === "unsafe") {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message: `${base}: a known unsafe pattern: ${v.reason} (${cite(v.row)})`,
            evidence,
          });
        } else if (v.verdict === "request" && v.row !== undefined && v.request !== null) {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            message: `${base}, but ${v.row.fn}() makes ${v.request} before it kicks ` +
              `(${cite(v.row)}): nothing is left for the final kvm_request_pending() check ` +
              `to see`,
            evidence,
          });
        } else {
          const message = `${base}; ${
            site === undefined
              ? "the kick names no call site"
              : `${site}() is not a known kick site`
          }`;
          const v = model.knownVcpu(b.vm, b.vcpu);
          const couldBeLost = b.action === "none" && b.mode === "OUTSIDE_GUEST_MODE" &&
            v?.blockedSince === undefined && v?.inGuest !== true;
          if (!couldBeLost) {
            ctx.report({ vm: b.vm, vcpu: b.vcpu, at: ev, severity: "warning", message, evidence });
            return;
          }
          settle(b.vm, b.vcpu, "a later kick superseded it");
          suspects.set(b.vm, b.vcpu, {
            kick: ev,
            message,
            inWrite: undefined,
            check: undefined,
          });
        }
      },
      mode(ev) {
        const b = ev.body;
        const s = suspects.get(b.vm, b.vcpu);
        if (s === undefined) return;
        if (
          s.inWrite === undefined && b.old === "OUTSIDE_GUEST_MODE" && b.new === "IN_GUEST_MODE"
        ) {
          s.inWrite = ev;
        } else if (s.inWrite !== undefined) {
          settle(b.vm, b.vcpu, "the vCPU did not enter the guest right after it");
        }
      },
      request_pending(ev) {
        const b = ev.body;
        const s = suspects.get(b.vm, b.vcpu);
        if (s === undefined || s.inWrite === undefined) return;
        if (b.pending !== 0n) settle(b.vm, b.vcpu, "the vCPU's final check found requests");
        else s.check = ev;
      },
      entry(ev) {
        const b = ev.body;
        const s = suspects.get(b.vm, b.vcpu);
        if (s === undefined) return;
        suspects.delete(b.vm, b.vcpu);
        if (s.inWrite === undefined) {
          warn(s, "the vCPU entered the guest without a traced IN_GUEST_MODE write");
          return;
        }
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: s.kick,
          message: `${s.message}: it read OUTSIDE_GUEST_MODE and did nothing, then ` +
            `${vcpuLabel(b.vm, b.vcpu)} wrote IN_GUEST_MODE, found no request in its final ` +
            `check and entered the guest, so whatever the kick was for was not done`,
          evidence: [s.kick, s.inWrite, ...(s.check === undefined ? [] : [s.check]), ev],
        });
      },
      exit(ev) {
        settle(ev.body.vm, ev.body.vcpu, "the vCPU left the guest before entering it again");
      },
      userspace_exit(ev) {
        settle(ev.body.vm, ev.body.vcpu, "the vCPU returned to userspace before entering");
      },
      block(ev) {
        settle(ev.body.vm, ev.body.vcpu, "the vCPU blocked before entering the guest");
      },
      stock_kick(ev) {
        const b = ev.body;
        if (allowed(ctx, b.site)) return;
        const target = b.vcpu !== undefined
          ? vcpuLabel(b.vm, b.vcpu)
          : b.targetPid !== undefined
          ? `thread ${b.targetPid} (not identified as a vCPU)`
          : `the vCPU on CPU ${b.targetCpu ?? "?"} (not identified)`;
        const how = b.action === "wake" ? "woke" : "sent an IPI to";
        // A fan-out sets the request bit itself (kvm_make_vcpu_request()), and an ack_kick IPI
        // comes from a fan-out or a waiting kvm_make_request_and_kick() (kick_shapes.ts).
        const v = kickVerdict(
          siteOf(b.site),
          b.kickFunction,
          version,
          b.fanOut || b.shape === "ack-kick",
        );
        if (v.verdict === "request") return;
        const from = b.site === undefined
          ? "an unknown call site"
          : `${siteOf(b.site) ?? b.site}()`;
        if (v.verdict === "unknown") {
          ctx.report({
            vm: b.vm,
            vcpu: b.vcpu,
            at: ev,
            severity: "warning",
            message: `${who(ev)} ${how} ${target} from ${from}, which the kernel ${version} ` +
              `kick-site table does not know: whether it makes a request first cannot be told ` +
              `from a stock trace`,
            evidence: [ev],
          });
          return;
        }
        ctx.report({
          vm: b.vm,
          vcpu: b.vcpu,
          at: ev,
          ...(v.verdict === "intentional" ? { severity: "info" as const } : {}),
          message: `${who(ev)} ${how} ${target} from ${v.row.fn}() without a request: ` +
            `${v.verdict === "intentional" ? "intentional" : "a known unsafe pattern"}: ` +
            `${v.reason} (${cite(v.row)})`,
          evidence: [ev],
        });
      },
      finish() {
        for (const s of suspects.values()) warn(s, "the trace ended before the vCPU entered again");
        suspects.clear();
      },
    };
  },
});
