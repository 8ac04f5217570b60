/** The one error family of @graft/report: a stable `code` plus a message naming the argument. */
export class ReportError extends Error {
  /**
   * Stable: ERR_GRAFT_ARGUMENT, with a message naming the argument, what was expected and what was
   * given.
   */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ReportError";
    this.code = code;
  }
}

export function argumentError(name: string, expected: string, received: unknown): ReportError {
  return new ReportError(
    "ERR_GRAFT_ARGUMENT",
    `Expected ${expected} for ${name} but received ${describe(received)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Uint8Array) return `a Uint8Array of length ${value.length}`;
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}
