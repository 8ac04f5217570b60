/**
 * The files of `graft demo`: a target dataset of drawn pictograms and a narrow
 * VGG19-shaped base pretrained on a related source domain, with the manifest that
 * make_demo_fixtures.py (test-fixtures/scripts) writes beside them.
 *
 * @module @graft/demo
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the demo's data folder. */
export const demoDir = fileURLToPath(new URL("../data/", import.meta.url));

/** Absolute path of a file inside the demo's data folder. */
export function demoFile(...parts: string[]): string {
  return join(demoDir, ...parts);
}

/** What data/manifest.json says. */
export interface DemoManifest {
  blockFilters: [number, number, number, number, number];
  inputSize: [number, number, number];
  preprocess: string;
  weights: { file: string };
  golden: { file: string; layer: string; images: string[]; shape: number[] };
  target: { classes: string[]; train: number; val: number; description: string };
  source: { name: string; classes: string[] };
  recipe: {
    headUnits: number;
    dropout: number;
    lr: number;
    momentum: number;
    batchSize: number;
    epochs: number;
  };
  results: { transfer: { valAccuracy: number }; scratch: { valAccuracy: number } };
}

/** The manifest, read from disk each call (it is small). */
export function demoManifest(): DemoManifest {
  return JSON.parse(readFileSync(demoFile("manifest.json"), "utf8")) as DemoManifest;
}
