/**
 * What a decode worker does with one image (also run in-process when workers are
 * unavailable): decode and resize as Keras' load_img, then write float32 pixels
 * into the batch's shared buffer, or hand them to a per-image transform that does.
 */
import { type LoadOptions, loadImage } from "./decode.ts";
import { imageFailure } from "./errors.ts";

export interface WorkerJob {
  id: number;
  path: string;
  load: LoadOptions;
  out: SharedArrayBuffer;
  /** in float32 elements */
  offset: number;
  post: { module: string; name: string; args: unknown } | null;
}

export type PostFn = (
  src: Uint8Array | Uint16Array,
  shape: readonly [number, number, number],
  args: unknown,
  out: Float32Array,
  offset: number,
) => void;

const modules = new Map<string, Promise<Record<string, unknown>>>();

/** Resolves to null, or to the reason the image could not be decoded. */
export async function processJob(job: WorkerJob): Promise<string | null> {
  let img: Awaited<ReturnType<typeof loadImage>>;
  try {
    img = await loadImage(job.path, job.load);
  } catch (err) {
    return imageFailure(err);
  }
  const out = new Float32Array(job.out);
  const shape: [number, number, number] = [img.height, img.width, img.channels];
  const size = img.height * img.width * img.channels;
  if (job.offset + size > out.length)
    return `decoded to ${img.width}x${img.height}x${img.channels}, which does not fit the batch`;
  if (!job.post) {
    out.set(img.data, job.offset);
    return null;
  }
  let m = modules.get(job.post.module);
  if (!m) {
    m = import(job.post.module) as Promise<Record<string, unknown>>;
    modules.set(job.post.module, m);
  }
  const fn = (await m)[job.post.name] as PostFn;
  fn(img.data, shape, job.post.args, out, job.offset);
  return null;
}
