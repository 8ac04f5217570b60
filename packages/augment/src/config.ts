import type { ImageDataGeneratorOptions } from "./generator.ts";

/** Keras' keyword → graft's option, for configs written as Python users write them. */
const KERAS_KEYS: Record<string, keyof ImageDataGeneratorOptions> = {
  featurewise_center: "featurewiseCenter",
  samplewise_center: "samplewiseCenter",
  featurewise_std_normalization: "featurewiseStdNormalization",
  samplewise_std_normalization: "samplewiseStdNormalization",
  zca_whitening: "zcaWhitening",
  zca_epsilon: "zcaEpsilon",
  rotation_range: "rotationRange",
  width_shift_range: "widthShiftRange",
  height_shift_range: "heightShiftRange",
  brightness_range: "brightnessRange",
  shear_range: "shearRange",
  zoom_range: "zoomRange",
  channel_shift_range: "channelShiftRange",
  fill_mode: "fillMode",
  cval: "cval",
  horizontal_flip: "horizontalFlip",
  vertical_flip: "verticalFlip",
  rescale: "rescale",
  validation_split: "validationSplit",
  interpolation_order: "interpolationOrder",
  semantics: "semantics",
};

const OPTION_NAMES = new Set<string>(Object.values(KERAS_KEYS));

/** "1/255" or "1./255" → 1 / 255 (JSON has no expressions). */
function numberish(v: unknown, key: string): unknown {
  if (typeof v !== "string") return v;
  const m = /^\s*([0-9.eE+-]+)\s*\/\s*([0-9.eE+-]+)\s*$/.exec(v);
  const n = m ? Number(m[1]) / Number(m[2]) : Number(v);
  if (!Number.isFinite(n)) throw new Error(`Expected a number for ${key} but received '${v}'`);
  return n;
}

/**
 * An ImageDataGenerator configuration from JSON, with Keras' keyword names
 * (`{"rescale": "1/255", "horizontal_flip": true, "zoom_range": 0.3}`) or graft's
 * (`rotationRange`). Unknown keys are errors; `data_format` must be channels_last
 * and `dtype` float32; `preprocessing_function` cannot come from JSON.
 */
export function parseGeneratorConfig(json: unknown): ImageDataGeneratorOptions {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("Expected a JSON object of ImageDataGenerator arguments");
  }
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(json)) {
    if (k === "data_format" || k === "dataFormat") {
      if (raw !== "channels_last" && raw !== null)
        throw new Error(`Only data_format "channels_last" is supported (received '${raw}')`);
      continue;
    }
    if (k === "dtype") {
      if (raw !== "float32" && raw !== null)
        throw new Error(`Only dtype "float32" is supported (received '${raw}')`);
      continue;
    }
    if (k === "preprocessing_function" || k === "preprocessingFunction") {
      if (raw === null) continue;
      throw new Error(
        "preprocessing_function cannot be given in JSON; pass preprocessingFunction in code",
      );
    }
    const name =
      KERAS_KEYS[k] ?? (OPTION_NAMES.has(k) ? (k as keyof ImageDataGeneratorOptions) : undefined);
    if (!name) throw new Error(`Unknown ImageDataGenerator argument '${k}'`);
    let v = raw;
    if (name === "rescale" || name === "rotationRange" || name === "shearRange" || name === "cval")
      v = numberish(v, k);
    if (name === "widthShiftRange" || name === "heightShiftRange") {
      if (Array.isArray(v)) v = v.map((e) => numberish(e, k));
      else if (typeof v === "object" && v !== null)
        v = { float: numberish((v as { float?: unknown }).float, k) };
      else v = numberish(v, k);
    }
    out[name] = v;
  }
  return out as ImageDataGeneratorOptions;
}
