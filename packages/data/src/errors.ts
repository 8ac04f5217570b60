/** Bad input to a data pipeline: a missing or empty folder, an unreadable image, a bad option. */
export class DataError extends Error {
  /** Always ERR_GRAFT_DATA; the message says what and where. */
  readonly code = "ERR_GRAFT_DATA";
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

/** An image file that could not be read or decoded; the message names the file. */
export class ImageReadError extends DataError {
  /** The file, as given to `loadImage`. */
  readonly path: string;
  /** Why, without the file name (what a listing of several files prints beside each name). */
  readonly reason: string;
  constructor(path: string, reason: string) {
    // Decoders repeat themselves over several lines ("vipspng: libpng read error\n" twice):
    // one line, each distinct part once.
    const oneLine = [
      ...new Set(
        reason
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ].join("; ");
    reason = oneLine || reason;
    super(`'${path}' could not be read as an image: ${reason}`);
    this.name = "ImageReadError";
    this.path = path;
    this.reason = reason;
  }
}

/** The reason an image failed, without its file name when the error carries one. */
export function imageFailure(err: unknown): string {
  if (err instanceof ImageReadError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}
