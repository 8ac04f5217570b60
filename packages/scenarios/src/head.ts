/**
 * A classifier head written as text, as the CLI takes it:
 * "flatten,dense:1024,dropout:0.5,dense:1024" is the classic recipe's
 * Flatten → Dense 1024 relu → Dropout 0.5 → Dense 1024 relu; the final
 * Dense(classes, softmax) is always appended.
 */
import { KERAS_KERNEL_INIT } from "@graft/models";
import * as tfl from "@tensorflow/tfjs-layers";
import { configError } from "./errors.ts";

/** One layer of a head, as `parseHead` reads it from text. */
export type HeadLayerSpec =
  | {
      /** Flatten the base's output. */
      kind: "flatten";
    }
  | {
      /** Global average pooling. */
      kind: "avg";
    }
  | {
      /** Global max pooling. */
      kind: "max";
    }
  | {
      /** A Dense layer. */
      kind: "dense";
      /** Its output units. */
      units: number;
      /** Its activation (relu when the text gives none). */
      activation: DenseActivation;
    }
  | {
      /** A Dropout layer. */
      kind: "dropout";
      /** The fraction of inputs dropped while training, in [0, 1). */
      rate: number;
    };

const ACTIVATIONS = ["relu", "linear", "tanh", "sigmoid", "elu", "selu", "softplus"] as const;
/** The activations a head's Dense layer accepts. */
export type DenseActivation = (typeof ACTIVATIONS)[number];

const HEAD_HELP =
  "flatten | avg | max | dense:UNITS[:ACTIVATION] | dropout:RATE, comma-separated (e.g. flatten,dense:1024,dropout:0.5,dense:1024)";

/** Parses a head description; throws one message naming the bad item. */
export function parseHead(spec: string, key = "head"): HeadLayerSpec[] {
  if (typeof spec !== "string") {
    throw configError(
      `Expected a string for ${key} (${HEAD_HELP}) but received ${JSON.stringify(spec)}`,
    );
  }
  const items = spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return items.map((item) => {
    const [kind, ...args] = item.split(":");
    const bad = (why: string) =>
      configError(`${key}: invalid item '${item}': ${why}. Expected ${HEAD_HELP}`);
    switch (kind) {
      case "flatten":
      case "avg":
      case "max":
        if (args.length > 0) throw bad("takes no argument");
        return { kind };
      case "dense": {
        const units = Number(args[0]);
        if (!Number.isInteger(units) || units < 1) throw bad("units must be a positive integer");
        const activation = (args[1] ?? "relu") as DenseActivation;
        if (!ACTIVATIONS.includes(activation)) {
          throw bad(`activation must be one of ${ACTIVATIONS.join(", ")}`);
        }
        if (args.length > 2) throw bad("too many arguments");
        return { kind, units, activation };
      }
      case "dropout": {
        const rate = Number(args[0]);
        if (args.length !== 1 || !(rate >= 0 && rate < 1)) throw bad("rate must be in [0, 1)");
        return { kind, rate };
      }
      default:
        throw bad(`unknown layer '${kind}'`);
    }
  });
}

/** The text form of a head, as `parseHead` reads it (relu, the default activation, left out). */
export function formatHead(layers: readonly HeadLayerSpec[]): string {
  return layers
    .map((l) => {
      if (l.kind === "dense")
        return `dense:${l.units}${l.activation === "relu" ? "" : `:${l.activation}`}`;
      if (l.kind === "dropout") return `dropout:${l.rate}`;
      return l.kind;
    })
    .join(",");
}

/**
 * The head's layers, not yet applied: apply them to the base's output (the whole
 * model) and, for feature caching, to an input of the feature shape (the head
 * alone) — the same layer objects, so both share one set of weights.
 */
export function headLayers(
  spec: readonly HeadLayerSpec[],
  numClasses: number,
  prefix = "head",
): tfl.layers.Layer[] {
  const layers: tfl.layers.Layer[] = [];
  const count: Record<string, number> = {};
  const name = (kind: string) => {
    count[kind] = (count[kind] ?? 0) + 1;
    return `${prefix}_${kind}_${count[kind]}`;
  };
  for (const l of spec) {
    if (l.kind === "flatten") layers.push(tfl.layers.flatten({ name: name("flatten") }));
    else if (l.kind === "avg")
      layers.push(tfl.layers.globalAveragePooling2d({ name: name("avg") }));
    else if (l.kind === "max") layers.push(tfl.layers.globalMaxPooling2d({ name: name("max") }));
    else if (l.kind === "dense") {
      layers.push(
        tfl.layers.dense({
          units: l.units,
          activation: l.activation,
          kernelInitializer: KERAS_KERNEL_INIT,
          name: name("dense"),
        }),
      );
    } else layers.push(tfl.layers.dropout({ rate: l.rate, name: name("dropout") }));
  }
  layers.push(
    tfl.layers.dense({
      units: numClasses,
      activation: "softmax",
      kernelInitializer: KERAS_KERNEL_INIT,
      name: "predictions",
    }),
  );
  return layers;
}

/** Applies layers in order to a symbolic tensor. */
export function applyLayers(
  x: tfl.SymbolicTensor,
  layers: readonly tfl.layers.Layer[],
): tfl.SymbolicTensor {
  let y = x;
  for (const l of layers) y = l.apply(y) as tfl.SymbolicTensor;
  return y;
}

/** Whether the head turns a feature map into a vector before its first dense layer. */
export function headFlattens(spec: readonly HeadLayerSpec[]): boolean {
  for (const l of spec) {
    if (l.kind === "flatten" || l.kind === "avg" || l.kind === "max") return true;
    if (l.kind === "dense") return false;
  }
  return false;
}
