/**
 * pnpm bench (@graft/data): decode + resize (Keras' nearest) + batch, img/s, at
 * 256×256 from a folder of 500×375 JPEGs, without augmentation, beside Keras'
 * flow_from_directory (Pillow, one process) measured in the same run.
 * The augmenting pipeline is measured by @graft/augment's bench.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";
import { makeJpegs } from "./make-jpegs.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const dir = join(here, "..", "..", "..", ".bench-tmp", "augment-jpegs-500x375");
const count = Number(process.env.GRAFT_BENCH_IMAGES ?? 480);
await makeJpegs(dir, count);

// A Python with Keras (node's folder can put a bare python3 first on PATH under pnpm).
const python = findPython("keras, PIL");
const last = (out: string) => JSON.parse(out.trim().split("\n").pop() as string);
const graft = last(
  execFileSync(
    process.execPath,
    ["--conditions=@graft/source", "--import", "tsx", join(here, "graft-decode.ts"), dir],
    {
      encoding: "utf8",
    },
  ),
);
console.log(
  `${count} JPEGs 500×375 → 256×256, batch 16, no augmentation, ${availableParallelism()} cores`,
);
console.log(
  `graft (sharp decode + Pillow-exact nearest resize in worker threads): ${graft.images_per_second.toFixed(1)} img/s (${graft.images} images in ${graft.seconds.toFixed(2)} s)`,
);
if (python === null) {
  // graft's figure is out; a missing reference is not a failed bench.
  console.log(missingReference("keras, PIL"));
  process.exit(0);
}
const keras = last(
  execFileSync(python, [join(here, "keras_decode.py"), dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }),
);
console.log(
  `Keras flow_from_directory (reference): ${keras.images_per_second.toFixed(1)} img/s (${keras.images} images in ${keras.seconds.toFixed(2)} s)`,
);
console.log(
  `ratio graft/Keras: ${(graft.images_per_second / keras.images_per_second).toFixed(2)}×`,
);
