/**
 * A pool of decode workers (worker.ts). Images are dealt round-robin; each worker
 * keeps several in flight; idle workers do not keep the process alive. If the workers
 * cannot run (a crash; from the sources, no TypeScript loader), the pool says so once and
 * does the same work in this thread.
 */
import { Worker } from "node:worker_threads";
import type { LoadOptions } from "./decode.ts";
import { processJob, type WorkerJob } from "./worker-job.ts";

type Reply = { id: number; error?: string | null; crash?: string };

export class DecodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { job: WorkerJob; done: (e: string | null) => void }
  >();
  private next = 0;
  private nextId = 0;
  private broken: string | null = null;

  constructor(
    size: number,
    private readonly warn: (m: string) => void = console.warn,
  ) {
    // Built (dist/pool.js): the worker is plain JavaScript. From the .ts sources (the
    // monorepo's tests and tools): worker-entry.mjs, which finds a TypeScript loader.
    const entry = new URL(
      import.meta.url.endsWith(".ts") ? "./worker-entry.mjs" : "./worker.js",
      import.meta.url,
    );
    for (let i = 0; i < size; i++) {
      const w = new Worker(entry);
      w.on("message", (r: Reply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (this.pending.size === 0) for (const x of this.workers) x.unref();
        if (r.crash !== undefined) this.fail(r.crash, [p]);
        else p.done(r.error ?? null);
      });
      w.on("error", (err) => this.fail(err.message, [...this.pending.values()]));
      w.on("exit", (code) => {
        if (this.broken === null)
          this.fail(`a worker exited with code ${code}`, [...this.pending.values()]);
      });
      w.unref(); // after the listeners, which would ref it again
      this.workers.push(w);
    }
  }

  private fail(reason: string, jobs: { job: WorkerJob; done: (e: string | null) => void }[]): void {
    if (this.broken === null) {
      this.broken = reason;
      this.warn(
        `graft data: decode workers failed (${reason}); decoding in the main thread instead`,
      );
      for (const w of this.workers) void w.terminate();
    }
    for (const p of jobs) {
      this.pending.delete(p.job.id);
      if (this.pending.size === 0) for (const x of this.workers) x.unref();
      processJob(p.job).then(p.done, (e: Error) => p.done(e.message));
    }
  }

  /** Decodes `path` into `out` at `offset` (float32 elements); resolves to null or the reason it failed. */
  run(
    path: string,
    load: LoadOptions,
    out: SharedArrayBuffer,
    offset: number,
    post: WorkerJob["post"],
  ): Promise<string | null> {
    const job: WorkerJob = { id: this.nextId++, path, load, out, offset, post };
    if (this.broken !== null) return processJob(job);
    const w = this.workers[this.next++ % this.workers.length] as Worker;
    if (this.pending.size === 0) for (const x of this.workers) x.ref(); // busy: keep the process up
    return new Promise((resolve) => {
      this.pending.set(job.id, { job, done: resolve });
      w.postMessage(job);
    });
  }
}
