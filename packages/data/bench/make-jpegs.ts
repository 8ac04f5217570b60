/** Writes `count` 500×375 JPEGs (two classes) with photo-like content: gradients, blocks and noise. */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

export async function makeJpegs(dir: string, count: number): Promise<void> {
  const classes = ["cats", "dogs"];
  const per = Math.ceil(count / classes.length);
  if (classes.every((c) => existsSync(join(dir, c)) && readdirSync(join(dir, c)).length === per))
    return;
  const w = 500;
  const h = 375;
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (const [ci, cls] of classes.entries()) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < per; i++) {
      const px = Buffer.alloc(w * h * 3);
      const fx = 0.5 + rand() * 3;
      const fy = 0.5 + rand() * 3;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 3;
          const n = rand() * 40;
          px[o] = (128 + 100 * Math.sin((x * fx) / 60 + ci) + n) & 0xff;
          px[o + 1] = (128 + 100 * Math.cos((y * fy) / 45) + n) & 0xff;
          px[o + 2] = ((x + y) / 4 + n) & 0xff;
        }
      }
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 85 })
        .toFile(join(dir, cls, `${String(i).padStart(4, "0")}.jpg`));
    }
  }
}
