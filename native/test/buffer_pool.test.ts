/**
 * graft-cpu's BufferPool on its own (sizes, pins, the cap and its eviction
 * order, GRAFT_POOL_MB), and inside the backend: a training step's second run
 * reuses the first one's buffers, and no array JavaScript holds is ever reused.
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferPool, POOL_MIN_BYTES, poolCapBytes } from "../ts/cpu/buffer_pool.ts";
import { type GraftCpuBackend, graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { inCI } from "./helpers.ts";

const unavailable = graftCpuUnavailableReason();
const describeNative = unavailable && !inCI ? describe.skip : describe;
const MB = 2 ** 20;
// Identity checks are written as \`expect(a === b)\`: vitest's toBe on two big typed
// arrays also compares them element by element for its message, which takes seconds.
const floats = (mb: number) => (mb * MB) / 4;

describe("BufferPool", () => {
  it("recycles a freed buffer of the same size, and only buffers it made", () => {
    const pool = new BufferPool(64 * MB);
    const a = pool.take(floats(1));
    a[0] = 7;
    pool.give(a);
    expect(pool.bytes).toBe(MB);
    const b = pool.take(floats(1));
    expect(b === a).toBe(true); // old contents: callers overwrite
    expect(pool.take(floats(2)) === a).toBe(false);
    pool.give(new Float32Array(floats(1))); // not the pool's
    expect(pool.bytes).toBe(0);
    expect([pool.hits, pool.misses]).toEqual([1, 2]);
  });

  it("leaves small buffers to the allocator", () => {
    const pool = new BufferPool(64 * MB);
    const small = pool.take(POOL_MIN_BYTES / 4 - 1);
    pool.give(small);
    expect(pool.bytes).toBe(0);
    expect(pool.take(POOL_MIN_BYTES / 4 - 1) === small).toBe(false);
  });

  it("never recycles a pinned buffer, or one given twice", () => {
    const pool = new BufferPool(64 * MB);
    const a = pool.take(floats(1));
    pool.pin(a.subarray(0, 4)); // a view pins its whole buffer
    pool.give(a);
    expect(pool.bytes).toBe(0);
    const b = pool.take(floats(1));
    pool.give(b);
    pool.give(b);
    expect(pool.bytes).toBe(MB);
    expect(pool.take(floats(1)) === b).toBe(true);
    expect(pool.take(floats(1)) === b).toBe(false);
  });

  it("beyond the cap lets the buffers freed longest ago go first", () => {
    const pool = new BufferPool(4 * MB);
    const [a, b, c] = [pool.take(floats(2)), pool.take(floats(1)), pool.take(floats(2))];
    pool.give(a);
    pool.give(b);
    pool.give(c); // 5 MB > 4: a, the oldest, goes
    expect(pool.bytes).toBe(3 * MB);
    expect(pool.evictions).toBe(1);
    expect(pool.take(floats(2)) === c).toBe(true);
    expect(pool.take(floats(1)) === b).toBe(true);
    expect(pool.take(floats(2)) === a).toBe(false);
    pool.give(pool.take(floats(8))); // larger than the cap: never kept
    expect(pool.bytes).toBe(0);
  });

  it("takes its cap from GRAFT_POOL_MB, else a quarter of memory (at least 1 GiB)", () => {
    expect(poolCapBytes("512")).toBe(512 * MB);
    expect(poolCapBytes("0")).toBe(0);
    expect(poolCapBytes(undefined)).toBeGreaterThanOrEqual(1024 * MB);
    expect(() => poolCapBytes("lots")).toThrow(
      "Expected a number of MiB >= 0 for GRAFT_POOL_MB but received 'lots'",
    );
  });
});

describeNative("the pool inside graft-cpu", () => {
  beforeAll(async () => {
    tf.env().set("PROD", true);
    await tf.setBackend("graft-cpu");
  });
  afterAll(async () => {
    await tf.setBackend("cpu");
  });
  const pool = () => (tf.backend() as GraftCpuBackend).pool;

  it("a repeated training-shaped step allocates nothing new", () => {
    const x = tf.randomUniform([4, 64, 64, 32]);
    const f = tf.randomUniform([3, 3, 32, 32]);
    const step = () =>
      tf.tidy(() =>
        tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
          tf.sum(tf.relu(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, "same"))),
        )([x, f]),
      );
    tf.dispose(step());
    const misses = pool().misses;
    const hits = pool().hits;
    tf.dispose(step());
    expect(pool().misses).toBe(misses);
    expect(pool().hits).toBeGreaterThan(hits);
    tf.dispose([x, f]);
  });

  it("an array read by JavaScript, or shared by a view, is never handed out again", async () => {
    const big = [1, 1024, 1024]; // 4 MiB
    const kept = tf.tidy(() => tf.relu(tf.fill(big, -1)));
    const values = kept.dataSync() as Float32Array;
    const asyncKept = tf.tidy(() => tf.relu(tf.fill(big, -1)));
    const asyncValues = (await asyncKept.data()) as Float32Array;
    tf.dispose([kept, asyncKept]);
    const outs = Array.from({ length: 4 }, () => tf.tidy(() => tf.relu(tf.fill(big, 3))));
    expect(values[0]).toBe(0);
    expect(asyncValues[0]).toBe(0);
    tf.dispose(outs);
  });
});
