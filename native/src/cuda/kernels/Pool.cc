// MaxPool / AvgPool and their gradients on cuDNN, NHWC. tfjs's semantics, as cuDNN
// modes: average pooling divides by the in-bounds count going forward
// (COUNT_EXCLUDE_PADDING) but AvgPoolGrad divides by the full window, as tfjs-cpu
// does (COUNT_INCLUDE_PADDING); max pooling never lets padding or NaN win
// (NOT_PROPAGATE_NAN). Asymmetric padding is left to TypeScript's fallback.
#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/cudnn_util.h"
#include "cuda/kernels.h"
#include "cuda/storage.h"

namespace graft::cuda {

namespace {

// p = [N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, padBottom, padRight]
struct PoolParams {
  int n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr;
};

struct PoolProblem {
  PoolParams p;
  TensorDesc x, y;
  PoolDesc pool;
  std::string what;
  PoolProblem(const int32_t* q, int kind, bool backward)
      : p{q[kPoolN],      q[kPoolH],       q[kPoolW],      q[kPoolC],         q[kPoolKH],
          q[kPoolKW],     q[kPoolOH],      q[kPoolOW],     q[kPoolStrideH],   q[kPoolStrideW],
          q[kPoolPadTop], q[kPoolPadLeft], q[kPoolPadBottom], q[kPoolPadRight]} {
    what = std::string(kind == kPoolMax ? "maxPool" : "avgPool") + (backward ? "Grad" : "") + " x " +
           Dims({p.n, p.h, p.w, p.c}) + " window " + Dims({p.kh, p.kw}) + " strides " + Dims({p.sh, p.sw}) +
           " pads(t,l,b,r) " + Dims({p.pt, p.pl, p.pb, p.pr}) + " y " + Dims({p.n, p.oh, p.ow, p.c});
    if (p.pt != p.pb || p.pl != p.pr) {
      throw Error(code::kInternal, "asymmetric padding reached cuDNN pooling (TypeScript falls back): " + what);
    }
    x.Nhwc(p.n, p.h, p.w, p.c, what);
    y.Nhwc(p.n, p.oh, p.ow, p.c, what);
    const cudnnPoolingMode_t mode = kind == kPoolMax ? CUDNN_POOLING_MAX
                                    : backward ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                               : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
    GRAFT_CHECK(cudnnSetPooling2dDescriptor(pool.d, mode, CUDNN_NOT_PROPAGATE_NAN, p.kh, p.kw, p.pt, p.pl,
                                            p.sh, p.sw),
                what);
  }
  size_t XBytes() const { return sizeof(float) * size_t(p.n) * p.h * p.w * p.c; }
  size_t YBytes() const { return sizeof(float) * size_t(p.n) * p.oh * p.ow * p.c; }
};

}  // namespace

// pool2d(x, y, p, kind): kind a boundary.h PoolKind.
Napi::Value Pool2D(const Napi::CallbackInfo& info) {
  const int64_t xId = Int(info, 0, "x"), yId = Int(info, 1, "y");
  const int kind = int(Int(info, 3, "kind"));
  PoolProblem pr(Ints(info, 2, kPoolParamCount, "p"), kind, false);
  Context& ctx = Context::Get();
  const void* x = Ptr(xId, "pool x");
  void* y = AllocOutput(yId, pr.YBytes(), "pool y");
  if (pr.YBytes() == 0) return info.Env().Undefined();
  const float one = 1.f, zero = 0.f;
  CountLaunch("cudnnPoolingForward");
  GRAFT_CHECK(cudnnPoolingForward(ctx.cudnn(), pr.pool.d, &one, pr.x.d, x, &zero, pr.y.d, y), pr.what);
  return info.Env().Undefined();
}

// pool2dGrad(dy, x, y (-1 for average), dx, p, kind).
Napi::Value Pool2DGrad(const Napi::CallbackInfo& info) {
  const int64_t dyId = Int(info, 0, "dy"), xId = Int(info, 1, "x"), yId = Int(info, 2, "y");
  const int64_t dxId = Int(info, 3, "dx");
  const int kind = int(Int(info, 5, "kind"));
  PoolProblem pr(Ints(info, 4, kPoolParamCount, "p"), kind, true);
  Context& ctx = Context::Get();
  const void* dy = Ptr(dyId, "poolGrad dy");
  const void* x = Ptr(xId, "poolGrad x");
  // Average pooling never reads y; cuDNN still wants a pointer of y's shape.
  const void* y = yId >= 0 ? Ptr(yId, "poolGrad y") : dy;
  void* dx = AllocOutput(dxId, pr.XBytes(), "poolGrad dx");
  if (pr.XBytes() == 0) return info.Env().Undefined();
  if (pr.YBytes() == 0) {
    GRAFT_CHECK(cudaMemsetAsync(dx, 0, pr.XBytes(), ctx.stream()), pr.what);
    return info.Env().Undefined();
  }
  const float one = 1.f, zero = 0.f;
  CountLaunch("cudnnPoolingBackward");
  GRAFT_CHECK(cudnnPoolingBackward(ctx.cudnn(), pr.pool.d, &one, pr.y.d, y, pr.y.d, dy, pr.x.d, x, &zero,
                                   pr.x.d, dx),
              pr.what);
  return info.Env().Undefined();
}

}  // namespace graft::cuda
