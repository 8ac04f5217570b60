import { execFileSync, spawnSync } from "node:child_process";
import fs, {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadWeights,
  removeStrayTemporaries,
  replaceAtomic,
  saveKerasModel,
  saveWeights,
  WriteError,
  writeFileAtomic,
} from "../src/index.ts";

/** One dense layer of `inputs × units` float32 weights (4 bytes each). */
function denseModel(inputs: number, units: number, seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [inputs], name: "input_layer" });
  const out = tfl.layers
    .dense({ units, name: "dense", kernelInitializer: tfl.initializers.randomNormal({ seed }) })
    .apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: "dense_model" });
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-atomic-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes, replaces and leaves no temporary", () => {
    const p = join(dir, "a.json");
    writeFileAtomic(p, '{"a":1}\n');
    writeFileAtomic(p, new TextEncoder().encode('{"a":2}\n'));
    expect(readFileSync(p, "utf8")).toBe('{"a":2}\n');
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  it("names the file and the system's cause when the folder is missing", () => {
    const p = join(dir, "missing", "a.json");
    let err: unknown;
    try {
      writeFileAtomic(p, "x");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).code).toBe("ERR_GRAFT_WRITE");
    expect((err as WriteError).errno).toBe("ENOENT");
    expect((err as WriteError).message).toContain(p);
  });

  it("a failed rename (over a non-empty folder) throws and removes its temporary", () => {
    const sub = mkdtempSync(join(dir, "sub-"));
    const target = join(sub, "occupied");
    mkdirSync(join(target, "inner"), { recursive: true });
    expect(() => writeFileAtomic(target, "text")).toThrow(WriteError);
    expect(readdirSync(sub)).toEqual(["occupied"]);
    expect(readdirSync(target)).toEqual(["inner"]);
  });

  it("replaceAtomic keeps the earlier file when fill or verify throws", async () => {
    const p = join(dir, "b.txt");
    writeFileAtomic(p, "old");
    await expect(
      replaceAtomic(p, (tmp) => {
        writeFileSync(tmp, "half");
        throw new Error("fill broke");
      }),
    ).rejects.toThrow(/fill broke \(the earlier file is unchanged\)/);
    await expect(
      replaceAtomic(p, (tmp) => writeFileSync(tmp, "new"), {
        verify: () => {
          throw new Error("bad");
        },
      }),
    ).rejects.toThrow(WriteError);
    expect(readFileSync(p, "utf8")).toBe("old");
    expect(readdirSync(dir).filter((n) => n.startsWith(".b.txt"))).toEqual([]);
  });
});

describe("removeStrayTemporaries", () => {
  it("removes temporaries of dead processes and keeps everything else", () => {
    const d = join(dir, "stray");
    mkdirSync(d);
    // A pid that is certainly gone: a child that has already exited.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const stray = `.last.h5.tmp-${dead}-0123abcd`;
    const strayDir = `.model.keras.tmp-${dead}-89abcdef`;
    const live = `.best.h5.tmp-${process.pid}-deadbeef`;
    writeFileSync(join(d, stray), "partial");
    mkdirSync(join(d, strayDir));
    writeFileSync(join(d, strayDir, "model.weights.h5"), "partial");
    writeFileSync(join(d, live), "in progress");
    writeFileSync(join(d, "last.h5"), "kept");
    writeFileSync(join(d, ".hidden.tmp-x"), "kept");
    expect(removeStrayTemporaries(d).sort()).toEqual([stray, strayDir].sort());
    expect(readdirSync(d).sort()).toEqual([".hidden.tmp-x", live, "last.h5"].sort());
  });
});

