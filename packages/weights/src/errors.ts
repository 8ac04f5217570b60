/** The one error family of @graft/weights: a stable `code` plus a message that names the layer, file or shape. */
export class WeightsError extends Error {
  /** Stable, e.g. ERR_GRAFT_WEIGHTS_SHAPE or ERR_GRAFT_H5_OPEN; match on it, not on the message. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "WeightsError";
    this.code = code;
  }
}
