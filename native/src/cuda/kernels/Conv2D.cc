// Conv2D / FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter on cuDNN 9, NHWC.
//
// Why the legacy convolution API (cudnnConvolutionForward, cudnnConvolutionBiasActivationForward,
// cudnnGetConvolution*Algorithm_v7, cudnnFind*AlgorithmEx) and not the v9 graph API:
// it ships, deprecated but complete, in every cuDNN 9.x; it covers the three
// convolutions and the one fusion VGG-style training needs (conv + bias + relu) in a
// few calls, where the graph API without cudnn-frontend (a C++ header library that
// is not in the pip wheels) needs a backend-descriptor graph per op, hundreds of
// lines before the first result. The plan cache below keeps the choice per shape, so
// moving to graph execution plans later changes this file only.
//
// Layouts: activations NHWC as tfjs; tfjs's HWIO filters are transposed to cuDNN's
// KRSC ([outC, kh, kw, inC]) once per filter tensor and kept until the tensor is freed
// (a tensor never changes after its kernel wrote it; frozen layers' filters are
// transposed once per process, trained ones once per step for the forward and the
// backprop-input pass together). GRAFT_CUDA_FILTER_CACHE=0: a transpose per call.
// tfjs's 'same' padding can be asymmetric (stride 2 on even sizes), which cuDNN cannot
// express: x is then padded explicitly into a scratch buffer and cuDNN sees pad 0.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/cudnn_util.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/storage.h"

namespace graft::cuda {

namespace {

struct ConvParams {
  int n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
};

ConvParams ReadConv(const int32_t* p) {
  return ConvParams{p[kConvN],         p[kConvH],         p[kConvW],         p[kConvC],
                    p[kConvKH],        p[kConvKW],        p[kConvOC],        p[kConvOH],
                    p[kConvOW],        p[kConvStrideH],   p[kConvStrideW],   p[kConvDilationH],
                    p[kConvDilationW], p[kConvPadTop],    p[kConvPadLeft],   p[kConvPadBottom],
                    p[kConvPadRight]};
}

std::string Describe(const char* op, const ConvParams& p) {
  std::ostringstream m;
  m << op << " x " << Dims({p.n, p.h, p.w, p.c}) << " filter " << Dims({p.kh, p.kw, p.c, p.oc})
    << " y " << Dims({p.n, p.oh, p.ow, p.oc}) << " strides " << Dims({p.sh, p.sw}) << " dilations "
    << Dims({p.dh, p.dw}) << " pads(t,l,b,r) " << Dims({p.pt, p.pl, p.pb, p.pr});
  return m.str();
}

enum ConvOp : int32_t { kFwd = 0, kFwdFused = 1, kBwdData = 2, kBwdFilter = 3 };

struct ConvKey {
  int32_t op;
  int32_t p[kConvParamCount];
  int32_t tf32;
  int32_t benchmark;
};
struct ConvPlan {
  int algo;
  size_t workspace;
  cudnnMathType_t math;
};

std::mutex g_mutex;
PlanCache<ConvKey, ConvPlan> g_plans;
PlanStats g_stats;

// The problem as cuDNN sees it: x possibly padded explicitly, symmetric pads.
struct Problem {
  ConvParams p;
  bool explicitPad;
  int hp, wp, padH, padW;
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;
  std::string what;

