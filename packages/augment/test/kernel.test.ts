/** The batched ImageAffineTransform kernel: one op for the batch, equal to image-by-image Keras. */
import "@tensorflow/tfjs-backend-cpu";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKerasTree } from "../../data/test/helpers/tree.ts";
import {
  applyTransform,
  applyTransformBatch,
  hasNativeImageAffineTransform,
  ImageAffineTransform,
  ImageDataGenerator,
  imageAffineTransform,
  registerImageAffineTransform,
  type TransformParams,
} from "../src/index.ts";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = buildKerasTree();
});
afterAll(() => rmSync(dirname(root), { recursive: true, force: true }));

/** A backend named `name` with every cpu kernel but ImageAffineTransform. */
function registerCpuTwin(name: string): void {
  tf.registerBackend(
    name,
    () => new (tf.findBackend("cpu")!.constructor as new () => tf.KernelBackend)(),
  );
  for (const k of tf.getKernelsForBackend("cpu")) {
    if (k.kernelName !== ImageAffineTransform) tf.registerKernel({ ...k, backendName: name });
  }
}

const params: TransformParams[] = [
  { theta: 30 },
  {},
  { tx: 2.5, flip_horizontal: true },
  { zx: 0.7, zy: 1.2, flip_vertical: true, flip_horizontal: true },
];

function batch(): tf.Tensor4D {
  return tf.tidy(
    () => tf.mul(tf.randomUniform([4, 7, 10, 3], 0, 1, "float32", 5), 255) as tf.Tensor4D,
  );
}

describe("ImageAffineTransform", () => {
  it("is registered for cpu and runs as one kernel for the whole batch", () => {
    expect(tf.getKernel(ImageAffineTransform, "cpu")).toBeDefined();
    const x = batch();
    const seen: string[] = [];
    const profile = tf.profile(() => applyTransformBatch(x, params, { fillMode: "reflect" }));
    return profile.then((p) => {
      for (const k of p.kernels) seen.push(k.name);
      expect(seen.filter((n) => n === ImageAffineTransform)).toHaveLength(1);
      x.dispose();
    });
  });

  it("a batch equals the images transformed one by one", () => {
    const x = batch();
    const y = applyTransformBatch(x, params, { fillMode: "wrap", interpolationOrder: 1 });
    const rows = tf.unstack(x);
    params.forEach((p, i) => {
      const one = applyTransform(rows[i] as tf.Tensor3D, p, { fillMode: "wrap" });
      const fromBatch = tf.squeeze(tf.slice(y, [i, 0, 0, 0], [1, -1, -1, -1]), [0]);
      expect(Array.from(fromBatch.dataSync())).toEqual(Array.from(one.dataSync()));
      tf.dispose([one, fromBatch]);
    });
    tf.dispose([x, y, ...rows]);
  });

  it("the fused rescale equals Keras' separate float32 multiply, in every mode and order", () => {
    const x = batch();
    const r = 1 / 255;
    for (const fillMode of ["constant", "nearest", "reflect", "wrap"] as const) {
      for (const interpolationOrder of [0, 1] as const) {
        const o = { fillMode, interpolationOrder, cval: 3 };
        const fused = applyTransformBatch(x, params, o, { fusedScale: r });
        const t = applyTransformBatch(x, params, o);
        const separate = tf.mul(t, tf.scalar(r));
        expect(Array.from(fused.dataSync())).toEqual(Array.from(separate.dataSync()));
        tf.dispose([fused, t, separate]);
      }
    }
    x.dispose();
  });

  it("checks its inputs, with the shapes in the message", () => {
    const x = batch();
    expect(() =>
      imageAffineTransform(x, {
        transforms: [1, 0, 0, 0, 1, 0],
        flips: [0],
        fillMode: "nearest",
        cval: 0,
        order: 1,
      }),
    ).toThrow(/expected 24 transform values for a batch of 4 but received 6/);
    expect(() => applyTransformBatch(x, params, { interpolationOrder: 3 as 1 })).toThrow(
      /interpolationOrder 0 or 1/,
    );
    x.dispose();
  });

  it("another backend without the kernel gets the reference, and can register it", async () => {
    registerCpuTwin("graft-test-cpu");
    const x = batch();
    const want = applyTransformBatch(x, params);
    const wantData = Array.from(want.dataSync());
    await tf.setBackend("graft-test-cpu");
    try {
      const x2 = tf.tensor4d(x.dataSync() as Float32Array, x.shape);
      expect(Array.from(applyTransformBatch(x2, params).dataSync())).toEqual(wantData);
      registerImageAffineTransform("graft-test-cpu");
      expect(tf.getKernel(ImageAffineTransform, "graft-test-cpu")).toBeDefined();
      expect(Array.from(applyTransformBatch(x2, params).dataSync())).toEqual(wantData);
    } finally {
      await tf.setBackend("cpu");
      tf.removeBackend("graft-test-cpu");
    }
    tf.dispose([x, want]);
  });
});

describe("where flowFromDirectory augments", () => {
  it("decode workers and the batched kernel on the main thread give identical batches", async () => {
    const run = async (workers: number) => {
      const gen = new ImageDataGenerator({
        rotationRange: 40,
        zoomRange: 0.2,
        horizontalFlip: true,
        fillMode: "reflect",
        channelShiftRange: 20,
        rescale: 1 / 255,
      });
      const it = await gen.flowFromDirectory(root, {
        targetSize: [12, 16],
        batchSize: 5,
        seed: 11,
        workers,
        classes: ["Zebra", "cats", "dogs"],
        warn: () => {},
      });
      const out: number[][] = [];
      for await (const b of it) {
        out.push(Array.from(b.xs.dataSync()));
        tf.dispose([b.xs, b.ys as tf.Tensor]);
      }
      return out;
    };
    const inWorkers = await run(2);
    const onMain = await run(0);
    expect(inWorkers.length).toBe(4);
    expect(inWorkers).toEqual(onMain);
  });

  it("augments in the workers unless the active backend has a native batched kernel", async () => {
    const gen = new ImageDataGenerator({ rotationRange: 40, horizontalFlip: true });
    const perImage = gen.asBatchTransform().perImage;
    expect(perImage?.inWorkers).toBeDefined();
    const inWorkers = () => perImage?.inWorkers?.();
    // cpu: the kernel is the JS reference, so the workers do it.
    expect(hasNativeImageAffineTransform()).toBe(false);
    expect(inWorkers()).toBe(true);
    const name = "graft-test-native";
    registerCpuTwin(name);
    await tf.setBackend(name);
    try {
      // A backend without the kernel at all (as graft-cpu and graft-cuda today).
      expect(inWorkers()).toBe(true);
      // The reference registered on it: still the workers.
      registerImageAffineTransform(name);
      expect(inWorkers()).toBe(true);
      // A kernel of the backend's own: the batched op on the main thread.
      tf.unregisterKernel(ImageAffineTransform, name);
      tf.registerKernel({
        kernelName: ImageAffineTransform,
        backendName: name,
        kernelFunc: () => {
          throw new Error("not run");
        },
      });
      expect(hasNativeImageAffineTransform()).toBe(true);
      expect(inWorkers()).toBe(false);
    } finally {
      await tf.setBackend("cpu");
      tf.removeBackend(name);
      for (const k of tf.getKernelsForBackend(name)) tf.unregisterKernel(k.kernelName, name);
    }
  });
});
