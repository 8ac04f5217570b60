/**
 * graft-cpu's settings: its environment (GRAFT_NUM_THREADS, GRAFT_CPU_MATH,
 * GRAFT_CPU_CONV, GRAFT_POOL_MB, read when the backend is created), and
 * `setCpuMath()` / `setCpuConvAlgorithm()` (ts/graft_cpu.ts). Threads, math and
 * the convolution algorithm are the addon's, one per process.
 */
import {
  CPU_CONV_ALGORITHMS,
  CPU_MATH_MODES,
  type CpuConvAlgorithm,
  type CpuKernels,
  type CpuMath,
} from "../index.ts";
import { poolCapBytes } from "./buffer_pool.ts";

/** The variable that sets graft-cpu's arithmetic (`CpuMath`) at backend start. */
export const CPU_MATH_ENV = "GRAFT_CPU_MATH";
/**
 * The variable that sets graft-cpu's convolution algorithm (`CpuConvAlgorithm`) at backend start.
 */
export const CPU_CONV_ENV = "GRAFT_CPU_CONV";

/** `value` if it is one of `choices`, else a TypeError listing them ("a" or "b"; "a", "b", "c"). */
function checkChoice<T extends string>(value: unknown, choices: readonly T[], what: string): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    const quoted = choices.map((m) => `"${m}"`);
    const list = quoted.length === 2 ? quoted.join(" or ") : quoted.join(", ");
    throw new TypeError(`Expected ${list} for ${what} but received ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function setConvAlgorithm(native: CpuKernels, algorithm: CpuConvAlgorithm): void {
  native.setConvAlgorithm(checkChoice(algorithm, CPU_CONV_ALGORITHMS, "the convolution algorithm"));
}

/**
 * Sets the math mode; "bf16" where the CPU has no native bf16 throws
 * ERR_GRAFT_UNAVAILABLE (from the addon) naming the reason, and fp32 stays.
 */
export function setMath(native: CpuKernels, math: CpuMath): void {
  native.setMath(checkChoice(math, CPU_MATH_MODES, "math"));
}

/**
 * graft-cpu's environment, read and checked in one place: what the backend's
 * factory applies, and what `graft backends` shows. Unset (or empty) variables
 * are null; an invalid value throws an Error naming the variable, so the factory
 * fails with it and tfjs falls back.
 */
export interface CpuEnv {
  /** GRAFT_NUM_THREADS: a positive integer. */
  threads: number | null;
  /** GRAFT_CPU_MATH: "fp32" or "bf16". */
  math: CpuMath | null;
  /** GRAFT_CPU_CONV: "auto", "direct" or "winograd". */
  convAlgorithm: CpuConvAlgorithm | null;
  /** The buffer pool's cap in bytes: GRAFT_POOL_MB, or its default (`poolCapBytes`). */
  poolBytes: number;
}

/**
 * Reads and checks graft-cpu's variables from `env` (see `CpuEnv`); throws an Error naming
 * the variable for an invalid value.
 */
export function readCpuEnv(env: NodeJS.ProcessEnv = process.env): CpuEnv {
  const set = (name: string) => (env[name] === undefined || env[name] === "" ? null : env[name]);
  const threadsText = set("GRAFT_NUM_THREADS");
  let threads: number | null = null;
  if (threadsText !== null) {
    threads = Number(threadsText);
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(
        `Expected a positive integer for GRAFT_NUM_THREADS but received '${threadsText}'`,
      );
    }
  }
  const math = set(CPU_MATH_ENV);
  const conv = set(CPU_CONV_ENV);
  return {
    threads,
    math: math === null ? null : checkChoice(math, CPU_MATH_MODES, CPU_MATH_ENV),
    convAlgorithm: conv === null ? null : checkChoice(conv, CPU_CONV_ALGORITHMS, CPU_CONV_ENV),
    poolBytes: poolCapBytes(env.GRAFT_POOL_MB),
  };
}

/**
 * The math the kernels will run for a requested one: "bf16" on a CPU without
 * native bf16 runs fp32 (graft-cpu in fp32 beats falling back to tfjs-cpu).
 */
export function effectiveMath(native: CpuKernels, math: CpuMath | null): CpuMath {
  return math === "bf16" && !native.cpuStats().bf16 ? "fp32" : (math ?? "fp32");
}

/**
 * Applies `readCpuEnv()`'s threads, math and convolution algorithm to the addon;
 * GRAFT_CPU_MATH=bf16 where the CPU has no native bf16 warns, saying why, and runs fp32.
 */
export function applyCpuEnv(
  native: CpuKernels,
  env: CpuEnv,
  warn: (message: string) => void = console.warn,
): void {
  if (env.threads !== null) native.setNumThreads(env.threads);
  if (env.math !== null) {
    const math = effectiveMath(native, env.math);
    if (math !== env.math) {
      warn(
        `graft-cpu: ${CPU_MATH_ENV}=bf16 ignored, running fp32: ${native.cpuStats().bf16Reason}`,
      );
    }
    native.setMath(math);
  }
  if (env.convAlgorithm !== null) native.setConvAlgorithm(env.convAlgorithm);
}
