/**
 * The report page's script, assembled from the page modules in `page/`.
 * Each is TypeScript that `deno check` and `deno lint` cover (against the
 * DOM's types), written as one factory function; the page gets each
 * function's own source text (`Function.prototype.toString`, which is the
 * JavaScript Deno compiled it to: types gone, code as written), declared
 * under its own name inside one strict-mode function, then `pageMain()`.
 * A page module may therefore use, besides its parameters and browser
 * globals, only the other factories listed here — a test checks that the
 * modules import nothing else but types.
 *
 * @module
 */

import { pageDraw } from "./page/page_draw.ts";
import { pageFindings } from "./page/page_findings.ts";
import { pageHelpers } from "./page/page_helpers.ts";
import { pageMain } from "./page/page_main.ts";
import { pageSeries } from "./page/page_series.ts";
import { pageStats } from "./page/page_stats.ts";
import { pageSummary } from "./page/page_summary.ts";
import { pageTimeline } from "./page/page_timeline.ts";

/** The page modules' factories, in the order the page declares them (`pageMain` last). */
export const PAGE_MODULES: readonly ((...args: never[]) => unknown)[] = [
  pageHelpers,
  pageSeries,
  pageDraw,
  pageTimeline,
  pageSummary,
  pageFindings,
  pageStats,
  pageMain,
];

/**
 * The source of `fn` as a function declaration named `fn.name`.
 *
 * @throws {Error} when the source is not one (a bundler renamed or wrapped it)
 */
export function declarationOf(fn: (...args: never[]) => unknown): string {
  const text = fn.toString();
  if (!text.startsWith(`function ${fn.name}(`)) {
    throw new Error(`page module ${fn.name}: its source is not a function declaration`);
  }
  return text;
}

/** The page's script: every page module, then `pageMain()`, in one strict-mode function. */
export const PAGE_SCRIPT: string = `(function () {\n"use strict";\n${
  PAGE_MODULES.map(declarationOf).join("\n")
}\npageMain();\n})();\n`;
