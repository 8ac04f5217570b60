/**
 * Python Keras loads the whole-model files graft writes: graft saves a tiny
 * Sequential and a tiny Functional model as Keras 2 `.h5` and Keras 3
 * `.keras`, and test-fixtures/scripts/check_graft_models.py rebuilds each with
 * `keras.models.load_model` (architecture from the file, no model code) and
 * compares its prediction with graft's. Needs python3 with keras; without it
 * the test is skipped and says so (graft's side of the round trip runs in
 * model-file.test.ts, which always runs).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixture } from "@graft/test-fixtures";
import { writeNpy } from "@graft/test-fixtures/npy";
import { findPython } from "@graft/test-fixtures/python";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModels } from "./helpers/tiny-models.ts";

const python = findPython("keras, h5py") ?? "python3";
const hasKeras = findPython("keras, h5py") !== null;
if (!hasKeras) {
  console.log(
    `[skip] whole-model Keras interop: ${python} cannot import keras/h5py (pip install tensorflow-cpu keras h5py)`,
  );
}

interface CheckLine {
  file: string;
  ok: boolean;
  class_name: string | null;
  rel_err: number | null;
  error: string | null;
}

function runChecker(dir: string): { status: number | null; results: CheckLine[]; stderr: string } {
  const r = spawnSync(python, [fixture("scripts", "check_graft_models.py"), dir], {
    encoding: "utf8",
    timeout: 300_000,
  });
  const results = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as CheckLine);
  return { status: r.status, results, stderr: r.stderr };
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-model-interop-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasKeras)("keras.models.load_model reads graft's whole-model files", () => {
  it("Sequential and Functional, .h5 and .keras, same predictions as graft", async () => {
    const written = await writeTinyModels(dir);
    const { status, results, stderr } = runChecker(dir);
    expect(results.map((x) => x.file).sort(), stderr).toEqual([...written].sort());
    for (const x of results) expect(x, `${x.file}: ${x.error}`).toMatchObject({ ok: true });
    expect(results.find((x) => x.file === "seq.h5")?.class_name).toBe("Sequential");
    expect(results.find((x) => x.file === "fn.keras")?.class_name).toBe("Functional");
    expect(status).toBe(0);
  }, 300_000);

  it("the checker fails a file whose stored prediction is wrong", async () => {
    const bad = mkdtempSync(join(dir, "bad-"));
    await writeTinyModels(bad);
    // seq's model and input, but a prediction it cannot produce.
    copyFileSync(join(bad, "seq.input.npy"), join(bad, "wrong.input.npy"));
    copyFileSync(join(bad, "seq.h5"), join(bad, "wrong.h5"));
    writeNpy(join(bad, "wrong.output.npy"), new Float32Array(6).fill(1 / 3), [2, 3]);
    const { status, results } = runChecker(bad);
    const wrong = results.find((x) => x.file === "wrong.h5");
    expect(wrong?.ok).toBe(false);
    expect(wrong?.error).toMatch(/differs from graft's/);
    expect(status).toBe(1);
  }, 300_000);
});
