/**
 * getFile's limits against a real server on 127.0.0.1 that misbehaves slowly: a drip the
 * stall timer alone never catches, an overall deadline, a redirect loop, and SIGTERM in the
 * middle of a download. After every failure no `.part` file is left in the cache.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetFileError, getFile } from "../src/index.ts";
import { startTestServer, type TestServer } from "./helpers/http-server.ts";

let server: TestServer;
const root = mkdtempSync(join(tmpdir(), "graft-get-file-limits-"));
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const cacheOf = (name: string) => join(root, name);
const leftovers = (cache: string) => {
  const d = join(cache, "models");
  return existsSync(d) ? readdirSync(d) : [];
};

async function failure(p: Promise<unknown>): Promise<GetFileError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GetFileError);
  return e as GetFileError;
}

describe("getFile limits", () => {
  test("a drip (one byte every 100 ms) fails the throughput rule, though it never stalls", async () => {
    const body = new Uint8Array(2000).fill(7);
    server.route("/drip.bin", { kind: "bytes", body, chunkSize: 1, delayMs: 100 });
    const cache = cacheOf("drip");
    const t0 = Date.now();
    const e = await failure(
      getFile({
        origin: server.url("/drip.bin"),
        cacheDir: cache,
        timeoutMs: 5_000,
        minBytesPerSecond: 100,
        throughputWindowMs: 1_000,
      }),
    );
    expect(e.code).toBe("ERR_GRAFT_DOWNLOAD_TIMEOUT");
    expect(e.message).toMatch(
      /is too slow: \d+ bytes\/s over the last 1000 ms, below minBytesPerSecond 100/,
    );
    // The byte counts in the message are the ones received.
    const m = /\((\d+) of 2000 bytes received\)/.exec(e.message);
    expect(m, e.message).not.toBeNull();
    expect(Number(m?.[1])).toBe(e.received);
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(leftovers(cache)).toEqual([]);
  });

  test("deadlineMs bounds the whole download", async () => {
    const body = new Uint8Array(100_000).fill(1);
    // 100 chunks 30 ms apart: about 3 s, far above any throughput floor.
    server.route("/slow.bin", { kind: "bytes", body, chunkSize: 1000, delayMs: 30 });
    const cache = cacheOf("deadline");
    const t0 = Date.now();
    const e = await failure(
      getFile({ origin: server.url("/slow.bin"), cacheDir: cache, deadlineMs: 500 }),
    );
    expect(e.code).toBe("ERR_GRAFT_DOWNLOAD_TIMEOUT");
    expect(e.message).toMatch(
      /did not finish within deadlineMs 500 ms \(\d+ of 100000 bytes received\)/,
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(leftovers(cache)).toEqual([]);
  });

  test("the limits leave a fast download alone", async () => {
    // 80 chunks 20 ms apart (about 250 KB/s for 1.6 s): several throughput windows pass,
    // each with far more than the floor. The window is wide enough that a loaded CI machine
    // stalling the event loop for a moment does not look like a stalled server.
    const body = new Uint8Array(400_000).fill(3);
    server.route("/fast.bin", { kind: "bytes", body, chunkSize: 5000, delayMs: 20 });
    const cache = cacheOf("fast");
    const p = await getFile({
      origin: server.url("/fast.bin"),
      cacheDir: cache,
      deadlineMs: 30_000,
      minBytesPerSecond: 1000,
      throughputWindowMs: 400,
    });
    expect(readdirSync(join(cache, "models"))).toEqual(["fast.bin"]);
    expect(p).toBe(join(cache, "models", "fast.bin"));
  });

  test("a redirect loop ends in one coded error, nothing saved", async () => {
    server.route("/loop-a", { kind: "redirect", location: "/loop-b", status: 302 });
    server.route("/loop-b", { kind: "redirect", location: "/loop-a", status: 302 });
    const cache = cacheOf("loop");
    const e = await failure(
      getFile({ origin: server.url("/loop-a"), fname: "x.h5", cacheDir: cache }),
    );
    expect(e.code).toMatch(/^ERR_GRAFT_DOWNLOAD_/);
    expect(e.message).toContain(server.url("/loop-a"));
    expect(server.requests("/loop-a")).toBeLessThan(30);
    expect(leftovers(cache)).toEqual([]);
  });

  test("bad options are refused before any request", async () => {
    for (const bad of [
      { deadlineMs: 0 },
      { minBytesPerSecond: -1 },
      { throughputWindowMs: Number.NaN },
    ]) {
      await expect(
        getFile({
          origin: server.url("/fast.bin"),
          cacheDir: cacheOf("bad"),
          forceDownload: true,
          ...bad,
        }),
      ).rejects.toThrow(TypeError);
    }
  });
});

describe("getFile and SIGTERM", () => {
  test("the .part file is removed and the process ends by the signal", async () => {
    server.route("/stall.bin", { kind: "stall", headers: true });
    const cache = cacheOf("sigterm");
    const script = join(root, "child.mts");
    const src = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    writeFileSync(
      script,
      `import { getFile } from ${JSON.stringify(src)};\n` +
        `await getFile({ origin: ${JSON.stringify(server.url("/stall.bin"))}, cacheDir: ${JSON.stringify(cache)}, fname: "big.h5", timeoutMs: 60000 });\n`,
    );
    const tsx = fileURLToPath(
      new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url),
    );
    const child = spawn(process.execPath, ["--import", tsx, script], { stdio: "ignore" });
    // Wait for the .part to appear: the download is under way (a child under tsx can take
    // tens of seconds to start on a loaded 2-core machine).
    const t0 = Date.now();
    while (!leftovers(cache).some((n) => n.includes(".part-")) && Date.now() - t0 < 90_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(leftovers(cache).some((n) => n.includes(".part-"))).toBe(true);
    const ended = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.on("exit", (code, signal) => r([code, signal])),
    );
    child.kill("SIGTERM");
    const [code, signal] = await ended;
    expect(signal === "SIGTERM" || code === 143).toBe(true);
    expect(leftovers(cache)).toEqual([]);
  }, 120_000);
});

/** A real forward proxy on 127.0.0.1: CONNECT tunnels and absolute-URI requests, counted. */
async function startProxy() {
  let used = 0;
  const proxy = createServer((req, res) => {
    used++;
    const target = new URL(req.url as string);
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  proxy.on("connect", (req, socket, head) => {
    used++;
    const [host, port] = (req.url as string).split(":");
    const up = netConnect(Number(port), host as string, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const port = (proxy.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    used: () => used,
    close: () =>
      new Promise<void>((r) => {
        proxy.closeAllConnections();
        proxy.close(() => r());
      }),
  };
}

describe("getFile through a proxy from the environment", () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const k of ["HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test("HTTP_PROXY carries the download; NO_PROXY bypasses it; a dead proxy is named", async () => {
    const proxy = await startProxy();
    try {
      const body = new Uint8Array(3000).fill(9);
      server.route("/via-proxy.bin", { kind: "bytes", body });
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      const a = await getFile({
        origin: server.url("/via-proxy.bin"),
        cacheDir: cacheOf("proxy-a"),
      });
      expect(readdirSync(join(cacheOf("proxy-a"), "models"))).toEqual(["via-proxy.bin"]);
      expect(a).toContain("via-proxy.bin");
      expect(proxy.used()).toBe(1);

      process.env.NO_PROXY = "example.org,127.0.0.1";
      await getFile({ origin: server.url("/via-proxy.bin"), cacheDir: cacheOf("proxy-b") });
      expect(proxy.used()).toBe(1);
      delete process.env.NO_PROXY;

      process.env.HTTP_PROXY = "http://127.0.0.1:9";
      const e = await failure(
        getFile({ origin: server.url("/via-proxy.bin"), cacheDir: cacheOf("proxy-c") }),
      );
      expect(e.message).toContain("through the proxy http://127.0.0.1:9 (from HTTP_PROXY)");
      expect(leftovers(cacheOf("proxy-c"))).toEqual([]);
    } finally {
      delete process.env.HTTP_PROXY;
      await proxy.close();
    }
  });
});
