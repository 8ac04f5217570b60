/** Makes h5wasm's failed value reads throw instead of freeing leftover pointers (h5-guard.mjs). */
export function guardH5Reads(module: object): void;
