/**
 * Builds the directory tree of test-fixtures/data/manifest.json (the one Keras
 * listed and batched in make_data_fixtures.py) in a temporary folder, from the
 * committed images, so tests compare graft with Keras on the very same files.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fixture } from "@graft/test-fixtures";

export interface DataManifest {
  images: Record<string, string>;
  load_img: {
    file: string;
    color_mode: "rgb" | "grayscale" | "rgba";
    pil_mode?: string;
    interpolation?: "nearest" | "bilinear" | "bicubic" | "lanczos" | "box" | "hamming";
    target_size?: [number, number];
    keep_aspect_ratio?: boolean;
    shape?: number[];
    golden?: string;
    error?: string;
  }[];
  flow_from_directory: {
    tree: Record<string, string | null>;
    links: Record<string, string>;
    listings: {
      options: Record<string, unknown>;
      class_indices: Record<string, number>;
      filenames: string[];
      classes: number[];
      samples: number;
    }[];
    batches: {
      protocol: "next" | "getitem";
      class_mode: "categorical" | "sparse";
      color_mode?: "rgb" | "grayscale" | "rgba";
      epochs?: number;
      batches_per_epoch?: number;
      batch_sizes?: number[];
      augment?: Record<string, unknown>;
      target_size: [number, number];
      batch_size?: number;
      seed?: number;
      shuffle?: boolean;
      classes: string[];
      x: string;
      y: string;
    }[];
  };
}

export const dataManifest = JSON.parse(
  readFileSync(fixture("data", "manifest.json"), "utf8"),
) as DataManifest;

/** Writes the Keras tree into a new temporary folder and returns its path. */
export function buildKerasTree(): string {
  const root = join(mkdtempSync(join(tmpdir(), "graft-data-")), "tree");
  const { tree, links } = dataManifest.flow_from_directory;
  for (const [rel, src] of Object.entries(tree)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (src === null) writeFileSync(p, "not an image\n");
    else copyFileSync(fixture("data", "images", src), p);
  }
  for (const [rel, target] of Object.entries(links)) symlinkSync(target, join(root, rel));
  return root;
}
