// What build.mjs and pack-prebuilt.mjs both ask of the host: whether a command is on PATH, and
// the argv of an apt-get call.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Whether `cmd` is an executable name found in one of PATH's folders. */
export const onPath = (cmd) =>
  (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)));

/**
 * The argv of one apt-get call. A parallel build may have other steps calling apt-get at the
 * same moment (the report tests install Chromium), and apt refuses a second caller at once
 * ("Could not get lock"). So graft's calls queue on one flock (util-linux, on every Debian) and
 * wait for dpkg's own lock too. packages/report/test/global-setup.ts queues on the same lock
 * file with the same flags.
 */
export const aptGet = (args) => [
  ...(onPath("flock") ? ["flock", "-w", "1200", "/tmp/graft-apt.lock"] : []),
  "apt-get",
  "-o",
  "DPkg::Lock::Timeout=600",
  ...args,
];
