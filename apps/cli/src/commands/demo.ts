import { buildVGG, formatSummary, freezeLayers, summarize, VGG } from "@graft/models";
import { kerasFixture, kerasManifest } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import type { Tensor } from "@tensorflow/tfjs-core";
import type { Io } from "../io.ts";
import { initTf } from "../tf.ts";

export const demoHelp = `Usage: graft demo

The bundled default, fully offline:
  1. Keras' summary of the classic recipe's base: VGG19 without top at 256×256, layers[:5] frozen.
  2. A narrow VGG19-named network saved in the official files' Keras 1 layout (test-fixtures/keras),
     loaded into graft's VGG19 and run on a fixed input, beside the output Keras itself recorded.`;

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(demoHelp);
    return 0;
  }
  const tf = await initTf();
  io.out("== VGG19 (no top, 256×256), layers[:5] frozen, as the classic recipe builds it ==");
  const base = buildVGG("vgg19", { includeTop: false, inputShape: [256, 256, 3], weights: null });
  freezeLayers(base, 5);
  io.out(formatSummary(summarize(base), { showTrainable: true }));
  base.dispose();

  const manifest = kerasManifest();
  const file = "vgg19_tiny.top.keras1.h5";
  const info = manifest.models["vgg19_tiny.top"];
  if (!info) throw new Error("test-fixtures/keras/manifest.json has no vgg19_tiny.top model");
  io.out("");
  io.out(
    `== Prediction with a fixture model: ${file} (Keras 1 layout, like the official VGG files) ==`,
  );
  const model = await VGG("vgg19", {
    includeTop: true,
    blockFilters: [4, 8, 8, 16, 16],
    topUnits: 16,
    classes: 5,
    inputShape: [32, 32, 3],
    weights: kerasFixture(file),
  });
  const x = readNpy(kerasFixture(info.input));
  const golden = readNpy(kerasFixture(info.output));
  const probs = tf.tidy(() =>
    (model.predict(tf.tensor(x.data as Float32Array, x.shape)) as Tensor).arraySync(),
  ) as number[][];
  const classes = golden.shape[1] as number;
  let maxDiff = 0;
  probs.forEach((row, i) => {
    const top = row.indexOf(Math.max(...row));
    const kerasRow = Array.from(golden.data.slice(i * classes, (i + 1) * classes) as Float32Array);
    row.forEach((p, j) => {
      maxDiff = Math.max(maxDiff, Math.abs(p - (kerasRow[j] as number)));
    });
    io.out(
      `image ${i}: class ${top} p=${(row[top] as number).toFixed(6)}   graft [${row.map((p) => p.toFixed(6)).join(", ")}]`,
    );
    io.out(`         Keras recorded     [${kerasRow.map((p) => p.toFixed(6)).join(", ")}]`);
  });
  io.out(`max |graft − Keras| = ${maxDiff.toExponential(2)}  (backend: ${tf.getBackend()})`);
  model.dispose();
  return 0;
}
