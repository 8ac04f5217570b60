import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { GetFileError, type GetFileOptions, getFile } from "../src/get-file.ts";
import {
  fetchOfficialWeights,
  officialWeights,
  weightsBaseUrl,
} from "../src/keras-applications.ts";
import { formatBytes, formatDuration, ProgressBar } from "../src/progress.ts";
import { closedPort, startTestServer, type TestServer } from "./helpers/http-server.ts";

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

const BODY = new Uint8Array(randomBytes(200_000));
const OTHER = new Uint8Array(randomBytes(1_000));

let server: TestServer;
let root: string; // fresh per test; holds cache folders
let logs: string[];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  server.reset();
  root = await mkdtemp(join(tmpdir(), "graft-get-file-"));
  logs = [];
  // Keep real ~/.keras and $KERAS_HOME out of every test.
  vi.stubEnv("KERAS_HOME", join(root, "keras-home"));
  vi.stubEnv("GRAFT_WEIGHTS_BASE_URL", "");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await chmod(root, 0o755).catch(() => {});
  await rm(root, { recursive: true, force: true });
});

/** getFile with a per-test cache and captured notices. */
function get(path: string, options: Partial<GetFileOptions> = {}): Promise<string> {
  return getFile({
    fname: "file.bin",
    origin: server.url(path),
    cacheDir: join(root, "cache"),
    log: (message) => logs.push(message),
    ...options,
  });
}

/** Byte equality; vitest's deep equality takes most of a second on 200 kB arrays. */
async function sameBytes(path: string, expected: Uint8Array): Promise<boolean> {
  return Buffer.from(expected).equals(await readFile(path));
}

async function rejection(promise: Promise<unknown>): Promise<GetFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GetFileError);
  return error as GetFileError;
}

/** Everything in the models folder: proves no file and no `.part-` temp was left behind. */
async function modelsDir(dir = join(root, "cache", "models")): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

describe("getFile downloads", () => {
  test("saves the file under <cacheDir>/models and checks its md5", async () => {
    server.route("/w.h5", { kind: "bytes", body: BODY, chunkSize: 16_384 });
    const path = await get("/w.h5", { fname: "w.h5", fileHash: md5(BODY) });
    expect(path).toBe(join(root, "cache", "models", "w.h5"));
    expect(await sameBytes(path, BODY)).toBe(true);
    expect(await modelsDir()).toEqual(["w.h5"]);
    expect(server.requests("/w.h5")).toBe(1);
  });

  test("picks sha256 for a 64-digit hash, and honours an explicit algorithm", async () => {
    server.route("/s", { kind: "bytes", body: BODY });
    const auto = await get("/s", { fname: "auto.bin", fileHash: sha256(BODY) });
    expect(await sameBytes(auto, BODY)).toBe(true);
    const explicit = await get("/s", {
      fname: "explicit.bin",
      fileHash: sha256(BODY).toUpperCase(),
      hashAlgorithm: "sha256",
    });
    expect(await sameBytes(explicit, BODY)).toBe(true);
    // An md5 claimed as sha256 is an argument error, found before any request.
    await expect(get("/s", { fileHash: md5(BODY), hashAlgorithm: "sha256" })).rejects.toThrow(
      /Expected 64 hex digits \(sha256\) for fileHash/,
    );
    expect(server.requests("/s")).toBe(2);
  });

  test("a second call is a cache hit and makes no request", async () => {
    server.route("/w.h5", { kind: "bytes", body: BODY });
    const first = await get("/w.h5", { fileHash: md5(BODY) });
    const second = await get("/w.h5", { fileHash: md5(BODY) });
    expect(second).toBe(first);
    expect(server.requests("/w.h5")).toBe(1);
  });

  test("without fileHash a cached file is used as it is", async () => {
    const dir = join(root, "cache", "models");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "file.bin"), OTHER);
    const path = await get("/never");
    expect(await sameBytes(path, OTHER)).toBe(true);
    expect(server.requests("/never")).toBe(0);
  });

  test("takes fname from the URL when it is not given", async () => {
    server.route("/dir/from-url.h5", { kind: "bytes", body: OTHER });
    const path = await getFile({ origin: server.url("/dir/from-url.h5"), cacheDir: root });
    expect(path).toBe(join(root, "models", "from-url.h5"));
  });

  test("follows redirects", async () => {
    server.route("/old", { kind: "redirect", location: "/new", status: 301 });
    server.route("/new", { kind: "bytes", body: OTHER });
    const path = await get("/old", { fileHash: md5(OTHER) });
    expect(await sameBytes(path, OTHER)).toBe(true);
    expect(server.requests("/new")).toBe(1);
  });

  test("works without Content-Length (chunked transfer)", async () => {
    server.route("/chunked", {
      kind: "bytes",
      body: BODY,
      contentLength: false,
      chunkSize: 50_000,
    });
    const totals: (number | undefined)[] = [];
    const path = await get("/chunked", {
      fileHash: md5(BODY),
      onProgress: (_, total) => totals.push(total),
    });
    expect(await sameBytes(path, BODY)).toBe(true);
    expect(totals.every((t) => t === undefined)).toBe(true);
  });

  test("honours cacheSubdir", async () => {
    server.route("/d", { kind: "bytes", body: OTHER });
    const path = await get("/d", { cacheSubdir: "datasets" });
    expect(path).toBe(join(root, "cache", "datasets", "file.bin"));
  });
});

