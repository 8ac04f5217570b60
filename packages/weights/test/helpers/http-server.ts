/**
 * A real HTTP server on 127.0.0.1 for download tests, with per-path routes that can
 * misbehave the ways real networks do. Nothing here reaches outside the machine.
 *
 *   const server = await startTestServer();
 *   server.route("/a.h5", { kind: "bytes", body });
 *   server.route("/b.h5", [{ kind: "interrupt", body, sendBytes: 10 }, { kind: "bytes", body }]);
 *   ... fetch(server.url("/a.h5")) ...
 *   server.requests("/a.h5") // 1
 *   await server.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Route =
  /** 200 with `body`, in `chunkSize` pieces `delayMs` apart; `contentLength: false` sends it chunked. */
  | {
      kind: "bytes";
      body: Uint8Array;
      chunkSize?: number;
      delayMs?: number;
      contentLength?: boolean;
      headers?: Record<string, string>;
    }
  /** Any status, e.g. 404 or 500, with a short text body. */
  | { kind: "status"; status: number; body?: string }
  /** Announces `declaredLength` (more than the body), sends the body, then closes the socket. */
  | { kind: "truncated"; body: Uint8Array; declaredLength: number }
  /** Announces the full length, sends `sendBytes`, waits `stallMs`, then destroys the socket. */
  | { kind: "interrupt"; body: Uint8Array; sendBytes: number; stallMs?: number }
  /** Sends headers (or nothing, with `headers: false`) and then never anything more. */
  | { kind: "stall"; headers?: boolean }
  /** Closes the connection without any response. */
  | { kind: "hangup" }
  /** A redirect to another path on this server or to any URL. */
  | { kind: "redirect"; location: string; status?: 301 | 302 | 303 | 307 | 308 };

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Full URL of a path on this server. */
  url(path: string): string;
  /**
   * Sets what a path answers. An array answers with its routes one per request, the last
   * one repeating, e.g. "fail once, then work".
   */
  route(path: string, route: Route | Route[]): void;
  /** Requests received for a path (every method), since start or `reset`. */
  requests(path: string): number;
  /** Forgets all routes and counts. */
  reset(): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Route[]>();
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const seen = counts.get(path) ?? 0;
    counts.set(path, seen + 1);
    const list = routes.get(path);
    const route = list?.[Math.min(seen, list.length - 1)];
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no route for ${path}\n`);
      return;
    }
    handle(route, res, later);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: (path) => `${origin}${path.startsWith("/") ? path : `/${path}`}`,
    route(path, route) {
      routes.set(path, Array.isArray(route) ? route : [route]);
    },
    requests: (path) => counts.get(path) ?? 0,
    reset() {
      routes.clear();
      counts.clear();
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function handle(
  route: Route,
  res: ServerResponse,
  later: (ms: number, fn: () => void) => void,
): void {
  switch (route.kind) {
    case "bytes": {
      const headers: Record<string, string> = {
        "content-type": "application/octet-stream",
        ...route.headers,
      };
      if (route.contentLength !== false) headers["content-length"] = String(route.body.byteLength);
      res.writeHead(200, headers);
      const chunkSize = route.chunkSize ?? route.body.byteLength;
      const delayMs = route.delayMs ?? 0;
      let offset = 0;
      const next = () => {
        if (res.destroyed) return;
        if (offset >= route.body.byteLength) {
          res.end();
          return;
        }
        const end = Math.min(offset + Math.max(1, chunkSize), route.body.byteLength);
        res.write(route.body.subarray(offset, end));
        offset = end;
        if (delayMs > 0) later(delayMs, next);
        else next();
      };
      next();
      return;
    }
    case "status":
      res.writeHead(route.status, { "content-type": "text/plain" });
      res.end(route.body ?? `status ${route.status}\n`);
      return;
    case "truncated":
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(route.declaredLength),
      });
      // Flush the body, then close the connection without the missing bytes.
      res.write(route.body, () => res.socket?.end());
      return;
    case "interrupt":
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(route.body.byteLength),
      });
      res.write(route.body.subarray(0, route.sendBytes));
      later(route.stallMs ?? 50, () => res.socket?.destroy());
      return;
    case "stall":
      if (route.headers !== false) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.flushHeaders();
      }
      return;
    case "hangup":
      res.socket?.destroy();
      return;
    case "redirect":
      res.writeHead(route.status ?? 302, { location: route.location });
      res.end();
      return;
  }
}

/** A 127.0.0.1 port that nothing listens on (bound, then released), for "offline" tests. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
