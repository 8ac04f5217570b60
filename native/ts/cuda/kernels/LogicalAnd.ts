import { LogicalAnd } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const logicalAndKernel = binaryKernel(LogicalAnd, "logicalAnd");
