/**
 * A CI sample of the fuzz harness (fuzz/fuzz.ts): 1,000 seeded mutants of the committed
 * Keras files, each read as `weights inspect --stats` does. Every failure must be a coded
 * graft error naming the file, in one line; every success must hold as many weights of the
 * same sizes as the original; no case may pass graft's own time limit by more than the
 * probe's grace.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fixturesDir } from "@graft/test-fixtures";
import { mutate } from "@graft/test-fixtures/mutate";
import { afterAll, describe, expect, it } from "vitest";
import { openWeights } from "../src/index.ts";

const sources = readdirSync(join(fixturesDir, "keras"))
  .filter((n) => n.endsWith(".h5") || n.endsWith(".keras"))
  .sort()
  .map((n) => join(fixturesDir, "keras", n));
const scratch = mkdtempSync(join(tmpdir(), "graft-hostile-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function sizes(path: string, timeLimitMs: number): Promise<number[]> {
  const f = await openWeights(path, { timeLimitMs });
  try {
    return f.layers.flatMap((l) => l.weights.map((w) => w.read().length)).sort();
  } finally {
    f.close();
  }
}

describe("hostile Keras files", () => {
  it("1,000 mutants: coded one-line errors naming the file, or every weight", async () => {
    const originals = new Map<string, number[]>();
    for (const s of sources) originals.set(s, await sizes(s, 60_000));
    const problems: string[] = [];
    const tally = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const source = sources[i % sources.length] as string;
      const { bytes, kind } = mutate(
        readFileSync(source),
        source.endsWith(".keras"),
        7_000_003 + i,
      );
      const path = join(scratch, `case-${i}-${basename(source)}`);
      writeFileSync(path, bytes);
      const started = Date.now();
      let outcome = "ok";
      try {
        const got = await sizes(path, 3000);
        if (got.join() !== (originals.get(source) as number[]).join()) {
          outcome = "partial";
          problems.push(`case ${i} (${kind} ${basename(source)}): fewer weights, no error`);
        }
      } catch (err) {
        const e = err as { code?: unknown; message?: string };
        outcome = "coded";
        const message = String(e.message ?? err);
        if (typeof e.code !== "string" || !e.code.startsWith("ERR_GRAFT_"))
          problems.push(`case ${i} (${kind}): uncoded ${message.slice(0, 120)}`);
        else if (!message.includes(path))
          problems.push(`case ${i} (${kind}): no file in ${message}`);
        else if (message.includes("\n")) problems.push(`case ${i} (${kind}): several lines`);
        // A wasm abort the probe worker survived is coded too, but there should be none.
        else if (/Aborted\(|memory access out of bounds|unreachable/.test(message))
          problems.push(`case ${i} (${kind}): a wasm abort (${message.slice(0, 120)})`);
      }
      // graft's limit is 3 s; the case must end within it and a little grace.
      if (Date.now() - started > 6000)
        problems.push(`case ${i} (${kind}): took ${Date.now() - started} ms`);
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
      rmSync(path, { force: true });
    }
    expect(problems).toEqual([]);
    // The sample exercises both sides: most mutants fail, some read.
    expect(tally.get("coded") ?? 0).toBeGreaterThan(300);
    expect(tally.get("ok") ?? 0).toBeGreaterThan(20);
    // After aborts and endless loops in the probe, a good file still reads exactly.
    const good = sources[0] as string;
    expect(await sizes(good, 60_000)).toEqual(originals.get(good));
  }, 600_000);

  // A zeroed signature of a group's symbol-table node or local heap: libhdf5 reports it, but
  // h5wasm lists the group as empty, so without the error stack the layer's weights vanish.
  for (const [signature, cause] of [
    ["SNOD", "bad symbol table node signature"],
    ["HEAP", "bad local heap signature"],
  ] as const) {
    it(`a group whose ${signature} signature is zeroed is an error, not fewer weights`, async () => {
      const source = join(fixturesDir, "keras", "vgg16_tiny.notop.keras3_weights.weights.h5");
      const bytes = Buffer.from(readFileSync(source));
      const at = bytes.lastIndexOf(Buffer.from(signature));
      expect(at).toBeGreaterThan(0);
      bytes.fill(0, at, at + 4);
      const path = join(scratch, `zeroed-${signature}.weights.h5`);
      writeFileSync(path, bytes);
      const err = await sizes(path, 10_000).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "ERR_GRAFT_H5_READ" });
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toContain(cause);
    });
  }

  // Mutants (fuzz seed 1) whose variable-length string attribute fails to read: libhdf5
  // returns an error that h5wasm ignores, then frees the pointers the half-read buffer holds
  // (a wasm abort, or an out-of-bounds access). h5-guard.mjs makes the read an error.
  for (const [fuzzCase, source, what] of [
    [32, "vgg16_tiny.notop.keras3_weights.weights.h5", "the attribute name of /layers/conv2d/vars"],
    [35, "vgg19_tiny.notop.keras2_weights.h5", "the attribute layer_names of /"],
  ] as const) {
    it(`fuzz case ${fuzzCase}: a failed read of ${what} is an error naming it, not an abort`, async () => {
      const { bytes } = mutate(
        readFileSync(join(fixturesDir, "keras", source)),
        false,
        1_000_003 + fuzzCase,
      );
      const path = join(scratch, `vlen-${fuzzCase}-${source}`);
      writeFileSync(path, bytes);
      const err = await sizes(path, 10_000).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "ERR_GRAFT_H5_READ" });
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toContain(`could not read ${what}`);
      expect((err as Error).message).not.toMatch(/Aborted|out of bounds/);
    });
  }

  // weight_names of a Keras 1 layer, a 1-D dataspace of two names: made scalar (rank 0) or
  // shortened to one, HDF5 reads one name and the bias would be dropped without a word.
  for (const [change, offset, value] of [
    ["made scalar", 1, 0],
    ["shortened to one name", 8, 1],
  ] as const) {
    it(`weight_names ${change} is an error naming the unlisted weight`, async () => {
      const source = join(fixturesDir, "keras", "vgg19_tiny.notop.keras1.h5");
      const bytes = Buffer.from(readFileSync(source));
      // Dataspace message v1: version 1, rank 1, max dims present; dims [2], max dims [2].
      const space = Buffer.from(`0101010000000000${"0200000000000000".repeat(2)}`, "hex");
      const at = bytes.indexOf(space, bytes.indexOf("weight_names"));
      expect(at).toBeGreaterThan(0);
      bytes[at + offset] = value;
      const path = join(scratch, `weight-names-${offset}.h5`);
      writeFileSync(path, bytes);
      const err = await sizes(path, 10_000).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "ERR_GRAFT_WEIGHTS_LAYOUT" });
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).toContain('holds the dataset "block1_conv1_b_1:0"');
    });
  }
});
