#include "pool.h"

#include "functional/pool.h"

namespace nabla::nn {

namespace {

// As PyTorch prints a size given as an int: "2" when both sides agree, else "(2, 3)".
std::string size_str(Int2 v) { return v.h == v.w ? std::to_string(v.h) : v.str(); }

void check_input(const Module& m, const Tensor& x) {
  NABLA_CHECK(x.defined() && (x.ndim() == 3 || x.ndim() == 4), m.type_name() + ".forward",
              "expected an input [N, C, H, W] (or [C, H, W]), got shape ",
              x.defined() ? shape_str(x.shape()) : "undefined");
}

}  // namespace

MaxPool2d::MaxPool2d(Int2 kernel_size_, Int2 stride_, Int2 padding_, Int2 dilation_, bool ceil_mode_)
    : Module("MaxPool2d"),
      kernel_size(kernel_size_),
      stride(stride_ == Int2(0) ? kernel_size_ : stride_),
      padding(padding_),
      dilation(dilation_),
      ceil_mode(ceil_mode_) {}

Tensor MaxPool2d::forward(const Tensor& input) {
  check_input(*this, input);
  return functional::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + size_str(kernel_size) + ", stride=" + size_str(stride) + ", padding=" + size_str(padding) +
         ", dilation=" + size_str(dilation) + ", ceil_mode=" + (ceil_mode ? "True" : "False");
}

AvgPool2d::AvgPool2d(Int2 kernel_size_, Int2 stride_, Int2 padding_, bool ceil_mode_, bool count_include_pad_)
    : Module("AvgPool2d"),
      kernel_size(kernel_size_),
      stride(stride_ == Int2(0) ? kernel_size_ : stride_),
      padding(padding_),
      ceil_mode(ceil_mode_),
      count_include_pad(count_include_pad_) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  check_input(*this, input);
  return functional::avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + size_str(kernel_size) + ", stride=" + size_str(stride) + ", padding=" + size_str(padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Int2 output_size_) : Module("AdaptiveAvgPool2d"), output_size(output_size_) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  check_input(*this, input);
  return functional::adaptive_avg_pool2d(input, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + size_str(output_size); }

}  // namespace nabla::nn
