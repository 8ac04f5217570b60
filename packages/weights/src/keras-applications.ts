/**
 * The official ImageNet weights of `keras.applications`, as Keras names, hashes and hosts
 * them (keras/src/applications/vgg16.py, vgg19.py, resnet.py, densenet.py, xception.py,
 * inception_v3.py, inception_resnet_v2.py, nasnet.py, efficientnet.py, efficientnet_v2.py, mobilenet.py, mobilenet_v2.py,
 * mobilenet_v3.py). Files land
 * in the same cache as Python's (`~/.keras/models/<fname>`), so each side reuses the other's downloads.
 *
 * A mirror replaces Keras' storage prefix and keeps the `<folder>/<fname>` tail (the folder is
 * the model's own for VGG, Xception, InceptionV3 and InceptionResNetV2, `resnet` for all six ResNets, `densenet`
 * for the three DenseNets, as on Keras' storage; `efficientnet` for the EfficientNets, which
 * Keras keeps outside that prefix):
 *   GRAFT_WEIGHTS_BASE_URL=http://mirror.local/keras/  →  http://mirror.local/keras/vgg19/<fname>
 */
import {
  type GetFileOptions,
  getFile,
  KERAS_APPLICATIONS_BASE_URL,
  WEIGHTS_BASE_URL_ENV,
} from "./get-file.ts";

/** The Keras applications whose official weight files graft knows (name, URL, md5, size). */
export type OfficialModel =
  | "vgg16"
  | "vgg19"
  | "resnet50"
  | "resnet101"
  | "resnet152"
  | "resnet50v2"
  | "resnet101v2"
  | "resnet152v2"
  | "densenet121"
  | "densenet169"
  | "densenet201"
  | "xception"
  | "inception_v3"
  | "inception_resnet_v2"
  | "nasnetmobile"
  | "nasnetlarge"
  | "efficientnetb0"
  | "efficientnetb1"
  | "efficientnetb2"
  | "efficientnetb3"
  | "efficientnetb4"
  | "efficientnetb5"
  | "efficientnetb6"
  | "efficientnetb7"
  | "efficientnetv2b0"
  | "efficientnetv2b1"
  | "efficientnetv2b2"
  | "efficientnetv2b3"
  | "efficientnetv2s"
  | "efficientnetv2m"
  | "efficientnetv2l";

/** One official Keras weight file, as `officialWeights` describes it. */
export interface OfficialWeightsFile {
  /** File name, in Keras' cache and on the server. */
  fname: string;
  /** Full download URL, after any mirror is applied. */
  url: string;
  /** md5 that Keras checks. */
  md5: string;
  /** Size in bytes, where graft knows it (Keras declares names and hashes, not sizes). */
  bytes: number | null;
}

interface RegistryEntry {
  fname: string;
  md5: string;
  bytes: number | null;
  /** The file's name on the server where it differs from the cache's (NASNet's). */
  remote?: string;
}

interface ModelEntry {
  /** The folder under Keras' storage prefix (under a mirror's, for `origin` entries). */
  folder: string;
  /**
   * Where Keras fetches the files from when it is not under its usual prefix (EfficientNet's
   * `https://storage.googleapis.com/keras-applications/<fname>`); a mirror still serves them
   * as `<folder>/<fname>`.
   */
  origin?: string;
  top: RegistryEntry;
  notop: RegistryEntry;
}

/**
 * The files most families name `<name>_weights_tf_dim_ordering_tf_kernels[_notop].h5` in one
 * folder: resnet.py's (all six in `resnet/`, md5s from its WEIGHTS_HASHES), densenet.py's
 * (`densenet/`), xception.py's and inception_v3.py's (their own folders), md5s top first.
 */
function tfKernelsEntry(
  folder: string,
  name: string,
  topMd5: string,
  notopMd5: string,
): ModelEntry {
  const fname = (suffix: string) => `${name}_weights_tf_dim_ordering_tf_kernels${suffix}.h5`;
  return {
    folder,
    top: { fname: fname(""), md5: topMd5, bytes: null },
    notop: { fname: fname("_notop"), md5: notopMd5, bytes: null },
  };
}

const resnetEntry = (name: string, topMd5: string, notopMd5: string) =>
  tfKernelsEntry("resnet", name, topMd5, notopMd5);

