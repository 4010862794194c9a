#!/usr/bin/env python3
"""Writes tests/data/nn/safetensors/ for tests/nn/test_serialize.cpp.

  /usr/bin/python3 tests/data/make_safetensors_fixtures.py

from_python.safetensors: one tensor of every dtype a file may hold (written
with the NumPy-only writer next to this script) plus the expected values as
.npy; torch_linear.safetensors: a PyTorch nn.Linear's state_dict, with the
output PyTorch computes for a fixed input.
"""
import os

import numpy as np
import torch

import safetensors_numpy as st

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn", "safetensors")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    tensors = {
        "f32": rng.standard_normal((2, 3)).astype(np.float32),
        "f64": rng.standard_normal(4),
        "f16": np.array([1.5, -2.25, 65504.0, 6.1e-5, 0.0], dtype=np.float16),
        "bf16": np.array([[1.0, -3.140625], [256.0, 1e-3]], dtype=np.float32),
        "i64": np.array([[-(2**40), 7]], dtype=np.int64),
        "i32": np.array([-5, 2**31 - 1], dtype=np.int32),
        "u8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    st.write(os.path.join(OUT, "from_python.safetensors"), tensors, {"author": "python"}, bf16={"bf16"})
    # What nabla must load them as (F16/BF16 -> float32, narrow ints -> int64).
    for name, arr in tensors.items():
        want = arr
        if name == "bf16":
            want = ((arr.view(np.uint32) >> 16) << 16).view(np.float32)
        elif arr.dtype == np.float16:
            want = arr.astype(np.float32)
        elif arr.dtype in (np.int32, np.uint8):
            want = arr.astype(np.int64)
        np.save(os.path.join(OUT, f"want_{name}.npy"), want)

    torch.manual_seed(0)
    lin = torch.nn.Linear(4, 3)
    st.write(os.path.join(OUT, "torch_linear.safetensors"),
             {k: v.detach().numpy() for k, v in lin.state_dict().items()})
    x = torch.randn(2, 4)
    np.save(os.path.join(OUT, "torch_linear_x.npy"), x.numpy())
    np.save(os.path.join(OUT, "torch_linear_y.npy"), lin(x).detach().numpy())


if __name__ == "__main__":
    main()
