import { RealDiv } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const realDivKernel = binaryKernel(RealDiv, "div");
