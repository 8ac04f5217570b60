import { Square } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const squareKernel = unaryKernel(Square, "square");
