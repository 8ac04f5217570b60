import { Maximum } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const maximumKernel = binaryKernel(Maximum, "max");
