/**
 * The Keras 3 layers and activations tfjs-layers lacks (keras3-layers.ts): keepdims global
 * pooling and Keras 3's hard_sigmoid / hard_silu compute Keras' values, serialise under Keras'
 * names, and survive saveKerasModel → loadKerasModel in both formats; a Keras 2 config keeps
 * Keras 2's hard_sigmoid.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type KerasJsonObject,
  kerasConfigToTfjs,
  loadKerasModel,
  saveKerasModel,
  tfjsToKeras2Config,
  tfjsToKeras3Config,
} from "../src/index.ts";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-keras3-layers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// x in [-4, 4] by halves: both ends of the hard sigmoid's ramp and its middle.
const X = Array.from({ length: 17 }, (_, i) => -4 + i / 2);
const hardSigmoid = (v: number) => Math.min(6, Math.max(0, v + 3)) / 6;

/** in → avg(keepdims) → hard_sigmoid, × input (MobileNetV3's squeeze-and-excitation shape). */
function gateModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 3, 4], name: "in" });
  const pooled = new GlobalAveragePooling2D({ keepdims: true, name: "pool" }).apply(input);
  const gate = tfl.layers
    .activation({ activation: "keras3HardSigmoid" as never, name: "gate" })
    .apply(pooled);
  const scaled = tfl.layers.multiply({ name: "mul" }).apply([input, gate] as tfl.SymbolicTensor[]);
  const act = tfl.layers
    .activation({ activation: "hardSilu" as never, name: "act" })
    .apply(scaled) as tfl.SymbolicTensor;
  const flat = new GlobalMaxPooling2D({ keepdims: true, name: "max" }).apply(act);
  return tfl.model({ inputs: input, outputs: flat as tfl.SymbolicTensor, name: "gate" });
}

describe("Keras 3 activations", () => {
  it("hard_sigmoid is relu6(x + 3) / 6 and hard_silu (hard_swish) is x times it", () => {
    const x = tf.tensor1d(X);
    for (const [name, f] of [
      ["keras3HardSigmoid", hardSigmoid],
      ["hardSilu", (v: number) => v * hardSigmoid(v)],
      ["hardSwish", (v: number) => v * hardSigmoid(v)],
    ] as const) {
      const layer = tfl.layers.activation({ activation: name as never });
      const y = Array.from((layer.apply(x) as tf.Tensor).dataSync());
      for (const [i, v] of y.entries()) {
        expect(v, `${name}(${X[i]})`).toBeCloseTo(f(X[i] as number), 6);
      }
    }
    // tfjs' own hardSigmoid stays Keras 2's clip(0.2x + 0.5, 0, 1).
    const keras2 = tfl.layers.activation({ activation: "hardSigmoid" });
    expect((keras2.apply(tf.scalar(1)) as tf.Tensor).dataSync()[0]).toBeCloseTo(0.7, 6);
  });
});

describe("keepdims global pooling", () => {
  it("keeps the pooled axes as 1s, says so in its config, and is as before without it", () => {
    const x = tf.tensor4d(
      Array.from({ length: 24 }, (_, i) => i - 11),
      [1, 2, 3, 4],
    );
    const avg = new GlobalAveragePooling2D({ keepdims: true });
    const y = avg.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 1, 1, 4]);
    expect(Array.from(y.dataSync())).toEqual([-1, 0, 1, 2]);
    expect(avg.computeOutputShape([null, 7, 5, 4])).toEqual([null, 1, 1, 4]);
    expect(avg.getConfig()).toMatchObject({ keepdims: true });
    const max = new GlobalMaxPooling2D({ keepdims: true });
    expect(Array.from((max.apply(x) as tf.Tensor).dataSync())).toEqual([9, 10, 11, 12]);
    const plain = new GlobalAveragePooling2D({});
    expect((plain.apply(x) as tf.Tensor).shape).toEqual([1, 4]);
    expect(plain.getConfig()).not.toHaveProperty("keepdims");
  });
});

describe("saved and reloaded with Keras' names", () => {
  it("the configs name Keras 3's activations and keepdims, in both dialects", () => {
    const model = gateModel();
    for (const config of [tfjsToKeras3Config(model), tfjsToKeras2Config(model)]) {
      const layers = (config.config as KerasJsonObject).layers as KerasJsonObject[];
      const cfg = (name: string) =>
        (layers.find((l) => (l.config as KerasJsonObject).name === name) as KerasJsonObject)
          .config as KerasJsonObject;
      expect(cfg("gate").activation).toBe("hard_sigmoid");
      expect(cfg("act").activation).toBe("hard_silu");
      expect(cfg("pool").keepdims).toBe(true);
      expect(cfg("max").keepdims).toBe(true);
    }
    model.dispose();
  });

  for (const format of ["h5", "keras"] as const) {
    it(`${format}: rebuilds the same layers and predictions`, async () => {
      const model = gateModel();
      const path = join(dir, `gate.${format}`);
      await saveKerasModel(model, path);
      const back = await loadKerasModel(path);
      const x = tf.tensor4d(
        Array.from({ length: 24 }, (_, i) => (i - 12) / 3),
        [1, 2, 3, 4],
      );
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (back.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(back.getLayer("pool").getConfig()).toMatchObject({ keepdims: true });
      tf.dispose(x);
      model.dispose();
      back.dispose();
    });
  }

  it("a config's hard_sigmoid is read as Keras 3 reads every file: relu6(x + 3) / 6", () => {
    const config = (activation: string): KerasJsonObject => ({
      class_name: "Functional",
      config: {
        name: "f",
        layers: [
          {
            class_name: "InputLayer",
            config: { batch_input_shape: [null, 1], name: "in" },
            name: "in",
            inbound_nodes: [],
          },
          {
            class_name: "Activation",
            config: { name: "a", activation },
            name: "a",
            inbound_nodes: [[["in", 0, 0, {}]]],
          },
        ],
        input_layers: [["in", 0, 0]],
        output_layers: [["a", 0, 0]],
      },
    });
    const activation = (c: KerasJsonObject) => {
      const layers = (c.config as KerasJsonObject).layers as KerasJsonObject[];
      return (layers[1] as KerasJsonObject & { config: KerasJsonObject }).config.activation;
    };
    expect(activation(kerasConfigToTfjs(config("hard_sigmoid")))).toBe("keras3_hard_sigmoid");
    expect(activation(kerasConfigToTfjs(config("hard_silu")))).toBe("hard_silu");
  });
});