describe("getFile failures leave nothing behind", () => {
  test("404 → ERR_GRAFT_DOWNLOAD_HTTP naming status and URL", async () => {
    server.route("/missing.h5", { kind: "status", status: 404 });
    const error = await rejection(get("/missing.h5", { fileHash: md5(BODY) }));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_HTTP");
    expect(error.status).toBe(404);
    expect(error.message).toContain("404");
    expect(error.message).toContain(server.url("/missing.h5"));
    expect(await modelsDir()).toEqual([]);
  });

  test("truncated transfer → ERR_GRAFT_DOWNLOAD_TRUNCATED naming bytes got and expected", async () => {
    server.route("/t", { kind: "truncated", body: BODY.subarray(0, 1000), declaredLength: 5000 });
    const error = await rejection(get("/t"));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_TRUNCATED");
    // Bytes still queued in fetch's stream are dropped when it errors, so "got" is <= 1000.
    expect(error.received).toBeLessThanOrEqual(1000);
    expect(error.expectedBytes).toBe(5000);
    expect(error.message).toContain(`after ${error.received} of 5000 bytes`);
    expect(await modelsDir()).toEqual([]);
  });

  test("wrong hash → ERR_GRAFT_DOWNLOAD_HASH naming both hashes", async () => {
    server.route("/h", { kind: "bytes", body: BODY });
    const wrong = md5(OTHER);
    const error = await rejection(get("/h", { fileHash: wrong }));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_HASH");
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(md5(BODY));
    expect(error.actualHash).toBe(md5(BODY));
    expect(await modelsDir()).toEqual([]);
  });

  test("an interrupted download fails cleanly and the next call succeeds", async () => {
    server.route("/i", [
      { kind: "interrupt", body: BODY, sendBytes: 70_000, stallMs: 50 },
      { kind: "bytes", body: BODY },
    ]);
    const error = await rejection(get("/i", { fileHash: md5(BODY) }));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_TRUNCATED");
    expect(error.expectedBytes).toBe(BODY.byteLength);
    expect(await modelsDir()).toEqual([]);

    const path = await get("/i", { fileHash: md5(BODY) });
    expect(await sameBytes(path, BODY)).toBe(true);
    expect(await modelsDir()).toEqual(["file.bin"]);
    expect(server.requests("/i")).toBe(2);
  });

  test("a stall longer than timeoutMs → ERR_GRAFT_DOWNLOAD_TIMEOUT", async () => {
    server.route("/headers-only", { kind: "stall" });
    server.route("/nothing", { kind: "stall", headers: false });
    for (const path of ["/headers-only", "/nothing"]) {
      const error = await rejection(get(path, { timeoutMs: 150 }));
      expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_TIMEOUT");
      expect(error.message).toContain("150 ms");
    }
    expect(await modelsDir()).toEqual([]);
  });

  test("a connection closed before any response → ERR_GRAFT_DOWNLOAD_NETWORK with the manual hint", async () => {
    server.route("/hangup", { kind: "hangup" });
    const error = await rejection(get("/hangup"));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_NETWORK");
    expect(error.message).toContain(join(root, "cache", "models", "file.bin"));
    expect(await modelsDir()).toEqual([]);
  });

  test("an aborted signal rejects with its reason and removes the temp file", async () => {
    server.route("/slow", { kind: "bytes", body: BODY, chunkSize: 10_000, delayMs: 20 });
    const controller = new AbortController();
    const promise = get("/slow", {
      signal: controller.signal,
      onProgress: (received) => {
        if (received >= 30_000) controller.abort(new Error("user cancelled"));
      },
    });
    await expect(promise).rejects.toThrow("user cancelled");
    expect(await modelsDir()).toEqual([]);
  });

  test("offline → ERR_GRAFT_DOWNLOAD_OFFLINE saying where to put the file by hand", async () => {
    const port = await closedPort();
    const origin = `http://127.0.0.1:${port}/vgg19/w.h5`;
    const error = await rejection(
      getFile({ fname: "w.h5", origin, cacheDir: join(root, "cache"), fileHash: md5(BODY) }),
    );
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_OFFLINE");
    expect(error.path).toBe(join(root, "cache", "models", "w.h5"));
    expect(error.message).toContain(join(root, "cache", "models", "w.h5"));
    expect(error.message).toContain(origin);
    expect(error.message).toContain("GRAFT_WEIGHTS_BASE_URL");
    expect(error.message).toContain(md5(BODY));
    expect(await modelsDir()).toEqual([]);
  });
});

