import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";

/**
 * The CLI is the one place that picks a backend (libraries never do). PROD
 * silences tfjs' advice to install tfjs-node, which graft replaces.
 */
export async function initTf(backend = "cpu"): Promise<typeof tf> {
  tf.env().set("PROD", true);
  if (!(await tf.setBackend(backend)))
    throw new Error(`tfjs backend "${backend}" could not be initialised`);
  await tf.ready();
  return tf;
}
