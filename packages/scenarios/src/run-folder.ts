/**
 * The run folder before anything trains: created (or found) with the system's
 * real cause when it cannot be, locked so a second run cannot write into it, and
 * swept of the temporaries an earlier run left when it was killed.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { removeStrayTemporaries, systemCode } from "@graft/weights";
import { configError, type ScenarioError } from "./errors.ts";

/** The lock file's name inside a run folder. */
export const LOCK_FILE = "run.lock";

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
}

/** Lock files this process holds (a second run in the same process is refused too). */
const heldHere = new Set<string>();

/** A locked run folder; `release` unlocks it (and removes it when this run created it and left nothing). */
export interface RunFolder {
  readonly dir: string;
  /** True when this run created the folder. */
  readonly created: boolean;
  release(options?: { removeIfEmpty?: boolean }): void;
}

const CAUSES: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOTDIR: "not a directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or directory",
  EEXIST: "a file is in the way",
};

function cannot(dir: string, what: string, err: unknown): ScenarioError {
  const code = systemCode(err);
  const cause = code ? `${CAUSES[code] ?? (err as Error).message} (${code})` : String(err);
  return configError(`out: cannot ${what} '${dir}': ${cause}`);
}

/** Creates `dir` and its missing parents one by one, so each failure carries its own cause. */
function makeFolder(dir: string): boolean {
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(p);
    } catch (err) {
      const code = systemCode(err);
      // ENOTDIR: a file further up; the walk finds it and says so.
      if (code !== "ENOENT" && code !== "ENOTDIR") throw cannot(dir, "use the run folder", err);
    }
    if (st) {
      if (!st.isDirectory()) {
        throw configError(
          `out: cannot create the run folder '${dir}': '${p}' is not a directory (ENOTDIR)`,
        );
      }
      break;
    }
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (err) {
      if (systemCode(err) !== "EEXIST") throw cannot(dir, "create the run folder", err);
    }
  }
  return missing.length > 0;
}

function readHolder(path: string): LockHolder | null {
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof j.pid === "number" && typeof j.host === "string") {
      return { pid: j.pid, host: j.host, since: String(j.since ?? "?") };
    }
  } catch {
    /* unreadable: a lock cut short by a crash */
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === "EPERM";
  }
}

/**
 * Creates (if needed) and locks the run folder `dir`, then removes the
 * temporaries a killed run left in it. A folder another live run holds is
 * refused, naming that run; a lock whose process is gone (same host) is taken
 * over with a warning. Throws ERR_GRAFT_CONFIG with the system's cause (EACCES,
 * EROFS, not a directory) before anything trains.
 */
export function openRunFolder(dir: string, warn: (message: string) => void): RunFolder {
  const created = makeFolder(dir);
  const lockPath = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, "wx", 0o644);
    } catch (err) {
      if (systemCode(err) !== "EEXIST" || attempt > 0) throw cannot(dir, "write to", err);
      const holder = readHolder(lockPath);
      const live =
        holder !== null &&
        (holder.pid === process.pid
          ? heldHere.has(lockPath)
          : holder.host !== me.host || alive(holder.pid));
      if (holder && live) {
        throw configError(
          `out: '${dir}' is in use by another graft run (pid ${holder.pid} on ${holder.host}, since ${holder.since}); wait for it to end or choose another --out`,
        );
      }
      warn(
        holder
          ? `taking over the lock of ${dir}: its run (pid ${holder.pid} on ${holder.host}, since ${holder.since}) is gone`
          : `taking over the unreadable lock file ${lockPath}`,
      );
      rmSync(lockPath, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } catch (err) {
      closeSync(fd);
      rmSync(lockPath, { force: true });
      throw cannot(dir, "write to", err);
    }
    closeSync(fd);
    break;
  }
  heldHere.add(lockPath);
  const swept = [dir, join(dir, "state")].flatMap((d) => removeStrayTemporaries(d));
  if (swept.length > 0) {
    warn(`removed ${swept.length} temporary file(s) an interrupted run left in ${dir}`);
  }
  const onExit = () => unlock();
  process.on("exit", onExit);
  let held = true;
  function unlock(): void {
    if (!held) return;
    held = false;
    process.off("exit", onExit);
    heldHere.delete(lockPath);
    if (readHolder(lockPath)?.pid === process.pid) rmSync(lockPath, { force: true });
  }
  return {
    dir,
    created,
    release(options = {}) {
      unlock();
      if (options.removeIfEmpty && created) {
        try {
          if (readdirSync(dir).length === 0) rmdirSync(dir);
        } catch {
          /* left as it is */
        }
      }
    },
  };
}
