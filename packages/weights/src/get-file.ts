/**
 * `getFile`: Keras' `keras.utils.get_file` for Node, for files such as the official VGG weights.
 *
 * The cache is shared with Python: `cacheDir`, else `$KERAS_HOME`, else `~/.keras`, with
 * the `models` subfolder, so a file Keras already downloaded to `~/.keras/models/<fname>`
 * is found and used as it is.
 *
 * What happens to files, by case:
 *  - A download streams into `<fname>.part-<pid>-<random>` beside the target, is checked
 *    (Content-Length, then hash) and renamed over the target in one step. Any failure
 *    removes the temp file, so nobody ever sees a half-written `<fname>`.
 *  - A cached file whose hash is right is returned without any request.
 *  - A cached file whose hash is wrong is re-downloaded, and the fact is logged. If that
 *    download fails, the bad file is deleted too (as Keras does): it is known to be
 *    wrong, and a later call without `fileHash` would otherwise return it.
 *  - With `forceDownload`, a cached file is replaced only when the new download is
 *    complete and verified; if the download fails, the old file stays as it was.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import { access, constants, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { WeightsError } from "./errors.ts";
import { ProgressBar, type ProgressBarOptions } from "./progress.ts";

/** How `getFile` checks `fileHash`; `auto` tells md5 and sha256 apart by length, as Keras does. */
export type HashAlgorithm = "auto" | "md5" | "sha256";

/** Called as bytes arrive; `total` is undefined when the server sends no Content-Length. */
export type ProgressCallback = (received: number, total: number | undefined) => void;

/** Options of `getFile`, with Keras' `get_file` names; only `origin` is required. */
export interface GetFileOptions {
  /** File name in the cache. Default: the last path segment of `origin`. */
  fname?: string;
  /** http(s) URL to download from when the file is not cached. */
  origin: string;
  /** Expected md5 (32 hex digits) or sha256 (64 hex digits) of the file. */
  fileHash?: string;
  /** `auto` (default) picks sha256 for a 64-digit hash and md5 otherwise, as Keras does. */
  hashAlgorithm?: HashAlgorithm;
  /** Cache root. Default `$KERAS_HOME`, else `~/.keras`. */
  cacheDir?: string;
  /** Folder under the cache root. Default `models`. */
  cacheSubdir?: string;
  /** Download even if a cached copy exists; the cached copy is kept if the download fails. */
  forceDownload?: boolean;
  /** `true` draws a progress bar on stderr; an object customises it (stream, label, tty...). */
  progress?: boolean | ProgressBarOptions;
  /** Called with the bytes received so far, after every chunk. */
  onProgress?: ProgressCallback;
  /** Aborts the download; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Longest wait, in milliseconds, for the response headers or for the next chunk of body.
   * It limits stalls, not the whole download, so large files on slow links still finish.
   * Default 60000.
   */
  timeoutMs?: number;
  /**
   * Longest the whole download may take, in milliseconds, from the request to the last byte.
   * Default: no limit (the stall and throughput rules still apply).
   */
  deadlineMs?: number;
  /**
   * The slowest download allowed, in bytes per second, averaged over `throughputWindowMs`:
   * a server that sends a byte now and then (which the stall timer alone never catches) fails
   * with ERR_GRAFT_DOWNLOAD_TIMEOUT. Default 1024; 0 turns the rule off.
   */
  minBytesPerSecond?: number;
  /** The window `minBytesPerSecond` is averaged over, in milliseconds. Default 60000. */
  throughputWindowMs?: number;
  /** Where notices go (cache fallback, re-download of a bad file). Default: a line on stderr. */
  log?: (message: string) => void;
}

export type GetFileErrorCode =
  | "ERR_GRAFT_DOWNLOAD_HTTP"
  | "ERR_GRAFT_DOWNLOAD_TRUNCATED"
  | "ERR_GRAFT_DOWNLOAD_HASH"
  | "ERR_GRAFT_DOWNLOAD_OFFLINE"
  | "ERR_GRAFT_DOWNLOAD_NETWORK"
  | "ERR_GRAFT_DOWNLOAD_TIMEOUT"
  | "ERR_GRAFT_DOWNLOAD_CACHE_DIR";

