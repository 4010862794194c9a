// Is there a GPU? Works in every build: without the CUDA backend, or without
// a GPU/driver, is_available() is false and device_count() is 0.
#pragma once

namespace nabla::cuda {

bool is_available();
int device_count();
bool built_with_cuda();  // was the CUDA backend compiled in?

}  // namespace nabla::cuda
