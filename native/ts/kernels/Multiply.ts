import { Multiply } from "@tensorflow/tfjs-core";
import { binaryConfig } from "./binary.ts";

export const multiplyConfig = binaryConfig(Multiply, 2);
