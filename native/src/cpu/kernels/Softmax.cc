// graft-cpu's softmax over the last axis (src/cuda/kernels/Softmax.cc is graft-cuda's).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "cpu/args.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"

namespace graft::cpu {

// softmax(x, y, rows, cols) over the last axis, as tfjs computes it:
// e = exp(x - max(x)), y = e / sum(e). The sum is taken in double, as JS does.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  const int64_t rows = ArgInt(info, 2);
  const int64_t cols = ArgInt(info, 3);
  const std::string shape = "rows " + std::to_string(rows) + ", cols " + std::to_string(cols);
  CheckParams("softmax", {rows, cols}, {}, shape);
  CheckSize("softmax", "x", x, rows * cols, shape);
  CheckSize("softmax", "y", y, rows * cols, shape);
  ApplyThreads();
  ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1) / 8),
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                  const float* in = x.data + r * cols;
                  float* out = y.data + r * cols;
                  float m = -INFINITY;
                  for (int64_t j = 0; j < cols; ++j) m = in[j] > m || in[j] != in[j] ? in[j] : m;
                  double sum = 0.0;
                  for (int64_t j = 0; j < cols; ++j) {
                    out[j] = std::exp(in[j] - m);
                    sum += out[j];
                  }
                  const float s = static_cast<float>(sum);
                  for (int64_t j = 0; j < cols; ++j) out[j] /= s;
                }
              });
  return info.Env().Undefined();
}

}  // namespace graft::cpu
