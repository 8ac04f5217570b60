import { RealDiv } from "@tensorflow/tfjs-core";
import { binaryConfig } from "./binary.ts";

export const realDivConfig = binaryConfig(RealDiv, 3);
