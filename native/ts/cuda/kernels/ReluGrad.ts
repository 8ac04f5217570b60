import { binaryKernel } from "./binary.ts";

/**
 * graft's one-pass Relu gradient (the kernel name graft-cpu's gradient registration
 * dispatches to when the backend has it): dx = dy * step(x), bit for bit tfjs's
 * Step, Cast, Multiply.
 */
export const reluGradKernel = binaryKernel("ReluGrad", "reluGrad", ["dy", "x"]);
