// Every kernel graft-cpu runs natively, sorted; the rest are tfjs-cpu's, registered in ../graft_cpu.ts.
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { _fusedMatMulKernel } from "./_FusedMatMul.ts";
import { addKernel } from "./Add.ts";
import { avgPoolKernel } from "./AvgPool.ts";
import { avgPoolGradKernel } from "./AvgPoolGrad.ts";
import { batchMatMulKernel } from "./BatchMatMul.ts";
import { clipByValueKernel } from "./ClipByValue.ts";
import { clipByValueGradKernel } from "./ClipByValueGrad.ts";
import { conv2DKernel } from "./Conv2D.ts";
import { conv2DBackpropFilterKernel } from "./Conv2DBackpropFilter.ts";
import { conv2DBackpropInputKernel } from "./Conv2DBackpropInput.ts";
import { depthwiseConv2dNativeKernel } from "./DepthwiseConv2dNative.ts";
import { depthwiseConv2dNativeBackpropFilterKernel } from "./DepthwiseConv2dNativeBackpropFilter.ts";
import { depthwiseConv2dNativeBackpropInputKernel } from "./DepthwiseConv2dNativeBackpropInput.ts";
import { fusedBatchNormKernel } from "./FusedBatchNorm.ts";
import { fusedConv2DKernel } from "./FusedConv2D.ts";
import { maxPoolKernel } from "./MaxPool.ts";
import { maxPoolGradKernel } from "./MaxPoolGrad.ts";
import { meanKernel } from "./Mean.ts";
import { momentumUpdateKernel } from "./MomentumUpdate.ts";
import { multiplyKernel } from "./Multiply.ts";
import { padV2Kernel } from "./PadV2.ts";
import { realDivKernel } from "./RealDiv.ts";
import { reluKernel } from "./Relu.ts";
import { relu6Kernel } from "./Relu6.ts";
import { reluGradKernel } from "./ReluGrad.ts";
import { reverseKernel } from "./Reverse.ts";
import { sigmoidKernel } from "./Sigmoid.ts";
import { sliceKernel } from "./Slice.ts";
import { softmaxKernel } from "./Softmax.ts";
import { splitVKernel } from "./SplitV.ts";
import { squareKernel } from "./Square.ts";
import { stepKernel } from "./Step.ts";
import { subKernel } from "./Sub.ts";
import { sumKernel } from "./Sum.ts";
import { tileKernel } from "./Tile.ts";

export const cpuKernels: KernelConfig[] = [
  _fusedMatMulKernel,
  addKernel,
  avgPoolKernel,
  avgPoolGradKernel,
  batchMatMulKernel,
  clipByValueKernel,
  clipByValueGradKernel,
  conv2DKernel,
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  depthwiseConv2dNativeKernel,
  depthwiseConv2dNativeBackpropFilterKernel,
  depthwiseConv2dNativeBackpropInputKernel,
  fusedBatchNormKernel,
  fusedConv2DKernel,
  maxPoolKernel,
  maxPoolGradKernel,
  meanKernel,
  momentumUpdateKernel,
  multiplyKernel,
  padV2Kernel,
  realDivKernel,
  reluKernel,
  relu6Kernel,
  reluGradKernel,
  reverseKernel,
  sigmoidKernel,
  sliceKernel,
  splitVKernel,
  softmaxKernel,
  squareKernel,
  stepKernel,
  subKernel,
  sumKernel,
  tileKernel,
];
