/**
 * Drives Debian's `chromium` in headless mode over the DevTools protocol to
 * check a `kvmreq report` page the way a person uses it: load it from disk,
 * click a finding, zoom the timeline, and report what the DOM shows, every
 * console error and exception, and (optionally) a screenshot.
 *
 * Run as its own process (it needs `--allow-net` for the DevTools WebSocket
 * on 127.0.0.1, which the test task does not grant):
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env --allow-net \
 *     tests/report/cdp_driver.ts CHROMIUM PAGE.html [SCREENSHOT.png] [CLICK_INDEX] [ZOOM_OUTS]
 *
 * With `KVMREQ_SCREENSHOT_FULL=1` the screenshot is of the whole page, not
 * only the window; `KVMREQ_SCREENSHOT_AT=SELECTOR` scrolls that element to
 * the top first (e.g. `#stats-section`).
 *
 * Prints one JSON object ({@link PageCheck}) on standard output.
 *
 * @module
 */

/** What the driver saw. */
export interface PageCheck {
  /** The page's script finished its start-up. */
  readonly ready: boolean;
  /** Console errors/warnings, exceptions and error log entries (CSP violations among them). */
  readonly errors: readonly string[];
  /** `li[role=option]` in the findings list. */
  readonly findings: number;
  /** `.row-label` elements (timeline rows of the shown input). */
  readonly rows: number;
  /** `.vcpu-stats` cards. */
  readonly statsCards: number;
  /** Options selected before the click. */
  readonly selectedBefore: number;
  /** Ids of the options selected after clicking finding `CLICK_INDEX`. */
  readonly selectedAfter: readonly string[];
  /** Whether the clicked option carries the `selected` class. */
  readonly clickedHasClass: boolean;
  /** The evidence panel's lines after the click. */
  readonly evidenceLines: readonly string[];
  /** The evidence panel's message after the click. */
  readonly evidenceMessage: string;
  /** The timeline's visible range, before and after the click, and after a wheel zoom. */
  readonly rangeBefore: string;
  readonly rangeAfterClick: string;
  readonly rangeAfterWheel: string;
  /** Canvas pixels that are not background (the timeline drew something). */
  readonly paintedPixels: number;
  /** `document.body.textContent`. */
  readonly bodyText: string;
  /** Elements a hostile string would create if it were parsed as markup. */
  readonly injected: number;
  /** `<script>` elements in the document. */
  readonly scripts: number;
  /** Whether an injected script set `window.__pwned`. */
  readonly pwned: boolean;
  /** Bytes of the screenshot written, 0 when none was asked for. */
  readonly screenshotBytes: number;
  /** `.row-label.thread-row` elements (rows of host threads). */
  readonly threadRows: number;
  /** The stack frames the evidence panel shows after the click. */
  readonly stackFrames: readonly string[];
  /** The context lines ("around it") the evidence panel shows after the click. */
  readonly contextLines: readonly string[];
  /**
   * Statistics-card elements whose content is cut off (wider than their box,
   * or sticking out of their card), described by class and text.
   */
  readonly clipped: readonly string[];
  /**
   * Labels of the statistics cards broken across lines inside a word or a
   * number (`KVM_REQ_MMU_FREE_OBSOLETE_ROOTS 3` over `2`): each as `text`.
   */
  readonly brokenLabels: readonly string[];
  /** Per statistics card, the modes of "Time in mode" in the order shown. */
  readonly modeOrders: readonly (readonly string[])[];
}

type Json = Record<string, unknown>;

class Cdp {
  #id = 0;
  readonly #waiting = new Map<number, (msg: Json) => void>();
  readonly #listeners: ((msg: Json) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as Json;
      if (typeof msg.id === "number") {
        this.#waiting.get(msg.id)?.(msg);
        this.#waiting.delete(msg.id);
      } else for (const l of this.#listeners) l(msg);
    };
  }

  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = (e) => reject(new Error(`DevTools WebSocket: ${(e as ErrorEvent).message}`));
    });
    return new Cdp(ws);
  }

  on(listener: (msg: Json) => void): void {
    this.#listeners.push(listener);
  }

  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = ++this.#id;
    const msg: Json = { id, method, params };
    if (sessionId !== undefined) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 30 s`)), 30_000);
      this.#waiting.set(id, (answer) => {
        clearTimeout(timer);
        if (answer.error) reject(new Error(`${method}: ${JSON.stringify(answer.error)}`));
        else resolve((answer.result ?? {}) as Json);
      });
      this.ws.send(JSON.stringify(msg));
    });
  }
}

async function waitForPort(dir: string, child: Deno.ChildProcess): Promise<string> {
  const file = `${dir}/DevToolsActivePort`;
  const done = child.status.then(() => true);
  for (let i = 0; i < 300; i++) {
    try {
      const [port, path] = (await Deno.readTextFile(file)).trim().split("\n");
      if (port && path) return `ws://127.0.0.1:${port}${path}`;
    } catch { /* not yet written */ }
    if (await Promise.race([done, new Promise((r) => setTimeout(() => r(false), 100))])) {
      throw new Error("chromium exited before opening the DevTools port");
    }
  }
  throw new Error("chromium did not write DevToolsActivePort within 30 s");
}

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--no-first-run",
  "--no-default-browser-check",
  "--mute-audio",
  "--hide-scrollbars",
  "--remote-debugging-port=0",
];

