#!/usr/bin/env python3
"""Writes the PyTorch reference values read by tests/nn/test_norm.cpp (into tests/data/nn/norm/).

Run with the system Python (Debian's torch 1.13):  /usr/bin/python3 tests/data/make_norm_fixtures.py
Everything is float64. For each layer: the input x, the parameters, the
output y, and the gradients of L = sum(y * g) for a fixed random g.
The files are small and committed; rerun only to change a fixture.
"""
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn", "norm")


def save(name, t):
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    np.save(os.path.join(OUT, name + ".npy"), a)
    print(f"{name:24s} {a.dtype} {a.shape}")


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def affine_case(prefix, module, x):
    """Random affine parameters, forward, backward of sum(y * g)."""
    with torch.no_grad():
        module.weight.copy_(rand(*module.weight.shape) * 0.5 + 1.0)
        module.bias.copy_(rand(*module.bias.shape) * 0.5)
    x = x.clone().requires_grad_()
    y = module(x)
    g = rand(*y.shape)
    (y * g).sum().backward()
    for name, t in [("x", x), ("w", module.weight), ("b", module.bias), ("g", g), ("y", y), ("dx", x.grad),
                    ("dw", module.weight.grad), ("db", module.bias.grad)]:
        save(f"{prefix}_{name}", t)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # ---- LayerNorm: over the last two dims, and over the last one ----------------------
    affine_case("ln2", torch.nn.LayerNorm([3, 4]).double(), rand(2, 3, 4) * 2 + 1)
    affine_case("ln1", torch.nn.LayerNorm(5).double(), rand(4, 5) * 3 - 2)

    # ---- GroupNorm: 6 channels in 3 groups, 4-D input -------------------------------------
    affine_case("gn", torch.nn.GroupNorm(3, 6).double(), rand(2, 6, 3, 2) * 2 + 0.5)

    # ---- BatchNorm2d: three training steps, then evaluation -----------------------------
    bn = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    with torch.no_grad():
        bn.weight.copy_(rand(3) * 0.5 + 1.0)
        bn.bias.copy_(rand(3) * 0.5)
    save("bn2d_w", bn.weight)
    save("bn2d_b", bn.bias)
    bn.train()
    for step in range(3):
        x = (rand(4, 3, 2, 2) * (step + 1) + step).requires_grad_()
        y = bn(x)
        save(f"bn2d_x{step}", x)
        save(f"bn2d_y{step}", y)
        save(f"bn2d_rm{step}", bn.running_mean)
        save(f"bn2d_rv{step}", bn.running_var)
        if step == 2:  # gradients through the batch statistics
            g = rand(*y.shape)
            (y * g).sum().backward()
            save("bn2d_g", g)
            save("bn2d_dx", x.grad)
            save("bn2d_dw", bn.weight.grad)
            save("bn2d_db", bn.bias.grad)
    save("bn2d_nbt", bn.num_batches_tracked)
    bn.eval()
    bn.weight.grad = None
    bn.bias.grad = None
    x = rand(2, 3, 2, 2).requires_grad_()
    y = bn(x)
    g = rand(*y.shape)
    (y * g).sum().backward()
    for name, t in [("xe", x), ("ye", y), ("ge", g), ("dxe", x.grad), ("dwe", bn.weight.grad),
                    ("dbe", bn.bias.grad)]:
        save(f"bn2d_{name}", t)

    # ---- BatchNorm1d: [N, C, L] with momentum=None (cumulative average), no affine -----------
    bn1 = torch.nn.BatchNorm1d(2, momentum=None, affine=False).double()
    for step in range(3):
        x = rand(3, 2, 4) * 2 + step
        y = bn1(x)
        save(f"bn1d_x{step}", x)
        save(f"bn1d_y{step}", y)
    save("bn1d_rm", bn1.running_mean)
    save("bn1d_rv", bn1.running_var)

    # ---- BatchNorm1d: [N, C] default options, one step, for the float32 path -------------
    bnf = torch.nn.BatchNorm1d(4)
    x = torch.randn(5, 4) * 2 + 1
    save("bnf_x", x)
    save("bnf_y", bnf(x))
    save("bnf_rm", bnf.running_mean)
    save("bnf_rv", bnf.running_var)


if __name__ == "__main__":
    main()
