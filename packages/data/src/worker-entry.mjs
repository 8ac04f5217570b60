// Entry of @graft/data's decode workers when they run from the .ts sources (the
// monorepo; the published package starts dist/worker.js instead). Such a worker needs
// a TypeScript loader: the one it inherited (node --import tsx), or tsx's
// API. A failed import stays cached, hence the query string on the second try.
try {
  await import("./worker.ts");
} catch (err) {
  if (err?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw err;
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts?with-tsx");
}
