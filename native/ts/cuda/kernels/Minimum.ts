import { Minimum } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const minimumKernel = binaryKernel(Minimum, "min");