export interface GetFileErrorDetails {
  /** The URL that was requested. */
  url: string;
  /** The full path the file would have had in the cache. */
  path: string;
  /** HTTP status, for ERR_GRAFT_DOWNLOAD_HTTP. */
  status?: number;
  /** Bytes received and announced, for ERR_GRAFT_DOWNLOAD_TRUNCATED. */
  received?: number;
  expectedBytes?: number;
  /** Hashes, for ERR_GRAFT_DOWNLOAD_HASH. */
  expectedHash?: string;
  actualHash?: string;
  cause?: unknown;
}

/**
 * A failed `getFile`. `code` is stable; the message names the URL and the cache path and,
 * when the network is the problem, how to put the file in place by hand.
 */
export class GetFileError extends WeightsError {
  /**
   * Which failure: ERR_GRAFT_DOWNLOAD_HTTP, _TRUNCATED, _HASH, _OFFLINE, _NETWORK, _TIMEOUT or
   * _CACHE_DIR.
   */
  override readonly code: GetFileErrorCode;
  /** The URL that was requested. */
  readonly url: string;
  /** The full path the file would have had in the cache. */
  readonly path: string;
  /** HTTP status, for ERR_GRAFT_DOWNLOAD_HTTP. */
  readonly status: number | undefined;
  /** Bytes received before the body ended, for ERR_GRAFT_DOWNLOAD_TRUNCATED. */
  readonly received: number | undefined;
  /** Bytes the server announced (Content-Length), for ERR_GRAFT_DOWNLOAD_TRUNCATED. */
  readonly expectedBytes: number | undefined;
  /** The `fileHash` asked for, for ERR_GRAFT_DOWNLOAD_HASH. */
  readonly expectedHash: string | undefined;
  /** The hash of the bytes received, for ERR_GRAFT_DOWNLOAD_HASH. */
  readonly actualHash: string | undefined;

  constructor(code: GetFileErrorCode, message: string, details: GetFileErrorDetails) {
    super(code, message);
    this.name = "GetFileError";
    this.code = code;
    this.url = details.url;
    this.path = details.path;
    this.status = details.status;
    this.received = details.received;
    this.expectedBytes = details.expectedBytes;
    this.expectedHash = details.expectedHash;
    this.actualHash = details.actualHash;
    if (details.cause !== undefined) this.cause = details.cause;
  }
}

/** The variable that points the official Keras application weights at a mirror. */
export const WEIGHTS_BASE_URL_ENV = "GRAFT_WEIGHTS_BASE_URL";
/** Where Keras keeps the official application weights; a mirror replaces this prefix. */
export const KERAS_APPLICATIONS_BASE_URL =
  "https://storage.googleapis.com/tensorflow/keras-applications/";

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MIN_BYTES_PER_SECOND = 1024;
const DEFAULT_THROUGHPUT_WINDOW_MS = 60_000;

function positiveOption(name: string, value: number | undefined, fallback: number, zeroOk = false) {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) || v === Number.POSITIVE_INFINITY) || v < 0 || (!zeroOk && v === 0)) {
    throw new TypeError(
      `Expected a ${zeroOk ? "non-negative" : "positive"} number for ${name} but received ${value}`,
    );
  }
  return v;
}

/**
 * Returns the path of `fname` in the Keras cache, downloading it from `origin` first if it
 * is missing, its hash is wrong, or `forceDownload` is set.
 */
export async function getFile(options: GetFileOptions): Promise<string> {
  const origin = checkOrigin(options.origin);
  const fname = checkFname(options.fname ?? lastSegment(origin));
  const cacheSubdir = checkSubdir(options.cacheSubdir ?? "models");
  const hash = resolveHash(options.fileHash, options.hashAlgorithm ?? "auto");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`Expected a positive number for timeoutMs but received ${timeoutMs}`);
  }
  const limits: DownloadLimits = {
    deadlineMs: positiveOption("deadlineMs", options.deadlineMs, Number.POSITIVE_INFINITY),
    minBytesPerSecond: positiveOption(
      "minBytesPerSecond",
      options.minBytesPerSecond,
      DEFAULT_MIN_BYTES_PER_SECOND,
      true,
    ),
    throughputWindowMs: positiveOption(
      "throughputWindowMs",
      options.throughputWindowMs,
      DEFAULT_THROUGHPUT_WINDOW_MS,
    ),
  };
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  options.signal?.throwIfAborted();

  const primaryDir = join(kerasHome(options.cacheDir), cacheSubdir);
  let badCachedFile: string | undefined;

  // A file already in place is used even when its folder is read-only (a shared mount).
  const primaryPath = join(primaryDir, fname);
  if (!options.forceDownload) {
    const state = await cachedState(primaryPath, hash);
    if (state === "good") return primaryPath;
    if (state === "bad") badCachedFile = primaryPath;
  }

  const dir = await writableCacheDir(primaryDir, cacheSubdir, log);
  const target = join(dir, fname);
  if (target !== primaryPath && !options.forceDownload) {
    const state = await cachedState(target, hash);
    if (state === "good") return target;
    if (state === "bad") badCachedFile = target;
  }
  if (badCachedFile !== undefined && hash !== undefined) {
    log(
      `A local file was found at ${badCachedFile}, but its ${hash.algorithm} hash does not ` +
        `match ${hash.digest}, so it is incomplete or outdated; downloading it again.`,
    );
  }

  try {
    await download({ ...options, origin, fname, target, hash, timeoutMs, limits, log });
  } catch (error) {
    if (badCachedFile !== undefined) await rm(badCachedFile, { force: true }).catch(() => {});
    throw error;
  }
  return target;
}

