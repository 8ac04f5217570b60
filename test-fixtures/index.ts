import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the test-fixtures folder, so tests need no relative climbing. */
export const fixturesDir = fileURLToPath(new URL(".", import.meta.url));

/** Absolute path of a file inside test-fixtures/. */
export function fixture(...parts: string[]): string {
  return join(fixturesDir, ...parts);
}

export * from "./keras-manifest.ts";
