#!/usr/bin/env python3
"""Writes the fixtures read by tests/nn/test_linear.cpp into tests/data/nn/linear/.

Run with the Debian interpreter that has PyTorch:  /usr/bin/python3 tests/data/make_linear_fixtures.py
PyTorch computes the reference values and gradients; nabla's tests load the
same inputs and parameters and must agree. The files are tiny and committed.
"""
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn", "linear")


def save(name, t):
    np.save(os.path.join(OUT, name + ".npy"), t.detach().numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    # Linear on a 3-D input [2, 3, 5] -> [2, 3, 4], with and without the fused relu.
    x = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    lin = torch.nn.Linear(5, 4).double()
    save("x", x)
    save("weight", lin.weight)
    save("bias", lin.bias)
    for name, act in [("none", lambda t: t), ("relu", torch.relu), ("tanh", torch.tanh), ("gelu", torch.nn.functional.gelu)]:
        x.grad = None
        lin.zero_grad()
        y = act(lin(x))
        # A loss with distinct weights per output, so every gradient entry is tested.
        w = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
        (y * w).sum().backward()
        save(f"y_{name}", y)
        save(f"dx_{name}", x.grad)
        save(f"dweight_{name}", lin.weight.grad)
        save(f"dbias_{name}", lin.bias.grad)

    # An MLP 6 -> 5 -> 4 -> 3 as nn.Sequential(Linear, ReLU, Linear, Tanh, Linear): the logits.
    torch.manual_seed(1)
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
                              torch.nn.Linear(4, 3)).double()
    xm = torch.randn(7, 6, dtype=torch.float64)
    save("mlp_x", xm)
    for i in (0, 2, 4):
        save(f"mlp_{i}_weight", mlp[i].weight)
        save(f"mlp_{i}_bias", mlp[i].bias)
    save("mlp_y", mlp(xm))

    # Initialisation statistics PyTorch's defaults produce, for a large layer.
    big = torch.nn.Linear(400, 300)
    bound = 1.0 / np.sqrt(400)
    np.save(os.path.join(OUT, "init_bounds.npy"), np.array([bound, big.weight.abs().max().item()]))


if __name__ == "__main__":
    main()
