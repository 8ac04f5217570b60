import { Add } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const addKernel = binaryKernel(Add, "add");