/** `cacheDir`, else `$KERAS_HOME`, else `~/.keras`; a leading `~` is expanded. */
function kerasHome(cacheDir: string | undefined): string {
  const env = process.env.KERAS_HOME;
  const dir = cacheDir ?? (env ? env : join(homedir(), ".keras"));
  if (dir === "~") return homedir();
  if (dir.startsWith("~/") || dir.startsWith("~\\")) return join(homedir(), dir.slice(2));
  return dir;
}

/**
 * Creates `dir` and checks it is writable; otherwise falls back to `<tmpdir>/.keras/<subdir>`,
 * as Keras does, and says so.
 */
async function writableCacheDir(
  dir: string,
  subdir: string,
  log: (message: string) => void,
): Promise<string> {
  const firstReason = await tryWritable(dir);
  if (firstReason === undefined) return dir;
  const fallback = join(tmpdir(), ".keras", subdir);
  const secondReason = await tryWritable(fallback);
  if (secondReason === undefined) {
    log(`Cache folder ${dir} is not writable (${firstReason}); using ${fallback} instead.`);
    return fallback;
  }
  throw new GetFileError(
    "ERR_GRAFT_DOWNLOAD_CACHE_DIR",
    `No writable cache folder: ${dir} (${firstReason}) and ${fallback} (${secondReason}). ` +
      "Pass cacheDir or set KERAS_HOME to a writable folder.",
    { url: "", path: dir },
  );
}

async function tryWritable(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return errorCode(error) ?? String(error);
  }
}

interface ResolvedHash {
  algorithm: "md5" | "sha256";
  digest: string;
}

function resolveHash(
  fileHash: string | undefined,
  algorithm: HashAlgorithm,
): ResolvedHash | undefined {
  if (algorithm !== "auto" && algorithm !== "md5" && algorithm !== "sha256") {
    throw new TypeError(
      `Expected "auto", "md5" or "sha256" for hashAlgorithm but received ${JSON.stringify(algorithm)}`,
    );
  }
  if (fileHash === undefined) return undefined;
  const digest = String(fileHash).toLowerCase();
  const resolved = algorithm === "auto" ? (digest.length === 64 ? "sha256" : "md5") : algorithm;
  const length = resolved === "sha256" ? 64 : 32;
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(digest)) {
    throw new TypeError(
      `Expected ${length} hex digits (${resolved}) for fileHash but received ${JSON.stringify(fileHash)}`,
    );
  }
  return { algorithm: resolved, digest };
}

function checkOrigin(origin: string): URL {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new TypeError(
      `Expected an http(s) URL for origin but received ${JSON.stringify(origin)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Expected an http(s) URL for origin but received ${JSON.stringify(origin)}`,
    );
  }
  return url;
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split("/").pop() ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function checkFname(fname: string): string {
  if (
    typeof fname !== "string" ||
    fname === "" ||
    fname === "." ||
    fname === ".." ||
    /[/\\\0]/.test(fname)
  ) {
    throw new TypeError(
      `Expected a plain file name (no folders) for fname but received ${JSON.stringify(fname)}`,
    );
  }
  return fname;
}

function checkSubdir(subdir: string): string {
  if (typeof subdir !== "string" || subdir.split(/[/\\]/).includes("..") || subdir.includes("\0")) {
    throw new TypeError(
      `Expected a relative folder without ".." for cacheSubdir but received ${JSON.stringify(subdir)}`,
    );
  }
  return subdir;
}

