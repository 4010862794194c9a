#include "embedding.h"

#include "../../autograd/ops/compare.h"
#include "../../autograd/ops/indexing.h"
#include "../../autograd/ops/view.h"

namespace nabla::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx) {
  NABLA_CHECK(weight.defined() && weight.ndim() == 2, "embedding", "weight must be 2-D [num_embeddings, embedding_dim]",
              weight.defined() ? ", got shape " + shape_str(weight.shape()) : ", got an undefined tensor");
  NABLA_CHECK(input.defined(), "embedding", "the index tensor is undefined");
  NABLA_CHECK(input.dtype() == kInt64, "embedding", "indices must be int64, got ", dtype_name(input.dtype()),
              " (shape ", shape_str(input.shape()), ")");
  const int64_t num_embeddings = weight.shape()[0];
  // Checked here (not only in index_select) so the message names the
  // embedding table rather than an internal axis.
  Tensor host = input.to(Device::cpu()).contiguous();
  const int64_t* idx = host.data<int64_t>();
  for (int64_t i = 0; i < host.numel(); ++i)
    NABLA_CHECK(idx[i] >= 0 && idx[i] < num_embeddings, "embedding", "index ", idx[i], " is out of range for ",
                num_embeddings, " embeddings (indices of shape ", shape_str(input.shape()), ")");

  Shape out_shape = input.shape();
  out_shape.push_back(weight.shape()[1]);
  Tensor rows = index_select(weight, 0, input.reshape({input.numel()})).reshape(out_shape);
  if (!padding_idx) return rows;

  int64_t pad = *padding_idx < 0 ? *padding_idx + num_embeddings : *padding_idx;
  NABLA_CHECK(pad >= 0 && pad < num_embeddings, "embedding", "padding_idx ", *padding_idx, " is out of range for ",
              num_embeddings, " embeddings");
  // Same values everywhere, but at padding positions they come from a
  // detached copy, so no gradient reaches the padding row.
  Tensor is_pad = unsqueeze(eq(input, static_cast<double>(pad)), -1);
  return where(is_pad, rows.detach(), rows);
}

}  // namespace nabla::nn::functional
