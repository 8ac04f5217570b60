/** graft backends and graft bench, as processes. */
import { loadAddon } from "@graft/native";
import { describe, expect, it } from "vitest";
import { graft } from "./run_cli.ts";

describe("graft backends", () => {
  it("lists graft-cpu with oneDNN as the default, and cpu and wasm", () => {
    const r = graft(["backends", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      backends: {
        name: string;
        available: boolean;
        default: boolean;
        details: Record<string, unknown>;
        reason?: string;
      }[];
    };
    const byName = Object.fromEntries(j.backends.map((b) => [b.name, b]));
    expect(byName["graft-cpu"]).toMatchObject({ available: true, default: true });
    expect(String(byName["graft-cpu"]?.details.onednn)).toMatch(/^\d+\.\d+/);
    expect(byName.cpu).toMatchObject({ available: true, default: false });
    expect(byName.wasm?.available).toBe(true);
    expect(byName["graft-cuda"]).toMatchObject({ available: false });
    expect(j.backends.filter((b) => b.default)).toHaveLength(1);
  });

  it("without graft.node, cpu or wasm becomes the default and the reason is shown", () => {
    const r = graft(["backends"], { env: { GRAFT_ADDON_PATH: "/nonexistent/graft.node" } });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /✗ graft-cpu .*unavailable: graft\.node not found at \/nonexistent\/graft\.node/,
    );
    expect(r.out).toMatch(/\* wasm/);
  });

  it("shows the settings graft-cpu will run with, and an invalid one as the reason it cannot", () => {
    const ok = graft(["backends"], { env: { GRAFT_CPU_CONV: "direct", GRAFT_NUM_THREADS: "1" } });
    expect(ok.out).toMatch(/\* graft-cpu .*threads=1 math=fp32 convolutions=direct /);
    const bad = graft(["backends"], { env: { GRAFT_CPU_CONV: "fastest" } });
    expect(bad.code).toBe(0);
    expect(bad.out).toContain(
      'unavailable: Expected "auto", "direct", "winograd" for GRAFT_CPU_CONV but received "fastest"',
    );
    expect(bad.out).toMatch(/\* wasm/);
  });

  it("says how bf16 mode would run, and warns where it is slower than fp32", () => {
    const { bf16, amx } = loadAddon().cpu.cpuStats();
    const here = bf16 ? (amx ? "amx" : "avx512") : "no";
    const r = graft(["backends"], { env: { GRAFT_CPU_MATH: "bf16" } });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`\\* graft-cpu .* bf16=${here} `));
    expect(r.out.includes("slower than fp32; unset it")).toBe(here === "avx512");
    // oneDNN capped below AVX512_BF16: bf16 is refused and graft-cpu runs fp32, no note.
    const capped = graft(["backends"], {
      env: { GRAFT_CPU_MATH: "bf16", ONEDNN_MAX_CPU_ISA: "AVX512_CORE" },
    });
    expect(capped.out).toMatch(/\* graft-cpu .*math=fp32 \(no native bf16\) .*bf16=no /);
    expect(capped.out).not.toContain("note:");
  });

  it("--stats shows a training step's kernels running natively", () => {
    const r = graft(["backends", "--stats"]);
    expect(r.code).toBe(0);
    for (const k of ["Conv2D", "Conv2DBackpropFilter", "MaxPoolGrad", "ReluGrad", "BatchMatMul"]) {
      expect(r.out).toMatch(new RegExp(`${k}\\s+[1-9]\\d* /`));
    }
  });
});

describe("graft bench", () => {
  // The recipe's training step at 32 px and batch 2, once after the warm-up: seconds, not minutes.
  const tinyTrain = [
    "bench",
    "--task",
    "train",
    "--input-size",
    "32",
    "--batch-size",
    "2",
    "--steps",
    "1",
  ];

  it("reports img_per_s as JSON for the recipe's training step on graft-cpu", () => {
    const r = graft([...tinyTrain, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      task: "train",
      backend: "graft-cpu",
      input_size: 32,
      batch_size: 2,
      steps: 1,
    });
    expect(j.img_per_s).toBeGreaterThan(0);
  });

  it("--profile prints each kernel's share of a step", () => {
    const r = graft([...tinyTrain, "--profile"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kernel\s+calls\/step\s+ms\/step\s+share/);
    // A training step runs all three convolutions, each 16 / 13 / 12 times in VGG19 with
    // layers[:5] frozen; the forward ones as FusedConv2D (bias and relu fused, @graft/models).
    expect(r.out).toMatch(/\nFusedConv2D\s+16\s+[\d.]+\s+[\d.]+%/);
    expect(r.out).not.toMatch(/\nConv2D\s/);
    expect(r.out).not.toMatch(/\nRelu\s+1[6-9]\s/);
    expect(r.out).toMatch(/\nConv2DBackpropFilter\s+13\s/);
    expect(r.out).toMatch(/\nConv2DBackpropInput\s+12\s/);
    expect(r.out).toMatch(/\(outside kernels\)\s+-?[\d.]+\s+-?[\d.]+%/);
  });

  it("--filters builds the VGG19 shape with other block widths", () => {
    const r = graft([...tinyTrain, "--filters", "8,16,32,64,64", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.filters).toEqual([8, 16, 32, 64, 64]);
    expect(j.img_per_s).toBeGreaterThan(0);
    // Keras' widths by default, reported as such.
    expect(JSON.parse(graft([...tinyTrain, "--json"]).out).filters).toEqual([
      64, 128, 256, 512, 512,
    ]);
  });

  it.each(["8,16,32,64", "0,16,x,64,64"])("rejects --filters %j with a usage error", (bad) => {
    const r = graft([...tinyTrain, "--filters", bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Expected --filters to be five widths");
  });

  it("rejects a missing task", () => {
    const r = graft(["bench"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--task extract|train is required");
  });
});
