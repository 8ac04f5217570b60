/** Small image trees made at test time with sharp (real PNG/JPEG encoders). */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sharp from "sharp";

/** A w×h RGB picture whose pixels encode (class, index), so tests can tell files apart. */
export function pixels(w: number, h: number, cls: number, index: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      b[o] = cls * 40 + x;
      b[o + 1] = index * 10 + y;
      b[o + 2] = (x * y) % 256;
    }
  }
  return b;
}

export async function writeImage(
  path: string,
  w: number,
  h: number,
  cls: number,
  index: number,
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const img = sharp(pixels(w, h, cls, index), { raw: { width: w, height: h, channels: 3 } });
  await (path.endsWith(".jpg") ? img.jpeg({ quality: 95 }) : img.png()).toFile(path);
}

/** classes → number of PNG files; returns the root folder. */
export async function makeTree(spec: Record<string, number>, size = [8, 6]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "graft-tree-"));
  const [w, h] = size as [number, number];
  let c = 0;
  for (const [cls, n] of Object.entries(spec)) {
    for (let i = 0; i < n; i++)
      await writeImage(join(root, cls, `${String(i).padStart(3, "0")}.png`), w, h, c, i);
    c++;
  }
  return root;
}
