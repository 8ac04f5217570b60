// Guards h5wasm 0.10.3's reads of attribute and dataset values against damaged files.
// libhdf5 answers a failed H5Aread/H5Dread with a negative status, which h5wasm's
// high-level layer ignores: it copies the buffer out as if it were the value, and for
// variable-length data (Keras' `layer_names`, `weight_names`, `keras_version`, a `.keras`
// file's `vars` names) hands that buffer, uninitialised past the point where the read
// stopped, to H5Treclaim, which then frees whatever the leftover bytes point at: a wasm
// abort or an out-of-bounds access. With the guard a failed read throws, and the reclaim
// of its buffer is skipped (strings converted before the failure leak; they are bounded by
// the attribute's size). Plain JavaScript: the probe worker imports it too.

const GUARDED = Symbol.for("graft.h5wasm.guarded");

/** Wraps the module's read and reclaim entry points once; later calls do nothing. */
export function guardH5Reads(module) {
  if (module[GUARDED]) return;
  module[GUARDED] = true;
  // Buffers whose read failed, by address (a BigInt, compared by value).
  const failed = new Set();
  const read = (name, describe) => {
    const original = module[name];
    module[name] = (...args) => {
      const ptr = args[args.length - 1];
      const status = original(...args);
      if (typeof status === "number" && status < 0) {
        failed.add(ptr);
        throw new Error(`libhdf5 could not read ${describe(args)}`);
      }
      failed.delete(ptr);
      return status;
    };
  };
  const reclaim = (name) => {
    const original = module[name];
    module[name] = (...args) => {
      if (failed.delete(args[3])) return 0;
      return original(...args);
    };
  };
  read("get_attribute_data", (a) => `the attribute ${a[2]} of ${a[1]}`);
  read("get_dataset_data", (a) => `the dataset ${a[1]}`);
  reclaim("reclaim_vlen_memory");
  reclaim("reclaim_vlen_memory_count");
}
