/// <reference lib="dom" />
/**
 * Browser code of the report page: the findings list (filter by rule, keys
 * to move), and choosing a finding — it is selected, the timeline zooms to
 * its evidence and the evidence panel shows its lines. A page module (see
 * `page_helpers.ts`).
 *
 * @module
 */

import type { EvidenceData, ReportData } from "../report_model.ts";
import type { PageDraw } from "./page_draw.ts";
import type { PageHelpers } from "./page_helpers.ts";
import type { PageTimeline } from "./page_timeline.ts";

/** What {@link pageFindings} gives. */
export interface PageFindings {
  /** Fills `#findings` and the rule filter. */
  renderFindings(): void;
  /** Chooses finding `i` (`fromList`: the list has the focus). */
  selectFinding(i: number, fromList: boolean): void;
}

/** The findings list and the evidence panel (browser code, inlined into the page). */
export function pageFindings(
  data: ReportData,
  h: PageHelpers,
  draw: PageDraw,
  tl: PageTimeline,
): PageFindings {
  const el = h.el;
  const byId = h.byId;

  function renderFindings(): void {
    const list = byId("findings");
    list.replaceChildren();
    byId("finding-count").textContent = String(data.findings.length);
    data.findings.forEach(function (f, i) {
      const li = el("li", "finding sev-" + f.severity);
      li.id = "finding-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.tabIndex = -1;
      li.setAttribute("data-index", String(i));
      li.setAttribute("data-rule", f.rule);
      const head = el("div", "finding-head");
      head.appendChild(el("span", "badge " + f.severity, f.severity));
      head.appendChild(el("span", "rule-id", f.rule));
      const where = (data.files.length > 1 ? data.files[f.file].path + " \u00b7 " : "") +
        (f.vcpu === null ? "vCPU ?" : (f.vm !== "0" ? "VM " + f.vm + " " : "") + "vCPU " + f.vcpu) +
        " \u00b7 line " + f.line + " \u00b7 " + f.ts;
      head.appendChild(el("span", "where", where));
      li.appendChild(head);
      li.appendChild(el("div", "message", f.message));
      li.addEventListener("click", function () {
        selectFinding(i, true);
      });
      list.appendChild(li);
    });
    list.addEventListener("keydown", function (ev) {
      if (tl.view.selected < 0) return;
      const visible = Array.prototype.filter.call(list.children, function (li: HTMLElement) {
        return !li.hidden;
      }) as HTMLElement[];
      const current = document.getElementById("finding-" + tl.view.selected);
      const at = current ? visible.indexOf(current) : -1;
      const next = ev.key === "ArrowDown" ? at + 1 : ev.key === "ArrowUp" ? at - 1 : -2;
      if (next === -2 || next < 0 || next >= visible.length) return;
      ev.preventDefault();
      selectFinding(Number(visible[next].getAttribute("data-index")), true);
    });
    const filter = byId("rule-filter") as HTMLSelectElement;
    const rules: Record<string, number> = {};
    data.findings.forEach(function (f) {
      rules[f.rule] = (rules[f.rule] || 0) + 1;
    });
    Object.keys(rules).sort().forEach(function (r) {
      const o = el("option", null, r + " (" + rules[r] + ")");
      o.value = r;
      filter.appendChild(o);
    });
    filter.addEventListener("change", function () {
      Array.prototype.forEach.call(list.children, function (li: HTMLElement) {
        li.hidden = filter.value !== "" && li.getAttribute("data-rule") !== filter.value;
      });
    });
    if (data.findings.length === 0) {
      list.appendChild(el("li", "no-findings", "No findings."));
    }
  }

  function showEvidence(i: number): void {
    const f = data.findings[i];
    const box = byId("evidence");
    box.replaceChildren();
    const title = el("h3", "evidence-title");
    title.appendChild(el("span", "badge " + f.severity, f.severity));
    title.appendChild(el("span", "rule-id", f.rule));
    box.appendChild(title);
    if (data.rules[f.rule]) box.appendChild(el("p", "rule-description", data.rules[f.rule]));
    box.appendChild(el("p", "evidence-message", f.message));
    box.appendChild(
      el(
        "p",
        "seed",
        "Seed section" + (f.seeds.length > 1 ? "s" : "") + ": \u201c" +
          f.seeds.join("\u201d, \u201c") + "\u201d (Documentation/virt/kvm/vcpu-requests.rst)",
      ),
    );
    if (f.note) box.appendChild(el("p", "confidence", "Confidence lowered: " + f.note));
    const path = data.files[f.file].path;
    function line(e: EvidenceData, cls: string): HTMLElement {
      const li = el("li", cls);
      li.appendChild(el("span", "ln", path + ":" + e.line));
      const body = el("div", "body");
      body.appendChild(el("code", "text", e.text));
      if (e.stack && e.stack.length > 0) {
        const st = el("ol", "stack");
        st.setAttribute("aria-label", "stack trace, innermost first");
        e.stack.forEach(function (frame) {
          st.appendChild(el("li", "frame", frame));
        });
        body.appendChild(st);
      }
      li.appendChild(body);
      return li;
    }
    const ol = el("ol", "evidence-lines");
    f.evidence.forEach(function (e) {
      ol.appendChild(line(e, "evidence-line"));
    });
    box.appendChild(ol);
    const around = f.context;
    if (around.before.length + around.after.length > 0) {
      box.appendChild(
        el("h4", "context-title", "Around it: its threads' scheduling and guest exits"),
      );
      const cl = el("ol", "context-lines");
      around.before.forEach(function (e) {
        cl.appendChild(line(e, "context-line"));
      });
      const here = el("li", "context-here", "\u25b6 line " + f.line + ": the finding");
      cl.appendChild(here);
      around.after.forEach(function (e) {
        cl.appendChild(line(e, "context-line"));
      });
      box.appendChild(cl);
    }
    if (f.moreEvidence > 0) {
      box.appendChild(
        el(
          "p",
          "more",
          f.moreEvidence + " more evidence line(s) not shown; kvmreq lint lists them.",
        ),
      );
    }
  }

  function selectFinding(i: number, fromList: boolean): void {
    const prev = document.getElementById("finding-" + tl.view.selected);
    if (prev) {
      prev.setAttribute("aria-selected", "false");
      prev.classList.remove("selected");
    }
    tl.setSelected(i);
    const li = byId("finding-" + i);
    li.setAttribute("aria-selected", "true");
    li.classList.add("selected");
    byId("findings").setAttribute("aria-activedescendant", li.id);
    if (fromList) li.focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
    const f = data.findings[i];
    showEvidence(i);
    if (f.file !== tl.view.file) tl.showFile(f.file);
    let lo = f.t;
    let hi = f.t;
    f.evidence.forEach(function (e) {
      if (e.t === null) return;
      lo = Math.min(lo, e.t);
      hi = Math.max(hi, e.t);
    });
    const pad = Math.max((hi - lo) * 0.25, 2000);
    tl.setView(lo - pad, hi + pad);
    if (f.row >= 0) {
      const scroller = byId("timeline-scroll");
      const top = draw.AXIS_H + f.row * draw.ROW_H;
      if (
        top < scroller.scrollTop || top + draw.ROW_H > scroller.scrollTop + scroller.clientHeight
      ) {
        scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
      }
    }
  }

  return { renderFindings, selectFinding };
}
