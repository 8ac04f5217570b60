import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Writes `text` beside `path` and renames it into place, so a reader (or a run
 * killed mid-write) sees the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
