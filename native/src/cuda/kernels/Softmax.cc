// Softmax / LogSoftmax over the last axis on cuDNN (CUDNN_SOFTMAX_ACCURATE: x - max
// before exp, as tfjs-cpu).
#include "cuda/args.h"
#include "cuda/context.h"
#include "cuda/cudnn_util.h"
#include "cuda/kernels.h"
#include "cuda/storage.h"

namespace graft::cuda {

// softmax(x, y, rows, cols, log): x viewed as [rows, cols].
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const int64_t xId = Int(info, 0, "x"), yId = Int(info, 1, "y");
  const int64_t rows = Int(info, 2, "rows"), cols = Int(info, 3, "cols");
  const bool log = info.Length() > 4 && info[4].ToBoolean();
  const std::string what = std::string(log ? "logSoftmax" : "softmax") + " " + Dims({rows, cols});
  Context& ctx = Context::Get();
  const void* x = Ptr(xId, "softmax x");
  const size_t bytes = sizeof(float) * size_t(rows) * size_t(cols);
  void* y = AllocOutput(yId, bytes, "softmax y");
  if (bytes == 0) return info.Env().Undefined();
  if (rows > INT32_MAX || cols > INT32_MAX) throw Error(code::kInternal, "too large for cuDNN: " + what);
  TensorDesc d;
  // [rows, cols, 1, 1] NCHW: CUDNN_SOFTMAX_MODE_INSTANCE normalises over C*H*W = cols per row.
  GRAFT_CHECK(cudnnSetTensor4dDescriptor(d.d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(rows), int(cols), 1, 1),
              what);
  const float one = 1.f, zero = 0.f;
  CountLaunch("cudnnSoftmaxForward");
  GRAFT_CHECK(cudnnSoftmaxForward(ctx.cudnn(), log ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE,
                                  CUDNN_SOFTMAX_MODE_INSTANCE, &one, d.d, x, &zero, d.d, y),
              what);
  return info.Env().Undefined();
}

}  // namespace graft::cuda
