/** The one error family of @graft/training: a stable `code` plus a message naming the argument or file. */
export class TrainingError extends Error {
  /**
   * Stable: ERR_GRAFT_ARGUMENT, ERR_GRAFT_CHECKPOINT_PATH, ERR_GRAFT_CLASS_WEIGHT,
   * ERR_GRAFT_OPTIMIZER
   * or ERR_GRAFT_TRAINING_STATE.
   */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "TrainingError";
    this.code = code;
  }
}

export function argumentError(name: string, expected: string, received: unknown): TrainingError {
  return new TrainingError(
    "ERR_GRAFT_ARGUMENT",
    `Expected ${expected} for ${name} but received ${typeof received === "string" ? JSON.stringify(received) : String(received)}`,
  );
}
