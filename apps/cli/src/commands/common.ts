/** Pieces the model commands (train, extract, predict, evaluate, recommend) share. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { ScenarioError } from "@graft/scenarios";
import type { ProgressStream } from "@graft/training";
import { CliError, UsageError } from "../errors.ts";
import { type Io, processIo } from "../io.ts";

/** Configuration mistakes are usage errors (exit 2); other library errors keep their code. */
export function asCliError(err: unknown): unknown {
  if (err instanceof ScenarioError && err.code === "ERR_GRAFT_CONFIG")
    return new UsageError(err.message);
  if (err instanceof ScenarioError) return new CliError(err.message, 1);
  return err;
}

export async function withCliErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asCliError(err);
  }
}

/** The terminal itself when the CLI writes to the process, else whole lines through `io`. */
export function progressStream(io: Io): ProgressStream {
  if (io === processIo) return process.stdout;
  let pending = "";
  return {
    isTTY: false,
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) io.out(l);
      return true;
    },
  };
}

/** Reads a JSON object from a file the user named under `flag`. */
export function readJsonObject(path: string, flag: string): Record<string, unknown> {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new UsageError(`${flag}: no such file '${path}'`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`${flag}: '${path}' is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${flag}: '${path}' must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A warning printer that says each distinct message once (`warning: …` on stderr). */
export function warnOnce(io: Io): (message: string) => void {
  const said = new Set<string>();
  return (message) => {
    if (said.has(message)) return;
    said.add(message);
    io.err(`warning: ${message}`);
  };
}
