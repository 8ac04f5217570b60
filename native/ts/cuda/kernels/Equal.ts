import { Equal } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const equalKernel = binaryKernel(Equal, "equal");
