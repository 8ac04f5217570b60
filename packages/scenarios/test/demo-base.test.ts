/**
 * The demo's bundled base (test-fixtures/demo, made by make_demo_fixtures.py with Keras)
 * loads into graft's VGG19 and gives Keras' block5_pool features for the recorded images.
 */
import "@tensorflow/tfjs-backend-cpu";
import { readFileSync } from "node:fs";
import { loadImage } from "@graft/data";
import { preprocessInput, VGG } from "@graft/models";
import { fixture } from "@graft/test-fixtures";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

it("the demo base reproduces Keras' features of the golden images", async () => {
  const m = JSON.parse(readFileSync(fixture("demo", "manifest.json"), "utf8"));
  const [h, w] = m.inputSize as [number, number, number];
  const base = await VGG("vgg19", {
    includeTop: false,
    weights: fixture("demo", m.weights.file),
    blockFilters: m.blockFilters,
    inputShape: [h, w, 3],
  });
  const images = await Promise.all(
    (m.golden.images as string[]).map((p) => loadImage(fixture("demo", p), { targetSize: [h, w] })),
  );
  const x = tf.tensor4d(Float32Array.from(images.flatMap((i) => Array.from(i.data))), [
    images.length,
    h,
    w,
    3,
  ]);
  const y = base.predict(preprocessInput(x, "caffe")) as tf.Tensor;
  const golden = readNpyFloat32(fixture("demo", m.golden.file));
  expect(y.shape).toEqual(m.golden.shape);
  const got = await y.data();
  let maxRel = 0;
  let scale = 0;
  golden.data.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    maxRel = Math.max(maxRel, Math.abs((got[i] as number) - v));
  });
  expect(scale).toBeGreaterThan(0);
  expect(maxRel / scale).toBeLessThan(1e-5);
  tf.dispose([x, y]);
  base.dispose();
});
