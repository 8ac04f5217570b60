import { describe, expect, it } from "vitest";
import { parseRunConfig, RUN_CONFIG_KEYS, runConfigToJson } from "../src/index.ts";

describe("parseRunConfig", () => {
  it("fills the classic recipe's defaults", () => {
    const c = parseRunConfig({ data: "d" });
    expect(c).toMatchObject({
      model: "vgg19",
      weights: "imagenet",
      scenario: "large-similar",
      inputSize: 256,
      batchSize: 16,
      epochs: 50,
      optimizer: "sgd",
      lr: 1e-4,
      momentum: 0.9,
      freeze: null,
      augment: "recipe",
      preprocess: "caffe",
      patience: 10,
      validationSplit: 0.1,
      valData: null,
      backend: "auto",
    });
  });

  it("reads flags as text and JSON with its own types", () => {
    const text = parseRunConfig(
      {
        data: "d",
        "batch-size": "8",
        lr: "0.01",
        "cache-features": "false",
        "block-filters": "4,8,8,16,16",
      },
      { fromText: true },
    );
    expect(text).toMatchObject({
      batchSize: 8,
      lr: 0.01,
      cacheFeatures: false,
      blockFilters: [4, 8, 8, 16, 16],
    });
    const json = parseRunConfig({ data: "d", "batch-size": 8, "block-filters": [4, 8, 8, 16, 16] });
    expect(json.batchSize).toBe(8);
    // Text is not a number in JSON.
    expect(() => parseRunConfig({ data: "d", "batch-size": "8" })).toThrow(
      'batch-size: expected an integer ≥ 1 but received "8"',
    );
  });

  it.each([
    [{ data: "d", epoch: 3 }, "unknown key 'epoch'"],
    [{ data: "d", batch_size: 3 }, "unknown key 'batch_size' (did you mean 'batch-size'?)"],
    [{ data: "d", lr: -1 }, "lr: expected a number in (0, 10]"],
    [{ data: "d", momentum: 1 }, "momentum: expected a number in [0, 1)"],
    [{ data: "d", scenario: "huge" }, "scenario: expected one of small-similar"],
    [{ data: "d", "input-size": 16 }, "input-size: expected an integer ≥ 32"],
    [{ data: "d", "block-filters": [1, 2] }, "block-filters: expected 5 positive integers"],
    [{ data: "d", head: "dense:x" }, "head: invalid item 'dense:x'"],
    [
      { data: "d", "val-data": "v", "validation-split": 0.2 },
      "give either val-data or validation-split",
    ],
    [{ epochs: 2 }, "data: the class folders to train on are required"],
  ])("%j → %s", (raw, message) => {
    expect(() => parseRunConfig(raw as Record<string, unknown>, { where: "train.json: " })).toThrow(
      message,
    );
    expect(() => parseRunConfig(raw as Record<string, unknown>, { where: "train.json: " })).toThrow(
      /^train\.json: /,
    );
  });

  it("round-trips through its JSON keys", () => {
    const c = parseRunConfig({
      data: "d",
      "val-data": "v",
      head: "avg,dense:8",
      seed: 3,
      "cut-layer": "block3_pool",
    });
    const json = runConfigToJson(c);
    expect(Object.keys(json).every((k) => k in RUN_CONFIG_KEYS)).toBe(true);
    expect(json).toMatchObject({
      data: "d",
      "val-data": "v",
      head: "avg,dense:8",
      seed: 3,
      "cut-layer": "block3_pool",
    });
    expect(json["validation-split"]).toBeUndefined();
    expect(parseRunConfig(json)).toEqual(c);
  });
});
