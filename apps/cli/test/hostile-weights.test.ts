/**
 * Hostile weight files through the real CLI (`graft weights inspect --stats`): a damaged
 * file ends in exit 1 and one stderr line with the file and a graft code, never a hang, a
 * wasm abort's noise or HDF5's diagnostic stack. The mutants are seeded, so each case is
 * the same every run: among them a file that sends libhdf5 into an endless loop and one
 * that aborts it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "@graft/test-fixtures";
import { mutate } from "@graft/test-fixtures/mutate";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-cli-hostile-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function mutant(name: string, seed: number): string {
  const source = fixture("keras", name);
  const { bytes } = mutate(readFileSync(source), name.endsWith(".keras"), seed);
  const path = join(scratch, `${seed}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

function expectOneCodedLine(path: string, r: ReturnType<typeof graft>) {
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  const lines = r.err.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(path);
  expect(lines[0]).toMatch(/\[ERR_GRAFT_[A-Z0-9_]+\]$/);
}

describe("graft weights inspect on damaged files", () => {
  it("a file that makes libhdf5 loop ends at --time-limit with ERR_GRAFT_TIMEOUT", () => {
    const path = mutant("mixed.keras2_weights_prefix.h5", 2 * 1_000_003 + 89);
    const started = Date.now();
    const r = graft(["weights", "inspect", "--stats", "--time-limit", "3", path], {
      timeoutMs: 60_000,
    });
    expectOneCodedLine(path, r);
    expect(r.err).toContain("ERR_GRAFT_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);

  it("a file that used to abort libhdf5 ends in one coded line naming what failed", () => {
    // A failed read of a variable-length attribute, which h5wasm alone follows with frees of
    // the half-read buffer's pointers (a wasm abort); graft's guard makes it a read error.
    const path = mutant("mixed.keras2_weights.h5", 2 * 1_000_003 + 2);
    const r = graft(["weights", "inspect", "--stats", path], { timeoutMs: 60_000 });
    expectOneCodedLine(path, r);
    expect(r.err).toContain("ERR_GRAFT_H5_READ");
    expect(r.err).toContain("could not read the attribute");
    expect(r.err).not.toMatch(/Aborted|out of bounds/);
  }, 90_000);

  it("truncated, CRC-damaged and zip-bomb .keras files end in one coded line", () => {
    const cases = [
      ["vgg19_tiny.top.keras3.keras", 11],
      ["mixed.keras3.keras", 1_000_003 + 48],
      ["mixed.keras1.h5", 1_000_003 + 1],
    ] as const;
    for (const [name, seed] of cases) {
      const path = mutant(name, seed);
      const r = graft(["weights", "inspect", "--stats", path], { timeoutMs: 60_000 });
      if (r.code === 0) continue; // a mutant that happens to read is not this test's business
      expectOneCodedLine(path, r);
    }
    // A bomb built on purpose: 1 GiB of zeros declared as model.weights.h5.
    let bomb = "";
    for (let seed = 0; !bomb && seed < 400; seed++) {
      const m = mutate(readFileSync(fixture("keras", "mixed.keras3.keras")), true, seed);
      if (m.kind === "zip-bomb") {
        bomb = join(scratch, "bomb.keras");
        writeFileSync(bomb, m.bytes);
      }
    }
    const started = Date.now();
    const r = graft(["weights", "inspect", bomb], { timeoutMs: 60_000 });
    expectOneCodedLine(bomb, r);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 180_000);

  it("predict on a damaged model file exits 1 with graft's code, not as a bad flag", () => {
    // A truncated Keras 2 full-model file (what cli-fuzz found as exit 2 without a code).
    const path = mutant("mixed.keras2_full.h5", 1_000_003 + 1);
    const image = fixture("data", "images", "exif_rot6.jpg");
    const r = graft(["predict", "--model", path, image], { timeoutMs: 60_000 });
    expectOneCodedLine(path, r);
    expect(r.err).toContain("cannot load");
  }, 90_000);
});
