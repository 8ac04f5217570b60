import { Floor } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const floorKernel = unaryKernel(Floor, "floor");