describe("getFile and an existing cached file", () => {
  const cached = () => join(root, "cache", "models", "file.bin");
  const seed = async (data: Uint8Array) => {
    await mkdir(join(root, "cache", "models"), { recursive: true });
    await writeFile(cached(), data);
  };

  test("a cached file with a wrong hash is re-downloaded, and that is logged", async () => {
    await seed(OTHER);
    server.route("/w", { kind: "bytes", body: BODY });
    const path = await get("/w", { fileHash: md5(BODY) });
    expect(await sameBytes(path, BODY)).toBe(true);
    expect(server.requests("/w")).toBe(1);
    expect(logs.join("\n")).toMatch(/does not match .*downloading it again/);
  });

  test("forceDownload downloads again even when the cached file is good", async () => {
    server.route("/w", [
      { kind: "bytes", body: OTHER },
      { kind: "bytes", body: BODY },
    ]);
    await get("/w");
    const path = await get("/w", { forceDownload: true });
    expect(await sameBytes(path, BODY)).toBe(true);
    expect(server.requests("/w")).toBe(2);
  });

  test("a failed forced download keeps the good cached file untouched", async () => {
    await seed(OTHER);
    server.route("/w", [
      { kind: "interrupt", body: BODY, sendBytes: 5_000 },
      { kind: "status", status: 500 },
    ]);
    const truncated = await rejection(get("/w", { forceDownload: true, fileHash: md5(BODY) }));
    expect(truncated.code).toBe("ERR_GRAFT_DOWNLOAD_TRUNCATED");
    const http = await rejection(get("/w", { forceDownload: true }));
    expect(http.code).toBe("ERR_GRAFT_DOWNLOAD_HTTP");
    expect(await sameBytes(cached(), OTHER)).toBe(true);
    expect(await modelsDir()).toEqual(["file.bin"]);
  });

  test("a bad cached file whose re-download fails is deleted, as Keras does", async () => {
    await seed(OTHER);
    server.route("/w", { kind: "truncated", body: BODY.subarray(0, 10), declaredLength: 100 });
    const error = await rejection(get("/w", { fileHash: md5(BODY) }));
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_TRUNCATED");
    expect(await modelsDir()).toEqual([]);
  });
});

describe("cache location", () => {
  test("KERAS_HOME is honoured when cacheDir is not given", async () => {
    const home = join(root, "my-keras");
    vi.stubEnv("KERAS_HOME", home);
    server.route("/k", { kind: "bytes", body: OTHER });
    const path = await getFile({ fname: "k.h5", origin: server.url("/k") });
    expect(path).toBe(join(home, "models", "k.h5"));
    expect(existsSync(path)).toBe(true);
  });

  test("without KERAS_HOME the cache is ~/.keras/models, shared with Python", async () => {
    const home = join(root, "home");
    vi.stubEnv("HOME", home);
    vi.stubEnv("USERPROFILE", home);
    vi.stubEnv("KERAS_HOME", "");
    // A file "Python" already downloaded: found, not fetched.
    await mkdir(join(home, ".keras", "models"), { recursive: true });
    await writeFile(join(home, ".keras", "models", "py.h5"), OTHER);
    const path = await getFile({
      fname: "py.h5",
      origin: server.url("/py"),
      fileHash: md5(OTHER),
    });
    expect(path).toBe(join(home, ".keras", "models", "py.h5"));
    expect(server.requests("/py")).toBe(0);
  });

  test("an unusable cache dir falls back to <tmpdir>/.keras, and says so", async () => {
    // A regular file where a folder should be: mkdir fails even for root.
    const blocker = join(root, "not-a-folder");
    await writeFile(blocker, "x");
    const tmp = join(root, "tmp");
    await mkdir(tmp);
    vi.stubEnv("TMPDIR", tmp);
    vi.stubEnv("TMP", tmp);
    vi.stubEnv("TEMP", tmp);
    server.route("/f", { kind: "bytes", body: OTHER });

    const path = await get("/f", { cacheDir: join(blocker, "keras"), fileHash: md5(OTHER) });
    expect(path).toBe(join(tmp, ".keras", "models", "file.bin"));
    expect(await sameBytes(path, OTHER)).toBe(true);
    expect(logs.join("\n")).toContain("is not writable");
    // The fallback is also a cache: no second request.
    await get("/f", { cacheDir: join(blocker, "keras"), fileHash: md5(OTHER) });
    expect(server.requests("/f")).toBe(1);
  });

  test.skipIf(process.getuid?.() === 0 || process.platform === "win32")(
    "a read-only cache dir falls back to <tmpdir>/.keras (skipped as root: chmod cannot stop root)",
    async () => {
      const readOnly = join(root, "ro");
      await mkdir(join(readOnly, "models"), { recursive: true });
      await chmod(join(readOnly, "models"), 0o555);
      const tmp = join(root, "tmp");
      await mkdir(tmp);
      vi.stubEnv("TMPDIR", tmp);
      server.route("/f", { kind: "bytes", body: OTHER });
      try {
        const path = await get("/f", { cacheDir: readOnly });
        expect(path).toBe(join(tmp, ".keras", "models", "file.bin"));
      } finally {
        await chmod(join(readOnly, "models"), 0o755);
      }
    },
  );
});

