// How long `graft` takes to start, from the built JavaScript (bin/graft.mjs on dist/), as an
// installed user runs it, beside bare Node's own start (`node -e ""`) measured in the same
// run: the difference is graft's. Issue 15's targets: --help under 0.5 s, backends under 1.5 s.
// integration/consumer/bench/startup.bench.ts measures the same commands from npm-installed
// tarballs (with the install); this one needs only `pnpm --filter cli build`.
//
//   pnpm --filter cli build && pnpm --filter cli bench:startup   (GRAFT_BENCH_ROUNDS=N, default 7)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/graft.mjs", import.meta.url));
if (!existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)))) {
  console.error("startup bench: dist/ is not built: run `pnpm --filter cli build` first");
  process.exit(1);
}
const rounds = Number(process.env.GRAFT_BENCH_ROUNDS ?? 7);
const cases: [string, string[]][] = [
  ["node -e '' (reference)", ["-e", ""]],
  ["graft --help", [bin, "--help"]],
  ["graft --version", [bin, "--version"]],
  ["graft backends", [bin, "backends"]],
];
const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  // Every case once per round, so the machine's drift hits them alike.
  for (const [name, args] of cases) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, args, { stdio: "ignore" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (p.status !== 0) throw new Error(`${name} exited ${p.status}`);
    times.get(name)?.push(ms);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const node = median(times.get("node -e '' (reference)") ?? []);
console.log(
  `start-up, median of ${rounds} (${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version})`,
);
for (const [name] of cases) {
  const m = median(times.get(name) ?? []);
  console.log(
    `${name.padEnd(24)} ${m.toFixed(0).padStart(6)} ms${name.startsWith("node") ? "" : `   (graft's own: ${(m - node).toFixed(0)} ms)`}`,
  );
}
