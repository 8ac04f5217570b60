// The HDF5 probe of @graft/weights: runs in a worker thread, so that a damaged file that
// sends libhdf5 into an endless loop or a wasm abort costs a terminated worker, never the
// caller's thread or its copy of the HDF5 module. It opens the file, visits every group and
// dataset, and reads every attribute's value and every dataset's description; it does not
// read dataset values (the caller does, after checking their claimed sizes).
// Plain JavaScript on purpose: a worker starts from a file Node can run without a loader.
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import h5wasm from "h5wasm/node";
import { guardH5Reads } from "./h5-guard.mjs";

// libhdf5 prints its diagnostic stacks and emscripten its abort notice through fd 2. They
// never reach the terminal (the caller reports one line); the first few KiB of each probe
// go back with its reply, since h5wasm returns an empty listing where libhdf5 reported a
// damaged group, and the stack is the only sign of it.
const HELD_MAX = 16384;
let held = "";
const writeSync = fs.writeSync;
fs.writeSync = (fd, buf, ...rest) => {
  if (fd !== 2) return writeSync(fd, buf, ...rest);
  const offset = typeof rest[0] === "number" ? rest[0] : 0;
  const length = typeof rest[1] === "number" ? rest[1] : buf.byteLength - offset;
  if (held.length < HELD_MAX)
    held +=
      typeof buf === "string"
        ? buf
        : Buffer.from(buf.buffer, buf.byteOffset + offset, length).toString("utf8");
  return typeof buf === "string" ? Buffer.byteLength(buf) : length;
};
console.error = () => {};
console.warn = () => {};

const ready = h5wasm.ready.then((module) => guardH5Reads(module));

function visit(node, depth) {
  if (depth > 64) throw new Error("groups nest more than 64 deep");
  for (const name of Object.keys(node.attrs)) void node.attrs[name].value;
  if (node instanceof h5wasm.Dataset) {
    void node.metadata;
    return;
  }
  for (const key of node.keys()) {
    const child = node.get(key);
    if (child instanceof h5wasm.Group || child instanceof h5wasm.Dataset) visit(child, depth + 1);
  }
}

parentPort.on("message", async ({ id, path }) => {
  await ready;
  let file;
  held = "";
  try {
    file = new h5wasm.File(path, "r");
    if (file.file_id < 0n) throw new Error("unable to open file");
    visit(file, 0);
    parentPort.postMessage({ id, ok: true, diagnostics: held.slice(0, HELD_MAX) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const aborted =
      err?.name === "RuntimeError" || /Aborted\(|out of bounds|unreachable/.test(message);
    parentPort.postMessage({ id, ok: false, message: message.split("\n")[0], aborted });
  } finally {
    try {
      file?.close();
    } catch {}
  }
});