describe("progress", () => {
  test("onProgress counts rise monotonically and end at the total", async () => {
    server.route("/p", { kind: "bytes", body: BODY, chunkSize: 20_000, delayMs: 2 });
    const calls: [number, number | undefined][] = [];
    await get("/p", { onProgress: (received, total) => calls.push([received, total]) });
    expect(calls.length).toBeGreaterThan(1);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]?.[0]).toBeGreaterThan(calls[i - 1]?.[0] ?? Number.POSITIVE_INFINITY);
    }
    expect(calls.every(([, total]) => total === BODY.byteLength)).toBe(true);
    expect(calls.at(-1)?.[0]).toBe(BODY.byteLength);
  });

  test("progress draws a bar on a TTY and plain lines elsewhere", async () => {
    server.route("/p", { kind: "bytes", body: BODY, chunkSize: 50_000 });
    let tty = "";
    await get("/p", {
      fname: "tty.bin",
      progress: { stream: { write: (s: string) => (tty += s), isTTY: true, columns: 120 } },
    });
    expect(tty).toContain("\r");
    expect(tty).toMatch(/\[=+\]/);
    expect(tty).toContain("200/200 kB");
    expect(tty).toContain("100%");
    expect(tty.endsWith("\n")).toBe(true);
    expect(logs.join("\n")).toContain(`Downloading data from ${server.url("/p")}`);

    let plain = "";
    await get("/p", {
      fname: "plain.bin",
      progress: { stream: { write: (s: string) => (plain += s) } },
    });
    expect(plain).not.toContain("\r");
    expect(plain).toContain("100%");
  });

  test("ProgressBar shows bytes, total, percent, rate and ETA", () => {
    let now = 0;
    let out = "";
    const bar = new ProgressBar({
      label: "w.h5",
      total: 80_134_624,
      stream: { write: (s: string) => (out += s), isTTY: true, columns: 120 },
      now: () => now,
    });
    now = 2000;
    bar.update(20_000_000);
    const line = bar.render();
    expect(line).toContain("w.h5");
    expect(line).toContain("20.0/80.1 MB");
    expect(line).toContain(" 24%");
    expect(line).toContain("10.0 MB/s");
    expect(line).toContain("ETA 0:06");
    expect(out.startsWith("\r")).toBe(true);
    now = 8000;
    bar.update(80_134_624);
    bar.finish();
    expect(out).toContain("100%");
    expect(out.endsWith("\n")).toBe(true);
  });

  test("ProgressBar counts items and copes with an unknown total", () => {
    let now = 0;
    let out = "";
    const bar = new ProgressBar({
      unit: "items",
      stream: { write: (s: string) => (out += s) },
      plainIntervalMs: 1000,
      now: () => now,
    });
    for (let step = 0; step < 10; step++) {
      now += 250;
      bar.tick();
    }
    bar.finish();
    // First tick, then one line per second of ticks, then the final line.
    expect(out.trim().split("\n").length).toBe(4);
    expect(out).toContain("4.0 it/s");
    expect(() => bar.setTotal(-1)).toThrow(/Expected a finite number >= 0 for total/);
    expect(formatBytes(58_889_256)).toBe("58.9 MB");
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});

