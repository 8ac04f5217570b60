import { readFileSync } from "node:fs";
import { fixture } from "./index.ts";

/** The parts of test-fixtures/keras/manifest.json that tests read (see scripts/make_keras_fixtures.py). */
export interface ManifestWeight {
  name: string;
  shape: number[];
  sum: number;
  sum_abs: number;
  first: number;
}
export interface ManifestLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  keras2_group: string;
  keras3_vars_path: string | null;
  weights: ManifestWeight[];
}
export interface ManifestModel {
  model: string;
  variant: string | null;
  keras_class: string;
  keras_name: string;
  input: string;
  input_shape: number[];
  output: string;
  output_shape: number[];
  goldens: Record<string, { file: string; description: string }>;
  params: { total: number; trainable: number; non_trainable: number };
  layers: ManifestLayer[];
}
export interface ManifestFile {
  path: string;
  key: string;
  model: string;
  variant: string | null;
  layout: string;
  writer: string;
  layer_names?: string[];
}
export interface ManifestSummary {
  file: string;
  builder: string;
  frozen_layers: string[];
  line_length: number;
  total: number;
  trainable: number;
  non_trainable: number;
}
export interface KerasManifest {
  versions: Record<string, string>;
  tolerance: { rel_err: number };
  models: Record<string, ManifestModel>;
  files: ManifestFile[];
  summaries: Record<string, ManifestSummary>;
}

export function kerasManifest(): KerasManifest {
  return JSON.parse(readFileSync(fixture("keras", "manifest.json"), "utf8")) as KerasManifest;
}

/** Path of a file inside test-fixtures/keras. */
export function kerasFixture(name: string): string {
  return fixture("keras", name);
}
