import { LogicalOr } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const logicalOrKernel = binaryKernel(LogicalOr, "logicalOr");
