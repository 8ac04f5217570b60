// MaxPool / AvgPool and their gradients, hand-written to tfjs-backend-cpu's exact
// semantics (src/kernels/{MaxPool,AvgPool,MaxPoolGrad,AvgPoolGrad}.ts and
// utils/pool_utils.ts), NHWC, vectorised over channels, threaded over rows.
// They need no oneDNN and no workspace.
//
// tfjs's rules, which these loops follow:
// - max: a value wins only when strictly greater (`pixel > max`, starting from
//   -Infinity), so NaN never wins and ties go to the first position in
//   row-major window order. Padding never wins (it is not visited).
// - avg: the sum of the window's in-bounds values over their count.
// - maxPoolGrad: dy goes to the winning position of each window (none when no
//   value beat -Infinity); overlapping windows add up.
// - avgPoolGrad: dy / (KH * KW) goes to every in-bounds position of the window,
//   the full window size even where the forward divided by fewer ('same').
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu/args.h"
#include "cpu/kernels.h"
#include "cpu/threads.h"

namespace graft::cpu {

namespace {

// p: boundary.h's PoolParam layout.
constexpr size_t kPoolParams = kPoolParamCount;

struct PoolShape {
  int64_t n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr;

  explicit PoolShape(const int32_t* p)
      : n(p[kPoolN]), h(p[kPoolH]), w(p[kPoolW]), c(p[kPoolC]), kh(p[kPoolKH]), kw(p[kPoolKW]),
        oh(p[kPoolOH]), ow(p[kPoolOW]), sh(p[kPoolStrideH]), sw(p[kPoolStrideW]),
        pt(p[kPoolPadTop]), pl(p[kPoolPadLeft]), pb(p[kPoolPadBottom]), pr(p[kPoolPadRight]) {}

  int64_t XSize() const { return n * h * w * c; }
  int64_t YSize() const { return n * oh * ow * c; }
  void Check(const char* op) const {
    CheckParams(op, {n, h, w, c, kh, kw, oh, ow}, {sh, sw}, Describe());
  }
  std::string Describe() const {
    return "x " + Dims({n, h, w, c}) + ", window " + Dims({kh, kw}) + ", y " +
           Dims({n, oh, ow, c}) + ", strides " + Dims({sh, sw}) + ", pads [t,l,b,r] " +
           Dims({pt, pl, pb, pr});
  }
  // The in-bounds rows [begin, end) of window row `o`.
  void Rows(int64_t o, int64_t& begin, int64_t& end) const {
    const int64_t corner = o * sh - pt;
    begin = std::max<int64_t>(corner, 0);
    end = std::min<int64_t>(corner + kh, h);
  }
  void Cols(int64_t o, int64_t& begin, int64_t& end) const {
    const int64_t corner = o * sw - pl;
    begin = std::max<int64_t>(corner, 0);
    end = std::min<int64_t>(corner + kw, w);
  }
};

// Work per row of output or input, for ParallelFor's grain.
int64_t Grain(int64_t per_item) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, per_item)); }

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void MaxPoolRows(const PoolShape& s, const float* x, float* y, int64_t begin, int64_t end) {
  const int64_t c = s.c;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / s.oh, o_r = row % s.oh;
    int64_t r0, r1;
    s.Rows(o_r, r0, r1);
    for (int64_t o_c = 0; o_c < s.ow; ++o_c) {
      int64_t c0, c1;
      s.Cols(o_c, c0, c1);
      float* out = y + ((b * s.oh + o_r) * s.ow + o_c) * c;
      std::fill(out, out + c, kNegInf);
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t cc = c0; cc < c1; ++cc) {
          const float* in = x + ((b * s.h + r) * s.w + cc) * c;
          for (int64_t d = 0; d < c; ++d) out[d] = in[d] > out[d] ? in[d] : out[d];
        }
      }
    }
  }
}

void AvgPoolRows(const PoolShape& s, const float* x, float* y, int64_t begin, int64_t end) {
  const int64_t c = s.c;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / s.oh, o_r = row % s.oh;
    int64_t r0, r1;
    s.Rows(o_r, r0, r1);
    for (int64_t o_c = 0; o_c < s.ow; ++o_c) {
      int64_t c0, c1;
      s.Cols(o_c, c0, c1);
      float* out = y + ((b * s.oh + o_r) * s.ow + o_c) * c;
      std::fill(out, out + c, 0.0f);
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t cc = c0; cc < c1; ++cc) {
          const float* in = x + ((b * s.h + r) * s.w + cc) * c;
          for (int64_t d = 0; d < c; ++d) out[d] += in[d];
        }
      }
      // 0/0 is NaN, as in tfjs, for a window with no in-bounds value.
      const float count = static_cast<float>(std::max<int64_t>(r1 - r0, 0) * std::max<int64_t>(c1 - c0, 0));
      for (int64_t d = 0; d < c; ++d) out[d] /= count;
    }
  }
}

