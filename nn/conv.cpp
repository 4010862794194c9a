#include "conv.h"

#include "../tensor/creation.h"
#include "functional/conv.h"
#include "init.h"

namespace nabla::nn {

namespace {

void check_config(const std::string& name, int64_t in, int64_t out, int64_t groups, Int2 kernel, Int2 stride,
                  Int2 padding, Int2 dilation) {
  NABLA_CHECK(in > 0 && out > 0, name, "in_channels and out_channels must be positive, got ", in, " and ", out);
  NABLA_CHECK(groups > 0, name, "groups must be positive, got ", groups);
  NABLA_CHECK(in % groups == 0, name, "in_channels ", in, " must be divisible by groups ", groups);
  NABLA_CHECK(out % groups == 0, name, "out_channels ", out, " must be divisible by groups ", groups);
  NABLA_CHECK(kernel.h > 0 && kernel.w > 0 && stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0 &&
                  padding.h >= 0 && padding.w >= 0,
              name, "kernel_size, stride and dilation must be positive and padding non-negative, got kernel_size ",
              kernel.str(), ", stride ", stride.str(), ", padding ", padding.str(), ", dilation ", dilation.str());
}

// weight (and bias) with PyTorch's default initialisation, registered.
void make_parameters(Module& m, const Shape& weight_shape, int64_t bias_size, bool bias, Tensor& weight_out,
                     Tensor& bias_out) {
  Tensor w = empty(weight_shape, kFloat32);
  Tensor b = bias ? empty({bias_size}, kFloat32) : Tensor();
  init::default_linear_init_(w, b);
  weight_out = m.register_parameter("weight", w);
  if (bias) bias_out = m.register_parameter("bias", b);
}

// The input must be [N, C, *spatial] or [C, *spatial] with C = in_channels.
void check_input(const Module& m, const Tensor& x, int64_t in_channels, int64_t nd) {
  const char* dims = nd == 1 ? "L" : "H, W";
  NABLA_CHECK(x.defined() && (x.ndim() == nd + 1 || x.ndim() == nd + 2) && x.size(-nd - 1) == in_channels,
              m.type_name() + ".forward", "expected an input [N, ", in_channels, ", ", dims, "] (or [", in_channels,
              ", ", dims, "]) with in_channels=", in_channels, ", got shape ",
              x.defined() ? shape_str(x.shape()) : "undefined");
}

std::string tuple1(int64_t v) { return "(" + std::to_string(v) + ",)"; }

// PyTorch's _ConvNd.extra_repr: sizes as tuples; padding, dilation,
// output_padding (passed "" when at their defaults), groups and bias only
// when not the default.
std::string conv_repr(int64_t in, int64_t out, const std::string& kernel, const std::string& stride,
                      const std::string& padding, const std::string& dilation, const std::string& output_padding,
                      int64_t groups, bool bias) {
  std::string s = std::to_string(in) + ", " + std::to_string(out) + ", kernel_size=" + kernel + ", stride=" + stride;
  if (!padding.empty()) s += ", padding=" + padding;
  if (!dilation.empty()) s += ", dilation=" + dilation;
  if (!output_padding.empty()) s += ", output_padding=" + output_padding;
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias) s += ", bias=False";
  return s;
}

}  // namespace

// ---- Conv1d ---------------------------------------------------------------------------

Conv1d::Conv1d(int64_t in_channels_, int64_t out_channels_, int64_t kernel_size_, int64_t stride_, int64_t padding_,
               int64_t dilation_, int64_t groups_, bool bias_)
    : Module("Conv1d"),
      in_channels(in_channels_),
      out_channels(out_channels_),
      kernel_size(kernel_size_),
      stride(stride_),
      padding(padding_),
      dilation(dilation_),
      groups(groups_) {
  check_config("Conv1d", in_channels, out_channels, groups, kernel_size, stride, padding, dilation);
  make_parameters(*this, {out_channels, in_channels / groups, kernel_size}, out_channels, bias_, weight, bias);
}

Tensor Conv1d::forward(const Tensor& input) {
  check_input(*this, input, in_channels, 1);
  return functional::conv1d(input, weight, bias, stride, padding, dilation, groups);
}

std::string Conv1d::extra_repr() const {
  return conv_repr(in_channels, out_channels, tuple1(kernel_size), tuple1(stride), padding ? tuple1(padding) : "",
                   dilation != 1 ? tuple1(dilation) : "", "", groups, bias.defined());
}

// ---- Conv2d ---------------------------------------------------------------------------

Conv2d::Conv2d(int64_t in_channels_, int64_t out_channels_, Int2 kernel_size_, Int2 stride_, Int2 padding_,
               Int2 dilation_, int64_t groups_, bool bias_)
    : Module("Conv2d"),
      in_channels(in_channels_),
      out_channels(out_channels_),
      kernel_size(kernel_size_),
      stride(stride_),
      padding(padding_),
      dilation(dilation_),
      groups(groups_) {
  check_config("Conv2d", in_channels, out_channels, groups, kernel_size, stride, padding, dilation);
  make_parameters(*this, {out_channels, in_channels / groups, kernel_size.h, kernel_size.w}, out_channels, bias_,
                  weight, bias);
}

Tensor Conv2d::forward(const Tensor& input) {
  check_input(*this, input, in_channels, 2);
  return functional::conv2d(input, weight, bias, stride, padding, dilation, groups);
}

std::string Conv2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size.str(), stride.str(), padding != Int2(0) ? padding.str() : "",
                   dilation != Int2(1) ? dilation.str() : "", "", groups, bias.defined());
}

// ---- ConvTranspose2d ------------------------------------------------------------------

ConvTranspose2d::ConvTranspose2d(int64_t in_channels_, int64_t out_channels_, Int2 kernel_size_, Int2 stride_,
                                 Int2 padding_, Int2 output_padding_, int64_t groups_, bool bias_, Int2 dilation_)
    : Module("ConvTranspose2d"),
      in_channels(in_channels_),
      out_channels(out_channels_),
      kernel_size(kernel_size_),
      stride(stride_),
      padding(padding_),
      output_padding(output_padding_),
      dilation(dilation_),
      groups(groups_) {
  check_config("ConvTranspose2d", in_channels, out_channels, groups, kernel_size, stride, padding, dilation);
  // The weight maps each input channel to its group's outputs: [C_in, C_out/groups, KH, KW].
  make_parameters(*this, {in_channels, out_channels / groups, kernel_size.h, kernel_size.w}, out_channels, bias_,
                  weight, bias);
}

Tensor ConvTranspose2d::forward(const Tensor& input) {
  check_input(*this, input, in_channels, 2);
  return functional::conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size.str(), stride.str(), padding != Int2(0) ? padding.str() : "",
                   dilation != Int2(1) ? dilation.str() : "", output_padding != Int2(0) ? output_padding.str() : "",
                   groups, bias.defined());
}

}  // namespace nabla::nn
