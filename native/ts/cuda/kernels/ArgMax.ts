import { ArgMax } from "@tensorflow/tfjs-core";
import { argKernel } from "./arg_util.ts";

export const argMaxKernel = argKernel(ArgMax, true);