/** Loads `page` in `chromium`, interacts with it, and returns what it saw. */
export async function checkPage(
  chromium: string,
  page: string,
  screenshot: string | undefined,
  clickIndex: number,
  zoomOuts = 1,
): Promise<PageCheck> {
  const profile = await Deno.makeTempDir({ prefix: "kvmreq-chromium-" });
  const child = new Deno.Command(chromium, {
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "about:blank"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const cdp = await Cdp.connect(await waitForPort(profile, child));
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const sid = sessionId as string;
    const errors: string[] = [];
    let loaded: () => void = () => {};
    const load = new Promise<void>((resolve) => (loaded = resolve));
    cdp.on((msg) => {
      const p = (msg.params ?? {}) as Json;
      if (
        msg.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "warning")
      ) {
        errors.push(`console.${p.type}: ${JSON.stringify(p.args)}`);
      } else if (msg.method === "Runtime.exceptionThrown") {
        errors.push(`exception: ${JSON.stringify(p.exceptionDetails)}`);
      } else if (msg.method === "Log.entryAdded") {
        const entry = p.entry as Json;
        if (entry.level === "error" || entry.level === "warning") {
          errors.push(`log ${entry.level}: ${entry.text}`);
        }
      } else if (msg.method === "Page.loadEventFired") loaded();
    });
    for (const domain of ["Runtime", "Log", "Page"]) await cdp.send(`${domain}.enable`, {}, sid);
    await cdp.send("Emulation.setDeviceMetricsOverride", {
      width: 1400,
      height: 1000,
      deviceScaleFactor: 1,
      mobile: false,
    }, sid);
    await cdp.send("Page.navigate", { url: new URL(`file://${page}`).href }, sid);
    await load;
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = await cdp.send("Runtime.evaluate", { expression, returnByValue: true }, sid);
      if (r.exceptionDetails) {
        throw new Error(`${expression}: ${JSON.stringify(r.exceptionDetails)}`);
      }
      return (r.result as Json).value as T;
    };
    for (
      let i = 0;
      i < 100 && !(await evaluate<boolean>("document.body.dataset.ready === 'true'"));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready = await evaluate<boolean>("document.body.dataset.ready === 'true'");
    const count = (sel: string) =>
      evaluate<number>(`document.querySelectorAll(${JSON.stringify(sel)}).length`);
    const range = () => evaluate<string>("document.getElementById('view-range').textContent");
    const findings = await count("#findings li[role=option]");
    const selectedBefore = await count("#findings [aria-selected=true]");
    const rangeBefore = await range();
    if (findings > clickIndex) {
      const box = await evaluate<{ x: number; y: number }>(`(() => {
        const li = document.getElementById("finding-${clickIndex}");
        li.scrollIntoView({ block: "center" });
        const r = li.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      })()`);
      for (const type of ["mouseMoved", "mousePressed", "mouseReleased"]) {
        await cdp.send("Input.dispatchMouseEvent", {
          type,
          x: box.x,
          y: box.y,
          button: "left",
          clickCount: 1,
        }, sid);
      }
    }
    const selectedAfter = await evaluate<string[]>(
      "[...document.querySelectorAll('#findings [aria-selected=true]')].map((e) => e.id)",
    );
    const clickedHasClass = await evaluate<boolean>(
      `!!document.getElementById("finding-${clickIndex}")?.classList.contains("selected")`,
    );
    const evidenceLines = await evaluate<string[]>(
      "[...document.querySelectorAll('#evidence .evidence-line')].map((e) => e.textContent)",
    );
    const evidenceMessage = await evaluate<string>(
      "document.querySelector('#evidence .evidence-message')?.textContent ?? ''",
    );
    const rangeAfterClick = await range();
    const canvas = await evaluate<{ x: number; y: number }>(`(() => {
      const c = document.getElementById("timeline-canvas");
      const r = c.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + 40 };
    })()`);
    await cdp.send("Input.dispatchMouseEvent", {
      type: "mouseWheel",
      x: canvas.x,
      y: canvas.y,
      deltaX: 0,
      deltaY: -300,
    }, sid);
    await new Promise((r) => setTimeout(r, 100));
    const rangeAfterWheel = await range();
    const paintedPixels = await evaluate<number>(`(() => {
      const c = document.getElementById("timeline-canvas");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        const bg = (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 255) ||
          (d[i] === 248 && d[i + 1] === 249 && d[i + 2] === 250);
        if (!bg && d[i + 3] > 0) n++;
      }
      return n;
    })()`);
    let screenshotBytes = 0;
    if (screenshot !== undefined) {
      await evaluate<void>(`(() => {
        for (let i = 0; i < ${zoomOuts}; i++) document.getElementById("zoom-out").click();
        const li = document.getElementById("finding-${clickIndex}");
        if (li) li.scrollIntoView({ block: "center" });
      })()`);
      const at = Deno.env.get("KVMREQ_SCREENSHOT_AT");
      if (at !== undefined) {
        await evaluate<void>(
          `document.querySelector(${JSON.stringify(at)})?.scrollIntoView({ block: "start" })`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      const full = Deno.env.get("KVMREQ_SCREENSHOT_FULL") === "1";
      const size = full
        ? await evaluate<{ w: number; h: number }>(
          "({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight })",
        )
        : undefined;
      const shot = await cdp.send(
        "Page.captureScreenshot",
        size === undefined ? { format: "png" } : {
          format: "png",
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: size.w, height: size.h, scale: 1 },
        },
        sid,
      );
      const png = Uint8Array.from(atob(shot.data as string), (c) => c.charCodeAt(0));
      await Deno.writeFile(screenshot, png);
      screenshotBytes = png.length;
    }
    const clipped = await evaluate<string[]>(`(() => {
      const out = [];
      for (const card of document.querySelectorAll(".vcpu-stats")) {
        const box = card.getBoundingClientRect();
        for (const e of card.querySelectorAll("dt, dd, .histogram, .hist-plot, .hist-range, svg, span, li")) {
          const r = e.getBoundingClientRect();
          const overflows = e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== "visible";
          const outside = r.right > box.right + 0.5 || r.left < box.left - 0.5;
          if (overflows || outside) out.push((e.className.baseVal ?? e.className) + ": " + e.textContent.slice(0, 40));
        }
      }
      return out;
    })()`);
    const brokenLabels = await evaluate<string[]>(`(() => {
      const out = [];
      for (const e of document.querySelectorAll(".vcpu-stats ul.pairs .k, .vcpu-stats ul.pairs .v")) {
        if (e.getClientRects().length > 1) out.push(e.textContent);
      }
      for (const li of document.querySelectorAll(".vcpu-stats ul.pairs li")) {
        const [k, v] = li.children;
        if (k && v && v.getBoundingClientRect().top >= k.getBoundingClientRect().bottom - 1) {
          out.push(li.textContent);
        }
      }
      return out;
    })()`);
    const result: PageCheck = {
      threadRows: await count(".row-label.thread-row"),
      stackFrames: await evaluate<string[]>(
        "[...document.querySelectorAll('#evidence .evidence-line .frame')].map((e) => e.textContent)",
      ),
      contextLines: await evaluate<string[]>(
        "[...document.querySelectorAll('#evidence .context-line code')].map((e) => e.textContent)",
      ),
      clipped,
      brokenLabels,
      modeOrders: await evaluate<string[][]>(
        "[...document.querySelectorAll('.vcpu-stats')].map((c) => [...c.querySelectorAll('.mode-time .k')].map((e) => e.textContent))",
      ),
      ready,
      errors,
      findings,
      rows: await count(".row-label"),
      statsCards: await count(".vcpu-stats"),
      selectedBefore,
      selectedAfter,
      clickedHasClass,
      evidenceLines,
      evidenceMessage,
      rangeBefore,
      rangeAfterClick,
      rangeAfterWheel,
      paintedPixels,
      bodyText: await evaluate<string>("document.body.textContent"),
      injected: await count("svg[onload], img[onerror], [onerror], [onload], iframe, object"),
      scripts: await count("script"),
      pwned: await evaluate<boolean>("window.__pwned === 1"),
      screenshotBytes,
    };
    try {
      await cdp.send("Browser.close");
    } catch { /* the browser may close the socket first */ }
    cdp.ws.close();
    return result;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const [chromium, page, screenshot, click, zoomOuts] = Deno.args;
  const result = await checkPage(
    chromium,
    page,
    screenshot === undefined || screenshot === "" ? undefined : screenshot,
    Number(click ?? 0),
    Number(zoomOuts ?? 1),
  );
  console.log(JSON.stringify(result));
}
