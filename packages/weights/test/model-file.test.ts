/**
 * Whole-model files: every Keras full-model fixture (Keras 2 `model.save`
 * h5, Keras 3 legacy h5, Keras 3 `.keras`) rebuilds through loadKerasModel and
 * reproduces Keras' prediction; graft's own files re-read exactly; and the
 * files Python Keras wrote after loading graft's (test-fixtures/training/
 * keras_roundtrip, made by make_training_fixtures.py) load back too.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixture, kerasFixture, kerasManifest } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { storedEntries, writeZip } from "@graft/test-fixtures/mutate";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KerasJsonObject,
  kerasConfigToTfjs,
  loadKerasModel,
  openWeights,
  readModelMetadata,
  saveKerasModel,
  tfjsToKeras2Config,
  tfjsToKeras3Config,
  WeightsError,
} from "../src/index.ts";
import { TINY_MODELS, tinyInput } from "./helpers/tiny-models.ts";

const manifest = kerasManifest();
const RTOL = manifest.tolerance.rel_err;

function predict(model: tfl.LayersModel, x: { shape: number[]; data: Float32Array }) {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor;
    return { shape: y.shape, data: y.dataSync() as Float32Array };
  });
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-model-file-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadKerasModel reproduces Keras on every full-model fixture", () => {
  const files = manifest.files.filter((f) =>
    ["keras2_full", "keras3_legacy", "keras3"].includes(f.layout),
  );
  it("covers Keras 2 h5, Keras 3 legacy h5 and .keras, Sequential and Functional", () => {
    expect(new Set(files.map((f) => f.layout))).toEqual(
      new Set(["keras2_full", "keras3_legacy", "keras3"]),
    );
    expect(new Set(files.map((f) => manifest.models[f.key]?.keras_class))).toEqual(
      new Set(["Sequential", "Functional"]),
    );
  });
  for (const f of files) {
    it(`${f.path}`, async () => {
      const m = manifest.models[f.key]!;
      const model = await loadKerasModel(kerasFixture(f.path));
      expect(model.getClassName()).toBe(m.keras_class);
      // Every weighted layer of Keras' model, by name and in order.
      expect(model.layers.filter((l) => l.weights.length > 0).map((l) => l.name)).toEqual(
        m.layers.filter((l) => l.weights.length > 0).map((l) => l.name),
      );
      expect(model.countParams()).toBe(m.params.total);
      const y = predict(model, readNpyFloat32(kerasFixture(m.input)));
      const golden = readNpyFloat32(kerasFixture(m.output));
      expect(y.shape).toEqual(golden.shape);
      expect(relErr(y.data, golden.data)).toBeLessThanOrEqual(RTOL);
      model.dispose();
    });
  }

  it("names the file when the config holds what the conversion refuses", async () => {
    const zip = storedEntries(readFileSync(kerasFixture("mixed.keras3.keras")));
    const entries = zip.map((e) => {
      if (e.name !== "config.json") return e;
      const text = e.data.toString().replaceAll('"float32"', '"mixed_float16"');
      return { name: e.name, data: Buffer.from(text) };
    });
    const dir = mkdtempSync(join(tmpdir(), "graft-model-config-"));
    const path = join(dir, "policy.keras");
    writeFileSync(path, writeZip(entries));
    try {
      const err = await loadKerasModel(path).catch((e) => e);
      expect(err).toBeInstanceOf(WeightsError);
      expect(err.code).toBe("ERR_GRAFT_MODEL_CONFIG");
      expect(err.message).toContain(path);
      expect(err.message).toMatch(/dtype policy "mixed_float16"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a weights-only file, saying why", async () => {
    const err = await loadKerasModel(kerasFixture("mixed.keras2_weights.h5")).catch((e) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.code).toBe("ERR_GRAFT_MODEL_CONFIG");
    expect(err.message).toMatch(/weights only.*loadWeights/);
  });
});

describe("Keras 3 config conversion", () => {
  const keras3Node = (from: string) => ({
    args: [
      {
        class_name: "__keras_tensor__",
        config: { shape: [null, 4], dtype: "float32", keras_history: [from, 0, 0] },
      },
    ],
    kwargs: {},
  });
  const fn = (extra: KerasJsonObject = {}, layerCfg: KerasJsonObject = {}): KerasJsonObject => ({
    module: "keras.src.models.functional",
    class_name: "Functional",
    registered_name: "Functional",
    config: {
      name: "f",
      trainable: true,
      layers: [
        {
          module: "keras.layers",
          class_name: "InputLayer",
          config: { batch_shape: [null, 4], dtype: "float32", name: "in", optional: false },
          name: "in",
          inbound_nodes: [],
        },
        {
          module: "keras.layers",
          class_name: "Dense",
          config: {
            name: "d",
            units: 2,
            dtype: {
              module: "keras",
              class_name: "DTypePolicy",
              config: { name: "float32" },
              registered_name: null,
            },
            quantization_config: null,
            ...layerCfg,
          },
          registered_name: null,
          build_config: { input_shape: [null, 4] },
          name: "d",
          inbound_nodes: [keras3Node("in")],
        },
      ],
      input_layers: ["in", 0, 0],
      output_layers: ["d", 0, 0],
      ...extra,
    },
  });

  it("rewrites batch_shape, DTypePolicy, wrappers, endpoints and args/kwargs nodes", () => {
    const out = kerasConfigToTfjs(fn()) as { config: KerasJsonObject };
    const [input, dense] = out.config.layers as KerasJsonObject[];
    expect(input!.config).toEqual({ batch_input_shape: [null, 4], dtype: "float32", name: "in" });
    expect(dense).toEqual({
      class_name: "Dense",
      config: { name: "d", units: 2, dtype: "float32" },
      name: "d",
      inbound_nodes: [[["in", 0, 0, {}]]],
    });
    expect(out.config.input_layers).toEqual([["in", 0, 0]]);
    expect(out.config.output_layers).toEqual([["d", 0, 0]]);
  });

  it("refuses what tfjs-layers cannot represent instead of guessing", () => {
    const bad: [KerasJsonObject, RegExp][] = [
      [
        fn({}, { dtype: { class_name: "DTypePolicy", config: { name: "mixed_float16" } } }),
        /dtype policy "mixed_float16"/,
      ],
      [fn({}, { quantization_config: { mode: "int8" } }), /quantized layer d/],
      [fn({ input_layers: { image: ["in", 0, 0] } }), /named inputs/],
    ];
    for (const [config, message] of bad) {
      expect(() => kerasConfigToTfjs(config)).toThrow(message);
    }
  });
});

describe("saveKerasModel → loadKerasModel", () => {
  for (const [name, build] of Object.entries(TINY_MODELS)) {
    for (const format of ["h5", "keras"] as const) {
      it(`${name}.${format}: same class, layer names and bit-identical predictions`, async () => {
        const model = build();
        const path = join(dir, `${name}.${format}`);
        await saveKerasModel(model, path);
        const back = await loadKerasModel(path);
        expect(back.getClassName()).toBe(
          model.getClassName() === "Model" ? "Functional" : model.getClassName(),
        );
        const names = (m: tfl.LayersModel) =>
          m.layers.filter((l) => l.getClassName() !== "InputLayer").map((l) => l.name);
        expect(names(back)).toEqual(names(model));
        const x = tinyInput();
        const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
        const b = tf.tidy(() => (back.predict(x) as tf.Tensor).dataSync());
        expect(Array.from(b)).toEqual(Array.from(a));
        tf.dispose(x);
        model.dispose();
        back.dispose();
      });
    }
  }

  for (const format of ["h5", "keras"] as const) {
    it(`${format}: metadata is stored beside the model and read back; absent means null`, async () => {
      const meta = {
        classNames: ["cat", "dög", "zebra"],
        preprocess: "caffe",
        inputSize: [32, 32],
      };
      const withMeta = join(dir, `meta.${format}`);
      const without = join(dir, `nometa.${format}`);
      await saveKerasModel(TINY_MODELS.seq(), withMeta, { metadata: meta });
      await saveKerasModel(TINY_MODELS.seq(), without);
      expect(await readModelMetadata(withMeta)).toEqual(meta);
      expect(await readModelMetadata(without)).toBeNull();
      // The model itself still loads: Keras-side readers ignore the extra attribute/key.
      const back = await loadKerasModel(withMeta);
      expect(back.layers.length).toBeGreaterThan(0);
      back.dispose();
    });
  }

  it("h5: Keras 2 model.save layout (root attrs, model_config, /model_weights)", async () => {
    const path = join(dir, "layout.h5");
    await saveKerasModel(TINY_MODELS.seq(), path);
    const f = await openWeights(path);
    try {
      expect(f.layout).toBe("keras2-full");
      expect(f.kerasVersion).toBe("2.15.0");
      expect(f.backend).toBe("tensorflow");
      const cfg = f.modelConfig as { class_name: string; config: { layers: KerasJsonObject[] } };
      expect(cfg.class_name).toBe("Sequential");
      // tf.keras 2 starts a Sequential with an explicit InputLayer.
      expect(cfg.config.layers[0]).toMatchObject({
        class_name: "InputLayer",
        config: { batch_input_shape: [null, 8, 8, 3] },
      });
      expect(f.layers.filter((l) => l.weights.length > 0).map((l) => l.name)).toEqual([
        "conv",
        "bn",
        "out",
      ]);
    } finally {
      f.close();
    }
  });

  it("keras: STORED zip of metadata.json, config.json, model.weights.h5 in Keras 3 form", async () => {
    const path = join(dir, "layout.keras");
    await saveKerasModel(TINY_MODELS.fn(), path);
    const bytes = readFileSync(path);
    const entries = unzipSync(bytes);
    expect(Object.keys(entries)).toEqual(["metadata.json", "config.json", "model.weights.h5"]);
    // Local header compression method (offset 8) is 0 = STORED for the first entry.
    expect(bytes.readUInt16LE(8)).toBe(0);
    const meta = JSON.parse(new TextDecoder().decode(entries["metadata.json"]));
    expect(meta.keras_version).toMatch(/^3\./);
    expect(meta.date_saved).toMatch(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
    const cfg = JSON.parse(new TextDecoder().decode(entries["config.json"]));
    expect(cfg).toMatchObject({ module: "keras.src.models.functional", class_name: "Functional" });
    expect(cfg.config.input_layers).toEqual(["image", 0, 0]);
    const conv = cfg.config.layers[1];
    expect(conv).toMatchObject({ module: "keras.layers", class_name: "Conv2D", name: "conv_a" });
    expect(conv.inbound_nodes[0].args[0].config).toEqual({
      shape: [null, 8, 8, 3],
      dtype: "float32",
      keras_history: ["image", 0, 0],
    });
    expect(conv.config.kernel_initializer).toMatchObject({
      module: "keras.initializers",
      class_name: "RandomNormal",
      registered_name: null,
    });
    expect(conv.config.dtype).toMatchObject({
      class_name: "DTypePolicy",
      config: { name: "float32" },
    });
  });

  it("tfjs' `normal` variance scaling becomes Keras' `truncated_normal` (Keras 3 rejects `normal`)", () => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    const init = (cfg: KerasJsonObject) =>
      ((cfg.config as { layers: KerasJsonObject[] }).layers.at(-1)!.config as KerasJsonObject)
        .kernel_initializer as KerasJsonObject;
    expect((m.toJSON(null, false) as unknown as KerasJsonObject).config).toBeDefined();
    expect(init(tfjsToKeras2Config(m))).toEqual({
      class_name: "VarianceScaling",
      config: { scale: 1, mode: "fan_avg", distribution: "truncated_normal", seed: null },
    });
    expect(init(tfjsToKeras3Config(m))).toMatchObject({
      module: "keras.initializers",
      config: { distribution: "truncated_normal" },
    });
  });

  it("writes atomically: a failed save leaves the old file and no temp file", async () => {
    const sub = mkdtempSync(join(dir, "atomic-"));
    const path = join(sub, "m.keras");
    writeFileSync(path, "old");
    const model = TINY_MODELS.seq();
    model.layers[0]!.weights[0]!.read().dispose(); // a disposed kernel makes the write fail midway
    await expect(saveKerasModel(model, path)).rejects.toThrow();
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(sub)).toEqual(["m.keras"]);
    await expect(
      saveKerasModel(TINY_MODELS.seq(), join(sub, "m.h5"), { format: "zip" as never }),
    ).rejects.toThrow(/"h5" or "keras"/);
  });
});

describe("graft reads the files Python Keras re-saved from graft's", () => {
  const gold = fixture("training", "keras_roundtrip");
  const files = existsSync(gold)
    ? readdirSync(gold).filter((f) => f.endsWith(".keras") || f.endsWith(".h5"))
    : [];
  it("has the golden files", () => {
    expect(files.sort()).toEqual([
      "fn.from_h5.h5",
      "fn.from_h5.keras",
      "fn.from_keras.h5",
      "fn.from_keras.keras",
      "seq.from_h5.h5",
      "seq.from_h5.keras",
      "seq.from_keras.h5",
      "seq.from_keras.keras",
    ]);
  });
  for (const file of files) {
    it(file, async () => {
      const name = file.split(".")[0]!;
      const stem = file.slice(0, file.lastIndexOf("."));
      const model = await loadKerasModel(join(gold, file));
      const y = predict(model, readNpyFloat32(join(gold, `${name}.input.npy`)));
      const want = readNpyFloat32(join(gold, `${stem}.output.npy`));
      expect(relErr(y.data, want.data)).toBeLessThanOrEqual(RTOL);
      model.dispose();
    });
  }
});
