/**
 * The rule tfjs-core's suite is held to: every spec that passes on tfjs-backend-cpu in the
 * same run passes on each of graft's backends. What is left out is computed here from the
 * results, never kept by hand.
 */

/** The reference backend. */
export const REFERENCE = "cpu";
/** graft's backends held to the reference on every machine: graft-cpu, and graft-cuda over its host double. */
export const CANDIDATES = ["graft-cpu", "graft-cuda-host"] as const;
/** Every backend the suite runs on everywhere. */
export const BACKENDS = [REFERENCE, ...CANDIDATES] as const;
/**
 * The GPU tier: graft-cuda itself, added to the run (`run.ts --gpu`) where a GPU works. It
 * runs with TF32 off (GRAFT_CUDA_TF32=0): the suite's tolerance is tfjs' testEpsilon(),
 * 1e-3 for a 32-bit backend, and TF32's 10-bit mantissa gives convolutions and matmuls
 * relative errors of that order, so with TF32 on those specs would test TF32's rounding,
 * not graft. TF32 itself is held to 1e-2 by graft's own conformance suite (cuda.test.ts).
 */
export const GPU_CANDIDATE = "graft-cuda";

export interface SpecOutcome {
  status: "passed" | "failed" | "pending";
  message?: string | undefined;
}

/** Why a spec is left out. */
export const LEFT_OUT = {
  failsOnCpu: "fails on tfjs-backend-cpu itself",
  cpuOnly: "registered for tfjs-backend-cpu only (its constraints name that backend)",
  pending: "pending in tfjs-core (xit)",
} as const;

/**
 * Where graft-cuda (checked here through its host double) differs from tfjs-cpu on purpose
 * or for now: each is named, matched by its message or spec, counted and reported, never
 * silently dropped. Both are open items of the tfjs-suite issue.
 */
export const CUDA_DEVIATIONS: {
  why: string;
  backends: readonly string[];
  matches: (spec: string, message: string) => boolean;
}[] = [
  {
    why: "graft-cuda stores no complex64 tensors (it says so and names the backends that do)",
    backends: ["graft-cuda-host", GPU_CANDIDATE],
    matches: (_spec, message) => message.includes("does not support complex64"),
  },
  {
    why: "a GPU gather cannot throw: an index out of range gives zeros (as on tfjs-webgl)",
    backends: ["graft-cuda-host", GPU_CANDIDATE],
    matches: (spec) => spec.startsWith("gather <backend> {} throws when index is out of bound"),
  },
];

export interface SuiteResult {
  /** Per backend: specs passed, failed against the rule, and left out. */
  counts: Record<string, { passed: number; failed: number; leftOut: number }>;
  /** Specs that pass on cpu and fail (or are missing) on one of graft's backends. */
  violations: { backend: string; spec: string; message: string }[];
  /** Failures that are one of CUDA_DEVIATIONS, by "backend: reason" (not in `violations`). */
  deviations: Record<string, string[]>;
  /** The specs left out, by reason. */
  leftOut: Record<string, string[]>;
  /** Specs outside describeWithFlags (no backend in their name), passed and failed. */
  backendFree: { passed: number; failed: number };
  wallSeconds: number;
  /** Seconds of spec time per backend (run.ts adds them; absent from summarise's own result). */
  backendSeconds?: Record<string, number>;
}

/** What `run.ts --time-only BACKEND` writes: the suite on one backend alone, timed. */
export interface SuiteTiming {
  backend: string;
  /** Seconds of spec time (jasmine's per-spec durations, summed). */
  seconds: number;
  /** Specs that passed. */
  passed: number;
  wallSeconds: number;
  /** Each spec's milliseconds (jasmine's, whole ms), by its name with the backend taken out. */
  specMs: Record<string, number>;
}

/** Pairs each spec's results by name and applies the rule to `candidates` (default CANDIDATES). */
export function summarise(
  specs: Map<string, Partial<Record<string, SpecOutcome>>>,
  wallSeconds: number,
  candidates: readonly string[] = CANDIDATES,
): SuiteResult {
  const CANDIDATES = candidates;
  const BACKENDS = [REFERENCE, ...candidates];
  const counts: SuiteResult["counts"] = {};
  for (const b of BACKENDS) counts[b] = { passed: 0, failed: 0, leftOut: 0 };
  const count = (b: string) => counts[b] as SuiteResult["counts"][string];
  const leftOut: Record<string, string[]> = Object.fromEntries(
    Object.values(LEFT_OUT).map((r) => [r, []]),
  );
  const violations: SuiteResult["violations"] = [];
  const deviations: Record<string, string[]> = Object.fromEntries(
    CUDA_DEVIATIONS.flatMap((d) =>
      d.backends.filter((b) => candidates.includes(b)).map((b) => [`${b}: ${d.why}`, []]),
    ),
  );
  const backendFree = { passed: 0, failed: 0 };
  for (const [spec, row] of specs) {
    if (row.none) {
      backendFree[row.none.status === "failed" ? "failed" : "passed"]++;
      continue;
    }
    const ref = row[REFERENCE];
    if (!ref) {
      // A spec only graft runs would be graft's own; tfjs-core's suite has none.
      for (const b of CANDIDATES)
        if (row[b]) violations.push({ backend: b, spec, message: "runs without cpu" });
      continue;
    }
    if (ref.status !== "passed") {
      leftOut[ref.status === "pending" ? LEFT_OUT.pending : LEFT_OUT.failsOnCpu]?.push(spec);
      for (const b of BACKENDS) if (row[b]) count(b).leftOut++;
      continue;
    }
    count(REFERENCE).passed++;
    if (CANDIDATES.every((b) => !row[b])) {
      leftOut[LEFT_OUT.cpuOnly]?.push(spec);
      continue;
    }
    for (const b of CANDIDATES) {
      const got = row[b];
      if (got?.status === "passed") {
        count(b).passed++;
        continue;
      }
      const message = got?.message ?? got?.status ?? "did not run";
      const known = CUDA_DEVIATIONS.find((d) => d.backends.includes(b) && d.matches(spec, message));
      if (known) {
        deviations[`${b}: ${known.why}`]?.push(spec);
        count(b).leftOut++;
      } else {
        count(b).failed++;
        violations.push({ backend: b, spec, message });
      }
    }
  }
  return { counts, violations, deviations, leftOut, backendFree, wallSeconds };
}
