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
//
// Depthwise (tfjs' DepthwiseConv2dNative and its two backprops): the same three entry points
// with a trailing `groups` argument equal to the input channels, a grouped oneDNN
// convolution whose filter is tfjs' [kh, kw, c, multiplier] described by strides; no
// Winograd, and the bf16 and plan caches as for any convolution.
//
// Winograd (math_mode.h's ConvAlgo, fp32 only): oneDNN's F(4x4, 3x3) kernels run
// VGG's 3x3 layers about twice as fast as direct ones, forward and both
// backprops, with a normwise error near 1e-6 against direct. They only take
// blocked activations, so x and dy are reordered NHWC -> blocked into temporary
// buffers and y and dx written blocked and reordered back into the user's NHWC
// buffer; that costs a memory pass each way, which is why `auto` keeps direct
// below 64 channels and 512 output pixels (math_mode.h). A shape oneDNN has no
// Winograd kernel for runs direct.
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

// p: boundary.h's ConvParam layout; dilation 1 means none, as in tfjs.
constexpr size_t kConvParams = kConvParamCount;

struct ConvShape {
  int64_t n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
  // 1, or c for a depthwise convolution (oc = c × multiplier).
  int64_t g = 1;

  ConvShape(const int32_t* p, int64_t groups)
      : n(p[kConvN]), h(p[kConvH]), w(p[kConvW]), c(p[kConvC]), kh(p[kConvKH]), kw(p[kConvKW]),
        oc(p[kConvOC]), oh(p[kConvOH]), ow(p[kConvOW]), sh(p[kConvStrideH]), sw(p[kConvStrideW]),
        dh(p[kConvDilationH]), dw(p[kConvDilationW]), pt(p[kConvPadTop]), pl(p[kConvPadLeft]),
        pb(p[kConvPadBottom]), pr(p[kConvPadRight]), g(groups) {}

  int64_t XSize() const { return n * h * w * c; }
  int64_t WSize() const { return kh * kw * (c / g) * oc; }
  int64_t YSize() const { return n * oh * ow * oc; }

  void Check(const char* op) const {
    CheckParams(op, {n, h, w, c, kh, kw, oc, oh, ow, pt, pl, pb, pr}, {sh, sw, dh, dw}, Describe());
    if (g != 1 && (g != c || c == 0 || oc % c != 0)) {
      throw Error(code::kInternal, std::string(op) + ": groups " + std::to_string(g) +
                                       " must be 1 or the input channels (depthwise), " +
                                       Describe());
    }
  }

  std::string Describe() const {
    return "x " + Dims({n, h, w, c}) + ", filter " +
           (g == 1 ? Dims({kh, kw, c, oc}) : Dims({kh, kw, c, oc / (c ? c : 1)})) + ", y " +
           Dims({n, oh, ow, oc}) + ", strides " + Dims({sh, sw}) + ", dilations " +
           Dims({dh, dw}) + ", pads [t,l,b,r] " + Dims({pt, pl, pb, pr}) +
           (g == 1 ? "" : ", depthwise");
  }

