/**
 * pnpm bench (@graft/weights): load an 80 MB VGG19-notop-sized Keras file into
 * the model, beside h5py reading the same file in the same run.
 * Targets: time ≤ 1.5× h5py's; peak RSS growth ≤ 2.5× the file size.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";

const here = fileURLToPath(new URL(".", import.meta.url));
const work = join(here, "..", "..", "..", ".bench-tmp");
mkdirSync(work, { recursive: true });
const python = findPython("h5py");
// With h5py the file has the official file's Keras 1 layout; without it graft writes one in
// Keras 2's, so graft's figure is still measured (and named apart: it is another layout).
const file = join(work, python ? "vgg19_notop_like.h5" : "vgg19_notop_like.graft.h5");
if (!existsSync(file)) {
  if (python)
    execFileSync(python, [join(here, "make_vgg19_notop_like.py"), file], { stdio: "inherit" });
  else
    execFileSync(
      process.execPath,
      ["--import", "tsx", join(here, "graft-load.ts"), "--write", file],
      {
        stdio: "inherit",
      },
    );
}
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
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
console.log(
  `file: ${mb(size)} (VGG19 notop ${python ? "layout written by h5py" : "weights in Keras 2's layout written by graft"}, random weights)`,
);
console.log(
  `graft load into model: ${graft.seconds.toFixed(3)} s, peak RSS growth ${mb(graft.peak_rss_growth)}`,
);
if (!python) {
  console.log(missingReference("h5py"));
  process.exit(0);
}
const ref = run(python, [join(here, "h5py_read.py"), file, "3"]);
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
