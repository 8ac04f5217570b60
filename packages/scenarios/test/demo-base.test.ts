/**
 * The demo's bundled base (@graft/demo, made by make_demo_fixtures.py with Keras)
 * loads into graft's VGG19 and gives Keras' block5_pool features for the recorded images.
 */
import "@tensorflow/tfjs-backend-cpu";
import { loadImage } from "@graft/data";
import { demoFile, demoManifest } from "@graft/demo";
import { preprocessInput, VGG } from "@graft/models";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

it("the demo base reproduces Keras' features of the golden images", async () => {
  const m = demoManifest();
  const [h, w] = m.inputSize as [number, number, number];
  const base = await VGG("vgg19", {
    includeTop: false,
    weights: demoFile(m.weights.file),
    blockFilters: m.blockFilters,
    inputShape: [h, w, 3],
  });
  const images = await Promise.all(
    m.golden.images.map((p) => loadImage(demoFile(p), { targetSize: [h, w] })),
  );
  const x = tf.tensor4d(Float32Array.from(images.flatMap((i) => Array.from(i.data))), [
    images.length,
    h,
    w,
    3,
  ]);
  const y = base.predict(preprocessInput(x, "caffe")) as tf.Tensor;
  const golden = readNpyFloat32(demoFile(m.golden.file));
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
