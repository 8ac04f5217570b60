import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import * as tf from "@tensorflow/tfjs-core";

export const BACKEND_CHOICES = ["auto", "graft-cuda", "graft-cpu", "cpu", "wasm"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/**
 * The CLI is the one place that picks a backend (libraries never do). "auto"
 * takes the highest-priority backend that initialises (graft-cpu, else cpu).
 * PROD silences tfjs' advice to install tfjs-node, which graft replaces.
 * graft-cuda is only registered when asked for by name: "auto" does not reach for
 * it (nor pay for its probe, a child process that loads the CUDA libraries). It has
 * run on an H100 (native/README.md), but making it the default where a GPU exists
 * is a decision for later.
 */
export async function initTf(backend: BackendChoice = "auto"): Promise<typeof tf> {
  tf.env().set("PROD", true);
  if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (backend === "graft-cuda") await import("@graft/native/graft-cuda");
  if (backend === "auto") {
    await tf.ready();
    return tf;
  }
  if (!(await tf.setBackend(backend))) {
    throw new Error(`tfjs backend "${backend}" could not be initialised (see graft backends)`);
  }
  await tf.ready();
  return tf;
}
