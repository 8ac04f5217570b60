/** Bad input to a data pipeline: a missing or empty folder, an unreadable image, a bad option. */
export class DataError extends Error {
  /** Always ERR_GRAFT_DATA; the message says what and where. */
  readonly code = "ERR_GRAFT_DATA";
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}
