import { ArgMin } from "@tensorflow/tfjs-core";
import { argKernel } from "./arg_util.ts";

export const argMinKernel = argKernel(ArgMin, false);
