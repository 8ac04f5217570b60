/**
 * The official ImageNet weights of `keras.applications`, as Keras names, hashes and hosts
 * them (keras/src/applications/vgg16.py, vgg19.py). Files land in the same cache as
 * Python's (`~/.keras/models/<fname>`), so each side reuses the other's downloads.
 *
 * A mirror replaces Keras' storage prefix and keeps the `<model>/<fname>` tail:
 *   GRAFT_WEIGHTS_BASE_URL=http://mirror.local/keras/  →  http://mirror.local/keras/vgg19/<fname>
 */
import {
  type GetFileOptions,
  getFile,
  KERAS_APPLICATIONS_BASE_URL,
  WEIGHTS_BASE_URL_ENV,
} from "./get-file.ts";

/** The Keras applications whose official weight files graft knows (name, URL, md5, size). */
export type OfficialModel = "vgg16" | "vgg19";

/** One official Keras weight file, as `officialWeights` describes it. */
export interface OfficialWeightsFile {
  /** File name, in Keras' cache and on the server. */
  fname: string;
  /** Full download URL, after any mirror is applied. */
  url: string;
  /** md5 that Keras checks. */
  md5: string;
  /** Size in bytes. */
  bytes: number;
}

interface RegistryEntry {
  fname: string;
  md5: string;
  bytes: number;
}

/** [model][includeTop ? "top" : "notop"] */
const REGISTRY: Readonly<Record<OfficialModel, { top: RegistryEntry; notop: RegistryEntry }>> = {
  vgg16: {
    top: {
      fname: "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
      md5: "64373286793e3c8b2b4e3219cbf3544b",
      bytes: 553_467_096,
    },
    notop: {
      fname: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
      md5: "6d6bbae143d832006294945121d1f1fc",
      bytes: 58_889_256,
    },
  },
  vgg19: {
    top: {
      fname: "vgg19_weights_tf_dim_ordering_tf_kernels.h5",
      md5: "cbe5617147190e668d6c5d5026f83318",
      bytes: 574_710_816,
    },
    notop: {
      fname: "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
      md5: "253f8cb515780f3b799900260a226db6",
      bytes: 80_134_624,
    },
  },
};

/** Every `OfficialModel`, in registry order. */
export const OFFICIAL_MODELS: readonly OfficialModel[] = Object.keys(REGISTRY) as OfficialModel[];

/**
 * The base URL in force: `baseUrl` if given, else `$GRAFT_WEIGHTS_BASE_URL`, else Keras'
 * storage. Always ends with `/`.
 */
export function weightsBaseUrl(baseUrl?: string): string {
  const env = process.env[WEIGHTS_BASE_URL_ENV];
  const chosen = baseUrl ?? (env ? env : KERAS_APPLICATIONS_BASE_URL);
  const source = baseUrl !== undefined ? "baseUrl" : env ? WEIGHTS_BASE_URL_ENV : "default";
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    throw new TypeError(
      `Expected an http(s) URL for ${source} but received ${JSON.stringify(chosen)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Expected an http(s) URL for ${source} but received ${JSON.stringify(chosen)}`,
    );
  }
  return chosen.endsWith("/") ? chosen : `${chosen}/`;
}

/** Name, URL, md5 and size of an official weights file; nothing is downloaded. */
export function officialWeights(
  model: OfficialModel,
  includeTop: boolean,
  baseUrl?: string,
): OfficialWeightsFile {
  const entry = registryEntry(model, includeTop);
  return {
    fname: entry.fname,
    url: `${weightsBaseUrl(baseUrl)}${model}/${entry.fname}`,
    md5: entry.md5,
    bytes: entry.bytes,
  };
}

/**
 * Options of `fetchOfficialWeights`: `getFile`'s, less the name, URL and hash algorithm it fills
 * in.
 */
export interface FetchOfficialWeightsOptions
  extends Omit<GetFileOptions, "fname" | "origin" | "hashAlgorithm"> {
  /** With the classifier (fc1, fc2, predictions), about 550 MB, or without, about 60–80 MB. */
  includeTop: boolean;
  /** Mirror that replaces Keras' storage prefix; default `$GRAFT_WEIGHTS_BASE_URL`. */
  baseUrl?: string;
  /**
   * Overrides the official md5 (a mirror serving re-saved files, or tests serving a small
   * stand-in). Default: the md5 Keras checks.
   */
  fileHash?: string;
}

/**
 * The local path of an official weights file, downloading and verifying it first if the
 * Keras cache does not hold a good copy.
 */
export async function fetchOfficialWeights(
  model: OfficialModel,
  options: FetchOfficialWeightsOptions,
): Promise<string> {
  const { includeTop, baseUrl, fileHash, ...rest } = options;
  const file = officialWeights(model, includeTop, baseUrl);
  return getFile({
    ...rest,
    fname: file.fname,
    origin: file.url,
    fileHash: fileHash ?? file.md5,
    cacheSubdir: rest.cacheSubdir ?? "models",
  });
}

function registryEntry(model: OfficialModel, includeTop: boolean): RegistryEntry {
  if (!Object.hasOwn(REGISTRY, model)) {
    throw new TypeError(
      `Expected one of ${OFFICIAL_MODELS.map((m) => JSON.stringify(m)).join(", ")} for model ` +
        `but received ${JSON.stringify(model)}`,
    );
  }
  if (typeof includeTop !== "boolean") {
    throw new TypeError(`Expected a boolean for includeTop but received ${String(includeTop)}`);
  }
  return REGISTRY[model][includeTop ? "top" : "notop"];
}
