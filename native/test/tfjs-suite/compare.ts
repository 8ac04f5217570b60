/**
 * The rule tfjs-core's suite is held to: every spec that passes on tfjs-backend-cpu in the
 * same run passes on graft-cpu. What is left out is computed here from the results.
 */

/** The backends the suite runs on, reference first. */
export const BACKENDS = ["cpu", "graft-cpu"] as const;

export interface SpecOutcome {
  status: "passed" | "failed" | "pending";
  message?: string | undefined;
}

export interface SuiteResult {
  /** Per backend: specs passed, failed against the rule, and left out. */
  counts: Record<string, { passed: number; failed: number; leftOut: number }>;
  /** Specs that pass on cpu and fail (or are missing) on graft-cpu. */
  violations: { spec: string; message: string }[];
  /** Why each left-out spec is left out, with how many. */
  leftOut: Record<string, string[]>;
  /** Specs outside describeWithFlags (no backend in their name), passed and failed. */
  backendFree: { passed: number; failed: number };
  wallSeconds: number;
}

export function summarise(
  specs: Map<string, Partial<Record<string, SpecOutcome>>>,
  wallSeconds: number,
): SuiteResult {
  const counts: SuiteResult["counts"] = {};
  for (const b of BACKENDS) counts[b] = { passed: 0, failed: 0, leftOut: 0 };
  const leftOut: Record<string, string[]> = {
    "fails on tfjs-backend-cpu itself": [],
    "registered for tfjs-backend-cpu only (its constraints name that backend)": [],
    "pending in tfjs-core (xit)": [],
  };
  const violations: SuiteResult["violations"] = [];
  const backendFree = { passed: 0, failed: 0 };
  for (const [spec, row] of specs) {
    const none = row.none;
    if (none) {
      backendFree[none.status === "failed" ? "failed" : "passed"]++;
      continue;
    }
    const ref = row.cpu;
    const graft = row["graft-cpu"];
    const c = counts.cpu as SuiteResult["counts"][string];
    const g = counts["graft-cpu"] as SuiteResult["counts"][string];
    if (!ref) {
      // A spec only graft-cpu runs would be graft's own; the suite has none.
      if (graft) violations.push({ spec, message: "runs on graft-cpu only" });
      continue;
    }
    if (ref.status === "pending") {
      leftOut["pending in tfjs-core (xit)"]?.push(spec);
      c.leftOut++;
      if (graft) g.leftOut++;
      continue;
    }
    if (ref.status === "failed") {
      leftOut["fails on tfjs-backend-cpu itself"]?.push(spec);
      c.leftOut++;
      if (graft) g.leftOut++;
      continue;
    }
    c.passed++;
    if (!graft) {
      leftOut["registered for tfjs-backend-cpu only (its constraints name that backend)"]?.push(
        spec,
      );
      continue;
    }
    if (graft.status === "passed") g.passed++;
    else {
      g.failed++;
      violations.push({ spec, message: graft.message ?? graft.status });
    }
  }
  return { counts, violations, leftOut, backendFree, wallSeconds };
}
