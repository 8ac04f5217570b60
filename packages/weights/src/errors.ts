/** The one error family of @graft/weights: a stable `code` plus a message that names the layer, file or shape. */
export class WeightsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "WeightsError";
    this.code = code;
  }
}
