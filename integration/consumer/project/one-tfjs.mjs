// Loads every graft package the way a user's program does and prints which tfjs-core
// files Node loaded: one package folder, one build (its CommonJS node bundle).
import { createRequire } from "node:module";
import "@graft/native/graft-cpu";
import "@graft/scenarios";
import "@graft/augment";
import "@graft/models";
import "@graft/training";
import "@graft/report";
import "@tensorflow/tfjs-layers";

const require = createRequire(import.meta.url);
const files = Object.keys(require.cache).filter((f) => f.includes("tfjs-core"));
const roots = [
  ...new Set(files.map((f) => f.slice(0, f.indexOf("tfjs-core") + "tfjs-core".length))),
];
console.log(
  JSON.stringify({
    roots,
    files: files.length,
    entries: files.filter((f) => /tf-core\.(node\.)?(esm\.)?js$|dist[/\\]index\.js$/.test(f)),
  }),
);
