/** Errors of @graft/scenarios: a stable `code` and a message naming what was wrong. */
export class ScenarioError extends Error {
  /**
   * Stable: ERR_GRAFT_CONFIG (a bad run option) or ERR_GRAFT_WEIGHTS_UNAVAILABLE (the ImageNet file
   * is neither cached nor downloadable).
   */
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
