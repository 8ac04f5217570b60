import { AvgPool, type AvgPoolAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { POOL_KINDS } from "../../common/boundary.ts";
import { pool } from "./pool_util.ts";
import { cudaKernel } from "./util.ts";

export const avgPoolKernel = cudaKernel(AvgPool, ({ inputs, attrs, backend }) =>
  pool(backend, inputs.x as TensorInfo, attrs as unknown as AvgPoolAttrs, POOL_KINDS.avg),
);
