// Matrix product with NumPy's matmul rules:
//   1-D @ 1-D -> 0-d dot product
//   2-D @ 2-D -> [M, K] @ [K, N] = [M, N]
//   1-D on the left is a row vector, 1-D on the right a column vector (and
//   the added dim is removed again)
//   N-D: the leading (batch) dims broadcast: [B, 1, M, K] @ [S, K, N] -> [B, S, M, N]
// Y = A B;   dA = dY Bᵀ,   dB = Aᵀ dY   (summed over broadcast batch dims)
#pragma once
#include "../../tensor/tensor.h"

namespace nabla {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace nabla
