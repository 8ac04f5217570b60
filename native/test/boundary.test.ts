/**
 * The native boundary (src/boundary.h): the generated TypeScript is current, both
 * binaries export the same tables, a binary built from another header is refused at
 * load time with the difference named, and the blocks TypeScript packs are the layouts
 * C++ reads (a conv, a broadcast binary and a strided copy through graft.node /
 * graft_cuda.node's double agree with tfjs-cpu in the kernel tests; here, field by field).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { backend_util } from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { HEADER, OUTPUT, parseBoundary, renderBoundary } from "../scripts/gen-boundary.mjs";
import {
  ACTIVATIONS,
  BOUNDARY,
  CONV_PARAMS,
  CUDA_BINARY_ARRAYS,
  CUDA_BINARY_BLOCK,
  CUDA_STRIDED_BLOCK,
  MATMUL_PARAMS,
  POOL_PARAMS,
} from "../ts/common/boundary.ts";
import { boundaryMismatch, codeOf, packBlock, packParams } from "../ts/common/boundary_check.ts";
import { convParams, poolParams } from "../ts/common/conv.ts";
import { matMulPlan } from "../ts/common/matmul.ts";
import { cudaAddonPath } from "../ts/cuda/addon.ts";
import { findCudaLibraries, preloadPaths, preloadSource } from "../ts/cuda/libraries.ts";
import { addonStatus, DEFAULT_ADDON_PATH } from "../ts/index.ts";
import { inCI } from "./helpers.ts";

const built = existsSync(DEFAULT_ADDON_PATH);
const cudaPath = cudaAddonPath();
const cudaBuilt = existsSync(cudaPath);

describe("ts/common/boundary.ts is src/boundary.h's", () => {
  it("the committed file is what the generator makes of the header", () => {
    expect(readFileSync(OUTPUT, "utf8")).toBe(renderBoundary(readFileSync(HEADER, "utf8")));
  });

  it("gen-boundary --check fails, naming the file, when it is stale", () => {
    const script = fileURLToPath(new URL("../scripts/gen-boundary.mjs", import.meta.url));
    const ok = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(ok.status, ok.stderr).toBe(0);
    const saved = readFileSync(OUTPUT, "utf8");
    try {
      writeFileSync(OUTPUT, saved.replace("relu: 1,", "relu: 7,"));
      const stale = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain("boundary.ts is not what src/boundary.h gives");
    } finally {
      writeFileSync(OUTPUT, saved);
    }
  });

  it("values are positions, names unique; a table the list names must exist", () => {
    const { tables } = parseBoundary(readFileSync(HEADER, "utf8"));
    for (const t of tables) {
      const table = (BOUNDARY as unknown as Record<string, Record<string, number>>)[t.tsName];
      expect(Object.values(table ?? {})).toEqual(t.entries.map((_: unknown, k: number) => k));
    }
    const header = readFileSync(HEADER, "utf8");
    expect(() =>
      parseBoundary(header.replace("X(kActRelu6, relu6)", "X(kActRelu6, relu)")),
    ).toThrow('GRAFT_ACTIVATIONS has "relu" twice');
    expect(() =>
      parseBoundary(header.replace("T(POOL_KINDS, GRAFT_POOL_KINDS)", "T(POOL_KINDS, GRAFT_NOPE)")),
    ).toThrow("GRAFT_BOUNDARY_TABLES names GRAFT_NOPE, not defined");
  });
});

describe("boundaryMismatch", () => {
  it("agrees with itself and names each difference", () => {
    expect(boundaryMismatch(JSON.parse(JSON.stringify(BOUNDARY)))).toBeNull();
    const other = JSON.parse(JSON.stringify(BOUNDARY));
    other.ACTIVATIONS.relu = 2;
    other.CONV_PARAMS.groups = 17;
    delete other.POOL_KINDS;
    other.CUDA_MAX_RANK = 8;
    other.EXTRA = {};
    const why = boundaryMismatch(other) ?? "";
    expect(why).toContain("ACTIVATIONS.relu is 2 there, 1 here");
    expect(why).toContain("CONV_PARAMS.groups (17) is unknown here");
    expect(why).toContain("no POOL_KINDS");
    expect(why).toContain("CUDA_MAX_RANK is 8 there, 6 here");
    expect(why).toContain("and 1 more");
    expect(boundaryMismatch(undefined)).toContain("exports no `boundary` table");
  });

  it("codeOf ignores inherited names", () => {
    expect(codeOf(ACTIVATIONS, "relu")).toBe(1);
    expect(codeOf(ACTIVATIONS, "toString")).toBeUndefined();
    expect(codeOf(ACTIVATIONS, "prelu")).toBeUndefined();
  });
});

describe("the blocks TypeScript packs", () => {
  it("convParams / poolParams put every field where the header says", () => {
    const info = backend_util.computeConv2DInfo([2, 9, 7, 3], [3, 2, 3, 5], [2, 1], [1, 2], "same");
    const p = convParams(info);
    expect(p.length).toBe(Object.keys(CONV_PARAMS).length);
    expect(p[CONV_PARAMS.batch]).toBe(2);
    expect(p[CONV_PARAMS.inHeight]).toBe(9);
    expect(p[CONV_PARAMS.inChannels]).toBe(3);
    expect(p[CONV_PARAMS.filterWidth]).toBe(2);
    expect(p[CONV_PARAMS.outChannels]).toBe(5);
    expect(p[CONV_PARAMS.strideHeight]).toBe(2);
    expect(p[CONV_PARAMS.dilationWidth]).toBe(2);
    expect(p[CONV_PARAMS.outHeight]).toBe(info.outHeight);
    expect(p[CONV_PARAMS.padBottom]).toBe(info.padInfo.bottom);
    const pool = backend_util.computePool2DInfo([1, 6, 5, 4], [3, 2], [2, 2], 1, "valid");
    const q = poolParams(pool);
    expect(q.length).toBe(Object.keys(POOL_PARAMS).length);
    expect([q[POOL_PARAMS.channels], q[POOL_PARAMS.filterHeight], q[POOL_PARAMS.outWidth]]).toEqual(
      [4, 3, pool.outWidth],
    );
  });

  it("matMulPlan packs MATMUL_PARAMS and refuses what neither addon takes", () => {
    const t = (shape: number[]) => ({ dataId: {}, shape, dtype: "float32" as const });
    const plan = matMulPlan(t([4, 3, 5]), t([1, 7, 5]), false, true, t([7]));
    if (typeof plan === "string") throw new Error(plan);
    expect(plan.outShape).toEqual([4, 3, 7]);
    const p = plan.params;
    expect([p[MATMUL_PARAMS.batchA], p[MATMUL_PARAMS.batchB], p[MATMUL_PARAMS.m]]).toEqual([
      4, 1, 3,
    ]);
    expect([p[MATMUL_PARAMS.k], p[MATMUL_PARAMS.n], p[MATMUL_PARAMS.transposeB]]).toEqual([
      5, 7, 1,
    ]);
    expect(matMulPlan(t([3]), t([3, 2]), false, false, null)).toBe("rank < 2");
    expect(matMulPlan(t([2, 3]), t([4, 2]), false, false, null)).toBe("inner dimensions differ");
    expect(matMulPlan(t([2, 2, 3]), t([3, 3, 4]), false, false, null)).toBe(
      "batch dimensions do not broadcast",
    );
    expect(matMulPlan(t([2, 3]), t([3, 4]), false, false, t([3]))).toBe("bias not per column");
  });

  it("packParams needs every field; packBlock lays out the arrays after the fixed fields", () => {
    const layout = { a: 0, b: 1 } as const;
    expect(Array.from(packParams(layout, { b: 5, a: 4 }))).toEqual([4, 5]);
    const p = packBlock(
      CUDA_BINARY_BLOCK,
      { rank: 2 },
      CUDA_BINARY_ARRAYS,
      { shape: [3, 4], aStrides: [4, 1], bStrides: [0, 1] },
      2,
    );
    const head = Object.keys(CUDA_BINARY_BLOCK).length;
    expect(p[CUDA_BINARY_BLOCK.rank]).toBe(2);
    expect(Array.from(p.subarray(head + CUDA_BINARY_ARRAYS.bStrides * 2))).toEqual([0, 1]);
    expect(() =>
      packBlock(CUDA_STRIDED_BLOCK, { rank: 1, offset: 0 }, { shape: 0 }, { shape: [1, 2] }, 1),
    ).toThrow("shape has 2 entries, rank 1");
  });
});

describe.skipIf(!built && !inCI)("graft.node's boundary", () => {
  const dir = mkdtempSync(join(tmpdir(), "graft-boundary-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is ts/common/boundary.ts", () => {
    const status = addonStatus(DEFAULT_ADDON_PATH);
    expect(status.loaded ? [] : status.reasons).toEqual([]);
    const m = spawnSync(
      process.execPath,
      [
        "-e",
        `process.stdout.write(JSON.stringify(require(${JSON.stringify(DEFAULT_ADDON_PATH)}).boundary))`,
      ],
      { encoding: "utf8" },
    );
    expect(boundaryMismatch(JSON.parse(m.stdout))).toBeNull();
  });

  it("a binary whose codes differ is refused at load time, naming the difference", () => {
    // The real addon with one code changed, as a binary built from an edited header would be.
    const fake = join(dir, "stale-graft.cjs");
    writeFileSync(
      fake,
      `const a = require(${JSON.stringify(DEFAULT_ADDON_PATH)});
       module.exports = { ...a, boundary: { ...a.boundary, ACTIVATIONS: { ...a.boundary.ACTIVATIONS, relu6: 4, sigmoid: 2 } } };`,
    );
    const status = addonStatus(fake);
    if (status.loaded) throw new Error("the stale binary loaded");
    const why = status.reasons.join("\n");
    expect(why).toContain("was built from another src/boundary.h");
    expect(why).toContain("ACTIVATIONS.relu6 is 4 there, 2 here");
    expect(why).toContain("rebuild with");
  });
});

describe.skipIf(!cudaBuilt && !inCI)("graft_cuda.node's boundary", () => {
  it("is ts/common/boundary.ts (read in a child: loading it needs cuDNN preloaded)", () => {
    const libs = findCudaLibraries(cudaPath);
    const script = `${preloadSource(preloadPaths(libs))} process.stdout.write(JSON.stringify(require(${JSON.stringify(cudaPath)}).boundary));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(boundaryMismatch(JSON.parse(r.stdout))).toBeNull();
  });
});
