/**
 * Imports flow one way: native → packages → apps. Read from the sources themselves
 * (every import, export-from and dynamic import of every TypeScript/JavaScript file in
 * the workspace), so a new file that breaks a rule fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const SKIP = new Set(["node_modules", "build", "dist", ".turbo", "runs"]);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const SPEC =
  /(?:^|[\s;])(?:import|export)\s(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every module specifier a file names. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(SPEC)) out.push((m[1] ?? m[2]) as string);
  return out;
}

interface Edge {
  file: string; // relative to the root
  spec: string;
  /** The workspace folder the import lands in: "native", "packages/x", "apps/x", "test-fixtures", or null (outside). */
  target: string | null;
}

function workspaceOf(path: string): string | null {
  const parts = relative(root, path).split(sep);
  if (parts[0] === "native" || parts[0] === "test-fixtures") return parts[0];
  if ((parts[0] === "packages" || parts[0] === "apps") && parts[1])
    return `${parts[0]}/${parts[1]}`;
  return null;
}

const PACKAGE_DIRS: Record<string, string> = {};
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, group))) {
    const pj = JSON.parse(readFileSync(join(root, group, name, "package.json"), "utf8"));
    PACKAGE_DIRS[pj.name] = `${group}/${name}`;
  }
}
PACKAGE_DIRS["@graft/native"] = "native";
PACKAGE_DIRS["@graft/test-fixtures"] = "test-fixtures";

function edges(dir: string): Edge[] {
  const out: Edge[] = [];
  for (const file of sources(join(root, dir))) {
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      let target: string | null = null;
      if (spec.startsWith(".")) target = workspaceOf(resolve(file, "..", spec));
      else {
        const name = spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : spec.split("/")[0];
        target = PACKAGE_DIRS[name as string] ?? null;
      }
      out.push({ file: relative(root, file), spec, target });
    }
  }
  return out;
}

const show = (es: Edge[]) => es.map((e) => `${e.file} imports ${e.spec}`);

describe("one-way layering", () => {
  it("reads the imports it checks", () => {
    expect(
      specifiers(`import a from "x";\nexport { b } from './y';\nimport "z";\nawait import("w");`),
    ).toEqual(["x", "./y", "z", "w"]);
    // The rules below have something to look at.
    expect(edges("native").some((e) => e.target === "native")).toBe(true);
    expect(edges("apps/cli").some((e) => e.target === "packages/scenarios")).toBe(true);
  });

  it("nothing in native/ imports from packages/ or apps/", () => {
    const bad = edges("native").filter(
      (e) => e.target?.startsWith("packages/") || e.target?.startsWith("apps/"),
    );
    expect(show(bad)).toEqual([]);
  });

  it("no library imports from apps/", () => {
    const bad = edges("packages").filter((e) => e.target?.startsWith("apps/"));
    expect(show(bad)).toEqual([]);
  });

  it("no library, backend or the CLI needs @graft/test-fixtures at run time", () => {
    const runtime = [
      ...edges("native/ts"),
      ...readdirSync(join(root, "packages")).flatMap((p) => edges(`packages/${p}/src`)),
      ...edges("apps/cli/src"),
    ];
    expect(show(runtime.filter((e) => e.target === "test-fixtures"))).toEqual([]);
    const declared = Object.entries(PACKAGE_DIRS)
      .filter(([name]) => name !== "@graft/test-fixtures")
      .filter(([, dir]) => {
        const pj = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
        return "@graft/test-fixtures" in { ...pj.dependencies, ...pj.peerDependencies };
      })
      .map(([name]) => name);
    expect(declared).toEqual([]);
  });

  it("@graft/data names no tfjs backend", () => {
    const names = /getBackend\s*\(|["'](cpu|graft-cpu|graft-cuda|wasm|webgl|webgpu|tensorflow)["']/;
    const bad = sources(join(root, "packages/data/src"))
      .filter((f) => names.test(readFileSync(f, "utf8")))
      .map((f) => relative(root, f));
    expect(bad).toEqual([]);
  });
});
