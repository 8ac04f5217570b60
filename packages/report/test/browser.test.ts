/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The report as a person sees it: opened from a file:// URL in headless Chromium
 * (found or installed by test/global-setup.ts), with every request that is not
 * file: or data: aborted and recorded. JavaScript is off in the page, to show the
 * charts need none. A full-page screenshot is kept as a test artifact.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ReportInput, renderReport } from "../src/index.ts";
import { history, manyClassesInput, sampleInput, testCard } from "./helpers/fixtures.ts";

const browserInfo = inject("chromium");
const executablePath = browserInfo.path;
if (!executablePath) console.warn(`[@graft/report] browser tests skipped: ${browserInfo.reason}`);

const pkg = fileURLToPath(new URL("..", import.meta.url));
const artifacts = process.env.GRAFT_TEST_ARTIFACTS_DIR ?? join(pkg, "test-artifacts");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-dev-shm-usage",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-sync",
  "--no-first-run",
  "--no-default-browser-check",
  "--metrics-recording-only",
  "--mute-audio",
];

interface Loaded {
  page: Page;
  /** Requests that left file: and data: — must stay empty. */
  network: string[];
  /** Console errors and uncaught page errors — must stay empty. */
  errors: string[];
}

/** Points each chart's polylines should have: epochs with a finite value, per key. */
function expectedPoints(h: ReportInput["history"], keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const n = h.filter((e) => typeof e[k] === "number" && Number.isFinite(e[k])).length;
    if (n > 0) out[k] = n;
  }
  return out;
}

