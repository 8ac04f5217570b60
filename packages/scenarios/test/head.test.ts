import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { applyLayers, formatHead, headLayers, parseHead } from "../src/index.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("parseHead", () => {
  it("reads the recipe's head and writes it back", () => {
    const spec = parseHead("flatten,dense:1024,dropout:0.5,dense:1024");
    expect(spec).toEqual([
      { kind: "flatten" },
      { kind: "dense", units: 1024, activation: "relu" },
      { kind: "dropout", rate: 0.5 },
      { kind: "dense", units: 1024, activation: "relu" },
    ]);
    expect(formatHead(spec)).toBe("flatten,dense:1024,dropout:0.5,dense:1024");
    expect(formatHead(parseHead(" avg , dense:8:tanh ,max"))).toBe("avg,dense:8:tanh,max");
    expect(parseHead("")).toEqual([]);
  });

  it.each([
    ["dense:0", /head: invalid item 'dense:0': units must be a positive integer/],
    ["dense:1.5", /units must be a positive integer/],
    ["dense:8:swish", /activation must be one of relu/],
    ["dropout:1", /rate must be in \[0, 1\)/],
    ["dropout", /rate must be in/],
    ["flatten:2", /takes no argument/],
    ["conv:3", /unknown layer 'conv'/],
  ])("%s is refused with a message naming the item", (text, message) => {
    expect(() => parseHead(text)).toThrow(message);
  });
});

describe("headLayers", () => {
  it("initialises its dense kernels as Keras does (glorot-uniform), not as tfjs does", () => {
    const dense = headLayers(parseHead("flatten,dense:8,dense:8:tanh"), 3).filter(
      (l) => l.getClassName() === "Dense",
    );
    expect(dense).toHaveLength(3);
    for (const l of dense) {
      // tfjs serialises glorotUniform as the VarianceScaling it is.
      const init = l.getConfig().kernelInitializer as { config: Record<string, unknown> };
      expect(init.config, l.name).toMatchObject({
        scale: 1,
        mode: "fanAvg",
        distribution: "uniform",
      });
    }
  });

  it("ends in a softmax over the classes and shares weights between two applications", () => {
    const layers = headLayers(parseHead("flatten,dense:4,dropout:0.5"), 3);
    expect(layers.map((l) => l.name)).toEqual([
      "head_flatten_1",
      "head_dense_1",
      "head_dropout_1",
      "predictions",
    ]);
    const a = tfl.input({ shape: [2, 2, 3] });
    const b = tfl.input({ shape: [2, 2, 3] });
    const ma = tfl.model({ inputs: a, outputs: applyLayers(a, layers) });
    const mb = tfl.model({ inputs: b, outputs: applyLayers(b, layers) });
    const x = tf.randomUniform([5, 2, 2, 3]);
    const pa = ma.predict(x) as tf.Tensor;
    const pb = mb.predict(x) as tf.Tensor;
    expect(pa.shape).toEqual([5, 3]);
    expect(Array.from(pa.dataSync())).toEqual(Array.from(pb.dataSync()));
    const sums = tf.sum(pa, 1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([x, pa, pb]);
  });
});