/** The links this process holds open into `mount` (a leaked HDF5 file shows here). */
function openFilesUnder(mount: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(mount)) out.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Counts what reaches fd 2 through fs.writeSync (where h5wasm prints HDF5-DIAG) while `f` runs. */
async function stderrWritesDuring(f: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const original = fs.writeSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (fd === 2) n++;
    return (original as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  try {
    await f().catch(() => undefined);
  } finally {
    fs.writeSync = original;
  }
  return n;
}

function tryMount(target: string, options: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", target], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const probe = mkdtempSync(join(tmpdir(), "graft-atomic-probe-"));
const canMount = tryMount(probe, "size=64k");
if (canMount) execFileSync("umount", [probe], { stdio: "ignore" });
rmSync(probe, { recursive: true, force: true });

// These need root (mount); CI runs as root.
describe.skipIf(!canMount)("on a full disk (a 256 KiB tmpfs)", () => {
  let mount: string;
  beforeAll(() => {
    mount = mkdtempSync(join(tmpdir(), "graft-atomic-full-"));
    if (!tryMount(mount, "size=256k")) throw new Error("mount failed");
  });
  afterAll(() => {
    execFileSync("umount", [mount], { stdio: "ignore" });
    rmSync(mount, { recursive: true, force: true });
  });

  // 200 × 400 float32 = 320 kB: more than the disk holds.
  const big = () => denseModel(200, 400, 2);
  const small = () => denseModel(4, 3, 1);

  const cases: [string, (m: tfl.LayersModel, p: string) => Promise<void>][] = [
    ["saveWeights .h5", (m, p) => saveWeights(m, p)],
    ["saveWeights .weights.h5", (m, p) => saveWeights(m, p)],
    ["saveKerasModel .keras", (m, p) => saveKerasModel(m, p)],
    ["saveKerasModel .h5", (m, p) => saveKerasModel(m, p, { format: "h5" })],
  ];
  const names = ["last.h5", "last.weights.h5", "model.keras", "model.h5"];

  cases.forEach(([label, save], i) => {
    it(`${label}: ENOSPC leaves the earlier file intact, no temporary, no open file, stderr quiet`, async () => {
      const p = join(mount, names[i] as string);
      await save(small(), p);
      const before = readFileSync(p);
      let err: unknown;
      const writes = await stderrWritesDuring(() =>
        save(big(), p).catch((e) => {
          err = e;
        }),
      );
      expect(err).toBeInstanceOf(WriteError);
      expect((err as WriteError).errno).toBe("ENOSPC");
      expect((err as WriteError).message).toContain(p);
      expect((err as WriteError).message).toContain("the earlier file is unchanged");
      expect(writes).toBe(0);
      expect(readFileSync(p).equals(before)).toBe(true);
      expect(readdirSync(mount).filter((n) => n.includes(".tmp-"))).toEqual([]);
      expect(openFilesUnder(mount)).toEqual([]);
      if (label.startsWith("saveWeights")) {
        const back = small();
        await loadWeights(back, p);
      }
      rmSync(p);
    });
  });

  it("writeFileAtomic: ENOSPC leaves the earlier file intact", () => {
    const p = join(mount, "history.csv");
    writeFileAtomic(p, "epoch,loss\n");
    expect(() => writeFileAtomic(p, new Uint8Array(400 * 1024))).toThrow(
      /no space left on device \(ENOSPC\)/,
    );
    expect(readFileSync(p, "utf8")).toBe("epoch,loss\n");
    expect(readdirSync(mount).filter((n) => n.includes(".tmp-"))).toEqual([]);
    rmSync(p);
  });
});

describe.skipIf(!canMount)("on a read-only disk", () => {
  let mount: string;
  beforeAll(() => {
    mount = mkdtempSync(join(tmpdir(), "graft-atomic-ro-"));
    if (!tryMount(mount, "size=256k")) throw new Error("mount failed");
    writeFileSync(join(mount, "keep.h5"), "old");
    execFileSync("mount", ["-o", "remount,ro", mount], { stdio: "ignore" });
  });
  afterAll(() => {
    execFileSync("umount", [mount], { stdio: "ignore" });
    rmSync(mount, { recursive: true, force: true });
  });

  it("saveWeights and writeFileAtomic fail with EROFS, naming the file", async () => {
    const p = join(mount, "keep.h5");
    const err = await saveWeights(denseModel(4, 3, 1), p).catch((e) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect(err.errno).toBe("EROFS");
    expect(err.message).toContain(p);
    expect(() => writeFileAtomic(join(mount, "a.csv"), "x")).toThrow(
      /read-only file system \(EROFS\)/,
    );
    expect(readFileSync(p, "utf8")).toBe("old");
    expect(existsSync(join(mount, "a.csv"))).toBe(false);
  });
});
