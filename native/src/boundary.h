// The native boundary: every code and parameter-block layout that TypeScript and the
// two addons (graft.node, graft_cuda.node) must agree on, defined here once.
//
// Each table is an X-macro of X(cpp_name, ts_name) entries; an entry's value is its
// position. From this one file:
//   - C++ gets the enums below (the .cc and .cu files use their names, never numbers);
//   - both addons export every table as `boundary` (boundary_napi.h), by TypeScript name;
//   - scripts/gen-boundary.mjs writes ts/common/boundary.ts (the build checks it is
//     current, and so does test/boundary.test.ts);
//   - the loaders compare the addon's `boundary` with ts/common/boundary.ts and refuse a
//     binary built from another version of this file, so a mismatch is a load-time
//     error, never wrong numbers.
// To add a code: add an entry at the end of its table, run
// `node scripts/gen-boundary.mjs`, rebuild. Plain C++ only: nvcc compiles it too.
#pragma once

namespace graft {

// Fused activations of conv2d and matmul (both backends): y = act(x + bias).
#define GRAFT_ACTIVATIONS(X) \
  X(kActLinear, linear)      \
  X(kActRelu, relu)          \
  X(kActRelu6, relu6)        \
  X(kActElu, elu)            \
  X(kActSigmoid, sigmoid)    \
  X(kActLeakyRelu, leakyrelu)

// graft-cpu's binary(): y = a op b (RealDiv is real division).
#define GRAFT_CPU_BINARY_OPS(X) \
  X(kAdd, add)                  \
  X(kSub, sub)                  \
  X(kMul, mul)                  \
  X(kDiv, div)

// How graft-cpu's binary() indexes an input: full (index i), scalar (index 0), row
// vector (index i % inner).
#define GRAFT_CPU_BROADCAST(X) \
  X(kFull, full)               \
  X(kScalar, scalar)           \
  X(kRow, row)

// pool2d's kind (both backends) and pool2dGrad's (graft-cuda).
#define GRAFT_POOL_KINDS(X) \
  X(kPoolMax, max)          \
  X(kPoolAvg, avg)

// graft-cuda's device dtypes: tfjs's bool is one byte on the device, as in its Uint8Array.
#define GRAFT_CUDA_DTYPES(X) \
  X(kF32, float32)           \
  X(kI32, int32)             \
  X(kBool, bool)

// graft-cuda's unary(), float32 only.
#define GRAFT_CUDA_UNARY_OPS(X) \
  X(kNeg, neg)                  \
  X(kLog, log)                  \
  X(kSquare, square)            \
  X(kRelu, relu)                \
  X(kStep, step)                \
  X(kFloor, floor)              \
  X(kExp, exp)                  \
  X(kSqrt, sqrt)                \
  X(kAbs, abs)                  \
  X(kSigmoid, sigmoid)          \
  X(kTanh, tanh)                \
  X(kRsqrt, rsqrt)              \
  X(kReciprocal, reciprocal)    \
  X(kClip, clip)                \
  X(kRelu6, relu6)              \
  X(kElu, elu)                  \
  X(kLeakyRelu, leakyrelu)      \
  X(kCeil, ceil)                \
  X(kSign, sign)                \
  X(kLog1p, log1p)

// graft-cuda's binary(). Comparisons and logical ops give bool; reluGrad is dy * step(x)
// exactly as tfjs composes it (a = dy, b = x).
#define GRAFT_CUDA_BINARY_OPS(X)     \
  X(kAdd, add)               \
  X(kSub, sub)               \
  X(kMul, mul)               \
  X(kDiv, div)               \
  X(kMax, max)                       \
  X(kMin, min)                       \
  X(kSquaredDiff, squaredDiff)       \
  X(kPow, pow)                       \
  X(kEqual, equal)                   \
  X(kNotEqual, notEqual)             \
  X(kGreater, greater)               \
  X(kGreaterEqual, greaterEqual)     \
  X(kLess, less)                     \
  X(kLessEqual, lessEqual)           \
  X(kLogicalAnd, logicalAnd)         \
  X(kLogicalOr, logicalOr)           \
  X(kReluGrad, reluGrad)

// graft-cuda's reduce(), over the middle axis of x viewed as [outer, r, inner].
#define GRAFT_CUDA_REDUCE_OPS(X) \
  X(kSum, sum)                   \
  X(kMean, mean)                 \
  X(kReduceMax, max)             \
  X(kReduceMin, min)             \
  X(kProd, prod)

// What a profiled transfer was (graft-cuda's profileRecords().transfers).
#define GRAFT_CUDA_TRANSFERS(X) \
  X(kTransferUpload, upload)    \
  X(kTransferReadSync, readSync) \
  X(kTransferRead, read)

// The Int32Array of conv2d, conv2dBackpropInput and conv2dBackpropFilter (both backends).
#define GRAFT_CONV_PARAMS(X)     \
  X(kConvN, batch)               \
  X(kConvH, inHeight)            \
  X(kConvW, inWidth)             \
  X(kConvC, inChannels)          \
  X(kConvKH, filterHeight)       \
  X(kConvKW, filterWidth)        \
  X(kConvOC, outChannels)        \
  X(kConvOH, outHeight)          \
  X(kConvOW, outWidth)           \
  X(kConvStrideH, strideHeight)  \
  X(kConvStrideW, strideWidth)   \
  X(kConvDilationH, dilationHeight) \
  X(kConvDilationW, dilationWidth) \
  X(kConvPadTop, padTop)         \
  X(kConvPadLeft, padLeft)       \
  X(kConvPadBottom, padBottom)   \
  X(kConvPadRight, padRight)

// The Int32Array of the pooling kernels and their gradients (both backends).
#define GRAFT_POOL_PARAMS(X)     \
  X(kPoolN, batch)               \
  X(kPoolH, inHeight)            \
  X(kPoolW, inWidth)             \
  X(kPoolC, channels)            \
  X(kPoolKH, filterHeight)       \
  X(kPoolKW, filterWidth)        \
  X(kPoolOH, outHeight)          \
  X(kPoolOW, outWidth)           \
  X(kPoolStrideH, strideHeight)  \
  X(kPoolStrideW, strideWidth)   \
  X(kPoolPadTop, padTop)         \
  X(kPoolPadLeft, padLeft)       \
  X(kPoolPadBottom, padBottom)   \
  X(kPoolPadRight, padRight)

// The Int32Array of matmul (both backends): a [batchA, M, K] (transposed: [batchA, K, M])
// times b [batchB, K, N]; transposeA/B are 0 or 1.
#define GRAFT_MATMUL_PARAMS(X)   \
  X(kMatMulBatchA, batchA)       \
  X(kMatMulBatchB, batchB)       \
  X(kMatMulM, m)                 \
  X(kMatMulK, k)                 \
  X(kMatMulN, n)                 \
  X(kMatMulTransposeA, transposeA) \
  X(kMatMulTransposeB, transposeB)

// graft-cuda's binary() block: these fixed fields, then rank-long arrays in the order of
// GRAFT_CUDA_BINARY_ARRAYS (strides are element strides over the output's shape, 0
// where an input broadcasts).
#define GRAFT_CUDA_BINARY_BLOCK(X) X(kBinaryRank, rank)
#define GRAFT_CUDA_BINARY_ARRAYS(X) \
  X(kBinaryShape, shape)            \
  X(kBinaryAStrides, aStrides)      \
  X(kBinaryBStrides, bStrides)

// graft-cuda's stridedCopy() block (Slice, Transpose): fixed fields, then rank-long
// arrays (y's shape, x's strides).
#define GRAFT_CUDA_STRIDED_BLOCK(X) \
  X(kStridedRank, rank)             \
  X(kStridedOffset, offset)
#define GRAFT_CUDA_STRIDED_ARRAYS(X) \
  X(kStridedShape, shape)            \
  X(kStridedInStrides, inStrides)

// The most dimensions graft-cuda's binary() and stridedCopy() blocks take.
#define GRAFT_CONST_CUDA_MAX_RANK 6

// Every constant, by its TypeScript name (the generator reads GRAFT_CONST_<NAME> values).
#define GRAFT_BOUNDARY_CONSTS(T) T(CUDA_MAX_RANK, GRAFT_CONST_CUDA_MAX_RANK)

// Every table, by the name TypeScript and the addons' `boundary` export give it.
#define GRAFT_BOUNDARY_TABLES(T)                \
  T(ACTIVATIONS, GRAFT_ACTIVATIONS)             \
  T(CPU_BINARY_OPS, GRAFT_CPU_BINARY_OPS)       \
  T(CPU_BROADCAST, GRAFT_CPU_BROADCAST)         \
  T(POOL_KINDS, GRAFT_POOL_KINDS)               \
  T(CUDA_DTYPES, GRAFT_CUDA_DTYPES)             \
  T(CUDA_UNARY_OPS, GRAFT_CUDA_UNARY_OPS)       \
  T(CUDA_BINARY_OPS, GRAFT_CUDA_BINARY_OPS)     \
  T(CUDA_REDUCE_OPS, GRAFT_CUDA_REDUCE_OPS)     \
  T(CUDA_TRANSFERS, GRAFT_CUDA_TRANSFERS)       \
  T(CONV_PARAMS, GRAFT_CONV_PARAMS)             \
  T(POOL_PARAMS, GRAFT_POOL_PARAMS)             \
  T(MATMUL_PARAMS, GRAFT_MATMUL_PARAMS)         \
  T(CUDA_BINARY_BLOCK, GRAFT_CUDA_BINARY_BLOCK) \
  T(CUDA_BINARY_ARRAYS, GRAFT_CUDA_BINARY_ARRAYS) \
  T(CUDA_STRIDED_BLOCK, GRAFT_CUDA_STRIDED_BLOCK) \
  T(CUDA_STRIDED_ARRAYS, GRAFT_CUDA_STRIDED_ARRAYS)

#define GRAFT_ENUM_ENTRY(cpp_name, ts_name) cpp_name,

enum Activation : int { GRAFT_ACTIVATIONS(GRAFT_ENUM_ENTRY) kActivationCount };
enum PoolKind : int { GRAFT_POOL_KINDS(GRAFT_ENUM_ENTRY) kPoolKindCount };
enum ConvParam : int { GRAFT_CONV_PARAMS(GRAFT_ENUM_ENTRY) kConvParamCount };
enum PoolParam : int { GRAFT_POOL_PARAMS(GRAFT_ENUM_ENTRY) kPoolParamCount };
enum MatMulParam : int { GRAFT_MATMUL_PARAMS(GRAFT_ENUM_ENTRY) kMatMulParamCount };

namespace cpu {
enum BinaryOp : int { GRAFT_CPU_BINARY_OPS(GRAFT_ENUM_ENTRY) kBinaryCount };
enum Mode : int { GRAFT_CPU_BROADCAST(GRAFT_ENUM_ENTRY) kModeCount };
}  // namespace cpu

namespace cuda {
enum DType : int { GRAFT_CUDA_DTYPES(GRAFT_ENUM_ENTRY) kDTypeCount };
enum UnaryOp : int { GRAFT_CUDA_UNARY_OPS(GRAFT_ENUM_ENTRY) kUnaryCount };
enum BinaryOp : int { GRAFT_CUDA_BINARY_OPS(GRAFT_ENUM_ENTRY) kBinaryCount };
enum ReduceOp : int { GRAFT_CUDA_REDUCE_OPS(GRAFT_ENUM_ENTRY) kReduceCount };
enum Transfer : int { GRAFT_CUDA_TRANSFERS(GRAFT_ENUM_ENTRY) kTransferCount };
enum BinaryBlock : int { GRAFT_CUDA_BINARY_BLOCK(GRAFT_ENUM_ENTRY) kBinaryBlockFixed };
enum BinaryArray : int { GRAFT_CUDA_BINARY_ARRAYS(GRAFT_ENUM_ENTRY) kBinaryArrayCount };
enum StridedBlock : int { GRAFT_CUDA_STRIDED_BLOCK(GRAFT_ENUM_ENTRY) kStridedBlockFixed };
enum StridedArray : int { GRAFT_CUDA_STRIDED_ARRAYS(GRAFT_ENUM_ENTRY) kStridedArrayCount };
}  // namespace cuda

#undef GRAFT_ENUM_ENTRY

}  // namespace graft
