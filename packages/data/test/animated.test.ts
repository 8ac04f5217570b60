/**
 * Animated GIF and WebP: Keras' load_img (Pillow) opens the first frame, and so does
 * graft; flow_from_directory lists neither format, and graft says so instead of
 * passing over them silently. Every file that fails to load is named in the error.
 * The animations and their Pillow goldens are made by
 * test-fixtures/scripts/make_animated_fixtures.py.
 */
import "@tensorflow/tfjs-backend-cpu";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flowFromDirectory, ImageReadError, listDirectory, loadImage } from "../src/index.ts";
import { makeTree, writeImage } from "./helpers/images.ts";

const roots: string[] = [];
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const anim = (name: string) => fixture("data", "animated", name);

describe("an animated GIF or WebP decodes to its first frame, as Pillow opens it", () => {
  for (const file of ["anim.gif", "anim.webp"]) {
    for (const colorMode of ["rgb", "grayscale"] as const) {
      it(`${file} as ${colorMode}`, async () => {
        const img = await loadImage(anim(file), { colorMode });
        const g = readNpy(anim(`${file}.${colorMode}.npy`));
        expect([img.height, img.width, img.channels]).toEqual(g.shape);
        expect(Array.from(img.data)).toEqual(Array.from(g.data as Uint8Array));
      });
    }

    it(`${file} really has several frames, and the second differs from the first`, async () => {
      const meta = await sharp(anim(file)).metadata();
      expect(meta.pages).toBe(3);
      const second = await sharp(anim(file), { page: 1 }).removeAlpha().raw().toBuffer();
      const first = await loadImage(anim(file));
      expect(Buffer.from(first.data).equals(second)).toBe(false);
    });
  }
});

describe("GIF and WebP in class folders", () => {
  async function tree(): Promise<string> {
    const root = await makeTree({ cats: 2, dogs: 2 }, [12, 9]);
    roots.push(root);
    copyFileSync(anim("anim.gif"), join(root, "cats", "moving.gif"));
    copyFileSync(anim("anim.webp"), join(root, "dogs", "moving.webp"));
    return root;
  }

  it("are left out as Keras leaves them out, with one warning naming them", async () => {
    const root = await tree();
    const warnings: string[] = [];
    const r = await listDirectory(root, { warn: (m) => warnings.push(m) });
    expect(r.filenames).toEqual(["cats/000.png", "cats/001.png", "dogs/000.png", "dogs/001.png"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Leaving out 2 GIF\/WebP files \('cats\/moving\.gif', 'dogs\/moving\.webp'\): .*--extra-formats gif,webp/,
    );
    expect(r.warnings).toEqual(warnings);
  });

  it("with extraFormats are listed and batched as their first frame", async () => {
    const root = await tree();
    const warnings: string[] = [];
    const it = await flowFromDirectory(root, {
      extraFormats: ["gif", "webp"],
      targetSize: [9, 12],
      batchSize: 6,
      shuffle: false,
      workers: 0,
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([]);
    expect(it.filenames).toContain("cats/moving.gif");
    const b = await it.getItem(0);
    expect(b.xs.shape).toEqual([6, 9, 12, 3]);
    const i = it.filenames.indexOf("cats/moving.gif");
    const row = Array.from((await b.xs.data()).subarray(i * 9 * 12 * 3, (i + 1) * 9 * 12 * 3));
    const g = readNpy(anim("anim.gif.rgb.npy"));
    expect(row).toEqual(Array.from(g.data as Uint8Array));
    tf.dispose([b.xs, b.ys as tf.Tensor]);
  });
});

describe("a file that cannot be loaded is named in the error", () => {
  it("a truncated JPEG: ImageReadError with the path, and the reason apart", async () => {
    const root = await makeTree({});
    roots.push(root);
    const full = join(root, "full.jpg");
    await writeImage(full, 64, 48, 1, 2);
    const cut = join(root, "cut.jpg");
    const bytes = readFileSync(full);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const err = await loadImage(cut).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ImageReadError);
    const e = err as ImageReadError;
    expect(e.code).toBe("ERR_GRAFT_DATA");
    expect(e.path).toBe(cut);
    expect(e.message).toContain(`'${cut}'`);
    expect(e.reason).not.toContain(cut);
    expect(e.reason.length).toBeGreaterThan(0);
  });

  it("a missing file", async () => {
    await expect(loadImage("/nonexistent/graft/x.png")).rejects.toThrow(
      /^'\/nonexistent\/graft\/x\.png' could not be read as an image: ENOENT/,
    );
  });

  it("batching names the file once, relative to the folder, not with its full path again", async () => {
    const root = await makeTree({ cats: 2, dogs: 2 });
    roots.push(root);
    await writeImage(join(root, "dogs", "full.jpg"), 8, 6, 1, 9);
    const bytes = readFileSync(join(root, "dogs", "full.jpg"));
    writeFileSync(join(root, "dogs", "cut.jpg"), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    for (const workers of [0, 1]) {
      const warnings: string[] = [];
      const it = await flowFromDirectory(root, {
        targetSize: [6, 8],
        batchSize: 8,
        shuffle: false,
        workers,
        verify: "none", // met while batching, not while listing
        warn: (m) => warnings.push(m),
      });
      const b = await it.getItem(0);
      tf.dispose([b.xs, b.ys as tf.Tensor]);
      const w = warnings.filter((m) => m.includes("cut.jpg"));
      expect(w).toHaveLength(1);
      expect(w[0]).toMatch(/^Skipping 'dogs\/cut\.jpg': could not be decoded \(/);
      expect(w[0]).not.toContain(root);
    }
  });
});
