import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Absolute path of the test-fixtures folder, so tests need no relative climbing. */
export const fixturesDir = fileURLToPath(new URL(".", import.meta.url));

/** Absolute path of a file inside test-fixtures/. */
export function fixture(...parts: string[]): string {
  return join(fixturesDir, ...parts);
}
