/**
 * The recipe end to end: flow_from_directory + ImageDataGenerator(rescale=1./255,
 * horizontal_flip, fill_mode="nearest", zoom_range=0.3, width/height_shift_range=0.3,
 * rotation_range=30), seeded, against the batches Keras produced from the same files
 * (test-fixtures/data, make_data_fixtures.py), in both of Keras' iteration protocols.
 */
import "@tensorflow/tfjs-backend-cpu";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKerasTree, dataManifest } from "../../data/test/helpers/tree.ts";
import { ImageDataGenerator, parseGeneratorConfig } from "../src/index.ts";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = buildKerasTree();
});
afterAll(() => rmSync(dirname(root), { recursive: true, force: true }));

const golden = (name: string) => readNpy(fixture("data", name));

describe("flow_from_directory with the recipe's augmentation", () => {
  for (const b of dataManifest.flow_from_directory.batches.filter((x) => x.augment)) {
    it(`matches Keras' ${b.protocol} protocol over ${b.epochs} epochs (within 1e-3 on 0–255)`, async () => {
      const gen = new ImageDataGenerator(parseGeneratorConfig(b.augment));
      const it = await gen.flowFromDirectory(root, {
        targetSize: b.target_size,
        batchSize: b.batch_size as number,
        classes: b.classes,
        classMode: b.class_mode,
        seed: b.seed as number,
        shuffle: true,
        includeHidden: true, // Keras walks into cats/.ipynb_checkpoints
        warn: () => {},
      });
      expect(it.length).toBe(b.batches_per_epoch);
      const xs: Float32Array[] = [];
      const ys: Float32Array[] = [];
      const sizes: number[] = [];
      for (let e = 0; e < (b.epochs as number); e++) {
        if (b.protocol === "next") {
          for (let i = 0; i < it.length; i++) {
            const batch = await it.next();
            sizes.push(batch.xs.shape[0]);
            xs.push(batch.xs.dataSync() as Float32Array);
            ys.push(batch.ys?.dataSync() as Float32Array);
            tf.dispose([batch.xs, batch.ys as tf.Tensor]);
          }
        } else {
          for await (const batch of it) {
            sizes.push(batch.xs.shape[0]);
            xs.push(batch.xs.dataSync() as Float32Array);
            ys.push(batch.ys?.dataSync() as Float32Array);
            tf.dispose([batch.xs, batch.ys as tf.Tensor]);
          }
        }
      }
      expect(sizes).toEqual(b.batch_sizes);
      const gx = golden(b.x).data as Float32Array;
      const gy = golden(b.y).data as Float32Array;
      const x = Float32Array.from(xs.flatMap((a) => Array.from(a)));
      const y = Float32Array.from(ys.flatMap((a) => Array.from(a)));
      expect(y).toEqual(gy);
      expect(x.length).toBe(gx.length);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - gx[i]!));
      // rescale=1/255: 1e-3 on the 0–255 scale is 1e-3/255 here.
      expect(worst).toBeLessThanOrEqual(1e-3 / 255);
    });
  }
});