  Problem(const char* op, const ConvParams& params, bool tf32) : p(params), what(Describe(op, params)) {
    explicitPad = p.pt != p.pb || p.pl != p.pr;
    hp = explicitPad ? p.h + p.pt + p.pb : p.h;
    wp = explicitPad ? p.w + p.pl + p.pr : p.w;
    padH = explicitPad ? 0 : p.pt;
    padW = explicitPad ? 0 : p.pl;
    x.Nhwc(p.n, hp, wp, p.c, what);
    y.Nhwc(p.n, p.oh, p.ow, p.oc, what);
    w.Krsc(p.oc, p.kh, p.kw, p.c, what);
    GRAFT_CHECK(cudnnSetConvolution2dDescriptor(conv.d, padH, padW, p.sh, p.sw, p.dh, p.dw,
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                what);
    // TF32 on: cuDNN's default math, which lets float32 convolutions use TF32 tensor
    // cores on Ampere and later. Off: FMA only (what PyTorch does for allow_tf32=False).
    GRAFT_CHECK(cudnnSetConvolutionMathType(conv.d, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH), what);
    int n, c, h, w;
    GRAFT_CHECK(cudnnGetConvolution2dForwardOutputDim(conv.d, x.d, this->w.d, &n, &c, &h, &w), what);
    if (n != p.n || c != p.oc || h != p.oh || w != p.ow) {
      throw Error(code::kInternal, "cuDNN computes output " + Dims({n, h, w, c}) + " for " + what);
    }
  }
};

template <typename Perf>
ConvPlan Pick(const Perf* perf, int count, size_t limit, const std::string& what, const char* op) {
  for (int i = 0; i < count; ++i) {
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= limit) {
      return ConvPlan{int(perf[i].algo), perf[i].memory, perf[i].mathType};
    }
  }
  throw Error(code::kCudnn, std::string("no cuDNN ") + op + " algorithm fits the workspace limit of " +
                                std::to_string(limit) + " bytes (GRAFT_CUDA_WORKSPACE_MB) for " + what);
}

// The cached plan for this problem, or a new one from cuDNN's heuristics (default) or a
// measured search (GRAFT_CUDNN_BENCHMARK=1), which runs `search` on the real buffers.
ConvPlan Plan(ConvOp op, const ConvParams& p, Context& ctx, const Problem& pr,
              const void* a, const void* b, void* out) {
  ConvKey key{};
  key.op = op;
  std::memcpy(key.p, &p, sizeof key.p);
  key.tf32 = ctx.settings().tf32;
  key.benchmark = ctx.settings().benchmark;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_plans.find(key);
    if (it != g_plans.end()) {
      g_stats.hits++;
      return it->second;
    }
    g_stats.misses++;
  }
  const size_t limit = ctx.settings().workspaceLimit;
  const bool bench = ctx.settings().benchmark;
  cudnnHandle_t h = ctx.cudnn();
  ConvPlan plan{};
  if (op == kFwd || op == kFwdFused) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    if (bench) {
      Scratch ws(ctx, limit, "cuDNN algorithm search");
      GRAFT_CHECK(cudnnFindConvolutionForwardAlgorithmEx(h, pr.x.d, a, pr.w.d, b, pr.conv.d, pr.y.d, out,
                                                         CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf,
                                                         ws.get(), ws.size()),
                  pr.what);
    } else {
      GRAFT_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, pr.x.d, pr.w.d, pr.conv.d, pr.y.d,
                                                         CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
                  pr.what);
    }
    plan = Pick(perf, count, limit, pr.what, "forward");
  } else if (op == kBwdData) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    if (bench) {
      Scratch ws(ctx, limit, "cuDNN algorithm search");
      GRAFT_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(h, pr.w.d, a, pr.y.d, b, pr.conv.d, pr.x.d, out,
                                                              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count,
                                                              perf, ws.get(), ws.size()),
                  pr.what);
    } else {
      GRAFT_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, pr.w.d, pr.y.d, pr.conv.d, pr.x.d,
                                                              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count,
                                                              perf),
                  pr.what);
    }
    plan = Pick(perf, count, limit, pr.what, "backward data");
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    if (bench) {
      Scratch ws(ctx, limit, "cuDNN algorithm search");
      GRAFT_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(h, pr.x.d, a, pr.y.d, b, pr.conv.d, pr.w.d, out,
                                                                CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                &count, perf, ws.get(), ws.size()),
                  pr.what);
    } else {
      GRAFT_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, pr.x.d, pr.y.d, pr.conv.d, pr.w.d,
                                                                CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                &count, perf),
                  pr.what);
    }
    plan = Pick(perf, count, limit, pr.what, "backward filter");
  }
  if (!ctx.settings().tf32) plan.math = CUDNN_FMA_MATH;
  // GRAFT_CUDA_LOG_PLANS=1: one stderr line per new plan (which algorithm cuDNN chose, and why it runs as it does).
  if (const char* log = std::getenv("GRAFT_CUDA_LOG_PLANS"); log != nullptr && *log != '\0' && *log != '0') {
    std::fprintf(stderr, "[graft-cuda] plan op %d algo %d math %d workspace %zu: %s\n", int(op), plan.algo,
                 int(plan.math), plan.workspace, pr.what.c_str());
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  g_plans.emplace(key, plan);
  return plan;
}

// tfjs HWIO [kh, kw, c, oc] -> cuDNN KRSC [oc, kh, kw, c].
void HwioToKrsc(const float* w, float* k, const ConvParams& p, cudaStream_t s) {
  Strided st{};
  st.rank = 4;
  const int64_t shape[4] = {p.oc, p.kh, p.kw, p.c};
  const int64_t strides[4] = {1, int64_t(p.kw) * p.c * p.oc, int64_t(p.c) * p.oc, p.oc};
  for (int i = 0; i < 4; ++i) {
    st.shape[i] = shape[i];
    st.inStrides[i] = strides[i];
  }
  LaunchStridedCopy(w, k, 4, st, int64_t(p.oc) * p.kh * p.kw * p.c, s);
}

