import { resolve } from "node:path";

/**
 * The folder the user ran the command from. `pnpm --filter cli start` runs the
 * script inside apps/cli but passes the original folder in INIT_CWD; outside a
 * package script INIT_CWD may be stale, so it is only trusted inside one.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INIT_CWD && env.npm_lifecycle_event) return env.INIT_CWD;
  return process.cwd();
}

/** Resolves a path the user typed against the folder they typed it in. */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(userCwd(env), p);
}

/** --weights: "imagenet" and "none" as they are, anything else a file the user named. */
export function weightsArg(
  value: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const w = value ?? "imagenet";
  return w === "imagenet" || w === "none" ? w : userPath(w, env);
}