// The first strict maximum of window (o_r, o_c) for channels [d0, d0 + nd) of
// image b: its in-image pixel index r * W + c per channel, or -1 (no value beat
// -Infinity). Vectorised over channels.
inline void WindowArgMax(const PoolShape& s, const float* x, int64_t b, int64_t o_r, int64_t o_c,
                         int64_t d0, int64_t nd, float* best, int32_t* where) {
  int64_t r0, r1, c0, c1;
  s.Rows(o_r, r0, r1);
  s.Cols(o_c, c0, c1);
  std::fill_n(best, nd, kNegInf);
  std::fill_n(where, nd, -1);
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t cc = c0; cc < c1; ++cc) {
      const int32_t pixel = static_cast<int32_t>(r * s.w + cc);
      const float* in = x + ((b * s.h + r) * s.w + cc) * s.c + d0;
      for (int64_t k = 0; k < nd; ++k) {
        const bool wins = in[k] > best[k];
        best[k] = wins ? in[k] : best[k];
        where[k] = wins ? pixel : where[k];
      }
    }
  }
}

inline void ScatterToWinners(const PoolShape& s, const float* g, float* dx_image, int64_t d0,
                             int64_t nd, const int32_t* where) {
  for (int64_t k = 0; k < nd; ++k) {
    if (where[k] >= 0) dx_image[where[k] * s.c + d0 + k] += g[d0 + k];
  }
}

// Windows whose rows do not overlap (KH <= strideH, as VGG's 2x2/2): the task for
// output row o_r owns a band of input rows that holds all its windows, zeroes
// it and scatters into it while it is in cache.
void MaxPoolGradBands(const PoolShape& s, const float* dy, const float* x, float* dx,
                      int64_t begin, int64_t end) {
  std::vector<float> best(static_cast<size_t>(s.c));
  std::vector<int32_t> where(static_cast<size_t>(s.c));
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / s.oh, o_r = row % s.oh;
    const int64_t band0 = o_r == 0 ? 0 : std::clamp<int64_t>(o_r * s.sh - s.pt, 0, s.h);
    const int64_t band1 = o_r == s.oh - 1 ? s.h : std::clamp<int64_t>((o_r + 1) * s.sh - s.pt, 0, s.h);
    float* dx_image = dx + b * s.h * s.w * s.c;
    if (band1 > band0) std::fill(dx_image + band0 * s.w * s.c, dx_image + band1 * s.w * s.c, 0.0f);
    for (int64_t o_c = 0; o_c < s.ow; ++o_c) {
      WindowArgMax(s, x, b, o_r, o_c, 0, s.c, best.data(), where.data());
      ScatterToWinners(s, dy + ((b * s.oh + o_r) * s.ow + o_c) * s.c, dx_image, 0, s.c, where.data());
    }
  }
}

// Overlapping windows: each task owns a block of channels of one image, so no
// two threads ever add to the same dx.
constexpr int64_t kGradChannels = 16;

void MaxPoolGradChannels(const PoolShape& s, const float* dy, const float* x, float* dx, int64_t b,
                         int64_t d0, int64_t d1) {
  const int64_t nd = d1 - d0;
  float* dx_image = dx + b * s.h * s.w * s.c;
  for (int64_t i = 0; i < s.h * s.w; ++i) std::fill_n(dx_image + i * s.c + d0, nd, 0.0f);
  float best[kGradChannels];
  int32_t where[kGradChannels];
  for (int64_t o_r = 0; o_r < s.oh; ++o_r) {
    for (int64_t o_c = 0; o_c < s.ow; ++o_c) {
      WindowArgMax(s, x, b, o_r, o_c, d0, nd, best, where);
      ScatterToWinners(s, dy + ((b * s.oh + o_r) * s.ow + o_c) * s.c, dx_image, d0, nd, where);
    }
  }
}

