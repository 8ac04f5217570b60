/** Bad input to a data pipeline: a missing or empty folder, an unreadable image, a bad option. */
export class DataError extends Error {
  readonly code = "ERR_GRAFT_DATA";
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}