/** "missing", "good" (present and, if a hash is given, matching) or "bad". */
async function cachedState(
  path: string,
  hash: ResolvedHash | undefined,
): Promise<"missing" | "good" | "bad"> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return "missing";
  } catch {
    return "missing";
  }
  if (hash === undefined) return "good";
  return (await hashFile(path, hash.algorithm)) === hash.digest ? "good" : "bad";
}

async function hashFile(path: string, algorithm: "md5" | "sha256"): Promise<string> {
  const hasher = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digest("hex");
}

interface DownloadPlan {
  origin: URL;
  fname: string;
  target: string;
  hash: ResolvedHash | undefined;
  timeoutMs: number;
  limits: DownloadLimits;
  log: (message: string) => void;
  progress?: boolean | ProgressBarOptions;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** The proxy the request went through, if the environment set one. */
  proxy?: { url: string; variable: string } | undefined;
  /** Set when graft's own limit aborted the download, and which. */
  ownAbort?: OwnAbort;
  /** The last throughput measured, bytes per second. */
  rate?: number;
  elapsedMs?: number;
}

interface DownloadLimits {
  deadlineMs: number;
  minBytesPerSecond: number;
  throughputWindowMs: number;
}

/** Why graft itself aborted a download (the caller's signal is reported as the caller's). */
type OwnAbort = "stall" | "slow" | "deadline";

/** `.part` files of downloads in flight, removed if SIGINT or SIGTERM ends the process. */
const inFlight = new Set<string>();
let signalHandlersOn = false;
function onSignal(sig: NodeJS.Signals): void {
  for (const p of inFlight) rmSync(p, { force: true });
  inFlight.clear();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  signalHandlersOn = false;
  // Another handler (a CLI's) still decides what happens; without one, die of the signal.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
function trackPart(path: string): void {
  inFlight.add(path);
  if (!signalHandlersOn) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    signalHandlersOn = true;
  }
}
function untrackPart(path: string): void {
  inFlight.delete(path);
  if (inFlight.size === 0 && signalHandlersOn) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    signalHandlersOn = false;
  }
}

async function download(plan: DownloadPlan): Promise<void> {
  const { origin, fname, target, hash } = plan;
  const url = origin.href;
  const temp = `${target}.part-${process.pid}-${randomBytes(6).toString("hex")}`;

  // One controller for graft's own limits; the caller's signal is combined with it.
  const own = new AbortController();
  const signal = plan.signal ? AbortSignal.any([plan.signal, own.signal]) : own.signal;
  const abortOwn = (why: OwnAbort) => {
    if (plan.ownAbort === undefined) plan.ownAbort = why;
    own.abort();
  };
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abortOwn("stall"), plan.timeoutMs);
  };
  let bar: ProgressBar | undefined;
  let received = 0;
  let expectedBytes: number | undefined;
  const { deadlineMs, minBytesPerSecond, throughputWindowMs } = plan.limits;
  const started = Date.now();
  const deadline = Number.isFinite(deadlineMs)
    ? setTimeout(() => abortOwn("deadline"), deadlineMs)
    : undefined;
  // Throughput: bytes over the last window, sampled each tenth of it (at most once a second).
  const samples: [number, number][] = [[started, 0]];
  const tick = Math.min(1000, throughputWindowMs / 10);
  const meter =
    minBytesPerSecond > 0
      ? setInterval(() => {
          const now = Date.now();
          samples.push([now, received]);
          while (
            samples.length > 1 &&
            now - (samples[1] as [number, number])[0] >= throughputWindowMs
          )
            samples.shift();
          const [t0, r0] = samples[0] as [number, number];
          if (now - t0 >= throughputWindowMs) {
            plan.rate = ((received - r0) * 1000) / (now - t0);
            if (plan.rate < minBytesPerSecond) abortOwn("slow");
          }
        }, tick)
      : undefined;

  trackPart(temp);
  try {
    armStallTimer();
    let response: Response;
    try {
      // identity: Content-Length then counts the bytes we store, and is checkable.
      const init = {
        signal,
        redirect: "follow",
        headers: { "accept-encoding": "identity" },
      } as const;
      plan.proxy = proxyFor(origin);
      response = plan.proxy ? await proxiedFetch(url, init) : await fetch(url, init);
    } catch (error) {
      throw networkError(error, plan, received, expectedBytes, "connect");
    }

    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const via = response.url && response.url !== url ? ` (redirected to ${response.url})` : "";
      throw new GetFileError(
        "ERR_GRAFT_DOWNLOAD_HTTP",
        `Download of ${fname} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""} from ${url}${via}.`,
        { url, path: target, status: response.status },
      );
    }

    expectedBytes = contentLength(response);
    if (plan.progress) {
      const custom = typeof plan.progress === "object" ? plan.progress : {};
      bar = new ProgressBar({ label: fname, unit: "bytes", ...custom, total: expectedBytes });
      plan.log(`Downloading data from ${url}`);
    }

    const file = await open(temp, "wx");
    try {
      const hasher = hash ? createHash(hash.algorithm) : undefined;
      const body = response.body;
      if (body) {
        try {
          for await (const chunk of body) {
            armStallTimer();
            hasher?.update(chunk);
            await file.write(chunk);
            received += chunk.byteLength;
            bar?.update(received);
            plan.onProgress?.(received, expectedBytes);
          }
        } catch (error) {
          throw networkError(error, plan, received, expectedBytes, "body");
        }
      }
      clearTimeout(timer);
      if (expectedBytes !== undefined && received !== expectedBytes) {
        throw truncated(plan, received, expectedBytes);
      }
      if (hasher && hash) {
        const actual = hasher.digest("hex");
        if (actual !== hash.digest) {
          throw new GetFileError(
            "ERR_GRAFT_DOWNLOAD_HASH",
            `Downloaded ${fname} from ${url}, but its ${hash.algorithm} is ${actual} where ` +
              `${hash.digest} was expected; the file is corrupt or not the one expected. ` +
              "Nothing was saved.",
            { url, path: target, expectedHash: hash.digest, actualHash: actual },
          );
        }
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
    bar?.finish();
  } catch (error) {
    bar?.stop();
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
    clearInterval(meter);
    untrackPart(temp);
    plan.elapsedMs = Date.now() - started;
  }
}

