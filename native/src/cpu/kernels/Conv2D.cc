// Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter on oneDNN (NHWC, HWIO).
//
// Layout (measured: native/bench/kernels.bench.ts, README "graft-cpu kernels"):
// activations stay NHWC, the JS tensors' own buffers, with no reorder; weights
// are `any`, so oneDNN picks its blocked layout and the HWIO filter is reordered
// into it (forward and backward data), or the blocked gradient is reordered back
// to HWIO (backward filter). Forward weights can be cached per `weightsKey`.
//
// bf16 mode (math_mode.h): src, weights and diff_dst are converted to bf16 by a
// reorder into a temporary buffer (activations stay NHWC: with oneDNN 2.6 a
// blocked bf16 diff_dst beside an NHWC f32 diff_src leaves only the reference
// backward-data kernel, and blocked src/diff_dst measured no faster elsewhere);
// dst, diff_src and diff_weights stay f32, summed in f32, so the JS side sees
// float32 tensors as ever. A shape for which oneDNN has only its reference bf16
// kernel runs in fp32 instead (counted in cpuStats().bf16FallbackRuns).
#include <algorithm>
#include <cstdint>
#include <string>

#include "cpu/args.h"
#include "cpu/context.h"
#include "cpu/kernels.h"
#include "cpu/math_mode.h"

namespace graft::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;
constexpr auto f32 = dt::f32;
constexpr auto bf16 = dt::bf16;

// Temporary buffers (Context::Temp): filters in the conv's layout, blocked
// filter gradients, and bf16 copies of the activations (two for backprop filter).
constexpr int kTempWeights = 0;
constexpr int kTempDiffWeights = 1;
constexpr int kTempActivations = 2;
constexpr int kTempDiffDst = 3;

// p = [N, H, W, C, KH, KW, OC, OH, OW, strideH, strideW, dilationH, dilationW,
//      padTop, padLeft, padBottom, padRight]; dilation 1 means none, as in tfjs.
constexpr size_t kConvParams = 17;

struct ConvShape {
  int64_t n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;

  explicit ConvShape(const int32_t* p)
      : n(p[0]), h(p[1]), w(p[2]), c(p[3]), kh(p[4]), kw(p[5]), oc(p[6]), oh(p[7]), ow(p[8]),
        sh(p[9]), sw(p[10]), dh(p[11]), dw(p[12]), pt(p[13]), pl(p[14]), pb(p[15]), pr(p[16]) {}

  int64_t XSize() const { return n * h * w * c; }
  int64_t WSize() const { return kh * kw * c * oc; }
  int64_t YSize() const { return n * oh * ow * oc; }

  void Check(const char* op) const {
    CheckParams(op, {n, h, w, c, kh, kw, oc, oh, ow, pt, pl, pb, pr}, {sh, sw, dh, dw}, Describe());
  }

  std::string Describe() const {
    return "x " + Dims({n, h, w, c}) + ", filter " + Dims({kh, kw, c, oc}) + ", y " +
           Dims({n, oh, ow, oc}) + ", strides " + Dims({sh, sw}) + ", dilations " +
           Dims({dh, dw}) + ", pads [t,l,b,r] " + Dims({pt, pl, pb, pr});
  }

  memory::desc XDesc(dt t = f32, tag layout = tag::nhwc) const {
    return memory::desc({n, c, h, w}, t, layout);
  }
  memory::desc YDesc(dt t = f32, tag layout = tag::nhwc) const {
    return memory::desc({n, oc, oh, ow}, t, layout);
  }
  memory::desc WDesc() const { return memory::desc({oc, c, kh, kw}, f32, tag::hwio); }
  memory::desc WAny(dt t = f32) const { return memory::desc({oc, c, kh, kw}, t, tag::any); }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }
  memory::dims PadL() const { return {pt, pl}; }
  // oneDNN wants out = (in - extent + padL + padR) / stride + 1 exactly (integer
  // division). tfjs's 'same' and 'valid' pads satisfy it; for anything else the
  // bottom/right pad is set to the value that gives tfjs's output size.
  memory::dims PadR() const {
    return {FitPad(h, kh, dh, sh, pt, pb, oh), FitPad(w, kw, dw, sw, pl, pr, ow)};
  }

  void Key(PlanKey& key) const {
    const int64_t v[kConvParams] = {n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr};
    for (size_t i = 0; i < kConvParams; ++i) key.ints[i] = static_cast<int32_t>(v[i]);
  }

 private:
  static int64_t FitPad(int64_t in, int64_t k, int64_t d, int64_t s, int64_t lo, int64_t hi,
                        int64_t out) {
    const int64_t extent = (k - 1) * d + 1;
    if ((in - extent + lo + hi) / s + 1 == out && in - extent + lo + hi >= 0) return hi;
    return (out - 1) * s + extent - in - lo;
  }
};

