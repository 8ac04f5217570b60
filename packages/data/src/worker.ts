/**
 * A decode worker (see worker-job.ts). Several images are in flight at once:
 * libvips decodes in libuv's threads while this thread resizes and transforms
 * the ones already decoded.
 */
import { parentPort } from "node:worker_threads";
import { processJob, type WorkerJob } from "./worker-job.ts";

parentPort?.on("message", async (job: WorkerJob) => {
  try {
    parentPort?.postMessage({ id: job.id, error: await processJob(job) });
  } catch (err) {
    parentPort?.postMessage({ id: job.id, crash: (err as Error).message });
  }
});
