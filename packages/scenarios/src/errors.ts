/** Errors of @graft/scenarios: a stable `code` and a message naming what was wrong. */
export class ScenarioError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ScenarioError";
    this.code = code;
  }
}

export function configError(message: string): ScenarioError {
  return new ScenarioError("ERR_GRAFT_CONFIG", message);
}
