/**
 * pnpm bench (@graft/weights): load an 80 MB VGG19-notop-sized Keras file into
 * the model, beside h5py reading the same file in the same run.
 * Targets: time ≤ 1.5× h5py's; peak RSS growth ≤ 2.5× the file size.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython } from "@graft/test-fixtures/python";

const here = fileURLToPath(new URL(".", import.meta.url));
const work = join(here, "..", "..", "..", ".bench-tmp");
mkdirSync(work, { recursive: true });
const file = join(work, "vgg19_notop_like.h5");
const python = findPython("h5py") ?? "python3";
if (findPython("h5py") === null) {
  console.log(
    "h5py is not available (pip install h5py): the reference cannot be measured, so there is no ratio.",
  );
  process.exit(1);
}
if (!existsSync(file))
  execFileSync(python, [join(here, "make_vgg19_notop_like.py"), file], { stdio: "inherit" });
const size = statSync(file).size;

const run = (cmd: string, args: string[]) =>
  JSON.parse(execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n").pop() as string);
const graft = run(process.execPath, [
  "--expose-gc",
  "--import",
  "tsx",
  join(here, "graft-load.ts"),
  file,
  "3",
]);
const ref = run(python, [join(here, "h5py_read.py"), file, "3"]);

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
console.log(`file: ${mb(size)} (VGG19 notop layout, random weights)`);
console.log(
  `graft load into model: ${graft.seconds.toFixed(3)} s, peak RSS growth ${mb(graft.peak_rss_growth)}`,
);
console.log(
  `h5py read (reference): ${ref.seconds.toFixed(3)} s, peak RSS growth ${mb(ref.peak_rss_growth)}`,
);
const timeRatio = graft.seconds / ref.seconds;
const memRatio = graft.peak_rss_growth / size;
console.log(
  `time ratio graft/h5py: ${timeRatio.toFixed(2)}× (target ≤ 1.5×) ${timeRatio <= 1.5 ? "✓" : "✗"}`,
);
console.log(
  `peak RSS growth / file size: ${memRatio.toFixed(2)}× (target ≤ 2.5×) ${memRatio <= 2.5 ? "✓" : "✗"}`,
);
