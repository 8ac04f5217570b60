/**
 * Folders with images that cannot be read, as users have them: predict and evaluate report
 * each bad file and go on with the rest (exit 1 says some failed), augment preview names the
 * file, and each warning is printed once.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFile, demoManifest } from "@graft/demo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft as runGraft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-bad-images-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const manifest = demoManifest();
const train = demoFile("target", "train");
const val = demoFile("target", "val");
const classes = manifest.target.classes as string[];
const BASE = [
  "--weights",
  demoFile(manifest.weights.file),
  "--block-filters",
  manifest.blockFilters.join(","),
  "--input-size",
  String(manifest.inputSize[0]),
];
const graft = (args: string[]) => runGraft(args, { cwd: scratch });

const run = join(scratch, "run");
const folder = join(scratch, "mixed");
let good: string[] = [];
let bad: string[] = [];

beforeAll(() => {
  const r = graft([
    "train",
    "--data",
    train,
    ...BASE,
    "--epochs",
    "1",
    "--backend",
    "graft-cpu",
    "--out",
    run,
  ]);
  expect(r.code, r.err).toBe(0);
  // A class-folder copy of the validation set, two files per class, plus two bad files.
  for (const c of classes) {
    mkdirSync(join(folder, c), { recursive: true });
    for (const f of readdirSync(join(val, c)).sort().slice(0, 2)) {
      copyFileSync(join(val, c, f), join(folder, c, f));
      good.push(join(c, f));
    }
  }
  const first = join(folder, good[0] as string);
  const c0 = classes[0] as string;
  // A JPEG cut off after its first 200 bytes, and text with a .jpg name.
  writeFileSync(join(folder, c0, "truncated.jpg"), readFileSync(first).subarray(0, 200));
  writeFileSync(join(folder, c0, "notes.jpg"), "these are not pixels\n");
  bad = [join(c0, "notes.jpg"), join(c0, "truncated.jpg")];
  good = good.sort();
}, 300_000);

describe("predict on a folder with bad images", () => {
  it("classifies every good file, names each bad one, exits 1", () => {
    const r = graft(["predict", "--model", run, folder, "--backend", "graft-cpu"]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(good.length);
    for (const b of bad) {
      expect(r.err).toContain(`predict: cannot read '${join(folder, b)}'`);
    }
    expect(r.err).toContain(`predict: 2 of ${good.length + 2} images could not be read`);
  }, 120_000);

  it("--json gives an error object per bad file and a result per good one", () => {
    const r = graft(["predict", "--model", run, folder, "--json", "--backend", "graft-cpu"]);
    expect(r.code).toBe(1);
    const rows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { file: string; top?: unknown[]; error?: string });
    expect(rows.filter((x) => x.top).length).toBe(good.length);
    const errors = rows.filter((x) => x.error);
    expect(errors.map((x) => x.file).sort()).toEqual(bad.map((b) => join("mixed", b)).sort());
    for (const e of errors) expect(e.error?.length).toBeGreaterThan(0);
  }, 120_000);
});

describe("evaluate on a folder with bad images", () => {
  it("scores the good files, lists the skipped ones, warns once per file, exits 1", () => {
    const r = graft([
      "evaluate",
      "--model",
      run,
      "--data",
      folder,
      "--json",
      "--backend",
      "graft-cpu",
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out.trim().split("\n").pop() as string);
    expect(j.samples).toBe(good.length);
    expect((j.skipped as { file: string }[]).map((s) => s.file).sort()).toEqual(bad.sort());
    expect(r.err).toContain(`evaluate: 2 images could not be read and are not counted`);
    // Each bad file is named once on stderr, whichever step noticed it.
    const warnings = r.err.split("\n").filter((l) => l.startsWith("warning:"));
    expect(new Set(warnings).size).toBe(warnings.length);
  }, 120_000);
});

describe("augment preview on a truncated image", () => {
  it("names the file in one line", () => {
    const d = join(scratch, "only-bad");
    mkdirSync(join(d, "a"), { recursive: true });
    copyFileSync(join(folder, bad[1] as string), join(d, "a", "cut.jpg"));
    writeFileSync(join(scratch, "aug.json"), JSON.stringify({ horizontal_flip: true }));
    const r = graft([
      "augment",
      "preview",
      "--data",
      d,
      "--config",
      join(scratch, "aug.json"),
      "--out",
      join(scratch, "grid.png"),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.signal).toBeNull();
    const lines = r.err
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("warning:"));
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toContain(`cannot read '${join(d, "a", "cut.jpg")}'`);
  }, 120_000);
});
