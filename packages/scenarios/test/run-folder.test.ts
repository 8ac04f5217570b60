import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE, openRunFolder } from "../src/run-folder.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-run-folder-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function collect(): { warnings: string[]; warn: (m: string) => void } {
  const warnings: string[] = [];
  return { warnings, warn: (m) => warnings.push(m) };
}

/** A pid that is certainly gone: a child that has already exited. */
const deadPid = () => spawnSync(process.execPath, ["-e", "0"]).pid as number;

describe("openRunFolder", () => {
  it("creates the folder and its parents, locks it with pid and host, and unlocks", () => {
    const dir = join(scratch, "runs", "a");
    const { warnings, warn } = collect();
    const f = openRunFolder(dir, warn);
    expect(f.created).toBe(true);
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
    expect(lock.pid).toBe(process.pid);
    expect(lock.host).toBe(hostname());
    f.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(existsSync(dir)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("refuses a folder a live run holds, naming it; the holder's lock is untouched", () => {
    const dir = join(scratch, "held");
    const first = openRunFolder(dir, () => {});
    expect(() => openRunFolder(dir, () => {})).toThrow(
      new RegExp(`is in use by another graft run \\(pid ${process.pid} on ${hostname()}`),
    );
    // Another live process on this host (the parent of this one) holds it the same way.
    first.release();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, host: hostname(), since: "then" }),
    );
    expect(() => openRunFolder(dir, () => {})).toThrow(/pid \d+ on .*, since then/);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.ppid);
  });

  it("takes over a stale lock (its process is gone) with a warning and sweeps temporaries", () => {
    const dir = join(scratch, "stale");
    mkdirSync(join(dir, "state"), { recursive: true });
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: "x" }));
    writeFileSync(join(dir, `.last.h5.tmp-${pid}-0badc0de`), "partial");
    writeFileSync(join(dir, "state", `.latest.json.tmp-${pid}-12345678`), "partial");
    writeFileSync(join(dir, "last.h5"), "kept");
    const { warnings, warn } = collect();
    const f = openRunFolder(dir, warn);
    expect(warnings[0]).toMatch(new RegExp(`taking over the lock of .*pid ${pid} .* is gone`));
    expect(warnings[1]).toMatch(/removed 2 temporary file\(s\)/);
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, "last.h5", "state"].sort());
    expect(readdirSync(join(dir, "state"))).toEqual([]);
    f.release();
  });

  it("takes over an unreadable lock (cut short by a crash) with a warning", () => {
    const dir = join(scratch, "garbled");
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    const { warnings, warn } = collect();
    openRunFolder(dir, warn).release();
    expect(warnings).toEqual([`taking over the unreadable lock file ${join(dir, LOCK_FILE)}`]);
  });

  it("release({ removeIfEmpty }) removes a folder it created and left empty", () => {
    const dir = join(scratch, "empty");
    openRunFolder(dir, () => {}).release({ removeIfEmpty: true });
    expect(existsSync(dir)).toBe(false);
  });

  it("a file in the way says 'not a directory' and names it", () => {
    const file = join(scratch, "plain-file");
    writeFileSync(file, "x");
    expect(() => openRunFolder(join(file, "run"), () => {})).toThrow(
      `'${file}' is not a directory (ENOTDIR)`,
    );
  });

  it("an impossible folder (/proc) fails at once with its cause", () => {
    const t = Date.now();
    expect(() => openRunFolder("/proc/graft-run/x", () => {})).toThrow(
      /out: cannot create the run folder '\/proc\/graft-run\/x': .*\(E[A-Z]+\)/,
    );
    expect(Date.now() - t).toBeLessThan(5000);
  });
});

function tryMount(target: string, options: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", target], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

// Needs root (mount, and a child run as another user); CI runs as root.
const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)("read-only and unwritable folders", () => {
  it("a read-only file system says EROFS", () => {
    const mount = mkdtempSync(join(tmpdir(), "graft-run-ro-"));
    if (!tryMount(mount, "size=64k,ro")) throw new Error("mount failed");
    try {
      expect(() => openRunFolder(join(mount, "run"), () => {})).toThrow(
        /cannot create the run folder .*: read-only file system \(EROFS\)/,
      );
    } finally {
      execFileSync("umount", [mount], { stdio: "ignore" });
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it("a folder the user may not write says EACCES", () => {
    chmodSync(scratch, 0o755); // nobody may walk into it, not write in it
    const parent = join(scratch, "root-only");
    mkdirSync(parent, { mode: 0o755 });
    // The same call in a child running as nobody (uid 65534) through this test's module.
    const script = `import(${JSON.stringify(new URL("../src/run-folder.ts", import.meta.url).href)}).then((m) => { try { m.openRunFolder(${JSON.stringify(join(parent, "run"))}, () => {}); console.log("opened"); } catch (e) { console.log(e.message); } })`;
    const tsx = join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "node_modules",
      "tsx",
      "dist",
      "loader.mjs",
    );
    const r = spawnSync(process.execPath, ["--import", tsx, "-e", script], {
      encoding: "utf8",
      uid: 65534,
      gid: 65534,
      cwd: "/",
      env: { ...process.env, HOME: "/tmp" },
    });
    expect(r.stdout.trim(), r.stderr).toMatch(
      /cannot create the run folder .*: permission denied \(EACCES\)/,
    );
  });
});
