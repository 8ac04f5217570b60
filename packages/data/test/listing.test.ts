/** flow_from_directory's class_indices / filenames / classes / samples against Keras. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCodePoints, type ListOptions, listDirectory } from "../src/index.ts";
import { buildKerasTree, dataManifest } from "./helpers/tree.ts";

let root: string;
beforeAll(() => {
  root = buildKerasTree();
});
afterAll(() => rmSync(dirname(root), { recursive: true, force: true }));

function toOptions(o: Record<string, unknown>): ListOptions {
  return {
    ...(o.classes ? { classes: o.classes as string[] } : {}),
    ...(o.validation_split ? { validationSplit: o.validation_split as number } : {}),
    ...(o.subset ? { subset: o.subset as "training" | "validation" } : {}),
    ...(o.follow_links ? { followLinks: true } : {}),
  };
}

describe("listing, with includeHidden (Keras' exact behaviour)", () => {
  for (const l of dataManifest.flow_from_directory.listings) {
    it(`options ${JSON.stringify(l.options)}`, async () => {
      const r = await listDirectory(root, {
        ...toOptions(l.options),
        includeHidden: true,
        warn: () => {},
      });
      expect(r.classIndices).toEqual(l.class_indices);
      expect(r.filenames).toEqual(l.filenames);
      expect(Array.from(r.classes)).toEqual(l.classes);
      expect(r.samples).toBe(l.samples);
      expect(r.skipped).toEqual([]);
    });
  }
});

describe("listing, by default", () => {
  it("skips dot-folders with a warning, and is otherwise Keras' listing", async () => {
    const warnings: string[] = [];
    const r = await listDirectory(root, { warn: (m) => warnings.push(m) });
    const keras = dataManifest.flow_from_directory.listings[0]!;
    const hidden = (f: string) => f.split("/").some((part) => part.startsWith("."));
    expect(Object.keys(r.classIndices)).toEqual(
      Object.keys(keras.class_indices).filter((c) => !c.startsWith(".")),
    );
    expect(r.filenames).toEqual(keras.filenames.filter((f) => !hidden(f)));
    expect(warnings.join("\n")).toMatch(/Skipping hidden folder '\.ipynb_checkpoints'/);
    expect(warnings.join("\n")).toMatch(/Skipping hidden folder 'cats\/\.ipynb_checkpoints'/);
  });

  it("adds webp and gif only when asked", async () => {
    const r = await listDirectory(root, { extraFormats: ["webp", "gif"], warn: () => {} });
    expect(r.filenames).toContain("cats/x.webp");
    expect(r.filenames).toContain("cats/y.gif");
    const plain = await listDirectory(root, { warn: () => {} });
    expect(plain.filenames.some((f) => f.endsWith(".webp") || f.endsWith(".gif"))).toBe(false);
  });

  it("sorts by code point like Python, not by UTF-16 unit", () => {
    const names = ["cats", "Zebra", "\u{1F600}", "\uFF21", "a-b", "a/b"];
    expect([...names].sort(compareCodePoints)).toEqual([
      "Zebra",
      "a-b",
      "a/b",
      "cats",
      "\uFF21",
      "\u{1F600}",
    ]);
    // JavaScript's default sort puts the astral emoji (a surrogate pair) before U+FF21.
    expect([...names].sort().indexOf("\u{1F600}")).toBeLessThan(
      [...names].sort().indexOf("\uFF21"),
    );
  });
});

describe("split rule", () => {
  it("validation is the first int(split × n) files of each class, training the rest", async () => {
    const dir = join(dirname(root), "split");
    for (const [cls, n] of [
      ["a", 10],
      ["b", 3],
      ["c", 7],
    ] as const) {
      mkdirSync(join(dir, cls), { recursive: true });
      for (let i = 0; i < n; i++)
        writeFileSync(join(dir, cls, `${String(i).padStart(2, "0")}.png`), "");
    }
    const opts = { verify: "none" as const, validationSplit: 0.3, warn: () => {} };
    const v = await listDirectory(dir, { ...opts, subset: "validation" });
    const t = await listDirectory(dir, { ...opts, subset: "training" });
    // int(0.3*10)=3, int(0.3*3)=0, int(0.3*7)=2
    expect(v.filenames).toEqual(["a/00.png", "a/01.png", "a/02.png", "c/00.png", "c/01.png"]);
    expect(t.samples).toBe(20 - 5);
    expect(new Set([...v.filenames, ...t.filenames]).size).toBe(20);
  });
});