function contentLength(response: Response): number | undefined {
  const header = response.headers.get("content-length");
  const encoding = response.headers.get("content-encoding");
  // With a content coding, the header counts encoded bytes, not the bytes we store.
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  if (encoding !== null && encoding.trim().toLowerCase() !== "identity") return undefined;
  return Number(header.trim());
}

function truncated(plan: DownloadPlan, received: number, expectedBytes: number): GetFileError {
  return new GetFileError(
    "ERR_GRAFT_DOWNLOAD_TRUNCATED",
    `Download of ${plan.fname} from ${plan.origin.href} stopped after ${received} of ` +
      `${expectedBytes} bytes. Nothing was saved; call again to retry.`,
    { url: plan.origin.href, path: plan.target, received, expectedBytes },
  );
}

/** Codes that mean the host was never reached: no network, no DNS, nothing listening. */
const OFFLINE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Turns a fetch or body-stream failure into the error a user can act on. */
function networkError(
  error: unknown,
  plan: DownloadPlan,
  received: number,
  expectedBytes: number | undefined,
  phase: "connect" | "body",
): unknown {
  if (plan.signal?.aborted) return plan.signal.reason;
  const url = plan.origin.href;
  if (error instanceof GetFileError) return error;
  if (isStallAbort(error, plan)) {
    const of = expectedBytes === undefined ? "" : ` of ${expectedBytes}`;
    const what =
      plan.ownAbort === "deadline"
        ? `did not finish within deadlineMs ${plan.limits.deadlineMs} ms (${received}${of} bytes received). Nothing was saved; call again to retry, or raise deadlineMs.`
        : plan.ownAbort === "slow"
          ? `is too slow: ${Math.round(plan.rate ?? 0)} bytes/s over the last ${plan.limits.throughputWindowMs} ms, below minBytesPerSecond ${plan.limits.minBytesPerSecond} (${received}${of} bytes received). Nothing was saved; call again to retry, or lower minBytesPerSecond.`
          : `stalled: no data for ${plan.timeoutMs} ms (${received}${of} bytes received). Nothing was saved; call again to retry, or raise timeoutMs.`;
    return new GetFileError(
      "ERR_GRAFT_DOWNLOAD_TIMEOUT",
      `Download of ${plan.fname} from ${url} ${what}` +
        (phase === "connect" ? `\n${manualInstallHint(plan)}` : ""),
      {
        url,
        path: plan.target,
        received,
        ...(expectedBytes === undefined ? {} : { expectedBytes }),
        cause: error,
      },
    );
  }
  const code = causeCode(error);
  if (phase === "connect" && code !== undefined && OFFLINE_CODES.has(code)) {
    return new GetFileError("ERR_GRAFT_DOWNLOAD_OFFLINE", offlineMessage(plan, code), {
      url,
      path: plan.target,
      cause: error,
    });
  }
  if (phase === "body") {
    if (expectedBytes !== undefined) {
      const err = truncated(plan, received, expectedBytes);
      err.cause = error;
      return err;
    }
    return new GetFileError(
      "ERR_GRAFT_DOWNLOAD_TRUNCATED",
      `Download of ${plan.fname} from ${url} broke off after ${received} bytes ` +
        `(${describe(error)}). Nothing was saved; call again to retry.`,
      { url, path: plan.target, received, cause: error },
    );
  }
  return new GetFileError(
    "ERR_GRAFT_DOWNLOAD_NETWORK",
    `Download of ${plan.fname} from ${url} failed: ${describe(error)}.\n${manualInstallHint(plan)}`,
    { url, path: plan.target, cause: error },
  );
}

