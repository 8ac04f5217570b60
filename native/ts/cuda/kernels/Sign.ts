import { Sign } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const signKernel = unaryKernel(Sign, "sign");
