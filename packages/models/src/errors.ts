/** Errors of @graft/models: a stable `code` and a message naming the argument or layer. */
export class ModelsError extends Error {
  /**
   * Stable: ERR_GRAFT_ARG (a bad argument) or ERR_GRAFT_LAYER (no such layer, or the wrong kind).
   */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ModelsError";
    this.code = code;
  }
}
