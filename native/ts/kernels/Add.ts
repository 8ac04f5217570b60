import { Add } from "@tensorflow/tfjs-core";
import { binaryConfig } from "./binary.ts";

export const addConfig = binaryConfig(Add, 0);
