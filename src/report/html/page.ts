/**
 * The report as one self-contained HTML file: inline CSS and script, the
 * data as JSON in a `<script type="application/json">` with every `<`
 * escaped as `\u003c` (so no trace string can close the element), and a
 * Content-Security-Policy that allows no network access and runs only the
 * page's own script and style (by hash), so even markup injected by a bug
 * could not execute. The static markup holds no trace data at all.
 *
 * @module
 */

import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_BODY } from "./page_skeleton.ts";
import { PAGE_STYLE } from "./page_style.ts";
import type { ReportData } from "./report_model.ts";

/**
 * JSON for a `<script type="application/json">` element: `<` (and the
 * JavaScript line separators) escaped, so the text cannot end the element.
 *
 * @example
 * ```ts
 * import { embedJson } from "./page.ts";
 * const text = embedJson({ comm: "</script><svg onload=a>" });
 * if (text.includes("<") || JSON.parse(text).comm !== "</script><svg onload=a>") throw new Error();
 * ```
 */
export function embedJson(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest));
}

export { PAGE_SCRIPT };

/** Renders the whole page for `data`. */
export async function renderReportPage(data: ReportData): Promise<string> {
  const csp = [
    "default-src 'none'",
    "img-src data:",
    `style-src 'sha256-${await sha256Base64(PAGE_STYLE)}'`,
    `script-src 'sha256-${await sha256Base64(PAGE_SCRIPT)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="kvmreq">',
    "<title>kvmreq report</title>",
    `<style>${PAGE_STYLE}</style>`,
    "</head>",
    "<body>",
    PAGE_BODY,
    `<script type="application/json" id="kvmreq-data">${embedJson(data)}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