// The data type and layout of what a convolution reads: the user's f32 NHWC
// tensors as they are, or bf16 copies of them.
struct Inputs {
  dt type;
  tag layout;
};
constexpr Inputs kF32Inputs{f32, tag::nhwc};
constexpr Inputs kBf16Inputs{bf16, tag::nhwc};

// make(inputs) in bf16 when asked for and oneDNN has a real (non-reference)
// bf16 kernel for it, else in f32. `ran_bf16` says which.
template <class Make>
auto WithMath(bool want_bf16, bool& ran_bf16, Make&& make) -> decltype(make(kF32Inputs)) {
  ran_bf16 = false;
  if (want_bf16) {
    try {
      auto pd = make(kBf16Inputs);
      if (!IsReferenceImpl(pd)) {
        ran_bf16 = true;
        return pd;
      }
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  return make(kF32Inputs);
}

// --- forward ---

struct ConvForwardPlan : Plan {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  bool bf16 = false;
  Convert x;
  memory::desc w, y, bias;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvForwardPlan> MakeConvForward(const Context& ctx, const ConvShape& s,
                                                 bool has_bias, int activation, float alpha,
                                                 bool want_bf16) {
  auto plan = std::make_unique<ConvForwardPlan>();
  plan->w = s.WDesc();
  plan->y = s.YDesc();
  plan->bias = memory::desc({s.oc}, f32, tag::x);
  const auto kind = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  dnnl::primitive_attr attr = UserScratchpad();
  dnnl::post_ops ops;
  if (AppendActivation(ops, activation, alpha)) attr.set_post_ops(ops);
  plan->pd = WithMath(want_bf16, plan->bf16, [&](Inputs in) {
    const memory::desc x = s.XDesc(in.type, in.layout);
    auto desc = has_bias ? dnnl::convolution_forward::desc(kind, alg, x, s.WAny(in.type),
                                                           plan->bias, plan->y, s.Strides(),
                                                           s.Dilates(), s.PadL(), s.PadR())
                         : dnnl::convolution_forward::desc(kind, alg, x, s.WAny(in.type), plan->y,
                                                           s.Strides(), s.Dilates(), s.PadL(),
                                                           s.PadR());
    return dnnl::convolution_forward::primitive_desc(desc, attr, ctx.engine());
  });
  plan->conv = dnnl::convolution_forward(plan->pd);
  plan->x = Convert(ctx.engine(), s.XDesc(), plan->pd.src_desc());
  plan->reorder_w = plan->pd.weights_desc() != plan->w;
  if (plan->reorder_w) plan->w_to_conv = MakeReorder(ctx.engine(), plan->w, plan->pd.weights_desc());
  return plan;
}

// Forward pass: the plan's conv on the user's NHWC buffers (x converted first in
// bf16 mode), with the filter in the conv's layout (reordered now, or taken from
// the weights cache).
void ConvForward(Context& ctx, const ConvForwardPlan& plan, const F32& x, const F32& w,
                 const F32& bias, const F32& y, uint64_t weights_key) {
  const dnnl::engine& engine = ctx.engine();
  memory w_user = Mem(plan.w, engine, w.data);
  memory w_conv = w_user;
  if (plan.reorder_w) {
    const memory::desc& md = plan.pd.weights_desc();
    const size_t w_bytes = static_cast<size_t>(w.size) * sizeof(float);
    void* cached = weights_key != 0 ? ctx.FindWeights(weights_key, w.data, w_bytes, md) : nullptr;
    if (cached != nullptr) {
      w_conv = Mem(md, engine, cached);
    } else {
      void* target = weights_key != 0 ? ctx.StoreWeights(weights_key, w.data, w_bytes, md) : nullptr;
      if (target == nullptr) target = ctx.Temp(kTempWeights, md.get_size());
      w_conv = Mem(md, engine, target);
      RunReorder(ctx, plan.w_to_conv, w_user, w_conv);
    }
  }
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, plan.x.Run(ctx, x.data, kTempActivations)},
      {DNNL_ARG_WEIGHTS, w_conv},
      {DNNL_ARG_DST, Mem(plan.y, engine, y.data)},
      {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())},
  };
  if (bias.data != nullptr) args.emplace(DNNL_ARG_BIAS, Mem(plan.bias, engine, bias.data));
  plan.conv.execute(ctx.stream(), args);
  ctx.stream().wait();
}

