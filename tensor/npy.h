// placeholder until helper writes it
#pragma once
#include <string>
#include "tensor.h"
namespace nabla { Tensor load_npy(const std::string& path); void save_npy(const Tensor& t, const std::string& path); }
