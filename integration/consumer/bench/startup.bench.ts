/**
 * Install and start-up: graft's tarballs installed with npm into a fresh project,
 * then cold `graft --help` and `graft backends` from the installed CLI (plain node on
 * dist/) beside the same commands in the monorepo (tsx on the sources, as
 * `pnpm --filter cli start` runs them). Prints median wall times over the runs, the
 * ratio (monorepo / installed: above 1 means the installed CLI starts faster), the
 * install time and every tarball's size.
 *
 *   pnpm --filter @graft/consumer-test bench      (BENCH_RUNS=7 by default)
 */
import { execSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { ok, packAll, repoRoot, run, sizes, userEnv } from "../test/pack.ts";

const runs = Number(process.env.BENCH_RUNS ?? "7");
const work = mkdtempSync(join(tmpdir(), "graft-startup-"));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

try {
  const t0 = performance.now();
  const tarballs = packAll(join(work, "tarballs"));
  const packS = (performance.now() - t0) / 1000;
  const dir = join(work, "project");
  mkdirSync(dir);
  const dependencies = Object.fromEntries(
    Object.entries(tarballs).map(([n, f]) => [n, `file:${f}`]),
  );
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "startup", private: true, dependencies }),
  );
  const install = ok(run("npm", ["install", "--no-audit", "--no-fund"], dir), "npm install");

  const installed = [join(dir, "node_modules", "@graft", "cli", "bin", "graft.mjs")];
  const cliDir = join(repoRoot, "apps", "cli");
  const tsx = join(cliDir, "node_modules", "tsx", "dist", "cli.mjs");
  const mono = [tsx, "--conditions=@graft/source", join(cliDir, "src", "main.ts")];
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `graft install/start-up on ${cpus().length}× ${cpu}, Node.js ${process.version}, ${runs} runs each`,
  );
  console.log(
    `pack ${packS.toFixed(1)} s, npm install of the tarballs ${(install.ms / 1000).toFixed(1)} s`,
  );
  for (const args of [["--help"], ["backends"]]) {
    const time = (cmd: string[]) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++)
        ms.push(ok(run(process.execPath, [...cmd, ...args], dir, userEnv()), cmd.join(" ")).ms);
      return median(ms);
    };
    const a = time(installed);
    const b = time(mono);
    console.log(
      `graft ${args.join(" ").padEnd(9)} installed ${a.toFixed(0).padStart(5)} ms   monorepo (tsx) ${b.toFixed(0).padStart(5)} ms   ratio ${(b / a).toFixed(2)}`,
    );
  }
  console.log("tarball sizes (bytes):");
  for (const [name, bytes] of Object.entries(sizes(tarballs)))
    console.log(`  ${name.padEnd(34)} ${String(bytes).padStart(10)}`);
  console.log(
    `installed node_modules: ${execSync(`du -sh ${join(dir, "node_modules")}`, { encoding: "utf8" }).split("\t")[0]}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
