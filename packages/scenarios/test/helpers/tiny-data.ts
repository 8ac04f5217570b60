/** Tiny class-folder datasets made at test time with a real PNG encoder (sharp). */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";

/**
 * `perClass` noisy 32×32 pictures per class, class c brighter in channel c: easy
 * for a tiny network to tell apart, different in every pixel.
 */
export async function colorClasses(
  perClass: number,
  classes = ["blue", "green", "red"],
  seed = 7,
): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "graft-scenarios-"));
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  for (const [ci, cls] of classes.entries()) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const b = Buffer.alloc(32 * 32 * 3);
      for (let p = 0; p < 32 * 32; p++) {
        for (let c = 0; c < 3; c++)
          b[p * 3 + c] = Math.floor(rand() * 120 + (c === ci % 3 ? 120 : 0));
      }
      await sharp(b, { raw: { width: 32, height: 32, channels: 3 } })
        .png()
        .toFile(join(root, cls, `${String(i).padStart(3, "0")}.png`));
    }
  }
  return root;
}

export const TINY = {
  weights: "none",
  "block-filters": [4, 8, 8, 16, 16],
  "input-size": 32,
  "batch-size": 8,
  lr: 0.01,
  seed: 1,
  backend: "cpu",
} as const;
