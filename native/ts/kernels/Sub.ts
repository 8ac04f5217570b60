import { Sub } from "@tensorflow/tfjs-core";
import { binaryConfig } from "./binary.ts";

export const subConfig = binaryConfig(Sub, 1);
