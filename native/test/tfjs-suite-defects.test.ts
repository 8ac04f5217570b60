/**
 * graft-cpu's own checks for the defects tfjs-core's suite found (test/tfjs-suite.test.ts),
 * each beside the kernel it was in, so a regression shows here by name.
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { inCI, onBoth } from "./helpers.ts";

const unavailable = graftCpuUnavailableReason();
const describeNative = unavailable && !inCI ? describe.skip : describe;
afterAll(async () => {
  await tf.setBackend("cpu");
});

describeNative("defects tfjs-core's suite found in graft-cpu", () => {
  it("noteAliases: kernels whose inputs hold a list of tensors (RaggedGather)", async () => {
    const [cpu, graft] = await onBoth("graft-cpu", () => {
      const r = tf.raggedGather(
        [tf.tensor1d([0, 3, 3, 7, 9], "int32")],
        tf.tensor1d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        tf.tensor1d([3, 1, 2, 1, 0], "int32"),
        1,
      );
      return [...r.outputNestedSplits, r.outputDenseValues];
    });
    expect(graft).toEqual(cpu);
  });

  it("disposeData and weightsKey: a user kernel's data id with no numeric id", async () => {
    await tf.setBackend("graft-cpu");
    const name = `GraftTestKernel${Date.now()}`;
    tf.registerKernel({
      kernelName: name,
      backendName: "graft-cpu",
      kernelFunc: () => ({ dataId: {}, shape: [2], dtype: "float32" }),
    });
    try {
      const t = tf.engine().runKernel(name, {}, {}) as tf.Tensor;
      expect(t.shape).toEqual([2]);
      expect(() => t.dispose()).not.toThrow();
      const made = tf.engine().makeTensorFromDataId({}, [1], "float32");
      expect(() => made.dispose()).not.toThrow();
    } finally {
      tf.unregisterKernel(name, "graft-cpu");
    }
  });

  it("MaxPool / AvgPool: a 1x1 window whose output shape is the input's returns the input, as tfjs-cpu does", async () => {
    for (const type of ["max", "avg"] as const) {
      const [cpu, graft] = await onBoth("graft-cpu", () =>
        tf.pool(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]), 1, type, 1, 1, 2),
      );
      expect(graft).toEqual(cpu);
      expect(Array.from(graft[0] as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
  });

  it("Conv2DBackpropInput: a dy larger than the output is read as tfjs-cpu reads it", async () => {
    const [cpu, graft] = await onBoth("graft-cpu", () => {
      const x = tf.tensor4d(
        Array.from({ length: 512 }, (_, i) => i % 5),
        [1, 8, 8, 8],
      );
      const w = tf.tensor4d(
        Array.from({ length: 4096 }, (_, i) => i % 5),
        [8, 8, 8, 8],
      );
      return tf.conv2dTranspose(x, w, [1, 4, 4, 8], 1, "same");
    });
    expect(graft).toEqual(cpu);
  });
});