function offlineMessage(plan: DownloadPlan, code: string): string {
  const via = plan.proxy
    ? ` through the proxy ${plan.proxy.url} (from ${plan.proxy.variable})`
    : "";
  return `Cannot reach ${plan.origin.host}${via} to download ${plan.fname} (${code}).\n${manualInstallHint(plan)}`;
}

/**
 * The proxy the environment names for `url`, as curl and undici read it: HTTPS_PROXY /
 * https_proxy for https, HTTP_PROXY / http_proxy for http, unless NO_PROXY / no_proxy lists
 * the host (a comma list of host names or suffixes, optional :port, or `*`). Loopback is not
 * excluded unless listed.
 */
export function proxyFor(url: URL): { url: string; variable: string } | undefined {
  const names =
    url.protocol === "https:" ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"];
  const variable = names.find((n) => (process.env[n] ?? "") !== "");
  if (!variable) return undefined;
  const noProxy = (process.env.NO_PROXY || process.env.no_proxy || "")
    .split(/[,\s]+/)
    .filter(Boolean);
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const entry of noProxy) {
    if (entry === "*") return undefined;
    const [h, p] = entry
      .toLowerCase()
      .replace(/^\*?\./, ".")
      .split(":");
    if (p && p !== port) continue;
    if (h === host || (h?.startsWith(".") ? host.endsWith(h) : host.endsWith(`.${h}`)))
      return undefined;
  }
  return { url: process.env[variable] as string, variable };
}

let proxyAgent: { key: string; agent: unknown } | undefined;
/** fetch through undici's EnvHttpProxyAgent (loaded only when a proxy is set). */
async function proxiedFetch(url: string, init: RequestInit): Promise<Response> {
  const undici = await import("undici");
  // The agent reads the environment when made: a new one when the variables change.
  const key = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]
    .map((n) => process.env[n] ?? "")
    .join("\n");
  if (proxyAgent?.key !== key) proxyAgent = { key, agent: new undici.EnvHttpProxyAgent() };
  return (await undici.fetch(url, {
    ...(init as object),
    dispatcher: proxyAgent.agent as InstanceType<typeof undici.EnvHttpProxyAgent>,
  })) as unknown as Response;
}

/** Where the file goes and where it comes from, for machines without (direct) internet. */
function manualInstallHint(plan: DownloadPlan): string {
  const hashNote = plan.hash ? ` (its ${plan.hash.algorithm} is ${plan.hash.digest})` : "";
  return [
    "To install the file by hand, download",
    `  ${plan.origin.href}`,
    `on a machine with internet access and copy it to${hashNote}`,
    `  ${plan.target}`,
    `Official Keras application weights can also come from a mirror: set ${WEIGHTS_BASE_URL_ENV}` +
      ` to a URL that replaces ${KERAS_APPLICATIONS_BASE_URL} (for example http://mirror.local/keras-applications/).`,
  ].join("\n");
}

function isStallAbort(error: unknown, plan: DownloadPlan): boolean {
  // Only our own stall controller aborts without the caller's signal being aborted.
  return (
    !plan.signal?.aborted &&
    error instanceof Error &&
    (error.name === "AbortError" || error.name === "TimeoutError")
  );
}

/** The first `code` along the `cause` chain (fetch wraps socket errors in "fetch failed"). */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = errorCode(current);
    if (code !== undefined) return code;
    // AggregateError (happy eyeballs over IPv4 and IPv6) keeps the real reasons in `errors`.
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = causeCode(errors[0]);
      if (inner !== undefined) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = errorCode(current);
    parts.push(code ? `${current.message} [${code}]` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(": ") : String(error);
}