// --- backward ---

// The forward primitive a backward one is made for (oneDNN picks compatible layouts).
dnnl::convolution_forward::primitive_desc ForwardHint(const Context& ctx, const ConvShape& s,
                                                      Inputs in) {
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training,
                                       dnnl::algorithm::convolution_direct,
                                       s.XDesc(in.type, in.layout), s.WAny(in.type),
                                       s.YDesc(in.type, in.layout), s.Strides(), s.Dilates(),
                                       s.PadL(), s.PadR());
  return dnnl::convolution_forward::primitive_desc(desc, ctx.engine());
}

struct ConvBackwardDataPlan : Plan {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data conv;
  bool bf16 = false;
  Convert dy;
  memory::desc dx, w;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvBackwardDataPlan> MakeConvBackwardData(const Context& ctx, const ConvShape& s,
                                                           bool want_bf16) {
  auto plan = std::make_unique<ConvBackwardDataPlan>();
  plan->dx = s.XDesc();
  plan->w = s.WDesc();
  plan->pd = WithMath(want_bf16, plan->bf16, [&](Inputs in) {
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, plan->dx,
                                               s.WAny(in.type), s.YDesc(in.type, in.layout),
                                               s.Strides(), s.Dilates(), s.PadL(), s.PadR());
    return dnnl::convolution_backward_data::primitive_desc(desc, UserScratchpad(), ctx.engine(),
                                                           ForwardHint(ctx, s, in));
  });
  plan->conv = dnnl::convolution_backward_data(plan->pd);
  plan->dy = Convert(ctx.engine(), s.YDesc(), plan->pd.diff_dst_desc());
  plan->reorder_w = plan->pd.weights_desc() != plan->w;
  if (plan->reorder_w) plan->w_to_conv = MakeReorder(ctx.engine(), plan->w, plan->pd.weights_desc());
  return plan;
}

struct ConvBackwardWeightsPlan : Plan {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights conv;
  bool bf16 = false;
  Convert x, dy;
  memory::desc dw;
  bool reorder_dw = false;
  Reorder dw_from_conv;
};

std::unique_ptr<ConvBackwardWeightsPlan> MakeConvBackwardWeights(const Context& ctx,
                                                                 const ConvShape& s,
                                                                 bool want_bf16) {
  auto plan = std::make_unique<ConvBackwardWeightsPlan>();
  plan->dw = s.WDesc();
  plan->pd = WithMath(want_bf16, plan->bf16, [&](Inputs in) {
    // diff_weights stay f32 in bf16 mode: the gradient is summed over the whole batch.
    dnnl::convolution_backward_weights::desc desc(
        dnnl::algorithm::convolution_direct, s.XDesc(in.type, in.layout), s.WAny(),
        s.YDesc(in.type, in.layout), s.Strides(), s.Dilates(), s.PadL(), s.PadR());
    return dnnl::convolution_backward_weights::primitive_desc(desc, UserScratchpad(),
                                                              ctx.engine(), ForwardHint(ctx, s, in));
  });
  plan->conv = dnnl::convolution_backward_weights(plan->pd);
  plan->x = Convert(ctx.engine(), s.XDesc(), plan->pd.src_desc());
  plan->dy = Convert(ctx.engine(), s.YDesc(), plan->pd.diff_dst_desc());
  plan->reorder_dw = plan->pd.diff_weights_desc() != plan->dw;
  if (plan->reorder_dw) {
    plan->dw_from_conv = MakeReorder(ctx.engine(), plan->pd.diff_weights_desc(), plan->dw);
  }
  return plan;
}

void Fill(const F32& a, float v) { std::fill(a.data, a.data + a.size, v); }

}  // namespace

