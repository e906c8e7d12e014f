/// <reference lib="dom" />
/**
 * Browser code of the report page: per-vCPU statistics cards (requests,
 * kicks, IPIs, entries, time in each mode, latency histograms as SVG). A
 * page module (see `page_helpers.ts`).
 *
 * @module
 */

import type { LatencyData, ReportData, StatsData } from "../report_model.ts";
import type { PageHelpers } from "./page_helpers.ts";

/** What {@link pageStats} gives. */
export interface PageStats {
  /** Fills `#stats`. */
  renderStats(): void;
}

/** The statistics cards (browser code, inlined into the page). */
export function pageStats(data: ReportData, h: PageHelpers): PageStats {
  const el = h.el;
  const svgEl = h.svgEl;
  const fmtCount = h.fmtCount;
  const fmtDur = h.fmtDur;

  function histogram(lat: LatencyData): HTMLElement {
    const wrap = el("div", "histogram");
    wrap.appendChild(
      el(
        "div",
        "quantiles",
        "n=" + fmtCount(lat.count) + " \u00b7 p50 " + fmtDur(lat.p50) + " \u00b7 p99 " +
          fmtDur(lat.p99) + " \u00b7 max " + fmtDur(lat.max),
      ),
    );
    if (lat.bins.length === 0) return wrap;
    const w = 260;
    const hgt = 60;
    const svg = svgEl("svg", {
      width: w,
      height: hgt + 14,
      viewBox: "0 0 " + w + " " + (hgt + 14),
      role: "img",
    });
    let max = 0;
    lat.bins.forEach(function (b) {
      max = Math.max(max, b[2]);
    });
    const bw = w / lat.bins.length;
    lat.bins.forEach(function (b, i) {
      const bh = max === 0 ? 0 : Math.max(b[2] > 0 ? 1 : 0, (b[2] / max) * hgt);
      const r = svgEl("rect", {
        x: i * bw + 1,
        y: hgt - bh,
        width: Math.max(1, bw - 2),
        height: bh,
        fill: "#4a7fd0",
      });
      const title = svgEl("title", {});
      title.textContent = fmtDur(b[0]) + " \u2013 " + fmtDur(b[1]) + ": " + fmtCount(b[2]);
      r.appendChild(title);
      svg.appendChild(r);
    });
    const lo = svgEl("text", { x: 0, y: hgt + 12, "font-size": 10, fill: "#495057" });
    lo.textContent = fmtDur(lat.bins[0][0]);
    const hi = svgEl("text", {
      x: w,
      y: hgt + 12,
      "font-size": 10,
      fill: "#495057",
      "text-anchor": "end",
    });
    hi.textContent = fmtDur(lat.bins[lat.bins.length - 1][1]);
    svg.appendChild(lo);
    svg.appendChild(hi);
    wrap.appendChild(svg);
    return wrap;
  }

  function pairList(pairs: readonly (readonly [string, number])[]): HTMLElement {
    if (pairs.length === 0) return el("span", "none", "none");
    const ul = el("ul", "pairs");
    pairs.forEach(function (p) {
      const li = el("li");
      li.appendChild(el("span", "k", p[0]));
      li.appendChild(el("span", "v", fmtCount(p[1])));
      ul.appendChild(li);
    });
    return ul;
  }

  function modeBar(s: StatsData, ticks: boolean): HTMLElement {
    let total = 0;
    s.timeInMode.forEach(function (p) {
      total += p[1];
    });
    const box = el("div", "mode-time");
    if (total === 0 || ticks) {
      box.appendChild(el("span", "none", ticks ? "(counter clock)" : "none"));
      return box;
    }
    const bar = el("div", "mode-bar");
    const ul = el("ul", "pairs");
    s.timeInMode.forEach(function (p) {
      const idx = data.states.indexOf(
        p[0] === "OUTSIDE_GUEST_MODE"
          ? "OUTSIDE"
          : p[0] === "IN_GUEST_MODE"
          ? "IN_GUEST"
          : p[0] === "EXITING_GUEST_MODE"
          ? "EXITING"
          : p[0],
      );
      const seg = el("span", "seg");
      seg.style.width = (100 * p[1] / total).toFixed(3) + "%";
      seg.style.background = h.STATE_COLORS[idx] || "#ced4da";
      seg.title = p[0] + ": " + fmtDur(p[1]);
      bar.appendChild(seg);
      const li = el("li");
      li.appendChild(el("span", "k", p[0]));
      li.appendChild(
        el("span", "v", fmtDur(p[1]) + " (" + (100 * p[1] / total).toFixed(1) + "%)"),
      );
      ul.appendChild(li);
    });
    box.appendChild(bar);
    box.appendChild(ul);
    return box;
  }

  function renderStats(): void {
    const box = h.byId("stats");
    box.replaceChildren();
    data.files.forEach(function (file) {
      if (data.files.length > 1) box.appendChild(el("h3", "file-name", file.path));
      const grid = el("div", "stats-grid");
      file.rows.forEach(function (row) {
        const s = row.stats;
        const card = el("section", "vcpu-stats");
        card.appendChild(
          el(
            "h4",
            null,
            (row.vm !== "0" ? "VM " + row.vm + " " : "") + "vCPU " + row.vcpu +
              (row.thread ? " \u00b7 " + row.thread : ""),
          ),
        );
        const dl = el("dl");
        h.dlRow(dl, "Requests made", pairList(s.requestsMade));
        h.dlRow(dl, "Requests served", pairList(s.requestsServed));
        h.dlRow(dl, "Kicks by action", pairList(s.kicks));
        h.dlRow(
          dl,
          "IPIs",
          fmtCount(s.ipisSent) + " sent, " + fmtCount(s.ipisCoalesced) +
            " coalesced (kick found EXITING_GUEST_MODE)",
        );
        h.dlRow(dl, "Guest entries / exits", fmtCount(s.entries) + " / " + fmtCount(s.exits));
        h.dlRow(dl, "Time in mode", modeBar(s, file.timeUnit === "ticks"));
        h.dlRow(dl, "Service latency (made \u2192 consumed)", histogram(s.serviceLatency));
        h.dlRow(dl, "Kick-to-exit latency", histogram(s.kickToExit));
        card.appendChild(dl);
        grid.appendChild(card);
      });
      box.appendChild(grid);
    });
  }

  return { renderStats };
}
