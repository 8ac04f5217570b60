/**
 * graft-cpu's own checks for the defects tfjs-core's suite found (test/tfjs-suite.test.ts),
 * each beside the kernel it was in, so a regression shows here by name.
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { createGraftCudaBackend, registerGraftCudaKernels } from "../ts/graft_cuda.ts";
import { createHostNative, HOST_DISABLED } from "./cuda_host_native.ts";
import { inCI, onBoth } from "./helpers.ts";

const HOST = "graft-cuda-host-defects";
tf.registerBackend(HOST, () => createGraftCudaBackend(createHostNative(), HOST_DISABLED), -1);
registerGraftCudaKernels(HOST);

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

describe("defects tfjs-core's suite found in graft-cuda's fallback (on the host double)", () => {
  it("kernels whose inputs are a list (Concat, AddN) or hold lists (RaggedGather)", async () => {
    const [cpu, host] = await onBoth(HOST, () => {
      const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      const b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
      const r = tf.raggedGather(
        [tf.tensor1d([0, 3, 3, 7, 9], "int32")],
        tf.tensor1d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        tf.tensor1d([3, 1, 2, 1, 0], "int32"),
        1,
      );
      return [tf.concat([a, b], 1), tf.addN([a, b, a]), r.outputDenseValues];
    });
    expect(host).toEqual(cpu);
  });

  it("tfjs-cpu kernels that read an input's rank (Dilation2DBackpropInput)", async () => {
    const [cpu, host] = await onBoth(HOST, () => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const f = tf.tensor3d([1, 0.5, 0.25, 2], [2, 2, 1]);
      const grads = tf.grads((...[xx, ff]: tf.Tensor[]) =>
        tf.dilation2d(xx as tf.Tensor4D, ff as tf.Tensor3D, 1, "same"),
      );
      return grads([x, f]);
    });
    expect(host).toEqual(cpu);
  });
});
