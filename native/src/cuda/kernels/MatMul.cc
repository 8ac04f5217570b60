// BatchMatMul and _FusedMatMul on cuBLASLt: y = act(op(a) @ op(b) + bias), row-major
// as tfjs, computed as the column-major product y^T = op(b)^T op(a)^T (no copies).
// Bias and relu run in cuBLASLt's epilogue; the other activations in one extra kernel.
// A batch of 1 broadcasts through a batch stride of 0. TF32 (CUBLAS_COMPUTE_32F_FAST_TF32)
// unless GRAFT_CUDA_TF32=0.
#include <memory>

#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/cudnn_util.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/storage.h"

namespace graft::cuda {

namespace {

struct MatMulKey {
  int32_t batchA, batchB, m, k, n, ta, tb, epilogue, tf32;
};
struct MatMulPlan {
  cublasLtMatmulAlgo_t algo;
  size_t workspace;
};

std::mutex g_mutex;
PlanCache<MatMulKey, MatMulPlan> g_plans;
PlanStats g_stats;

constexpr size_t kMaxWorkspace = size_t(64) << 20;

template <typename T, cublasStatus_t (*Destroy)(T)>
struct LtHandle {
  T h = nullptr;
  ~LtHandle() {
    if (h) Destroy(h);
  }
};
using OpDesc = LtHandle<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using Layout = LtHandle<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using Pref = LtHandle<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;

void MakeLayout(Layout& l, uint64_t rows, uint64_t cols, int64_t ld, int32_t batch, int64_t stride,
                const std::string& what) {
  GRAFT_CHECK(cublasLtMatrixLayoutCreate(&l.h, CUDA_R_32F, rows, cols, ld), what);
  GRAFT_CHECK(cublasLtMatrixLayoutSetAttribute(l.h, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof batch), what);
  GRAFT_CHECK(cublasLtMatrixLayoutSetAttribute(l.h, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                               sizeof stride),
              what);
}

}  // namespace

PlanStats MatMulPlanStats() {
  std::lock_guard<std::mutex> lock(g_mutex);
  PlanStats s = g_stats;
  s.entries = g_plans.size();
  return s;
}

void ClearMatMulPlans() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_plans.clear();
}

