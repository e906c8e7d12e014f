/// <reference lib="dom" />
/**
 * Browser code of the report page: start-up. Reads the embedded data, builds
 * the other page modules, fills every section and marks the body
 * `data-ready` (the browser tests wait for it). A page module (see
 * `page_helpers.ts`); `../page_script.ts` calls it last.
 *
 * @module
 */

import type { ReportData } from "../report_model.ts";
import { pageDraw } from "./page_draw.ts";
import { pageFindings } from "./page_findings.ts";
import { pageHelpers } from "./page_helpers.ts";
import { pageSeries } from "./page_series.ts";
import { pageStats } from "./page_stats.ts";
import { pageSummary } from "./page_summary.ts";
import { pageTimeline } from "./page_timeline.ts";

/** Starts the page (browser code, inlined into the page). */
export function pageMain(): void {
  const h = pageHelpers();
  const byId = h.byId;
  const data = JSON.parse(byId("kvmreq-data").textContent || "{}") as ReportData;
  const draw = pageDraw(h);
  const tl = pageTimeline(data, h, pageSeries(data), draw, function (fi) {
    findings.selectFinding(fi, false);
  });
  const findings = pageFindings(data, h, draw, tl);
  const summary = pageSummary(data, h);

  function placeEvidence(): void {
    byId("evidence").style.top = (byId("timeline-section").offsetHeight + 8) + "px";
  }

  byId("tool").textContent = data.tool.name + " " + data.tool.version;
  document.title = "kvmreq report: " + data.files.map(function (f) {
    return f.path;
  }).join(", ");
  const select = byId("file-select") as HTMLSelectElement;
  data.files.forEach(function (f, i) {
    const o = h.el("option", null, f.path);
    o.value = String(i);
    select.appendChild(o);
  });
  select.hidden = data.files.length < 2;
  select.addEventListener("change", function () {
    tl.showFile(Number(select.value));
  });
  byId("zoom-in").addEventListener("click", function () {
    tl.zoomBy(0.5);
  });
  byId("zoom-out").addEventListener("click", function () {
    tl.zoomBy(2);
  });
  byId("zoom-fit").addEventListener("click", function () {
    tl.fitView();
    tl.drawTimeline();
  });
  summary.renderSummary();
  summary.renderLegend();
  findings.renderFindings();
  pageStats(data, h).renderStats();
  tl.setup();
  if (data.files.length > 0) tl.showFile(0);
  else byId("timeline-section").hidden = true;
  placeEvidence();
  globalThis.addEventListener("resize", placeEvidence);
  document.body.setAttribute("data-ready", "true");
}