void AvgPoolGradRows(const PoolShape& s, const float* dy, float* dx, int64_t begin, int64_t end) {
  const int64_t c = s.c;
  const float scale = 1.0f / static_cast<float>(s.kh * s.kw);
  auto first_window = [](int64_t i, int64_t pad, int64_t k, int64_t stride) {
    // The first window o with o*stride - pad + k - 1 >= i, i.e. that reaches i.
    const int64_t t = i + pad - k + 1;
    return t <= 0 ? 0 : (t + stride - 1) / stride;
  };
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / s.h, r = row % s.h;
    // Windows o with o*stride - pad <= i <= o*stride - pad + k - 1.
    const int64_t o_r0 = first_window(r, s.pt, s.kh, s.sh);
    const int64_t o_r1 = std::min<int64_t>(s.oh, r + s.pt >= 0 ? (r + s.pt) / s.sh + 1 : 0);
    for (int64_t cc = 0; cc < s.w; ++cc) {
      const int64_t o_c0 = first_window(cc, s.pl, s.kw, s.sw);
      const int64_t o_c1 = std::min<int64_t>(s.ow, cc + s.pl >= 0 ? (cc + s.pl) / s.sw + 1 : 0);
      float* out = dx + ((b * s.h + r) * s.w + cc) * c;
      std::fill(out, out + c, 0.0f);
      for (int64_t o_r = o_r0; o_r < o_r1; ++o_r) {
        for (int64_t o_c = o_c0; o_c < o_c1; ++o_c) {
          const float* g = dy + ((b * s.oh + o_r) * s.ow + o_c) * c;
          for (int64_t d = 0; d < c; ++d) out[d] += g[d];
        }
      }
      for (int64_t d = 0; d < c; ++d) out[d] *= scale;
    }
  }
}

}  // namespace

// pool2d(x, y, p, kind): kind a boundary.h PoolKind
Napi::Value Pool2D(const Napi::CallbackInfo& info) {
  const char* op = "pool2d";
  const F32 x = ArgF32(info, 0);
  const F32 y = ArgF32(info, 1);
  const PoolShape s(ArgParams(info, 2, kPoolParams, op));
  s.Check(op);
  const int kind = ArgInt(info, 3);
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "y", y, s.YSize(), s.Describe());
  if (kind != kPoolMax && kind != kPoolAvg) {
    throw Error(code::kInternal, "pool2d: kind " + std::to_string(kind) + " is neither max (" +
                                     std::to_string(kPoolMax) + ") nor avg (" + std::to_string(kPoolAvg) + ")");
  }
  if (s.YSize() == 0) return info.Env().Undefined();
  ApplyThreads();
  ParallelFor(s.n * s.oh, Grain(s.ow * s.c * s.kh * s.kw), [&](int64_t begin, int64_t end) {
    if (kind == kPoolMax) {
      MaxPoolRows(s, x.data, y.data, begin, end);
    } else {
      AvgPoolRows(s, x.data, y.data, begin, end);
    }
  });
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, p)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const char* op = "maxPoolGrad";
  const F32 dy = ArgF32(info, 0);
  const F32 x = ArgF32(info, 1);
  const F32 dx = ArgF32(info, 2);
  const PoolShape s(ArgParams(info, 3, kPoolParams, op));
  s.Check(op);
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "dx", dx, s.XSize(), s.Describe());
  if (s.XSize() == 0) return info.Env().Undefined();
  ApplyThreads();
  if (s.oh == 0) {
    std::fill(dx.data, dx.data + dx.size, 0.0f);
    return info.Env().Undefined();
  }
  if (s.kh <= s.sh) {
    ParallelFor(s.n * s.oh, Grain(s.sh * s.w * s.c), [&](int64_t begin, int64_t end) {
      MaxPoolGradBands(s, dy.data, x.data, dx.data, begin, end);
    });
    return info.Env().Undefined();
  }
  const int64_t blocks = (s.c + kGradChannels - 1) / kGradChannels;
  const int64_t per_task = s.h * s.w * std::min(s.c, kGradChannels);
  ParallelFor(s.n * blocks, Grain(per_task), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t b = t / blocks, d0 = (t % blocks) * kGradChannels;
      MaxPoolGradChannels(s, dy.data, x.data, dx.data, b, d0, std::min(d0 + kGradChannels, s.c));
    }
  });
  return info.Env().Undefined();
}

// avgPoolGrad(dy, dx, p)
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  const char* op = "avgPoolGrad";
  const F32 dy = ArgF32(info, 0);
  const F32 dx = ArgF32(info, 1);
  const PoolShape s(ArgParams(info, 2, kPoolParams, op));
  s.Check(op);
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "dx", dx, s.XSize(), s.Describe());
  if (s.XSize() == 0) return info.Env().Undefined();
  ApplyThreads();
  ParallelFor(s.n * s.h, Grain(s.w * s.c), [&](int64_t begin, int64_t end) {
    AvgPoolGradRows(s, dy.data, dx.data, begin, end);
  });
  return info.Env().Undefined();
}

}  // namespace graft::cpu