  memory::desc XDesc(dt t = f32, tag layout = tag::nhwc) const {
    return memory::desc({n, c, h, w}, t, layout);
  }
  memory::desc YDesc(dt t = f32, tag layout = tag::nhwc) const {
    return memory::desc({n, oc, oh, ow}, t, layout);
  }
  // tfjs' filter: HWIO, or for depthwise [kh, kw, c, m] as oneDNN's grouped
  // {g = c, o = m, i = 1, kh, kw}.
  memory::desc WDesc() const {
    if (g == 1) return memory::desc({oc, c, kh, kw}, f32, tag::hwio);
    const int64_t m = oc / g;
    return memory::desc({g, m, 1, kh, kw}, f32, memory::dims{m, 1, m, kw * g * m, g * m});
  }
  memory::desc WAny(dt t = f32) const {
    if (g == 1) return memory::desc({oc, c, kh, kw}, t, tag::any);
    return memory::desc({g, oc / g, c / g, kh, kw}, t, tag::any);
  }
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
    key.ints[kConvParams + 5] = static_cast<int32_t>(g);
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
constexpr Inputs kWinogradInputs{f32, tag::any};  // oneDNN picks its blocked layout

// Whether `algo` asks for Winograd on this shape (oneDNN may still have no kernel).
bool WantWinograd(const ConvShape& s, ConvAlgo algo) {
  if (algo == ConvAlgo::kDirect || s.g != 1) return false;
  if (s.kh != 3 || s.kw != 3 || s.sh != 1 || s.sw != 1 || s.dh != 1 || s.dw != 1) return false;
  if (s.c % 16 != 0 || s.oc % 16 != 0) return false;
  return algo == ConvAlgo::kWinograd ||
         (s.c >= kWinogradMinChannels && s.oc >= kWinogradMinChannels &&
          s.n * s.oh * s.ow >= kWinogradMinPixels);
}

// What a plan runs: its inputs' type and layout and the convolution algorithm.
struct Choice {
  Inputs in;
  dnnl::algorithm alg;
};

// make(choice): bf16 direct when asked for and oneDNN has a real (non-reference)
// bf16 kernel; else Winograd when `winograd` and oneDNN has it; else f32 direct.
// `ran_bf16` and `ran_winograd` say which.
template <class Make>
auto Choose(bool want_bf16, bool winograd, bool& ran_bf16, bool& ran_winograd, Make&& make)
    -> decltype(make(Choice{kF32Inputs, dnnl::algorithm::convolution_direct})) {
  ran_bf16 = false;
  ran_winograd = false;
  if (want_bf16) {
    try {
      auto pd = make(Choice{kBf16Inputs, dnnl::algorithm::convolution_direct});
      if (!IsReferenceImpl(pd)) {
        ran_bf16 = true;
        return pd;
      }
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  } else if (winograd) {
    try {
      auto pd = make(Choice{kWinogradInputs, dnnl::algorithm::convolution_winograd});
      ran_winograd = true;
      return pd;
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  return make(Choice{kF32Inputs, dnnl::algorithm::convolution_direct});
}

// --- forward ---

struct ConvForwardPlan : Plan {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  bool bf16 = false;
  bool winograd = false;
  Convert x;
  ConvertBack y;
  memory::desc w, bias;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvForwardPlan> MakeConvForward(const Context& ctx, const ConvShape& s,
                                                 bool has_bias, int activation, float alpha,
                                                 bool want_bf16, bool winograd) {
  auto plan = std::make_unique<ConvForwardPlan>();
  plan->w = s.WDesc();
  plan->bias = memory::desc({s.oc}, f32, tag::x);
  dnnl::primitive_attr attr = UserScratchpad();
  dnnl::post_ops ops;
  if (AppendActivation(ops, activation, alpha)) attr.set_post_ops(ops);
  plan->pd = Choose(want_bf16, winograd, plan->bf16, plan->winograd, [&](Choice c) {
    // Winograd for inference would pre-transform the filter in a reorder that costs
    // as much as the convolution (oneDNN 2.6's "wino" weights format, F(2x2, 3x3));
    // forward_training takes a plain blocked filter and runs F(4x4, 3x3).
    const auto kind = c.alg == dnnl::algorithm::convolution_winograd
                          ? dnnl::prop_kind::forward_training
                          : dnnl::prop_kind::forward_inference;
    const memory::desc x = s.XDesc(c.in.type, c.in.layout);
    // y is f32 whatever the inputs; blocked (oneDNN's choice) for Winograd.
    const memory::desc y = s.YDesc(f32, c.in.layout);
    auto desc = has_bias ? dnnl::convolution_forward::desc(kind, c.alg, x, s.WAny(c.in.type),
                                                           plan->bias, y, s.Strides(),
                                                           s.Dilates(), s.PadL(), s.PadR())
                         : dnnl::convolution_forward::desc(kind, c.alg, x, s.WAny(c.in.type), y,
                                                           s.Strides(), s.Dilates(), s.PadL(),
                                                           s.PadR());
    return dnnl::convolution_forward::primitive_desc(desc, attr, ctx.engine());
  });
  plan->conv = dnnl::convolution_forward(plan->pd);
  plan->x = Convert(ctx.engine(), s.XDesc(), plan->pd.src_desc());
  plan->y = ConvertBack(ctx.engine(), s.YDesc(), plan->pd.dst_desc());
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
  const memory dst = plan.y.Target(ctx, y.data, kTempDiffDst);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, plan.x.Run(ctx, x.data, kTempActivations)},
      {DNNL_ARG_WEIGHTS, w_conv},
      {DNNL_ARG_DST, dst},
      {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())},
  };
  if (bias.data != nullptr) args.emplace(DNNL_ARG_BIAS, Mem(plan.bias, engine, bias.data));
  plan.conv.execute(ctx.stream(), args);
  plan.y.Finish(ctx, dst, y.data);
  ctx.stream().wait();
}

// --- backward ---

// The forward primitive a backward one is made for (oneDNN picks compatible layouts).
dnnl::convolution_forward::primitive_desc ForwardHint(const Context& ctx, const ConvShape& s,
                                                      Choice c) {
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, c.alg,
                                       s.XDesc(c.in.type, c.in.layout), s.WAny(c.in.type),
                                       s.YDesc(c.in.type, c.in.layout), s.Strides(), s.Dilates(),
                                       s.PadL(), s.PadR());
  return dnnl::convolution_forward::primitive_desc(desc, ctx.engine());
}

struct ConvBackwardDataPlan : Plan {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data conv;
  bool bf16 = false;
  bool winograd = false;
  Convert dy;
  ConvertBack dx;
  memory::desc w;
  bool reorder_w = false;
  Reorder w_to_conv;
};

std::unique_ptr<ConvBackwardDataPlan> MakeConvBackwardData(const Context& ctx, const ConvShape& s,
                                                           bool want_bf16, bool winograd) {
  auto plan = std::make_unique<ConvBackwardDataPlan>();
  plan->w = s.WDesc();
  plan->pd = Choose(want_bf16, winograd, plan->bf16, plan->winograd, [&](Choice c) {
    // dx is f32 whatever the inputs; blocked (oneDNN's choice) for Winograd.
    dnnl::convolution_backward_data::desc desc(c.alg, s.XDesc(f32, c.in.layout),
                                               s.WAny(c.in.type), s.YDesc(c.in.type, c.in.layout),
                                               s.Strides(), s.Dilates(), s.PadL(), s.PadR());
    return dnnl::convolution_backward_data::primitive_desc(desc, UserScratchpad(), ctx.engine(),
                                                           ForwardHint(ctx, s, c));
  });
  plan->conv = dnnl::convolution_backward_data(plan->pd);
  plan->dy = Convert(ctx.engine(), s.YDesc(), plan->pd.diff_dst_desc());
  plan->dx = ConvertBack(ctx.engine(), s.XDesc(), plan->pd.diff_src_desc());
  plan->reorder_w = plan->pd.weights_desc() != plan->w;
  if (plan->reorder_w) plan->w_to_conv = MakeReorder(ctx.engine(), plan->w, plan->pd.weights_desc());
  return plan;
}

struct ConvBackwardWeightsPlan : Plan {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights conv;
  bool bf16 = false;
  bool winograd = false;
  Convert x, dy;
  memory::desc dw;
  bool reorder_dw = false;
  Reorder dw_from_conv;
};

std::unique_ptr<ConvBackwardWeightsPlan> MakeConvBackwardWeights(const Context& ctx,
                                                                 const ConvShape& s,
                                                                 bool want_bf16, bool winograd) {
  auto plan = std::make_unique<ConvBackwardWeightsPlan>();
  plan->dw = s.WDesc();
  plan->pd = Choose(want_bf16, winograd, plan->bf16, plan->winograd, [&](Choice c) {
    // diff_weights stay f32 in bf16 mode: the gradient is summed over the whole batch.
    dnnl::convolution_backward_weights::desc desc(
        c.alg, s.XDesc(c.in.type, c.in.layout), s.WAny(), s.YDesc(c.in.type, c.in.layout),
        s.Strides(), s.Dilates(), s.PadL(), s.PadR());
    return dnnl::convolution_backward_weights::primitive_desc(desc, UserScratchpad(),
                                                              ctx.engine(), ForwardHint(ctx, s, c));
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

// The optional trailing `groups` argument at `i`: 1 when absent.
int64_t ArgGroups(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int64Value() : 1;
}

}  // namespace

// conv2d(x, w, bias | null, y, p, activation, alpha, weightsKey?, groups?)
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  const F32 x = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 bias = ArgF32OrNull(info, 2);
  const F32 y = ArgF32(info, 3);
  const ConvShape s(ArgParams(info, 4, kConvParams, op), ArgGroups(info, 8));
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
  const bool winograd = WantWinograd(s, CurrentConvAlgo());
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvForward);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    key.ints[kConvParams] = activation;
    key.ints[kConvParams + 1] = activation == kActLeakyRelu ? FloatBits(alpha) : 0;
    key.ints[kConvParams + 2] = bias.data != nullptr;
    key.ints[kConvParams + 3] = winograd;
    auto& plan = ctx.GetPlan<ConvForwardPlan>(key, [&] {
      return MakeConvForward(ctx, s, bias.data != nullptr, activation, alpha,
                             math == MathMode::kBf16, winograd);
    });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    if (plan.winograd) CountWinogradRun();
    ConvForward(ctx, plan, x, w, bias, y, weights_key);
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, w, dx, p, groups?)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropInput";
  const F32 dy = ArgF32(info, 0);
  const F32 w = ArgF32(info, 1);
  const F32 dx = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op), ArgGroups(info, 4));
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
  const bool winograd = WantWinograd(s, CurrentConvAlgo());
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardData);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    key.ints[kConvParams] = winograd;
    auto& plan = ctx.GetPlan<ConvBackwardDataPlan>(
        key, [&] { return MakeConvBackwardData(ctx, s, math == MathMode::kBf16, winograd); });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    if (plan.winograd) CountWinogradRun();
    const dnnl::engine& engine = ctx.engine();
    memory w_conv = Mem(plan.w, engine, w.data);
    if (plan.reorder_w) {
      const memory::desc& md = plan.pd.weights_desc();
      memory target = Mem(md, engine, ctx.Temp(kTempWeights, md.get_size()));
      RunReorder(ctx, plan.w_to_conv, w_conv, target);
      w_conv = target;
    }
    const memory diff_src = plan.dx.Target(ctx, dx.data, kTempActivations);
    plan.conv.execute(ctx.stream(), {{DNNL_ARG_DIFF_DST, plan.dy.Run(ctx, dy.data, kTempDiffDst)},
                                     {DNNL_ARG_WEIGHTS, w_conv},
                                     {DNNL_ARG_DIFF_SRC, diff_src},
                                     {DNNL_ARG_SCRATCHPAD, ctx.Scratchpad(plan.pd.scratchpad_desc())}});
    plan.dx.Finish(ctx, diff_src, dx.data);
    ctx.stream().wait();
  } catch (const dnnl::error& e) {
    ThrowOneDnn(op, s.Describe(), e);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dw, p, groups?)
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackpropFilter";
  const F32 x = ArgF32(info, 0);
  const F32 dy = ArgF32(info, 1);
  const F32 dw = ArgF32(info, 2);
  const ConvShape s(ArgParams(info, 3, kConvParams, op), ArgGroups(info, 4));
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
  const bool winograd = WantWinograd(s, CurrentConvAlgo());
  ApplyThreads();
  Context& ctx = Context::Get();
  auto lock = ctx.Lock();
  try {
    PlanKey key = MakePlanKey(PlanOp::kConvBackwardWeights);
    key.math = static_cast<int32_t>(math);
    s.Key(key);
    key.ints[kConvParams] = winograd;
    auto& plan = ctx.GetPlan<ConvBackwardWeightsPlan>(
        key, [&] { return MakeConvBackwardWeights(ctx, s, math == MathMode::kBf16, winograd); });
    if (math == MathMode::kBf16) CountMathRun(plan.bf16);
    if (plan.winograd) CountWinogradRun();
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
