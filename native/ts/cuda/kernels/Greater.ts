import { Greater } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const greaterKernel = binaryKernel(Greater, "greater");
