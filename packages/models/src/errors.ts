/** Errors of @graft/models: a stable `code` and a message naming the argument or layer. */
export class ModelsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ModelsError";
    this.code = code;
  }
}
