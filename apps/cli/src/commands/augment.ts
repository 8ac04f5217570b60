import { readFileSync } from "node:fs";
import { ImageDataGenerator, parseGeneratorConfig } from "@graft/augment";
import { imageFailure, listDirectory, loadImage, RandomState } from "@graft/data";
import { writeFileAtomic } from "@graft/weights";
import type * as tfTypes from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { parse, positiveInt } from "../args.ts";
import { CliError, UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userPath } from "../paths.ts";
import { initTf } from "../tf.ts";
import { warnOnce } from "./common.ts";
import { list } from "./data.ts";

export const augmentHelp = `Usage:
  graft augment preview --data DIR --config aug.json --out grid.png [--per-class N]
                        [--target-size H[,W]] [--seed N] [--classes a,b] [--include-hidden]
      Writes a PNG grid: one row per class, N augmented samples each (default 8), drawn
      as Keras' flow_from_directory would with the ImageDataGenerator arguments in
      aug.json (Keras' names, e.g. {"rotation_range": 30, "zoom_range": 0.3,
      "horizontal_flip": true, "rescale": "1/255"}). Cells show apply_transform's
      output (the geometry, channel shift and brightness), before standardisation
      (rescale, centring), clipped to 0..255. --target-size defaults to 256.`;

export async function augmentCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    io.out(augmentHelp);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "preview") return preview(rest, io);
  throw new UsageError(`augment: unknown subcommand '${sub}' (expected preview)`);
}

function targetSize(value: string | undefined): [number, number] {
  if (value === undefined) return [256, 256];
  const parts = value.split(/[,x]/);
  const nums = parts.map((p) => positiveInt(p.trim(), "--target-size") as number);
  if (nums.length === 1) return [nums[0] as number, nums[0] as number];
  if (nums.length === 2) return [nums[0] as number, nums[1] as number];
  throw new UsageError(`Expected H or H,W for --target-size but received '${value}'`);
}

async function preview(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      data: { type: "string" },
      config: { type: "string" },
      out: { type: "string" },
      "per-class": { type: "string" },
      "target-size": { type: "string" },
      seed: { type: "string" },
      classes: { type: "string" },
      "include-hidden": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "augment preview",
  );
  if (values.help) {
    io.out(augmentHelp);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`augment preview: unexpected argument '${positionals[0]}'`);
  if (!values.data || !values.config || !values.out) {
    throw new UsageError(
      "augment preview: --data DIR, --config aug.json and --out grid.png are required",
    );
  }
  const perClass = positiveInt(values["per-class"], "--per-class", 8) as number;
  const [h, w] = targetSize(values["target-size"]);
  const seedText = values.seed;
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(
      `Expected an integer in [0, 2**32 - 1] for --seed but received '${seedText}'`,
    );
  }
  const configPath = userPath(values.config, io.env);
  let config: ReturnType<typeof parseGeneratorConfig>;
  try {
    config = parseGeneratorConfig(JSON.parse(readFileSync(configPath, "utf8")));
  } catch (err) {
    throw new CliError(`${values.config}: ${(err as Error).message}`);
  }
  const tf = await initTf();
  const gen = new ImageDataGenerator({ ...config, warn: warnOnce(io) });
  const dir = userPath(values.data, io.env);
  const classes = list(values.classes);
  let listing: Awaited<ReturnType<typeof listDirectory>>;
  try {
    listing = await listDirectory(dir, {
      ...(classes ? { classes } : {}),
      includeHidden: values["include-hidden"] ?? false,
      warn: warnOnce(io),
    });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_GRAFT_DATA")
      throw new CliError((err as Error).message);
    throw err;
  }
  const rng = new RandomState(seed);
  const names = Object.keys(listing.classIndices);
  const gap = 4;
  const gridW = perClass * w + (perClass + 1) * gap;
  const gridH = names.length * h + (names.length + 1) * gap;
  const grid = Buffer.alloc(gridW * gridH * 3, 255);
  for (const [row, name] of names.entries()) {
    const idx = listing.classIndices[name] as number;
    const files = listing.filenames.filter((_, i) => listing.classes[i] === idx);
    // N samples per class: a seeded pick, repeating files when the class has fewer.
    const order = rng.permutation(files.length);
    const pick = Array.from(
      { length: perClass },
      (_, i) => files[order[i % files.length] as number] as string,
    );
    const images = await Promise.all(
      pick.map((f) =>
        loadImage(`${dir}/${f}`, { colorMode: "rgb", targetSize: [h, w] }).catch((err) => {
          throw new CliError(`augment preview: cannot read '${dir}/${f}': ${imageFailure(err)}`);
        }),
      ),
    );
    const batch = new Float32Array(perClass * h * w * 3);
    images.forEach((img, i) => {
      batch.set(img.data, i * h * w * 3);
    });
    const x = tf.tensor4d(batch, [perClass, h, w, 3]);
    const params = images.map(() => gen.getRandomTransform([h, w, 3], null, rng));
    const y = gen.applyTransformBatch(x, params) as tfTypes.Tensor4D;
    const pixels = y.dataSync() as Float32Array;
    tf.dispose([x, y]);
    for (let i = 0; i < perClass; i++) {
      const x0 = gap + i * (w + gap);
      const y0 = gap + row * (h + gap);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) {
          for (let k = 0; k < 3; k++) {
            const v = pixels[((i * h + r) * w + c) * 3 + k] as number;
            grid[((y0 + r) * gridW + x0 + c) * 3 + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
          }
        }
      }
    }
  }
  const out = userPath(values.out, io.env);
  const png = await sharp(grid, { raw: { width: gridW, height: gridH, channels: 3 } })
    .png()
    .toBuffer();
  writeFileAtomic(out, png);
  io.out(
    `${out}: ${names.length} classes × ${perClass} samples (${names.join(", ")}), ${gridW}×${gridH} px`,
  );
  return 0;
}
