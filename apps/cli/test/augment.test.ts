/** graft augment preview: a real PNG, decoded back with sharp and checked. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKerasTree } from "../../../packages/data/test/helpers/tree.ts";
import { graft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-cli-augment-"));
let root: string;
beforeAll(() => {
  root = buildKerasTree();
});
afterAll(() => {
  rmSync(dirname(root), { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function config(name: string, json: unknown): string {
  const p = join(scratch, name);
  writeFileSync(p, JSON.stringify(json));
  return p;
}

const recipe = {
  rescale: "1/255",
  horizontal_flip: true,
  fill_mode: "nearest",
  zoom_range: 0.3,
  width_shift_range: 0.3,
  height_shift_range: 0.3,
  rotation_range: 30,
};

async function png(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

describe("graft augment preview", () => {
  it("writes one row per class and --per-class cells, seeded", async () => {
    const out = join(scratch, "grid.png");
    const r = graft([
      "augment",
      "preview",
      "--data",
      root,
      "--config",
      config("aug.json", recipe),
      "--out",
      out,
      "--per-class",
      "3",
      "--target-size",
      "20,30",
      "--seed",
      "4",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/3 classes × 3 samples \(Zebra, cats, dogs\)/);
    const a = await png(out);
    // 3 cells of 30 px and 4 gaps of 4 px across; 3 rows of 20 px and 4 gaps down
    expect([a.info.width, a.info.height, a.info.channels]).toEqual([
      3 * 30 + 4 * 4,
      3 * 20 + 4 * 4,
      3,
    ]);
    const again = join(scratch, "again.png");
    graft([
      "augment",
      "preview",
      "--data",
      root,
      "--config",
      config("aug.json", recipe),
      "--out",
      again,
      "--per-class",
      "3",
      "--target-size",
      "20,30",
      "--seed",
      "4",
    ]);
    expect((await png(again)).data.equals(a.data)).toBe(true);
  });

  it("the augmentation shows: an empty config gives other pixels than the recipe", async () => {
    const plain = join(scratch, "plain.png");
    const aug = join(scratch, "aug.png");
    const args = ["--data", root, "--per-class", "2", "--target-size", "16", "--seed", "1"];
    expect(
      graft(["augment", "preview", ...args, "--config", config("none.json", {}), "--out", plain])
        .code,
    ).toBe(0);
    expect(
      graft([
        "augment",
        "preview",
        ...args,
        "--config",
        config("r.json", { ...recipe, rotation_range: 90 }),
        "--out",
        aug,
      ]).code,
    ).toBe(0);
    const p = await png(plain);
    const q = await png(aug);
    expect(p.data.length).toBe(q.data.length);
    let diff = 0;
    for (let i = 0; i < p.data.length; i++) diff += p.data[i] !== q.data[i] ? 1 : 0;
    expect(diff / p.data.length).toBeGreaterThan(0.2);
  });

  it("bad configs and flags: one line, non-zero exit", () => {
    const bad = graft([
      "augment",
      "preview",
      "--data",
      root,
      "--config",
      config("bad.json", { rotaton_range: 3 }),
      "--out",
      join(scratch, "x.png"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toMatch(
      /bad\.json: Unknown ImageDataGenerator argument 'rotaton_range'$/,
    );
    const usage = graft(["augment", "preview", "--data", root]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--config aug\.json and --out grid\.png are required/);
  });
});
