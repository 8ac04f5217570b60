/**
 * Two tiny seeded models (a Sequential and a Functional one) covering every
 * layer the whole-model interop supports, and a writer that saves them in both
 * file formats with their input and graft's prediction beside them: the input
 * of test-fixtures/scripts/check_graft_models.py.
 *
 *     pnpm exec tsx packages/weights/test/helpers/tiny-models.ts DIR
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeNpy } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { saveKerasModel } from "../../src/index.ts";

const normal = (seed: number) => tfl.initializers.randomNormal({ mean: 0, stddev: 0.3, seed });
const uniform = (seed: number, minval: number, maxval: number) =>
  tfl.initializers.randomUniform({ minval, maxval, seed });

/** BN with non-trivial moving statistics, so inference-mode BN is really exercised. */
function bn(name: string, seed: number) {
  return tfl.layers.batchNormalization({
    name,
    gammaInitializer: uniform(seed, 0.8, 1.2),
    betaInitializer: normal(seed + 1),
    movingMeanInitializer: normal(seed + 2),
    movingVarianceInitializer: uniform(seed + 3, 0.5, 1.5),
  });
}

export function tinySequential(): tfl.Sequential {
  return tfl.sequential({
    name: "tiny_seq",
    layers: [
      tfl.layers.conv2d({
        name: "conv",
        inputShape: [8, 8, 3],
        filters: 4,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        kernelInitializer: normal(11),
        biasInitializer: normal(12),
      }),
      bn("bn", 13),
      tfl.layers.maxPooling2d({ name: "pool", poolSize: 2 }),
      tfl.layers.dropout({ name: "drop", rate: 0.25 }),
      tfl.layers.flatten({ name: "flatten" }),
      tfl.layers.dense({
        name: "out",
        units: 3,
        activation: "softmax",
        kernelInitializer: normal(17),
        biasInitializer: normal(18),
      }),
    ],
  });
}

export function tinyFunctional(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3], name: "image" });
  let x = tfl.layers
    .conv2d({
      name: "conv_a",
      filters: 4,
      kernelSize: 3,
      activation: "relu",
      kernelInitializer: normal(21),
      biasInitializer: normal(22),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = bn("bn", 23).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ name: "pool", poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      name: "conv_b",
      filters: 5,
      kernelSize: 2,
      kernelInitializer: normal(27),
      biasInitializer: normal(28),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ name: "drop", rate: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({ name: "logits", units: 2, kernelInitializer: normal(31), biasInitializer: normal(32) })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: "tiny_fn" });
}

export const TINY_MODELS = { seq: tinySequential, fn: tinyFunctional } as const;

/** A fixed (2, 8, 8, 3) input. */
export function tinyInput(): tf.Tensor4D {
  return tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5);
}

/**
 * Writes `<name>.h5` and `<name>.keras` for each tiny model, plus
 * `<name>.input.npy` and `<name>.output.npy` (graft's prediction).
 */
export async function writeTinyModels(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, build] of Object.entries(TINY_MODELS)) {
    const model = build();
    const x = tinyInput();
    const y = model.predict(x) as tf.Tensor;
    writeNpy(join(dir, `${name}.input.npy`), x.dataSync() as Float32Array, x.shape);
    writeNpy(join(dir, `${name}.output.npy`), y.dataSync() as Float32Array, y.shape);
    await saveKerasModel(model, join(dir, `${name}.h5`));
    await saveKerasModel(model, join(dir, `${name}.keras`));
    written.push(`${name}.h5`, `${name}.keras`);
    tf.dispose([x, y]);
    model.dispose();
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: tsx tiny-models.ts DIR");
    process.exit(2);
  }
  await import("@tensorflow/tfjs-backend-cpu");
  await tf.setBackend("cpu");
  console.log((await writeTinyModels(dir)).join("\n"));
}