/**
 * keras.applications.efficientnet: `efficientnetbN[_notop].h5` straight under
 * `storage.googleapis.com/keras-applications/`, md5s from its WEIGHTS_HASHES (top first).
 */
function efficientNetEntry(name: string, topMd5: string, notopMd5: string): ModelEntry {
  return {
    folder: "efficientnet",
    origin: "https://storage.googleapis.com/keras-applications/",
    top: { fname: `${name}.h5`, md5: topMd5, bytes: null },
    notop: { fname: `${name}_notop.h5`, md5: notopMd5, bytes: null },
  };
}

/**
 * keras.applications.efficientnet_v2: `efficientnetv2-<b0…b3|s|m|l>[_notop].h5` under
 * `efficientnet_v2/`, md5s from its WEIGHTS_HASHES (top first).
 */
function efficientNetV2Entry(member: string, topMd5: string, notopMd5: string): ModelEntry {
  return {
    folder: "efficientnet_v2",
    top: { fname: `efficientnetv2-${member}.h5`, md5: topMd5, bytes: null },
    notop: { fname: `efficientnetv2-${member}_notop.h5`, md5: notopMd5, bytes: null },
  };
}

/** [model][includeTop ? "top" : "notop"] */
const REGISTRY: Readonly<Record<OfficialModel, ModelEntry>> = {
  vgg16: {
    folder: "vgg16",
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
    folder: "vgg19",
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
  resnet50: resnetEntry(
    "resnet50",
    "2cb95161c43110f7111970584f804107",
    "4d473c1dd8becc155b73f8504c6f6626",
  ),
  resnet101: resnetEntry(
    "resnet101",
    "f1aeb4b969a6efcfb50fad2f0c20cfc5",
    "88cf7a10940856eca736dc7b7e228a21",
  ),
  resnet152: resnetEntry(
    "resnet152",
    "100835be76be38e30d865e96f2aaae62",
    "ee4c566cf9a93f14d82f913c2dc6dd0c",
  ),
  resnet50v2: resnetEntry(
    "resnet50v2",
    "3ef43a0b657b3be2300d5770ece849e0",
    "fac2f116257151a9d068a22e544a4917",
  ),
  resnet101v2: resnetEntry(
    "resnet101v2",
    "6343647c601c52e1368623803854d971",
    "c0ed64b8031c3730f411d2eb4eea35b5",
  ),
  resnet152v2: resnetEntry(
    "resnet152v2",
    "a49b44d1979771252814e80f8ec446f9",
    "ed17cf2e0169df9d443503ef94b23b33",
  ),
  densenet121: tfKernelsEntry(
    "densenet",
    "densenet121",
    "9d60b8095a5708f2dcce2bca79d332c7",
    "30ee3e1110167f948a6b9946edeeb738",
  ),
  densenet169: tfKernelsEntry(
    "densenet",
    "densenet169",
    "d699b8f76981ab1b30698df4c175e90b",
    "b8c4d4c20dd625c148057b9ff1c1176b",
  ),
  densenet201: tfKernelsEntry(
    "densenet",
    "densenet201",
    "1ceb130c1ea1b78c3bf6114dbdfd8807",
    "c13680b51ded0fb44dff2d8f86ac8bb1",
  ),
  xception: tfKernelsEntry(
    "xception",
    "xception",
    "0a58e3b7378bc2990ea3b43d5981f1f6",
    "b0042744bf5b25fce3cb969f33bebb97",
  ),
  inception_v3: tfKernelsEntry(
    "inception_v3",
    "inception_v3",
    "9a0d58056eeedaa3f26cb7ebd46da564",
    "bcbd6486424b2319ff4ef7d526e38f63",
  ),
  inception_resnet_v2: tfKernelsEntry(
    "inception_resnet_v2",
    "inception_resnet_v2",
    "e693bd0210a403b3192acc6073ad2e96",
    "d19885ff4a710c122648d3b5c3b684e4",
  ),
  // keras.applications.nasnet: cached as nasnet_<size>[_no_top].h5, served as
  // nasnet/NASNet-<size>[-no-top].h5.
  nasnetmobile: {
    folder: "nasnet",
    top: {
      fname: "nasnet_mobile.h5",
      remote: "NASNet-mobile.h5",
      md5: "020fb642bf7360b370c678b08e0adf61",
      bytes: null,
    },
    notop: {
      fname: "nasnet_mobile_no_top.h5",
      remote: "NASNet-mobile-no-top.h5",
      md5: "1ed92395b5b598bdda52abe5c0dbfd63",
      bytes: null,
    },
  },
  nasnetlarge: {
    folder: "nasnet",
    top: {
      fname: "nasnet_large.h5",
      remote: "NASNet-large.h5",
      md5: "11577c9a518f0070763c2b964a382f17",
      bytes: null,
    },
    notop: {
      fname: "nasnet_large_no_top.h5",
      remote: "NASNet-large-no-top.h5",
      md5: "d81d89dc07e6e56530c4e77faddd61b5",
      bytes: null,
    },
  },
  efficientnetb0: efficientNetEntry(
    "efficientnetb0",
    "902e53a9f72be733fc0bcb005b3ebbac",
    "50bc09e76180e00e4465e1a485ddc09d",
  ),
  efficientnetb1: efficientNetEntry(
    "efficientnetb1",
    "1d254153d4ab51201f1646940f018540",
    "74c4e6b3e1f6a1eea24c589628592432",
  ),
  efficientnetb2: efficientNetEntry(
    "efficientnetb2",
    "b15cce36ff4dcbd00b6dd88e7857a6ad",
    "111f8e2ac8aa800a7a99e3239f7bfb39",
  ),
  efficientnetb3: efficientNetEntry(
    "efficientnetb3",
    "ffd1fdc53d0ce67064dc6a9c7960ede0",
    "af6d107764bb5b1abb91932881670226",
  ),
  efficientnetb4: efficientNetEntry(
    "efficientnetb4",
    "18c95ad55216b8f92d7e70b3a046e2fc",
    "ebc24e6d6c33eaebbd558eafbeedf1ba",
  ),
  efficientnetb5: efficientNetEntry(
    "efficientnetb5",
    "ace28f2a6363774853a83a0b21b9421a",
    "38879255a25d3c92d5e44e04ae6cec6f",
  ),
  efficientnetb6: efficientNetEntry(
    "efficientnetb6",
    "165f6e37dce68623721b423839de8be5",
    "9ecce42647a20130c1f39a5d4cb75743",
  ),
  efficientnetb7: efficientNetEntry(
    "efficientnetb7",
    "8c03f828fec3ef71311cd463b6759d99",
    "cbcfe4450ddf6f3ad90b1b398090fe4a",
  ),
  efficientnetv2b0: efficientNetV2Entry(
    "b0",
    "21ecbf6da12460d5c40bb2f29ceb2188",
    "893217f2bb855e2983157299931e43ff",
  ),
  efficientnetv2b1: efficientNetV2Entry(
    "b1",
    "069f0534ff22adf035c89e2d9547a9dc",
    "0e80663031ca32d657f9caa404b6ec37",
  ),
  efficientnetv2b2: efficientNetV2Entry(
    "b2",
    "424e49f28180edbde1e94797771950a7",
    "1dfe2e7a5d45b6632553a8961ea609eb",
  ),
  efficientnetv2b3: efficientNetV2Entry(
    "b3",
    "1f1fc43bd98a6e4fd8fdfd551e02c7a0",
    "f6abf7b5849ac99a89b50dd3fd532856",
  ),
  efficientnetv2s: efficientNetV2Entry(
    "s",
    "e1d88a8495beba45748fedd0cecbe016",
    "af0682fb74e8c54910f2d4393339c070",
  ),
  efficientnetv2m: efficientNetV2Entry(
    "m",
    "a3bf6aa3276309f4fc6a34aa114c95cd",
    "1b8dc055df72dde80d614482840fe342",
  ),
  efficientnetv2l: efficientNetV2Entry(
    "l",
    "27e6d408b53c7ebc868fefa357689935",
    "b0b66b5c863aef5b46e8608fe1711615",
  ),
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
  const { folder, origin } = REGISTRY[model];
  const base = weightsBaseUrl(baseUrl);
  const remote = entry.remote ?? entry.fname;
  return {
    fname: entry.fname,
    url:
      origin && base === KERAS_APPLICATIONS_BASE_URL
        ? `${origin}${remote}`
        : `${base}${folder}/${remote}`,
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

/** MobileNetV2's official widths and sides (keras.applications.mobilenet_v2). */
export const MOBILENET_V2_WEIGHT_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;
/** The sides MobileNetV2 has official files for; any other loads the 224 file, as in Keras. */
export const MOBILENET_V2_WEIGHT_ROWS = [96, 128, 160, 192, 224] as const;

/**
 * The side of the official file for a `rows` × `cols` input (itself where square and one of
 * `sides`, else 224, as Keras picks it), after checking `alpha` is one Keras has files for.
 */
function officialSide(
  family: string,
  alpha: number,
  alphas: readonly number[],
  rows: number | null,
  cols: number | null,
  sides: readonly number[],
): number {
  if (!alphas.includes(alpha)) {
    throw new TypeError(
      `Expected an alpha of ${alphas.join(", ")} for ${family}'s official weights but received ${alpha}`,
    );
  }
  return rows !== null && rows === cols && sides.includes(rows) ? rows : 224;
}

/** One MobileNetV2 file: Keras downloads them without a checksum, so `md5` is null. */
export interface MobileNetV2WeightsFile {
  /** File name, in Keras' cache and on the server. */
  fname: string;
  /** Full download URL, after any mirror is applied. */
  url: string;
  /** Always null: mobilenet_v2.py gives get_file no file_hash. */
  md5: null;
  /** The side of the file chosen: `rows` where Keras has a file for it, else 224. */
  rows: number;
}

/**
 * The official MobileNetV2 file for `alpha` and an input of `rows` × `cols` (Keras' names:
 * `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<float(alpha)>_<rows>[_no_top].h5` under
 * `mobilenet_v2/`; a non-square input or another side takes the 224 file, as Keras does).
 */
export function mobileNetV2Weights(
  alpha: number,
  rows: number | null,
  cols: number | null,
  includeTop: boolean,
  baseUrl?: string,
): MobileNetV2WeightsFile {
  const side = officialSide(
    "MobileNetV2",
    alpha,
    MOBILENET_V2_WEIGHT_ALPHAS,
    rows,
    cols,
    MOBILENET_V2_WEIGHT_ROWS,
  );
  // Python's str(float(alpha)): 1.0, 0.35, 0.5, …
  const a = Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
  const fname = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${a}_${side}${includeTop ? "" : "_no_top"}.h5`;
  return { fname, url: `${weightsBaseUrl(baseUrl)}mobilenet_v2/${fname}`, md5: null, rows: side };
}

/**
 * The local path of an official MobileNetV2 file, downloading it into the Keras cache first if
 * it is not there. Keras gives no checksum for these files; the caller's load checks that every
 * layer finds its weights with the right shapes.
 */
export async function fetchMobileNetV2Weights(
  alpha: number,
  rows: number | null,
  cols: number | null,
  options: FetchOfficialWeightsOptions,
): Promise<string> {
  return fetchUnchecked(
    mobileNetV2Weights(alpha, rows, cols, options.includeTop, options.baseUrl),
    options,
  );
}

/** getFile for a file Keras fetches without a checksum (a caller's `fileHash` still applies). */
function fetchUnchecked(
  file: { fname: string; url: string },
  options: FetchOfficialWeightsOptions,
): Promise<string> {
  const { includeTop: _top, baseUrl: _base, fileHash, ...rest } = options;
  return getFile({
    ...rest,
    fname: file.fname,
    origin: file.url,
    ...(fileHash !== undefined && { fileHash }),
    cacheSubdir: rest.cacheSubdir ?? "models",
  });
}

/** MobileNet's (v1) official widths and sides (keras.applications.mobilenet). */
export const MOBILENET_WEIGHT_ALPHAS = [0.25, 0.5, 0.75, 1.0] as const;
/** The sides MobileNet has official files for; any other loads the 224 file, as in Keras. */
export const MOBILENET_WEIGHT_ROWS = [128, 160, 192, 224] as const;

const MOBILENET_ALPHA_TEXT: Record<string, string> = {
  "1": "1_0",
  "0.75": "7_5",
  "0.5": "5_0",
  "0.25": "2_5",
};

/**
 * The official MobileNet (v1) file for `alpha` and an input of `rows` × `cols` (Keras' names:
 * `mobilenet_<1_0|7_5|5_0|2_5>_<rows>_tf[_no_top].h5` under `mobilenet/`; a non-square input
 * or another side takes the 224 file, as Keras does). No checksum, as MobileNetV2's.
 */
export function mobileNetWeights(
  alpha: number,
  rows: number | null,
  cols: number | null,
  includeTop: boolean,
  baseUrl?: string,
): MobileNetV2WeightsFile {
  const side = officialSide(
    "MobileNet",
    alpha,
    MOBILENET_WEIGHT_ALPHAS,
    rows,
    cols,
    MOBILENET_WEIGHT_ROWS,
  );
  const text = MOBILENET_ALPHA_TEXT[String(alpha)] as string;
  const fname = `mobilenet_${text}_${side}_tf${includeTop ? "" : "_no_top"}.h5`;
  return { fname, url: `${weightsBaseUrl(baseUrl)}mobilenet/${fname}`, md5: null, rows: side };
}

/** `fetchMobileNetV2Weights` for MobileNet (v1): the Keras cache, no checksum. */
export async function fetchMobileNetWeights(
  alpha: number,
  rows: number | null,
  cols: number | null,
  options: FetchOfficialWeightsOptions,
): Promise<string> {
  return fetchUnchecked(
    mobileNetWeights(alpha, rows, cols, options.includeTop, options.baseUrl),
    options,
  );
}

/** MobileNetV3's two sizes (keras.applications.MobileNetV3Small / MobileNetV3Large). */
export type MobileNetV3Type = "small" | "large";

// md5s [top, no top] of mobilenet_v3.py's WEIGHTS_HASHES, keyed as Keras keys them.
const MOBILENET_V3_HASHES: Record<string, [string, string]> = {
  "large_224_0.75_float": ["765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"],
  "large_224_1.0_float": ["59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"],
  "large_minimalistic_224_1.0_float": [
    "675e7b876c45c57e9e63e6d90a36599c",
    "ec5221f64a2f6d1ef965a614bdae7973",
  ],
  "small_224_0.75_float": ["cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"],
  "small_224_1.0_float": ["8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"],
  "small_minimalistic_224_1.0_float": [
    "99cd97fb2fcdad2bf028eb838de69e37",
    "cde8136e733e811080d9fcd8a252f7e4",
  ],
};

/**
 * The official MobileNetV3 file (Keras' names: `weights_mobilenet_v3_<type>[_minimalistic]_224_
 * <float(alpha)>_float[_no_top_v2].h5` under `mobilenet_v3/`, md5-checked). Keras has them for
 * alpha 0.75 and 1.0, and 1.0 only when minimalistic; every input side loads the 224 file.
 */
export function mobileNetV3Weights(
  type: MobileNetV3Type,
  alpha: number,
  minimalistic: boolean,
  includeTop: boolean,
  baseUrl?: string,
): OfficialWeightsFile {
  if (type !== "small" && type !== "large") {
    throw new TypeError(`Expected "small" or "large" for MobileNetV3 but received ${String(type)}`);
  }
  const a = Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
  const key = `${type}${minimalistic ? "_minimalistic" : ""}_224_${a}_float`;
  const hashes = MOBILENET_V3_HASHES[key];
  if (!hashes) {
    throw new TypeError(
      `Expected an alpha of ${minimalistic ? "1.0 (minimalistic)" : "0.75 or 1.0"} for MobileNetV3's official weights but received ${alpha}`,
    );
  }
  const fname = `weights_mobilenet_v3_${key}${includeTop ? "" : "_no_top_v2"}.h5`;
  return {
    fname,
    url: `${weightsBaseUrl(baseUrl)}mobilenet_v3/${fname}`,
    md5: hashes[includeTop ? 0 : 1],
    bytes: null,
  };
}

/** The local path of an official MobileNetV3 file, downloaded and md5-checked first if missing. */
export async function fetchMobileNetV3Weights(
  type: MobileNetV3Type,
  alpha: number,
  minimalistic: boolean,
  options: FetchOfficialWeightsOptions,
): Promise<string> {
  const file = mobileNetV3Weights(type, alpha, minimalistic, options.includeTop, options.baseUrl);
  return fetchUnchecked(file, { ...options, fileHash: options.fileHash ?? file.md5 });
}
