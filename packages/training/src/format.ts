/**
 * The two bits of Python formatting Keras' callbacks show to users:
 * `str(float)` in CSVLogger files and `str.format` in checkpoint paths.
 */
import { TrainingError } from "./errors.ts";

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's
 * own), but `1.0` for integers, `1e-05` below 1e-4, `1e+16` from 1e16 up,
 * `nan` and `inf`.
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e") as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? "-" : "+";
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const negative = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let s: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    s = `${intPart}.${frac === "" ? "0" : frac}`;
  } else {
    s = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return negative ? `-${s}` : s;
}

/**
 * Python `str.format` for checkpoint paths: `{epoch:02d}`, `{val_loss:.2f}`,
 * `{name}`. Supports the `[0][width]d`, `.Nf`, `.Ne` and empty specs.
 */
export function formatPath(pattern: string, values: Record<string, number>): string {
  return pattern.replace(/\{([^{}:]+)(?::([^{}]*))?\}/g, (_, key: string, spec?: string) => {
    const v = values[key];
    if (v === undefined) {
      throw new TrainingError(
        "ERR_GRAFT_CHECKPOINT_PATH",
        `Failed to format this callback filepath: "${pattern}". Reason: no value for {${key}} (available: ${Object.keys(values).join(", ")})`,
      );
    }
    if (!spec) return Number.isInteger(v) && key === "epoch" ? String(v) : pyFloat(v);
    let m = /^(0?)(\d*)d$/.exec(spec);
    if (m) {
      const s = String(Math.trunc(v));
      return m[2] ? s.padStart(Number(m[2]), m[1] === "0" ? "0" : " ") : s;
    }
    m = /^\.(\d+)([fe])$/.exec(spec);
    if (m) {
      const n = Number(m[1]);
      if (m[2] === "f") return v.toFixed(n);
      const [mant, e] = v.toExponential(n).split("e") as [string, string];
      const ev = Number(e);
      return `${mant}e${ev < 0 ? "-" : "+"}${String(Math.abs(ev)).padStart(2, "0")}`;
    }
    throw new TrainingError(
      "ERR_GRAFT_CHECKPOINT_PATH",
      `Unsupported format spec "{${key}:${spec}}" in "${pattern}" (supported: d, 0Nd, .Nf, .Ne)`,
    );
  });
}
