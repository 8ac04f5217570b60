// Every kernel graft-cuda runs on the GPU, sorted; every other tfjs-cpu kernel is
// registered as a counted host fallback in ../../graft_cuda.ts.

import { _fusedMatMulKernel } from "./_FusedMatMul.ts";
import { absKernel } from "./Abs.ts";
import { addKernel } from "./Add.ts";
import { argMaxKernel } from "./ArgMax.ts";
import { argMinKernel } from "./ArgMin.ts";
import { avgPoolKernel } from "./AvgPool.ts";
import { avgPoolGradKernel } from "./AvgPoolGrad.ts";
import { batchMatMulKernel } from "./BatchMatMul.ts";
import { castKernel } from "./Cast.ts";
import { ceilKernel } from "./Ceil.ts";
import { clipByValueKernel } from "./ClipByValue.ts";
import { conv2DKernel } from "./Conv2D.ts";
import { conv2DBackpropFilterKernel } from "./Conv2DBackpropFilter.ts";
import { conv2DBackpropInputKernel } from "./Conv2DBackpropInput.ts";
import { eluKernel } from "./Elu.ts";
import { equalKernel } from "./Equal.ts";
import { expKernel } from "./Exp.ts";
import { fillKernel } from "./Fill.ts";
import { floorKernel } from "./Floor.ts";
import { fusedConv2DKernel } from "./FusedConv2D.ts";
import { gatherV2Kernel } from "./GatherV2.ts";
import { greaterKernel } from "./Greater.ts";
import { greaterEqualKernel } from "./GreaterEqual.ts";
import { identityKernel } from "./Identity.ts";
import { leakyReluKernel } from "./LeakyRelu.ts";
import { lessKernel } from "./Less.ts";
import { lessEqualKernel } from "./LessEqual.ts";
import { logKernel } from "./Log.ts";
import { log1pKernel } from "./Log1p.ts";
import { logicalAndKernel } from "./LogicalAnd.ts";
import { logicalOrKernel } from "./LogicalOr.ts";
import { maxKernel } from "./Max.ts";
import { maximumKernel } from "./Maximum.ts";
import { maxPoolKernel } from "./MaxPool.ts";
import { maxPoolGradKernel } from "./MaxPoolGrad.ts";
import { meanKernel } from "./Mean.ts";
import { minKernel } from "./Min.ts";
import { minimumKernel } from "./Minimum.ts";
import { momentumUpdateKernel } from "./MomentumUpdate.ts";
import { multiplyKernel } from "./Multiply.ts";
import { negKernel } from "./Neg.ts";
import { notEqualKernel } from "./NotEqual.ts";
import { oneHotKernel } from "./OneHot.ts";
import { onesLikeKernel } from "./OnesLike.ts";
import { powKernel } from "./Pow.ts";
import { prodKernel } from "./Prod.ts";
import { realDivKernel } from "./RealDiv.ts";
import { reciprocalKernel } from "./Reciprocal.ts";
import { reluKernel } from "./Relu.ts";
import { relu6Kernel } from "./Relu6.ts";
import { reluGradKernel } from "./ReluGrad.ts";
import { reshapeKernel } from "./Reshape.ts";
import { reverseKernel } from "./Reverse.ts";
import { rsqrtKernel } from "./Rsqrt.ts";
import { selectKernel } from "./Select.ts";
import { sigmoidKernel } from "./Sigmoid.ts";
import { signKernel } from "./Sign.ts";
import { sliceKernel } from "./Slice.ts";
import { softmaxKernel } from "./Softmax.ts";
import { sqrtKernel } from "./Sqrt.ts";
import { squareKernel } from "./Square.ts";
import { squaredDifferenceKernel } from "./SquaredDifference.ts";
import { stepKernel } from "./Step.ts";
import { subKernel } from "./Sub.ts";
import { sumKernel } from "./Sum.ts";
import { tanhKernel } from "./Tanh.ts";
import { transposeKernel } from "./Transpose.ts";
import type { CudaKernel } from "./util.ts";
import { zerosLikeKernel } from "./ZerosLike.ts";

export const cudaKernels: CudaKernel[] = [
  absKernel,
  addKernel,
  argMaxKernel,
  argMinKernel,
  avgPoolKernel,
  avgPoolGradKernel,
  batchMatMulKernel,
  castKernel,
  ceilKernel,
  clipByValueKernel,
  conv2DKernel,
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  eluKernel,
  equalKernel,
  expKernel,
  fillKernel,
  floorKernel,
  fusedConv2DKernel,
  gatherV2Kernel,
  greaterKernel,
  greaterEqualKernel,
  identityKernel,
  leakyReluKernel,
  lessKernel,
  lessEqualKernel,
  logKernel,
  log1pKernel,
  logicalAndKernel,
  logicalOrKernel,
  maxKernel,
  maxPoolKernel,
  maxPoolGradKernel,
  maximumKernel,
  meanKernel,
  minKernel,
  minimumKernel,
  momentumUpdateKernel,
  multiplyKernel,
  negKernel,
  notEqualKernel,
  oneHotKernel,
  onesLikeKernel,
  powKernel,
  prodKernel,
  realDivKernel,
  reciprocalKernel,
  reluKernel,
  relu6Kernel,
  reluGradKernel,
  reshapeKernel,
  reverseKernel,
  rsqrtKernel,
  selectKernel,
  sigmoidKernel,
  signKernel,
  sliceKernel,
  softmaxKernel,
  sqrtKernel,
  squareKernel,
  squaredDifferenceKernel,
  stepKernel,
  subKernel,
  sumKernel,
  tanhKernel,
  transposeKernel,
  zerosLikeKernel,
  _fusedMatMulKernel,
];
