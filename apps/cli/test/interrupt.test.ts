/**
 * graft train and its run folder under pressure: Ctrl-C and SIGTERM mid-run, a
 * folder another run holds, and --out paths that cannot be written.
 */
import { spawn } from "node:child_process";
import {
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
import { pathToFileURL } from "node:url";
import { demoFile, demoManifest } from "@graft/demo";
import { afterAll, describe, expect, it } from "vitest";
import { cliDir, graft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-interrupt-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const manifest = demoManifest();
const train = demoFile("target", "train");
const BASE = [
  "--weights",
  demoFile(manifest.weights.file),
  "--block-filters",
  manifest.blockFilters.join(","),
  "--input-size",
  String(manifest.inputSize[0]),
  "--backend",
  "graft-cpu",
];
const tsxLoader = pathToFileURL(join(cliDir, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Starts `graft train` with many epochs, sends `signal` once an epoch is saved, and waits. */
function interruptedRun(
  out: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; out: string; err: string; rows: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        tsxLoader,
        join(cliDir, "src", "main.ts"),
        "train",
        "--data",
        train,
        ...BASE,
        "--epochs",
        "200",
        "--out",
        out,
      ],
      { cwd: scratch, env: { ...process.env, INIT_CWD: "", npm_lifecycle_event: "" } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const history = join(out, "history.csv");
    const rowsNow = () =>
      existsSync(history) ? readFileSync(history, "utf8").split("\r\n").filter(Boolean).length : 0;
    let sentAt = -1;
    const poll = setInterval(() => {
      // Header + one epoch: the state of epoch 1 is saved right after its row.
      if (sentAt < 0 && rowsNow() >= 2) {
        sentAt = rowsNow();
        child.kill(signal);
      }
    }, 50);
    const limit = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`graft train did not end:\n${stdout}\n${stderr}`));
    }, 240_000);
    child.on("exit", (code) => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve({ code, out: stdout, err: stderr, rows: rowsNow() - 1 });
    });
  });
}

describe("graft train: SIGINT and SIGTERM", () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} ends the run with ${code}, says how to resume, unlocks, leaves no temporary`, async () => {
      const out = join(scratch, `sig-${signal}`);
      const r = await interruptedRun(out, signal);
      expect(r.code, r.err).toBe(code);
      const m = new RegExp(
        `Interrupted \\(${signal}\\) after (\\d+) saved epochs?; resume with: graft train --resume ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
      ).exec(r.out);
      expect(m, r.out).not.toBeNull();
      // What it says was saved is what a resume starts from: every row has its state.
      expect(Number(m?.[1])).toBe(r.rows);
      const latest = JSON.parse(readFileSync(join(out, "state", "latest.json"), "utf8"));
      expect(latest.state).toMatch(new RegExp(`^state-${String(r.rows).padStart(6, "0")}-`));
      expect(existsSync(join(out, "run.lock"))).toBe(false);
      expect(readdirSync(out).filter((n) => n.includes(".tmp-"))).toEqual([]);
    }, 300_000);
  }
});

describe("graft train: the run folder", () => {
  it("a folder a live run holds is refused at once, naming the holder", () => {
    const out = join(scratch, "held");
    mkdirSync(out);
    const lock = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: "2026-12-05T00:00:00Z",
    });
    writeFileSync(join(out, "run.lock"), lock);
    const r = graft(["train", "--data", train, ...BASE, "--epochs", "1", "--out", out], {
      cwd: scratch,
    });
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain(`is in use by another graft run (pid ${process.pid} on ${hostname()}`);
    expect(readFileSync(join(out, "run.lock"), "utf8")).toBe(lock);
    expect(readdirSync(out)).toEqual(["run.lock"]);
  }, 120_000);

  it("--out below a file says 'not a directory' before any training", () => {
    writeFileSync(join(scratch, "a-file"), "x");
    const r = graft(
      ["train", "--data", train, ...BASE, "--epochs", "1", "--out", join(scratch, "a-file", "run")],
      { cwd: scratch },
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a directory \(ENOTDIR\)/);
    expect(r.out).not.toMatch(/Training /);
  }, 120_000);

  it("--out in /proc fails at once with the cause", () => {
    const r = graft(["train", "--data", train, ...BASE, "--out", "/proc/run"], {
      cwd: scratch,
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/out: cannot create the run folder '\/proc\/run': .*\(E[A-Z]+\)/);
  }, 120_000);
});
