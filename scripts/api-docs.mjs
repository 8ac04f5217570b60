#!/usr/bin/env node
// Builds the API reference (docs/api/) with typedoc and typedoc.json at the repo
// root, and fails when typedoc does: a TypeScript error, an exported symbol without
// a doc comment, a broken {@link}, a type used but not exported. typedoc's own
// output streams through; the last line is one summary, e.g.
//   api-docs: FAILED, typedoc exit 4 (validation): 3 warnings (3 undocumented), 0 errors in 9.4 s
// Extra arguments go to typedoc (`node scripts/api-docs.mjs --emit none` checks only).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

let cli;
try {
  cli = join(dirname(require.resolve("typedoc/package.json")), "bin", "typedoc");
} catch {
  console.error(
    "api-docs: FAILED, typedoc is not installed: add it to the root devDependencies and run pnpm install",
  );
  process.exit(1);
}

// typedoc's exit codes (src/lib/cli.ts).
const STAGE = { 1: "options", 3: "conversion", 4: "validation", 5: "output", 6: "exception" };

const start = performance.now();
const child = spawn(
  process.execPath,
  [cli, "--options", join(root, "typedoc.json"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  },
);

const counts = { warning: 0, error: 0, undocumented: 0 };
function tally(stream, sink) {
  let rest = "";
  stream.on("data", (chunk) => {
    sink.write(chunk);
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const raw of lines) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours
      const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
      // "[warning] …", or "path:line:col - [warning] …" for one tied to a source position.
      const level = /^(?:\S+:\d+:\d+ - )?\[(warning|error)\] (?!Found \d+ errors)/.exec(line)?.[1];
      if (!level) continue;
      counts[level]++;
      if (line.includes("does not have any documentation")) counts.undocumented++;
    }
  });
}
tally(child.stdout, process.stdout);
tally(child.stderr, process.stderr);

child.on("close", (code, signal) => {
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const found = `${counts.warning} warnings (${counts.undocumented} undocumented), ${counts.error} errors in ${seconds} s`;
  if (code === 0) {
    console.log(`api-docs: docs/api/ written, ${found}`);
    process.exit(0);
  }
  const why = signal ? `killed by ${signal}` : `typedoc exit ${code} (${STAGE[code] ?? "unknown"})`;
  console.error(`api-docs: FAILED, ${why}: ${found}`);
  process.exit(code || 1);
});