// cuDNN KRSC -> tfjs HWIO.
void KrscToHwio(const float* k, float* w, const ConvParams& p, cudaStream_t s) {
  Strided st{};
  st.rank = 4;
  const int64_t shape[4] = {p.kh, p.kw, p.c, p.oc};
  const int64_t strides[4] = {int64_t(p.kw) * p.c, p.c, 1, int64_t(p.kh) * p.kw * p.c};
  for (int i = 0; i < 4; ++i) {
    st.shape[i] = shape[i];
    st.inStrides[i] = strides[i];
  }
  LaunchStridedCopy(k, w, 4, st, int64_t(p.oc) * p.kh * p.kw * p.c, s);
}

size_t FilterBytes(const ConvParams& p) { return sizeof(float) * size_t(p.kh) * p.kw * p.c * p.oc; }

struct CachedFilter {
  void* krsc;
  size_t bytes;
};
std::mutex g_filter_mutex;
std::unordered_map<int64_t, CachedFilter> g_filters;
FilterCacheStats g_filter_stats;

// Filter `wId` in KRSC: from the cache, or transposed now (into the cache, or into
// `tmp` for this call only when the cache is off).
const float* KrscFilter(int64_t wId, const ConvParams& p, Context& ctx, std::unique_ptr<Scratch>& tmp,
                        const char* role, const std::string& what) {
  const float* hwio = static_cast<const float*>(Ptr(wId, role));
  const size_t bytes = FilterBytes(p);
  if (!ctx.settings().filterCache) {
    tmp = std::make_unique<Scratch>(ctx, bytes, "filter in KRSC");
    HwioToKrsc(hwio, tmp->as<float>(), p, ctx.stream());
    CheckLaunch("filter transpose", what);
    return tmp->as<float>();
  }
  {
    std::lock_guard<std::mutex> lock(g_filter_mutex);
    auto it = g_filters.find(wId);
    if (it != g_filters.end() && it->second.bytes == bytes) {
      g_filter_stats.hits++;
      return static_cast<const float*>(it->second.krsc);
    }
  }
  void* k = ctx.Allocate(bytes, "filter in KRSC (cached per filter tensor)");
  HwioToKrsc(hwio, static_cast<float*>(k), p, ctx.stream());
  CheckLaunch("filter transpose", what);
  std::lock_guard<std::mutex> lock(g_filter_mutex);
  g_filter_stats.misses++;
  auto it = g_filters.find(wId);
  if (it != g_filters.end()) {
    g_filter_stats.bytes -= it->second.bytes;
    ctx.Free(it->second.krsc);
    g_filters.erase(it);
  }
  g_filters.emplace(wId, CachedFilter{k, bytes});
  g_filter_stats.bytes += bytes;
  return static_cast<const float*>(k);
}
size_t XBytes(const ConvParams& p, int h, int w) { return sizeof(float) * size_t(p.n) * h * w * p.c; }
size_t YBytes(const ConvParams& p) { return sizeof(float) * size_t(p.n) * p.oh * p.ow * p.oc; }

}  // namespace

PlanStats ConvPlanStats() {
  std::lock_guard<std::mutex> lock(g_mutex);
  PlanStats s = g_stats;
  s.entries = g_plans.size();
  return s;
}

void ClearConvPlans() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_plans.clear();
  }
  std::lock_guard<std::mutex> lock(g_filter_mutex);
  Context* ctx = Context::IfCreated();
  for (auto& [id, f] : g_filters) {
    if (ctx) ctx->Free(f.krsc);
  }
  g_filters.clear();
  g_filter_stats.bytes = 0;
}

void DropCachedFilter(int64_t id) {
  std::lock_guard<std::mutex> lock(g_filter_mutex);
  auto it = g_filters.find(id);
  if (it == g_filters.end()) return;
  if (Context* ctx = Context::IfCreated()) ctx->Free(it->second.krsc);
  g_filter_stats.bytes -= it->second.bytes;
  g_filters.erase(it);
}

FilterCacheStats FilterCache() {
  std::lock_guard<std::mutex> lock(g_filter_mutex);
  FilterCacheStats s = g_filter_stats;
  s.entries = g_filters.size();
  return s;
}

