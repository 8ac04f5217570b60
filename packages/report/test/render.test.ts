import { describe, expect, it } from "vitest";
import { encodePng, type ReportInput, renderReport } from "../src/index.ts";
import { HOSTILE, history, manyClassesInput, sampleInput, testCard } from "./helpers/fixtures.ts";
import { chartSvg, count, polylinePoints, section } from "./helpers/html.ts";

const ESCAPED_HOSTILE = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;";

function minimal(overrides: Partial<ReportInput> = {}): ReportInput {
  return { title: "t", config: {}, history: history(3), classNames: ["a", "b"], ...overrides };
}

describe("renderReport: the document", () => {
  const html = renderReport(sampleInput());

  it("is one HTML document with every section", () => {
    expect(html.startsWith("<!doctype html>\n")).toBe(true);
    expect(count(html, "<html")).toBe(1);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    for (const id of [
      "summary",
      "curves",
      "confusion",
      "per-class",
      "misclassified",
      "history",
      "config",
      "notes",
    ]) {
      expect(section(html, id), id).toBeDefined();
    }
    for (const id of ["loss", "accuracy", "learning-rate"])
      expect(chartSvg(html, id)).toBeDefined();
  });

  it("references nothing outside itself", () => {
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import|url\(/i);
    expect(html).not.toMatch(/\shref=/i);
    for (const m of html.matchAll(/\ssrc="([^"]*)"/g)) {
      expect(m[1]!.startsWith("data:image/png;base64,")).toBe(true);
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    const urls = [...html.matchAll(/(?:https?|ftp|wss?):\/\/[^\s"'<>)]*/gi)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(["http://www.w3.org/2000/svg"]));
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;`,
    );
  });

  it("escapes every string from the input", () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('alert("x")');
    const where = {
      title: section(
        `<section id="t">${/<header>[\s\S]*?<\/header>/.exec(html)?.[0]}</section>`,
        "t",
      ),
      headTitle: /<title>[^<]*<\/title>/.exec(html)?.[0],
      confusion: section(html, "confusion"),
      perClass: section(html, "per-class"),
      misclassified: section(html, "misclassified"),
      config: section(html, "config"),
      notes: section(html, "notes"),
    };
    for (const [name, part] of Object.entries(where)) {
      expect(part, name).toContain(ESCAPED_HOSTILE);
    }
    // Config: the key, the value and the nested JSON string all escaped.
    expect(where.config).toContain(`key ${ESCAPED_HOSTILE}`);
    expect(where.config).toContain(`value ${ESCAPED_HOSTILE}`);
    expect(where.config).toContain("&quot;note&quot;:&quot;&lt;script&gt;alert(\\&quot;x\\&quot;)");
    // File names with markup in them, in the caption and in attributes.
    expect(where.misclassified).toContain(`img_0&lt;${ESCAPED_HOSTILE}&gt;.jpg`);
  });

  it("draws one polyline point per epoch that has a value", () => {
    expect(polylinePoints(chartSvg(html, "loss")!)).toEqual({ loss: 12, val_loss: 12 });
    // val_acc is NaN at epoch 4 and missing at epoch 5.
    expect(polylinePoints(chartSvg(html, "accuracy")!)).toEqual({ acc: 12, val_acc: 10 });
    expect(polylinePoints(chartSvg(html, "learning-rate")!)).toEqual({ learning_rate: 12 });
    for (const id of ["loss", "accuracy", "learning-rate"]) {
      expect(chartSvg(html, id)).not.toMatch(/NaN|Infinity/);
    }
    // The history table tells a NaN from a missing value.
    expect(section(html, "history")).toMatch(
      /<td class="num">NaN<\/td><\/tr>\n<tr><td class="num">5<\/td>.*<td class="num">—<\/td><\/tr>/,
    );
  });

  it("has axes, ticks, a legend and the best epoch on each chart", () => {
    for (const id of ["loss", "accuracy"]) {
      const svg = chartSvg(html, id)!;
      expect(count(svg, /<g class="y-axis"/)).toBe(1);
      expect(count(/<g class="x-axis"[\s\S]*?<\/g>/.exec(svg)![0], "<text")).toBeGreaterThan(3);
      expect(count(/<g class="y-axis"[\s\S]*?<\/g>/.exec(svg)![0], "<text")).toBeGreaterThan(2);
      const legend = /<g class="legend">[\s\S]*?<\/g>/.exec(svg)![0];
      expect(legend).toContain(">train</text>");
      expect(legend).toContain(">validation</text>");
      expect(svg).toContain('<g class="highlight">');
      expect(count(svg, 'class="best-marker"')).toBe(2);
    }
  });

  it("summarises the best epoch and validation accuracy", () => {
    const summary = section(html, "summary")!;
    expect(summary).toMatch(/<dt>best epoch<\/dt><dd>7/);
    expect(summary).toMatch(/<dt>val_acc at best epoch<\/dt><dd>\d+\.\d%/);
    expect(summary).toMatch(/<dt>final val_acc<\/dt><dd>\d+\.\d%/);
    expect(summary).toMatch(/<dt>best val_acc<\/dt><dd>\d+\.\d% <small>epoch \d+/);
    expect(section(html, "history")).toContain('<tr class="best"><td class="num">7</td>');
  });

  it("shades the confusion matrix and computes precision, recall and F1 from it", () => {
    const confusion = section(html, "confusion")!;
    expect(count(confusion, /<td class="cell /)).toBe(16);
    expect(confusion).toMatch(
      /<td class="cell diag dark" data-true="0" data-pred="0" style="background-color: rgba\(31, 119, 180, 0\.\d+\)"[^>]*>40</,
    );
    expect(confusion).toMatch(
      /<td class="cell off" data-true="2" data-pred="3" style="background-color: rgba\(214, 39, 40/,
    );
    expect(confusion).toMatch(/<td class="cell zero" data-true="0" data-pred="3"[^>]*>0</);
    const perClass = section(html, "per-class")!;
    // daisy: precision 40/42, recall 40/44; the hostile class: precision 17/26, recall 17/21.
    expect(perClass).toContain(
      '<th scope="row">daisy</th><td class="num">0.952</td><td class="num">0.909</td><td class="num">0.930</td><td class="num">44</td>',
    );
    expect(perClass).toContain(
      `<th scope="row">${ESCAPED_HOSTILE}</th><td class="num">0.654</td><td class="num">0.810</td><td class="num">0.723</td><td class="num">21</td>`,
    );
    expect(perClass).toMatch(
      /accuracy<\/th><td><\/td><td><\/td><td class="num">0\.857<\/td><td class="num">140</,
    );
  });

  it("embeds each misclassified image as a scaled-up data: URI with both labels", () => {
    const part = section(html, "misclassified")!;
    expect(count(part, "<img ")).toBe(5);
    expect(count(part, 'width="128" height="128"')).toBe(5);
    expect(part).toContain("predicted <b>daisy</b> (61.0%)");
    expect(part).toContain("true <b>dandelion</b>");
    expect(html).toContain("image-rendering: pixelated");
  });

  it("shows the configuration, nested values as JSON", () => {
    const config = section(html, "config")!;
    expect(config).toContain("<td>preset</td><td>small-similar</td>");
    expect(config).toContain("<td>epochs</td><td><code>12</code></td>");
    expect(config).toContain("<td>enabled</td><td><pre>true</pre></td>");
    expect(config).toContain("<td>nothing</td><td><pre>null</pre></td>");
    expect(config).toContain("<pre>[&quot;block1&quot;,&quot;block2&quot;]</pre>");
  });

  it("is deterministic", () => {
    expect(renderReport(sampleInput())).toBe(html);
  });
});

describe("renderReport: edge cases", () => {
  it("one epoch: one point per series, a marker to see it, one x tick", () => {
    const html = renderReport(minimal({ history: history(1) }));
    const loss = chartSvg(html, "loss")!;
    expect(polylinePoints(loss)).toEqual({ loss: 1, val_loss: 1 });
    expect(count(loss, /<circle cx=/)).toBe(2);
    expect(count(/<g class="x-axis"[\s\S]*?<\/g>/.exec(loss)![0], "<text")).toBe(1);
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(section(html, "summary")).toMatch(/<dt>epochs<\/dt><dd>1</);
  });

  it("no validation metrics: training curves only, said so, final training values", () => {
    const html = renderReport(minimal({ history: history(5, false) }));
    expect(polylinePoints(chartSvg(html, "loss")!)).toEqual({ loss: 5 });
    expect(polylinePoints(chartSvg(html, "accuracy")!)).toEqual({ acc: 5 });
    expect(chartSvg(html, "loss")).not.toContain(">validation</text>");
    expect(chartSvg(html, "loss")).not.toContain('class="highlight"');
    expect(html).toContain("No val_loss values.");
    const summary = section(html, "summary")!;
    expect(summary).toContain("no validation metrics");
    expect(summary).toMatch(/<dt>final loss<\/dt>/);
    expect(summary).toMatch(/<dt>final acc<\/dt>/);
    expect(summary).not.toContain("best epoch");
  });

  it("derives the best epoch from the lowest val_loss when none is given", () => {
    const h = history(6);
    const html = renderReport(minimal({ history: h }));
    const lowest = h.reduce((a, e) => (e.val_loss! < a.val_loss! ? e : a));
    expect(section(html, "summary")).toContain(
      `<dt>best epoch</dt><dd>${lowest.epoch} <small>lowest val_loss</small>`,
    );
  });

  it("reads Keras 3's accuracy / val_accuracy and skips non-finite values", () => {
    const h = [
      { epoch: 0, loss: 1, accuracy: 0.5, val_loss: Number.POSITIVE_INFINITY, val_accuracy: 0.4 },
      { epoch: 1, loss: Number.NaN, accuracy: 0.6, val_loss: 0.9, val_accuracy: null },
      { epoch: 2, loss: 0.5, accuracy: 0.7, val_loss: 0.8, val_accuracy: 0.6 },
    ];
    const html = renderReport(minimal({ history: h }));
    expect(polylinePoints(chartSvg(html, "loss")!)).toEqual({ loss: 2, val_loss: 2 });
    expect(polylinePoints(chartSvg(html, "accuracy")!)).toEqual({ accuracy: 3, val_accuracy: 2 });
    expect(html).not.toMatch(/points="[^"]*(NaN|Infinity)/);
  });

  it("an empty history still renders, saying there is nothing to plot", () => {
    const html = renderReport(minimal({ history: [] }));
    expect(html).not.toContain('<svg class="chart"');
    expect(html).toContain("No loss values in the history.");
    expect(html).toContain("The history is empty");
  });

  it("an empty misclassified list reads none; an absent one, not recorded", () => {
    expect(section(renderReport(minimal({ misclassified: [] })), "misclassified")).toContain(
      '<p class="empty">none</p>',
    );
    expect(section(renderReport(minimal()), "misclassified")).toContain("Not recorded.");
    expect(section(renderReport(minimal()), "confusion")).toContain("No confusion matrix");
    expect(section(renderReport(minimal()), "notes")).toBeUndefined();
  });

  it("50 classes: a compact matrix with numbered columns, every cell present", () => {
    const input = manyClassesInput();
    const html = renderReport(input);
    const confusion = section(html, "confusion")!;
    expect(confusion).toContain('<table class="confusion compact">');
    expect(count(confusion, /<td class="cell /)).toBe(2500);
    expect(confusion).toContain('<th scope="col" title="class_49_xxxxxxxxxxxxxxx">49</th>');
    expect(confusion).toContain('<th scope="row" title="class_0_">0 class_0_</th>');
    expect(count(section(html, "per-class")!, /<tr><th scope="row">class_/)).toBe(50);
    expect(html.length).toBeLessThan(1_000_000);
  });

  it("an evaluation given by the caller wins over the confusion matrix", () => {
    const html = renderReport(
      minimal({
        confusion: [
          [1, 1],
          [0, 2],
        ],
        evaluation: {
          accuracy: 0.25,
          perClass: [
            { precision: 0.1, recall: 0.2, f1: 0.3, support: 7 },
            { precision: 0.4, recall: 0.5, f1: 0.6, support: 9 },
          ],
        },
      }),
    );
    expect(section(html, "per-class")).toContain(
      '<th scope="row">a</th><td class="num">0.100</td><td class="num">0.200</td><td class="num">0.300</td><td class="num">7</td>',
    );
    expect(section(html, "summary")).toContain("<dd>25.0% <small>evaluation</small>");
  });

  it("scales small images by a whole factor and large ones down", () => {
    const image = (w: number, h: number) => ({
      file: "f.png",
      trueLabel: "a",
      predictedLabel: "b",
      probability: 0.5,
      png: encodePng(new Uint8Array(w * h), w, h, 1),
    });
    const html = renderReport(
      minimal({ misclassified: [image(28, 28), image(300, 150), image(1, 1)] }),
    );
    expect(html).toContain('width="112" height="112"');
    expect(html).toContain('width="128" height="64"');
    expect(html).toContain('width="128" height="128"');
    expect(testCard(4, 1).length).toBe(48);
  });

  it("rejects malformed input, naming the field", () => {
    const bad: [Partial<ReportInput>, RegExp][] = [
      [{ title: 3 as unknown as string }, /^Expected a string for title but received 3$/],
      [{ classNames: ["a", 2 as unknown as string] }, /for classNames\[1\]/],
      [
        { confusion: [[1, 2]] },
        /^Expected an array of 2 rows \(one per class name\) for confusion/,
      ],
      [{ confusion: [[1, 2], [3]] }, /for confusion\[1\] but received an array of length 1/],
      [
        {
          confusion: [
            [1, -2],
            [3, 4],
          ],
        },
        /non-negative count for confusion\[0\]\[1\] but received -2/,
      ],
      [
        { history: [{ loss: "1" as unknown as number }] },
        /for history\[0\]\.loss but received "1"/,
      ],
      [{ bestEpoch: Number.NaN }, /finite number for bestEpoch/],
      [{ evaluation: { accuracy: 1, perClass: [] } }, /for evaluation\.perClass/],
      [
        {
          misclassified: [
            {
              file: "x",
              trueLabel: "a",
              predictedLabel: "b",
              probability: 1,
              png: new Uint8Array(8),
            },
          ],
        },
        /PNG file bytes \(see encodePng\) for misclassified\[0\]\.png/,
      ],
      [{ notes: [1 as unknown as string] }, /for notes\[0\]/],
    ];
    for (const [override, message] of bad) {
      expect(() => renderReport(minimal(override))).toThrow(message);
    }
  });
});