describe.skipIf(!executablePath)(
  `the report in headless Chromium${executablePath ? "" : ` (SKIPPED: ${browserInfo.reason})`}`,
  () => {
    let browser: Browser;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "graft-report-"));
      browser = await chromium.launch({ executablePath: executablePath as string, args: ARGS });
    });

    afterAll(async () => {
      await browser?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function open(name: string, input: ReportInput | string): Promise<Loaded> {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, typeof input === "string" ? input : renderReport(input));
      const context = await browser.newContext({
        viewport: { width: 1200, height: 900 },
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      const loaded: Loaded = { page, network: [], errors: [] };
      const isLocal = (url: string) => url.startsWith("file:") || url.startsWith("data:");
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (isLocal(url)) return route.continue();
        loaded.network.push(url);
        return route.abort("blockedbyclient");
      });
      page.on("request", (r) => {
        if (!isLocal(r.url()) && !loaded.network.includes(r.url())) loaded.network.push(r.url());
      });
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") loaded.errors.push(m.text());
      });
      page.on("pageerror", (e) => loaded.errors.push(String(e)));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      return loaded;
    }

    async function chartChecks(page: Page) {
      return page.$$eval("svg.chart", (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const lines = [...svg.querySelectorAll("polyline")].map((p) => ({
            key: p.getAttribute("data-series") ?? "",
            points: (p as SVGPolylineElement).points.numberOfItems,
            box: (p as SVGPolylineElement).getBBox(),
          }));
          return {
            id: svg.getAttribute("data-chart") ?? "",
            width: box.width,
            height: box.height,
            lines: lines.map((l) => ({
              key: l.key,
              points: l.points,
              w: l.box.width,
              h: l.box.height,
            })),
          };
        }),
      );
    }

    it("the harness sees a page that reaches out (control)", async () => {
      const leaky = [
        "<!doctype html><html><head><title>leaky</title>",
        '<link rel="stylesheet" href="https://example.invalid/x.css"></head>',
        '<body><img src="http://example.invalid/a.png" alt=""></body></html>',
      ].join("");
      const { network, errors } = await open("leaky", leaky);
      expect(network).toEqual(
        expect.arrayContaining(["https://example.invalid/x.css", "http://example.invalid/a.png"]),
      );
      expect(errors.length).toBeGreaterThan(0);
    });

    it("renders the full report offline, charts, matrix and images", async () => {
      const input = sampleInput();
      const { page, network, errors } = await open("report", input);

      const charts = await chartChecks(page);
      expect(charts.map((c) => c.id)).toEqual(["loss", "accuracy", "learning-rate"]);
      const expected: Record<string, Record<string, number>> = {
        loss: expectedPoints(input.history, ["loss", "val_loss"]),
        accuracy: expectedPoints(input.history, ["acc", "val_acc"]),
        "learning-rate": expectedPoints(input.history, ["learning_rate"]),
      };
      expect(expected.accuracy).toEqual({ acc: 12, val_acc: 10 });
      for (const c of charts) {
        expect(c.width, c.id).toBeGreaterThan(200);
        expect(c.height, c.id).toBeGreaterThan(80);
        expect(Object.fromEntries(c.lines.map((l) => [l.key, l.points])), c.id).toEqual(
          expected[c.id],
        );
        for (const l of c.lines) expect(l.w, `${c.id}/${l.key}`).toBeGreaterThan(0);
      }

      const cells = await page.$$eval("table.confusion td.cell", (tds) =>
        tds.map((td) => {
          const r = td.getBoundingClientRect();
          return {
            w: r.width,
            h: r.height,
            visible: td.checkVisibility({ visibilityProperty: true, opacityProperty: true }),
            background: getComputedStyle(td).backgroundColor,
            diagonal: td.classList.contains("diag"),
          };
        }),
      );
      expect(cells).toHaveLength(16);
      for (const c of cells) {
        expect(c.visible).toBe(true);
        expect(c.w).toBeGreaterThan(10);
        expect(c.h).toBeGreaterThan(10);
      }
      for (const c of cells.filter((c) => c.diagonal))
        expect(c.background).toMatch(/^rgba\(31, 119, 180/);

      const images = await page.$$eval("#misclassified img", (imgs) =>
        Promise.all(
          imgs.map(async (img) => {
            await (img as HTMLImageElement).decode();
            const el = img as HTMLImageElement;
            return {
              naturalWidth: el.naturalWidth,
              naturalHeight: el.naturalHeight,
              width: el.getBoundingClientRect().width,
              rendering: getComputedStyle(el).imageRendering,
            };
          }),
        ),
      );
      expect(images).toHaveLength(5);
      for (const im of images) {
        expect(im).toEqual({
          naturalWidth: 32,
          naturalHeight: 32,
          width: 128,
          rendering: "pixelated",
        });
      }

      // Chromium's own PNG decoder reads back exactly the pixels we encoded.
      const decoded = await page.$eval("#misclassified img", (img) => {
        const el = img as HTMLImageElement;
        const canvas = document.createElement("canvas");
        canvas.width = el.naturalWidth;
        canvas.height = el.naturalHeight;
        const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
        ctx.drawImage(el, 0, 0);
        return [...ctx.getImageData(0, 0, canvas.width, canvas.height).data];
      });
      const card = testCard(32, 2, 4); // misclassified[0] is a "dandelion" (class 1) card
      expect(decoded).toEqual([...card]);

      // The hostile strings are text, not markup; the page has no scripts at all.
      expect(await page.$$eval("script", (s) => s.length)).toBe(0);
      expect(await page.textContent("h1")).toContain('<script>alert("x")</script>');

      // Nothing overflows the page sideways.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);

      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
      writeFileSync(join(artifacts, "report.html"), renderReport(input));

      expect(network).toEqual([]);
      expect(errors).toEqual([]);
    });

    it("50 classes stay inside the page; every cell is laid out", async () => {
      const input = manyClassesInput();
      const { page, network, errors } = await open("many", input);
      const charts = await chartChecks(page);
      for (const c of charts) expect(c.width * c.height).toBeGreaterThan(0);
      expect(charts.find((c) => c.id === "loss")!.lines.map((l) => l.points)).toEqual([40, 40]);
      const cells = await page.$$eval(
        "table.confusion td.cell",
        (tds) =>
          tds.filter((td) => {
            const r = td.getBoundingClientRect();
            return r.width > 5 && r.height > 5 && td.checkVisibility({ visibilityProperty: true });
          }).length,
      );
      expect(cells).toBe(2500);
      // At a 1200 px wide window the 50 columns fit without scrolling sideways.
      const hidden = await page.$eval(
        "#confusion .scroll",
        (el) => el.scrollWidth - el.clientWidth,
      );
      expect(hidden).toBeLessThanOrEqual(0);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await page.textContent("#misclassified")).toContain("none");
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report-50-classes.png"), fullPage: true });
      expect(network).toEqual([]);
      expect(errors).toEqual([]);
    });

    it("one epoch without validation metrics still draws visible charts", async () => {
      const input: ReportInput = {
        title: "one epoch",
        config: {},
        history: history(1, false),
        classNames: ["a", "b"],
      };
      const { page, network, errors } = await open("one-epoch", input);
      const charts = await chartChecks(page);
      expect(charts.map((c) => [c.id, c.lines.map((l) => l.points)])).toEqual([
        ["loss", [1]],
        ["accuracy", [1]],
        ["learning-rate", [1]],
      ]);
      for (const c of charts) expect(c.width * c.height).toBeGreaterThan(0);
      // A single point has no extent as a line; its marker is what shows.
      const markers = await page.$$eval("svg.chart circle", (cs) =>
        cs.map((c) => c.getBoundingClientRect().width),
      );
      expect(markers.length).toBe(3);
      for (const w of markers) expect(w).toBeGreaterThan(0);
      expect(network).toEqual([]);
      expect(errors).toEqual([]);
    });
  },
);