// conv2d(x, w, bias (-1: none), y, p, activation, alpha): y = act(conv(x, w) + bias).
// Relu with a bias runs fused in cudnnConvolutionBiasActivationForward; the other
// activations (and linear with a bias) run as one epilogue kernel after the convolution.
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const int64_t xId = Int(info, 0, "x"), wId = Int(info, 1, "filter"), bId = Int(info, 2, "bias");
  const int64_t yId = Int(info, 3, "y");
  const ConvParams p = ReadConv(Ints(info, 4, kConvParamCount, "p"));
  const int act = int(Int(info, 5, "activation"));
  const double alpha = Num(info, 6, "alpha");
  Context& ctx = Context::Get();
  const cudaStream_t s = ctx.stream();
  const bool fused = act == 1 && bId >= 0;
  Problem pr(fused ? "conv2d+bias+relu" : "conv2d", p, ctx.settings().tf32);

  const float* x = static_cast<const float*>(Ptr(xId, "conv2d x"));
  const float* bias = bId >= 0 ? static_cast<const float*>(Ptr(bId, "conv2d bias")) : nullptr;
  Scratch padded(ctx, pr.explicitPad ? XBytes(p, pr.hp, pr.wp) : 0, "conv2d padded x");
  if (pr.explicitPad) {
    LaunchPadNHWC(x, padded.as<float>(), p.n, p.h, p.w, p.c, pr.hp, pr.wp, p.pt, p.pl, s);
    CheckLaunch("padNHWC", pr.what);
    x = padded.as<float>();
  }
  std::unique_ptr<Scratch> tmp;
  const float* krsc = KrscFilter(wId, p, ctx, tmp, "conv2d filter", pr.what);
  float* y = static_cast<float*>(AllocOutput(yId, YBytes(p), "conv2d y"));
  if (YBytes(p) == 0) return info.Env().Undefined();

  const ConvPlan plan = Plan(fused ? kFwdFused : kFwd, p, ctx, pr, x, krsc, y);
  GRAFT_CHECK(cudnnSetConvolutionMathType(pr.conv.d, plan.math), pr.what);
  Scratch ws(ctx, plan.workspace, "conv2d workspace");
  const float one = 1.f, zero = 0.f;
  const auto algo = static_cast<cudnnConvolutionFwdAlgo_t>(plan.algo);
  if (fused) {
    TensorDesc biasDesc;
    GRAFT_CHECK(cudnnSetTensor4dDescriptor(biasDesc.d, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, p.oc, 1, 1),
                pr.what);
    ActivationDesc relu;
    GRAFT_CHECK(cudnnSetActivationDescriptor(relu.d, CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, 0.0), pr.what);
    // z (scaled by alpha2 = 0) is y itself. cuDNN does not read z when alpha2 is 0
    // (test/cuda.test.ts runs this on pool memory poisoned with NaN);
    // GRAFT_CUDA_FUSED_ZERO=1 zeroes y first anyway.
    if (ctx.settings().fusedZero) GRAFT_CHECK(cudaMemsetAsync(y, 0, YBytes(p), s), pr.what);
    CountLaunch("cudnnConvolutionBiasActivationForward");
    GRAFT_CHECK(cudnnConvolutionBiasActivationForward(ctx.cudnn(), &one, pr.x.d, x, pr.w.d, krsc, pr.conv.d,
                                                      algo, ws.get(), ws.size(), &zero, pr.y.d, y, biasDesc.d,
                                                      bias, relu.d, pr.y.d, y),
                pr.what);
  } else {
    CountLaunch("cudnnConvolutionForward");
    GRAFT_CHECK(cudnnConvolutionForward(ctx.cudnn(), &one, pr.x.d, x, pr.w.d, krsc, pr.conv.d, algo,
                                        ws.get(), ws.size(), &zero, pr.y.d, y),
                pr.what);
    if (bias != nullptr || act != 0) {
      LaunchBiasActivation(y, bias, int64_t(p.n) * p.oh * p.ow * p.oc, p.oc, act, alpha, s);
      CheckLaunch("bias + activation", pr.what);
    }
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, p): dx [N,H,W,C].
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const int64_t dyId = Int(info, 0, "dy"), wId = Int(info, 1, "filter"), dxId = Int(info, 2, "dx");
  const ConvParams p = ReadConv(Ints(info, 3, kConvParamCount, "p"));
  Context& ctx = Context::Get();
  const cudaStream_t s = ctx.stream();
  Problem pr("conv2dBackpropInput", p, ctx.settings().tf32);

  std::unique_ptr<Scratch> tmp;
  const float* krsc = KrscFilter(wId, p, ctx, tmp, "conv2dBackpropInput filter", pr.what);
  const void* dy = Ptr(dyId, "conv2dBackpropInput dy");
  float* dx = static_cast<float*>(AllocOutput(dxId, XBytes(p, p.h, p.w), "conv2dBackpropInput dx"));
  if (XBytes(p, p.h, p.w) == 0) return info.Env().Undefined();
  if (YBytes(p) == 0) {
    GRAFT_CHECK(cudaMemsetAsync(dx, 0, XBytes(p, p.h, p.w), s), pr.what);
    return info.Env().Undefined();
  }
  Scratch padded(ctx, pr.explicitPad ? XBytes(p, pr.hp, pr.wp) : 0, "conv2dBackpropInput padded dx");
  float* target = pr.explicitPad ? padded.as<float>() : dx;

  const ConvPlan plan = Plan(kBwdData, p, ctx, pr, krsc, dy, target);
  GRAFT_CHECK(cudnnSetConvolutionMathType(pr.conv.d, plan.math), pr.what);
  Scratch ws(ctx, plan.workspace, "conv2dBackpropInput workspace");
  const float one = 1.f, zero = 0.f;
  CountLaunch("cudnnConvolutionBackwardData");
  GRAFT_CHECK(cudnnConvolutionBackwardData(ctx.cudnn(), &one, pr.w.d, krsc, pr.y.d, dy, pr.conv.d,
                                           static_cast<cudnnConvolutionBwdDataAlgo_t>(plan.algo), ws.get(),
                                           ws.size(), &zero, pr.x.d, target),
              pr.what);
  if (pr.explicitPad) {  // crop the padded gradient back to x's shape
    Strided st{};
    st.rank = 4;
    const int64_t shape[4] = {p.n, p.h, p.w, p.c};
    const int64_t strides[4] = {int64_t(pr.hp) * pr.wp * p.c, int64_t(pr.wp) * p.c, p.c, 1};
    for (int i = 0; i < 4; ++i) {
      st.shape[i] = shape[i];
      st.inStrides[i] = strides[i];
    }
    st.offset = int64_t(p.pt) * pr.wp * p.c + int64_t(p.pl) * p.c;
    LaunchStridedCopy(target, dx, 4, st, int64_t(p.n) * p.h * p.w * p.c, s);
    CheckLaunch("crop", pr.what);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, p): dw [KH,KW,C,OC] (HWIO).
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const int64_t xId = Int(info, 0, "x"), dyId = Int(info, 1, "dy"), dwId = Int(info, 2, "dw");
  const ConvParams p = ReadConv(Ints(info, 3, kConvParamCount, "p"));
  Context& ctx = Context::Get();
  const cudaStream_t s = ctx.stream();
  Problem pr("conv2dBackpropFilter", p, ctx.settings().tf32);

  const float* x = static_cast<const float*>(Ptr(xId, "conv2dBackpropFilter x"));
  const void* dy = Ptr(dyId, "conv2dBackpropFilter dy");
  float* dw = static_cast<float*>(AllocOutput(dwId, FilterBytes(p), "conv2dBackpropFilter dw"));
  if (FilterBytes(p) == 0) return info.Env().Undefined();
  if (YBytes(p) == 0 || XBytes(p, p.h, p.w) == 0) {
    GRAFT_CHECK(cudaMemsetAsync(dw, 0, FilterBytes(p), s), pr.what);
    return info.Env().Undefined();
  }
  Scratch padded(ctx, pr.explicitPad ? XBytes(p, pr.hp, pr.wp) : 0, "conv2dBackpropFilter padded x");
  if (pr.explicitPad) {
    LaunchPadNHWC(x, padded.as<float>(), p.n, p.h, p.w, p.c, pr.hp, pr.wp, p.pt, p.pl, s);
    CheckLaunch("padNHWC", pr.what);
    x = padded.as<float>();
  }
  Scratch krsc(ctx, FilterBytes(p), "conv2dBackpropFilter dw in KRSC");

  const ConvPlan plan = Plan(kBwdFilter, p, ctx, pr, x, dy, krsc.get());
  GRAFT_CHECK(cudnnSetConvolutionMathType(pr.conv.d, plan.math), pr.what);
  Scratch ws(ctx, plan.workspace, "conv2dBackpropFilter workspace");
  const float one = 1.f, zero = 0.f;
  CountLaunch("cudnnConvolutionBackwardFilter");
  GRAFT_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn(), &one, pr.x.d, x, pr.y.d, dy, pr.conv.d,
                                             static_cast<cudnnConvolutionBwdFilterAlgo_t>(plan.algo), ws.get(),
                                             ws.size(), &zero, pr.w.d, krsc.get()),
              pr.what);
  KrscToHwio(krsc.as<float>(), dw, p, s);
  CheckLaunch("filter transpose", pr.what);
  return info.Env().Undefined();
}

}  // namespace graft::cuda