describe("official Keras application weights", () => {
  const storage = "https://storage.googleapis.com/tensorflow/keras-applications/";

  test("names, hashes, sizes and URLs match Keras", () => {
    expect(officialWeights("vgg19", false)).toEqual({
      fname: "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
      url: `${storage}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      md5: "253f8cb515780f3b799900260a226db6",
      bytes: 80_134_624,
    });
    expect(officialWeights("vgg19", true)).toMatchObject({
      url: `${storage}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5`,
      md5: "cbe5617147190e668d6c5d5026f83318",
      bytes: 574_710_816,
    });
    expect(officialWeights("vgg16", false)).toMatchObject({
      url: `${storage}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
      md5: "6d6bbae143d832006294945121d1f1fc",
      bytes: 58_889_256,
    });
    expect(officialWeights("vgg16", true)).toMatchObject({
      url: `${storage}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5`,
      md5: "64373286793e3c8b2b4e3219cbf3544b",
      bytes: 553_467_096,
    });
    expect(() => officialWeights("vgg11" as "vgg16", false)).toThrow(
      /Expected one of "vgg16", "vgg19", "resnet50", .* for model but received "vgg11"/,
    );
  });

  test("a mirror replaces the storage prefix: option first, then GRAFT_WEIGHTS_BASE_URL", () => {
    const tail = "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5";
    expect(officialWeights("vgg16", false, "http://m.local/keras").url).toBe(
      `http://m.local/keras/${tail}`,
    );
    expect(officialWeights("vgg16", false, "http://m.local/keras/").url).toBe(
      `http://m.local/keras/${tail}`,
    );
    vi.stubEnv("GRAFT_WEIGHTS_BASE_URL", "https://env.local/apps/");
    expect(weightsBaseUrl()).toBe("https://env.local/apps/");
    expect(officialWeights("vgg16", false).url).toBe(`https://env.local/apps/${tail}`);
    expect(officialWeights("vgg16", false, "http://m.local/").url).toBe(`http://m.local/${tail}`);
    vi.stubEnv("GRAFT_WEIGHTS_BASE_URL", "not a url");
    expect(() => officialWeights("vgg16", false)).toThrow(
      /Expected an http\(s\) URL for GRAFT_WEIGHTS_BASE_URL/,
    );
  });

  test("GRAFT_WEIGHTS_BASE_URL sends fetchOfficialWeights to a local mirror", async () => {
    const fname = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
    // A small stand-in under the official name; its md5 replaces the real one.
    server.route(`/mirror/vgg19/${fname}`, { kind: "bytes", body: OTHER });
    vi.stubEnv("GRAFT_WEIGHTS_BASE_URL", server.url("/mirror"));
    const options = {
      includeTop: false,
      cacheDir: join(root, "cache"),
      fileHash: md5(OTHER),
      log: (m: string) => logs.push(m),
    };
    const path = await fetchOfficialWeights("vgg19", options);
    expect(path).toBe(join(root, "cache", "models", fname));
    expect(await sameBytes(path, OTHER)).toBe(true);
    await fetchOfficialWeights("vgg19", options);
    expect(server.requests(`/mirror/vgg19/${fname}`)).toBe(1);
  });

  test("fetchOfficialWeights checks the official md5 by default", async () => {
    const fname = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5";
    server.route(`/vgg16/${fname}`, { kind: "bytes", body: OTHER });
    const error = await rejection(
      fetchOfficialWeights("vgg16", {
        includeTop: false,
        baseUrl: server.url("/"),
        cacheDir: join(root, "cache"),
      }),
    );
    expect(error.code).toBe("ERR_GRAFT_DOWNLOAD_HASH");
    expect(error.expectedHash).toBe("6d6bbae143d832006294945121d1f1fc");
    expect(await modelsDir()).toEqual([]);
  });
});

describe("argument checks", () => {
  test("reject bad arguments before any request, naming the parameter", async () => {
    await expect(get("/x", { fname: "../evil" })).rejects.toThrow(/for fname/);
    await expect(get("/x", { fileHash: "xyz" })).rejects.toThrow(/for fileHash/);
    await expect(get("/x", { timeoutMs: 0 })).rejects.toThrow(/for timeoutMs/);
    await expect(getFile({ origin: "file:///etc/passwd", cacheDir: root })).rejects.toThrow(
      /http\(s\) URL for origin/,
    );
    expect(server.requests("/x")).toBe(0);
  });
});
