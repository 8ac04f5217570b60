/**
 * The native layout a newcomer walks by kernel name: one file per tfjs kernel on each
 * backend (ts/cpu/kernels/<Kernel>.ts, ts/cuda/kernels/<Kernel>.ts), each exporting
 * `<kernel>Kernel` registered under that name, and README.md's table (tfjs kernel -> TS
 * file -> addon entry -> C++ / CUDA file) exactly what scripts/kernel-table.mjs reads
 * from the sources.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  isKernelFile,
  kernelExportName,
  kernelTable,
  README,
  renderReadme,
  // @ts-expect-error: a plain .mjs script without types
} from "../scripts/kernel-table.mjs";
import { cpuKernels } from "../ts/cpu/kernels/register_all_kernels.ts";
import { cudaKernels } from "../ts/cuda/kernels/register_all_kernels.ts";

const folders = {
  cpu: fileURLToPath(new URL("../ts/cpu/kernels/", import.meta.url)),
  cuda: fileURLToPath(new URL("../ts/cuda/kernels/", import.meta.url)),
};
const registered = {
  cpu: cpuKernels.map((k) => k.kernelName),
  cuda: cudaKernels.map((k) => k.kernelName),
};

type Side = { entries: { entry: string; fn: string | null; files: string[] }[] } | null;

describe.each(Object.entries(folders))("ts/%s/kernels", (backend, dir) => {
  const files = readdirSync(dir).filter(isKernelFile).sort();

  it("has a file per registered kernel and a registered kernel per file", () => {
    const names = files.map((f) => f.slice(0, -3));
    expect([...registered[backend as keyof typeof registered]].sort()).toEqual(names);
  });

  it.each(files)("%s exports <kernel>Kernel for that kernel name", async (file) => {
    const kernel = file.slice(0, -3);
    const mod = (await import(`${dir}${file}`)) as Record<string, { kernelName?: string }>;
    const exported = mod[kernelExportName(kernel)];
    expect(exported, `${file} exports ${kernelExportName(kernel)}`).toBeDefined();
    expect(exported?.kernelName).toBe(kernel);
  });
});

describe("README.md's kernel table", () => {
  it("is what the sources say (node scripts/kernel-table.mjs rewrites it)", () => {
    const text = readFileSync(README, "utf8");
    expect(text).toBe(renderReadme(text));
  });

  it("names, for every native kernel, an exported addon entry and the C++ file defining it", () => {
    const rows = kernelTable() as Map<string, { cpu: Side; cuda: Side }>;
    expect(rows.size).toBeGreaterThan(60);
    const aliases: string[] = [];
    for (const [kernel, row] of rows) {
      for (const side of ["cpu", "cuda"] as const) {
        const s = row[side];
        if (!s) continue;
        if (s.entries.length === 0) aliases.push(`${side}:${kernel}`);
        for (const e of s.entries) {
          expect(e.fn, `${side} ${kernel}: ${e.entry} is exported`).not.toBeNull();
          expect(e.files[0] ?? "", `${side} ${kernel}: ${e.entry}'s .cc`).toMatch(/\.cc$/);
        }
      }
    }
    // Only these run without an addon call: Identity and Reshape hand back their input's
    // data, graft-cpu's Reverse is a strided copy in TypeScript.
    expect(aliases.sort()).toEqual(["cpu:Reverse", "cuda:Identity", "cuda:Reshape"]);
  });
});