// matmul(a, b, bias (-1: none), y, p, activation, alpha), p: boundary.h's MatMulParam
// layout; y is [max(batchA, batchB), M, N].
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  const int64_t aId = Int(info, 0, "a"), bId = Int(info, 1, "b"), biasId = Int(info, 2, "bias");
  const int64_t yId = Int(info, 3, "y");
  const int32_t* q = Ints(info, 4, kMatMulParamCount, "p");
  const int act = int(Int(info, 5, "activation"));
  const double alpha = Num(info, 6, "alpha");
  const int32_t batchA = q[kMatMulBatchA], batchB = q[kMatMulBatchB], M = q[kMatMulM],
                K = q[kMatMulK], N = q[kMatMulN];
  const bool ta = q[kMatMulTransposeA] != 0, tb = q[kMatMulTransposeB] != 0;
  const int32_t batch = batchA > batchB ? batchA : batchB;
  const std::string what = "matmul a " + Dims({batchA, ta ? K : M, ta ? M : K}) + " b " +
                           Dims({batchB, tb ? N : K, tb ? K : N}) + " transposeA=" + (ta ? "1" : "0") +
                           " transposeB=" + (tb ? "1" : "0") + (biasId >= 0 ? " +bias" : "") +
                           " activation " + std::to_string(act);
  Context& ctx = Context::Get();
  const cudaStream_t s = ctx.stream();
  const void* a = Ptr(aId, "matmul a");
  const void* b = Ptr(bId, "matmul b");
  const float* bias = biasId >= 0 ? static_cast<const float*>(Ptr(biasId, "matmul bias")) : nullptr;
  const size_t yCount = size_t(batch) * M * N;
  float* y = static_cast<float*>(AllocOutput(yId, sizeof(float) * yCount, "matmul y"));
  if (yCount == 0) return info.Env().Undefined();
  if (K == 0) {  // an empty sum: act(0 + bias)
    GRAFT_CHECK(cudaMemsetAsync(y, 0, sizeof(float) * yCount, s), what);
    if (bias != nullptr || act != 0) {
      LaunchBiasActivation(y, bias, int64_t(yCount), N, act, alpha, s);
      CheckLaunch("bias + activation", what);
    }
    return info.Env().Undefined();
  }

  const bool epilogueRelu = act == 1;
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  if (bias != nullptr) epilogue = epilogueRelu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  else if (epilogueRelu) epilogue = CUBLASLT_EPILOGUE_RELU;
  const bool tf32 = ctx.settings().tf32;

  OpDesc op;
  GRAFT_CHECK(cublasLtMatmulDescCreate(&op.h, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F),
              what);
  // Column-major: D (N x M) = op(B') (N x K) * op(A') (K x M), where B' and A' are the
  // row-major buffers of b and a read column-major.
  const cublasOperation_t opB = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opA = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  GRAFT_CHECK(cublasLtMatmulDescSetAttribute(op.h, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof opB), what);
  GRAFT_CHECK(cublasLtMatmulDescSetAttribute(op.h, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof opA), what);
  GRAFT_CHECK(cublasLtMatmulDescSetAttribute(op.h, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue), what);
  if (bias != nullptr) {
    GRAFT_CHECK(cublasLtMatmulDescSetAttribute(op.h, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias), what);
  }
  Layout lb, la, ld;
  if (tb) MakeLayout(lb, K, N, K, batch, batchB == 1 ? 0 : int64_t(K) * N, what);
  else MakeLayout(lb, N, K, N, batch, batchB == 1 ? 0 : int64_t(K) * N, what);
  if (ta) MakeLayout(la, M, K, M, batch, batchA == 1 ? 0 : int64_t(M) * K, what);
  else MakeLayout(la, K, M, K, batch, batchA == 1 ? 0 : int64_t(M) * K, what);
  MakeLayout(ld, N, M, N, batch, int64_t(M) * N, what);

  MatMulKey key{};
  key.batchA = batchA;
  key.batchB = batchB;
  key.m = M;
  key.k = K;
  key.n = N;
  key.ta = ta;
  key.tb = tb;
  key.epilogue = int32_t(epilogue);
  key.tf32 = tf32;
  MatMulPlan plan{};
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_plans.find(key);
    if (it != g_plans.end()) {
      plan = it->second;
      cached = true;
      g_stats.hits++;
    } else {
      g_stats.misses++;
    }
  }
  if (!cached) {
    Pref pref;
    GRAFT_CHECK(cublasLtMatmulPreferenceCreate(&pref.h), what);
    const size_t maxWs = ctx.settings().workspaceLimit < kMaxWorkspace ? ctx.settings().workspaceLimit : kMaxWorkspace;
    GRAFT_CHECK(cublasLtMatmulPreferenceSetAttribute(pref.h, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &maxWs,
                                                     sizeof maxWs),
                what);
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    GRAFT_CHECK(cublasLtMatmulAlgoGetHeuristic(ctx.cublasLt(), op.h, lb.h, la.h, ld.h, ld.h, pref.h, 1, &result,
                                               &returned),
                what);
    if (returned == 0) ThrowCublas(CUBLAS_STATUS_NOT_SUPPORTED, "cublasLtMatmulAlgoGetHeuristic", what);
    plan = MatMulPlan{result.algo, result.workspaceSize};
    std::lock_guard<std::mutex> lock(g_mutex);
    g_plans.emplace(key, plan);
  }
  Scratch ws(ctx, plan.workspace, "matmul workspace");
  const float one = 1.f, zero = 0.f;
  CountLaunch("cublasLtMatmul");
  GRAFT_CHECK(cublasLtMatmul(ctx.cublasLt(), op.h, &one, b, lb.h, a, la.h, &zero, y, ld.h, y, ld.h, &plan.algo,
                             ws.get(), ws.size(), s),
              what);
  if (act != 0 && !epilogueRelu) {
    LaunchBiasActivation(y, nullptr, int64_t(yCount), N, act, alpha, s);
    CheckLaunch("activation", what);
  }
  return info.Env().Undefined();
}

}  // namespace graft::cuda
