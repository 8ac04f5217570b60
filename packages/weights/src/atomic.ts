/**
 * The one way graft writes a file: into a temporary beside the target, checked,
 * fsynced, renamed over the target, and the folder fsynced. A failure at any step
 * removes the temporary and leaves the earlier file as it was.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { WeightsError } from "./errors.ts";

/** A file could not be written; `errno` is the system's cause (ENOSPC, EROFS, EACCES, …) when known. */
export class WriteError extends WeightsError {
  /** The file graft tried to write. */
  readonly path: string;
  /** ENOSPC, EROFS, EACCES, ENOTDIR, …; undefined when the cause is not a system error. */
  readonly errno: string | undefined;
  /** The cause in words, without the file name. */
  readonly reason: string;
  constructor(path: string, reason: string, errno: string | undefined, hadOld: boolean) {
    super(
      "ERR_GRAFT_WRITE",
      `Cannot write ${path}: ${reason}${hadOld ? " (the earlier file is unchanged)" : ""}`,
    );
    this.name = "WriteError";
    this.path = path;
    this.errno = errno;
    this.reason = reason;
  }
}

const TEMP_RE = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/** The temporary a write of `path` goes through: `.NAME.tmp-PID-RANDOM` in the same folder. */
export function temporaryPath(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** `err` as a WriteError for `path` (kept as is when it already is one for `path`). */
export function toWriteError(path: string, err: unknown, hadOld: boolean): WriteError {
  if (err instanceof WriteError) {
    return err.path === path ? err : new WriteError(path, err.reason, err.errno, hadOld);
  }
  const code = systemCode(err);
  let reason = err instanceof Error ? err.message : String(err);
  // Node's messages read "ENOSPC: no space left on device, write"; keep the words.
  if (code && reason.startsWith(`${code}: `)) {
    reason = `${reason.slice(code.length + 2).replace(/, \w+( '.*')?$/, "")} (${code})`;
  }
  return new WriteError(path, reason, code, hadOld);
}

/** The system error code of `err` (ENOSPC, …), if it carries one. */
export function systemCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  const errno = (err as { errno?: unknown } | null)?.errno;
  return typeof errno === "string" && /^E[A-Z0-9]+$/.test(errno) ? errno : undefined;
}

/** fsync a folder so a rename in it survives a power cut; folders that refuse fsync are left. */
function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch (err) {
    const code = systemCode(err);
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF" && code !== "EPERM") throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) {
    const n = writeSync(fd, bytes, done, bytes.byteLength - done);
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
    done += n;
  }
}

/**
 * Writes `data` to `path` atomically (temporary, fsync, rename, folder fsync).
 * Throws a WriteError naming the file and the system's cause; the earlier file,
 * if any, is left as it was and no temporary remains.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const hadOld = existsSync(path);
  const tmp = temporaryPath(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o644);
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    fsyncFolder(dirname(path));
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* the write error is the one to report */
      }
    }
    rmSync(tmp, { force: true });
    throw toWriteError(path, err, hadOld);
  }
}

/** Options of `replaceAtomic`. */
export interface ReplaceAtomicOptions {
  /** Runs on the finished temporary before it replaces the target; throw to refuse it. */
  verify?: (tmp: string) => void | Promise<void>;
}

/**
 * Lets `fill` write the temporary for `path` (it exists, empty, when `fill` runs),
 * then verifies, fsyncs and renames it into place. Any failure removes the
 * temporary, leaves the earlier file unchanged and throws a WriteError.
 */
export async function replaceAtomic(
  path: string,
  fill: (tmp: string) => void | Promise<void>,
  options: ReplaceAtomicOptions = {},
): Promise<void> {
  const hadOld = existsSync(path);
  const tmp = temporaryPath(path);
  try {
    // Creating it first gives the system's own cause (EROFS, EACCES, ENOTDIR) up front.
    closeSync(openSync(tmp, "wx", 0o644));
    await fill(tmp);
    fsyncFile(tmp);
    if (options.verify) await options.verify(tmp);
    renameSync(tmp, path);
    fsyncFolder(dirname(path));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw toWriteError(path, err, hadOld);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === "EPERM";
  }
}

/**
 * Removes the temporaries that interrupted writes left in `dir` (a `kill -9`
 * during a checkpoint): `.NAME.tmp-PID-RANDOM` files whose process is gone.
 * Returns the names removed.
 */
export function removeStrayTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m || processAlive(Number(m[2]))) continue;
    rmSync(join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}