// conv2d(x, w, bias | null, y, p, activation, alpha, weightsKey?)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  const F32 x = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 bias = ArgF32OrNull(info, 2);
  const F32 y = ArgF32(info, 3);
  const ConvShape s(ArgParams(info, 4, kConvParams, op));
  s.Check(op);
  const int activation = ArgInt(info, 5);
  const float alpha = ArgFloat(info, 6);
  // weightsKey: an integer >= 0 names the filter values (e.g. a tfjs dataId's id);
  // 0 inside C++ means "do not cache", hence the + 1.
  const double key_arg = info.Length() > 7 && info[7].IsNumber() ? info[7].As<Napi::Number>().DoubleValue() : -1;
  const uint64_t weights_key = key_arg >= 0 ? static_cast<uint64_t>(key_arg) + 1 : 0;
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "filter", w, s.WSize(), s.Describe());
  CheckSize(op, "y", y, s.YSize(), s.Describe());
  if (bias.data != nullptr) CheckSize(op, "bias", bias, s.oc, s.Describe());
  if (s.YSize() == 0) return info.Env().Undefined();
  if (s.XSize() == 0 || s.WSize() == 0) {  // nothing to sum: y = act(bias)
    for (int64_t i = 0; i < s.YSize(); ++i) {
      y.data[i] = ApplyActivation(bias.data ? bias.data[i % s.oc] : 0.0f, activation, alpha);
    }
    return info.Env().Undefined();
  }
  const MathMode math = CurrentMathMode();
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvForward);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    key.ints[kConvParams] = activation;
    key.ints[kConvParams + 1] = activation == 5 ? FloatBits(alpha) : 0;
    key.ints[kConvParams + 2] = bias.data != nullptr;
    auto& plan = ctx.GetPlan<ConvForwardPlan>(key, [&] {
      return MakeConvForward(ctx, s, bias.data != nullptr, activation, alpha,
                             math == MathMode::kBf16);
    });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    ConvForward(ctx, plan, x, w, bias, y, weights_key);
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, p)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropInput";
  const F32 dy = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 dx = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op));
  s.Check(op);
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "filter", w, s.WSize(), s.Describe());
  CheckSize(op, "dx", dx, s.XSize(), s.Describe());
  if (s.XSize() == 0) return info.Env().Undefined();
  if (s.YSize() == 0 || s.WSize() == 0) {
    Fill(dx, 0.0f);
    return info.Env().Undefined();
  }
  const MathMode math = CurrentMathMode();
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardData);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    auto& plan = ctx.GetPlan<ConvBackwardDataPlan>(
        key, [&] { return MakeConvBackwardData(ctx, s, math == MathMode::kBf16); });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    const dnnl::engine& engine = ctx.engine();
    memory w_conv = Mem(plan.w, engine, w.data);
    if (plan.reorder_w) {
      const memory::desc& md = plan.pd.weights_desc();
      memory target = Mem(md, engine, ctx.Temp(kTempWeights, md.get_size()));
      RunReorder(ctx, plan.w_to_conv, w_conv, target);
      w_conv = target;
    }
    plan.conv.execute(ctx.stream(), {{DNNL_ARG_DIFF_DST, plan.dy.Run(ctx, dy.data, kTempDiffDst)},
                                     {DNNL_ARG_WEIGHTS, w_conv},
                                     {DNNL_ARG_DIFF_SRC, Mem(plan.dx, engine, dx.data)},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())}});
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, p)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropFilter";
  const F32 x = ArgF32(info, 0);
  const F32 dy = ArgF32(info, 1);
  const F32 dw = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op));
  s.Check(op);
  CheckSize(op, "x", x, s.XSize(), s.Describe());
  CheckSize(op, "dy", dy, s.YSize(), s.Describe());
  CheckSize(op, "dw", dw, s.WSize(), s.Describe());
  if (s.WSize() == 0) return info.Env().Undefined();
  if (s.XSize() == 0 || s.YSize() == 0) {
    Fill(dw, 0.0f);
    return info.Env().Undefined();
  }
  const MathMode math = CurrentMathMode();
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardWeights);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    auto& plan = ctx.GetPlan<ConvBackwardWeightsPlan>(
        key, [&] { return MakeConvBackwardWeights(ctx, s, math == MathMode::kBf16); });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    const dnnl::engine& engine = ctx.engine();
    memory dw_user = Mem(plan.dw, engine, dw.data);
    memory dw_conv = dw_user;
    if (plan.reorder_dw) {
      const memory::desc& md = plan.pd.diff_weights_desc();
      dw_conv = Mem(md, engine, ctx.Temp(kTempDiffWeights, md.get_size()));
    }
    plan.conv.execute(ctx.stream(), {{DNNL_ARG_SRC, plan.x.Run(ctx, x.data, kTempActivations)},
                                     {DNNL_ARG_DIFF_DST, plan.dy.Run(ctx, dy.data, kTempDiffDst)},
                                     {DNNL_ARG_DIFF_WEIGHTS, dw_conv},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())}});
    if (plan.reorder_dw) RunReorder(ctx, plan.dw_from_conv, dw_conv, dw_user);
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

}  // namespace graft::cpu
