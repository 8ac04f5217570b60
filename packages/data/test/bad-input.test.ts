/** Bad input: unreadable, truncated, non-image and empty, found before training or skipped and counted. */
import "@tensorflow/tfjs-backend-cpu";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError, flowFromDirectory, listDirectory } from "../src/index.ts";
import { makeTree, writeImage } from "./helpers/images.ts";

const roots: string[] = [];
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function broken(): Promise<string> {
  const root = await makeTree({ cats: 3, dogs: 3 });
  roots.push(root);
  writeFileSync(join(root, "cats", "notes.jpg"), "this is not a JPEG\n");
  writeFileSync(join(root, "cats", "empty.png"), "");
  await writeImage(join(root, "dogs", "full.jpg"), 64, 48, 1, 9);
  const jpg = readFileSync(join(root, "dogs", "full.jpg"));
  writeFileSync(join(root, "dogs", "truncated.jpg"), jpg.subarray(0, Math.floor(jpg.length * 0.6)));
  return root;
}

describe("files that are not images", () => {
  it("are skipped with a warning and listed in skipped (header check)", async () => {
    const root = await broken();
    const warnings: string[] = [];
    const r = await listDirectory(root, { warn: (m) => warnings.push(m) });
    expect(r.skipped.map((s) => s.filename).sort()).toEqual(["cats/empty.png", "cats/notes.jpg"]);
    expect(r.filenames).not.toContain("cats/notes.jpg");
    expect(r.filenames).toContain("dogs/truncated.jpg"); // its header is fine
    expect(warnings.join("\n")).toMatch(/Skipping 'cats\/notes\.jpg': not a readable image/);
  });

  it("raise with onInvalid: 'error'", async () => {
    const root = await broken();
    await expect(listDirectory(root, { onInvalid: "error", warn: () => {} })).rejects.toThrow(
      /'cats\/empty\.png' is not a readable image: empty file \(and 1 more\)/,
    );
  });

  it("verify: 'decode' also finds truncated files before training", async () => {
    const root = await broken();
    const r = await listDirectory(root, { verify: "decode", warn: () => {} });
    expect(r.skipped.map((s) => s.filename).sort()).toEqual([
      "cats/empty.png",
      "cats/notes.jpg",
      "dogs/truncated.jpg",
    ]);
  });

  it("a truncated file met while batching is left out of its batch, counted once, and warned about", async () => {
    const root = await broken();
    const warnings: string[] = [];
    const it = await flowFromDirectory(root, {
      targetSize: [6, 8],
      batchSize: 16,
      shuffle: false,
      warn: (m) => warnings.push(m),
    });
    expect(it.samples).toBe(8);
    for (let e = 0; e < 2; e++) {
      for await (const b of it) {
        expect(b.xs.shape[0]).toBe(7);
        expect(b.skipped.map((s) => s.filename)).toEqual(["dogs/truncated.jpg"]);
        tf.dispose([b.xs, b.ys as tf.Tensor]);
      }
    }
    expect(it.skipped.map((s) => s.filename).sort()).toEqual([
      "cats/empty.png",
      "cats/notes.jpg",
      "dogs/truncated.jpg",
    ]);
    expect(warnings.filter((w) => w.includes("truncated.jpg"))).toHaveLength(1);
  });

  it("a truncated file raises while batching with onInvalid: 'error'", async () => {
    const root = await broken();
    const it = await flowFromDirectory(root, {
      targetSize: [6, 8],
      batchSize: 16,
      shuffle: false,
      onInvalid: "skip",
      warn: () => {},
    });
    expect(it.samples).toBe(8);
    const strict = await flowFromDirectory(root, {
      targetSize: [6, 8],
      batchSize: 16,
      shuffle: false,
      onInvalid: "error",
      verify: "none",
      warn: () => {},
    });
    await expect(strict.getItem(0)).rejects.toThrow(/could not be decoded/);
  });
});

describe("folders without images are errors before any training", () => {
  it("an empty class folder", async () => {
    const root = await makeTree({ cats: 2 });
    roots.push(root);
    mkdirSync(join(root, "dogs"));
    writeFileSync(join(root, "dogs", "readme.txt"), "nothing here");
    await expect(listDirectory(root, { warn: () => {} })).rejects.toThrow(
      /Class folder 'dogs' in .* has no images/,
    );
  });

  it("a class folder whose only files are broken", async () => {
    const root = await makeTree({ cats: 2 });
    roots.push(root);
    mkdirSync(join(root, "dogs"));
    writeFileSync(join(root, "dogs", "x.jpg"), "garbage");
    await expect(listDirectory(root, { warn: () => {} })).rejects.toThrow(DataError);
  });

  it("a folder with no images at all, or no class folders", async () => {
    const root = await makeTree({});
    roots.push(root);
    await expect(listDirectory(root)).rejects.toThrow(/No class folders/);
    mkdirSync(join(root, "a"));
    mkdirSync(join(root, "b"));
    await expect(listDirectory(root)).rejects.toThrow(
      /No images in .* \(looked for png, jpg, jpeg, bmp, ppm, tif, tiff in 2 class folders\)/,
    );
  });

  it("a missing directory, a missing class, a bad split", async () => {
    await expect(listDirectory("/nonexistent/graft")).rejects.toThrow(/does not exist/);
    const root = await makeTree({ cats: 2 });
    roots.push(root);
    await expect(listDirectory(root, { classes: ["cats", "dogs"] })).rejects.toThrow(
      /Class folder 'dogs' \(from classes\) does not exist/,
    );
    await expect(listDirectory(root, { validationSplit: 1.5, subset: "training" })).rejects.toThrow(
      /strictly between 0 and 1/,
    );
  });
});
