/**
 * graft-cpu's bf16 mode and convolution algorithm: `GRAFT_CPU_MATH` and
 * `GRAFT_CPU_CONV` (read when the backend is created), `setCpuMath()` and
 * `setCpuConvAlgorithm()` (ts/graft_cpu.ts) all come here. Both settings are the
 * addon's, one per process, like its thread count.
 */
import {
  CPU_CONV_ALGORITHMS,
  CPU_MATH_MODES,
  type CpuConvAlgorithm,
  type CpuKernels,
  type CpuMath,
} from "../index.ts";

export const CPU_MATH_ENV = "GRAFT_CPU_MATH";
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

/** Applies GRAFT_CPU_CONV when set; an unknown value throws (the backend factory then fails with it). */
export function applyConvAlgorithmFromEnv(
  native: CpuKernels,
  value: string | undefined = process.env[CPU_CONV_ENV],
): void {
  if (value === undefined || value === "") return;
  native.setConvAlgorithm(checkChoice(value, CPU_CONV_ALGORITHMS, CPU_CONV_ENV));
}

/**
 * Sets the math mode; "bf16" where the CPU has no native bf16 throws
 * ERR_GRAFT_UNAVAILABLE (from the addon) naming the reason, and fp32 stays.
 */
export function setMath(native: CpuKernels, math: CpuMath): void {
  native.setMath(checkChoice(math, CPU_MATH_MODES, "math"));
}

/**
 * Applies GRAFT_CPU_MATH when set. An unknown value throws (the backend factory
 * then fails with it, as for GRAFT_NUM_THREADS); "bf16" on a CPU without native
 * bf16 warns, saying why, and runs fp32: graft-cpu in fp32 beats falling back to tfjs-cpu.
 */
export function applyMathFromEnv(
  native: CpuKernels,
  value: string | undefined = process.env[CPU_MATH_ENV],
  warn: (message: string) => void = console.warn,
): void {
  if (value === undefined || value === "") return;
  const math = checkChoice(value, CPU_MATH_MODES, CPU_MATH_ENV);
  const stats = native.cpuStats();
  if (math === "bf16" && !stats.bf16) {
    warn(`graft-cpu: ${CPU_MATH_ENV}=bf16 ignored, running fp32: ${stats.bf16Reason}`);
    native.setMath("fp32");
    return;
  }
  native.setMath(math);
}
