#!/usr/bin/env node
// Builds one library package for publishing: `tsc -p tsconfig.build.json` (ESM .js,
// .d.ts, source maps into the package's outDir), then rewrites the relative `.ts`
// specifiers that tsc leaves in declaration files to `.js`, so a consumer's strict
// tsc (NodeNext or Bundler, no allowImportingTsExtensions) reads them as written.
// Run from the package folder; the monorepo keeps running the .ts sources through
// the "@graft/source" export condition.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const project = process.argv[2] ?? "tsconfig.build.json";
const config = JSON.parse(readFileSync(project, "utf8"));
const outDir = config.compilerOptions?.outDir ?? "dist";
rmSync(outDir, { recursive: true, force: true });

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

// `from "./a.ts"`, `import("../b.ts")`, `export * from "./c.ts"`: relative specifiers only.
const SPECIFIER = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.(m?)ts(["'])/g;
let rewritten = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.d\.m?ts$/.test(name)) {
      const text = readFileSync(p, "utf8");
      const out = text.replace(
        SPECIFIER,
        (_m, head, spec, m, quote) => `${head}${spec}.${m}js${quote}`,
      );
      if (out !== text) {
        writeFileSync(p, out);
        rewritten++;
      }
    }
  }
}
if (existsSync(outDir)) walk(outDir);
console.log(
  `build-lib: ${outDir}/ written (${rewritten} declaration files had .ts specifiers rewritten)`,
);
