// Every kernel graft-cpu runs natively, sorted; the rest are tfjs-cpu's, registered in ../graft_cpu.ts.
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { _fusedMatMulConfig } from "./_FusedMatMul.ts";
import { addConfig } from "./Add.ts";
import { avgPoolConfig } from "./AvgPool.ts";
import { avgPoolGradConfig } from "./AvgPoolGrad.ts";
import { batchMatMulConfig } from "./BatchMatMul.ts";
import { conv2DConfig } from "./Conv2D.ts";
import { conv2DBackpropFilterConfig } from "./Conv2DBackpropFilter.ts";
import { conv2DBackpropInputConfig } from "./Conv2DBackpropInput.ts";
import { fusedConv2DConfig } from "./FusedConv2D.ts";
import { maxPoolConfig } from "./MaxPool.ts";
import { maxPoolGradConfig } from "./MaxPoolGrad.ts";
import { momentumUpdateConfig } from "./MomentumUpdate.ts";
import { multiplyConfig } from "./Multiply.ts";
import { realDivConfig } from "./RealDiv.ts";
import { reluConfig } from "./Relu.ts";
import { reluGradConfig } from "./ReluGrad.ts";
import { softmaxConfig } from "./Softmax.ts";
import { stepConfig } from "./Step.ts";
import { subConfig } from "./Sub.ts";
import { sumConfig } from "./Sum.ts";

export const nativeKernelConfigs: KernelConfig[] = [
  _fusedMatMulConfig,
  addConfig,
  avgPoolConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  fusedConv2DConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  momentumUpdateConfig,
  multiplyConfig,
  realDivConfig,
  reluConfig,
  reluGradConfig,
  softmaxConfig,
  stepConfig,
  subConfig,
  sumConfig,
];
