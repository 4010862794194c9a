#!/usr/bin/env python3
"""Writes the PyTorch fixtures read by tests/nn/test_conv.cpp and tests/nn/test_pool.cpp.

Run with the system Python (Debian's torch 1.13 + numpy):
    /usr/bin/python3 tests/data/make_conv_fixtures.py
Each case <name> saves float64 arrays <name>_<field>.npy into tests/data/nn/conv/
or tests/data/nn/pool/: the inputs (x, w, b), the output y, an upstream
gradient dy, and the gradients dx, dw, db of sum(y * dy). Sizes are small
and odd (N=2, C=3, H=7, W=6) so that every padding/stride edge is hit.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn")
torch.manual_seed(0)


def save(folder, name, **arrays):
    os.makedirs(os.path.join(ROOT, folder), exist_ok=True)
    for field, value in arrays.items():
        if value is None:
            continue
        np.save(os.path.join(ROOT, folder, f"{name}_{field}.npy"), value.detach().numpy())
    shapes = ", ".join(f"{k}{tuple(v.shape)}" for k, v in arrays.items() if v is not None)
    print(f"{folder}/{name}: {shapes}")


def randn(*shape, grad=True):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=grad)


def run(folder, name, fn, **inputs):
    """y = fn(**inputs); saves inputs, y, dy and the input gradients."""
    y = fn(**inputs)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    grads = {"d" + k: v.grad for k, v in inputs.items() if v is not None}
    save(folder, name, **inputs, y=y, dy=dy, **grads)


def conv_cases():
    # conv2d: (name, C_in, C_out, kernel, kwargs, bias)
    cases = [
        ("conv2d_basic", 3, 4, (3, 3), dict(), True),
        ("conv2d_s2p1", 3, 4, (3, 3), dict(stride=2, padding=1), True),
        ("conv2d_d2", 3, 2, (3, 3), dict(padding=(2, 1), dilation=2), False),
        ("conv2d_g3", 3, 6, (2, 3), dict(stride=(1, 2), groups=3), True),
        ("conv2d_rect", 3, 4, (2, 3), dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2)), True),
        ("conv2d_1x1", 3, 5, (1, 1), dict(), True),
    ]
    for name, cin, cout, k, kw, bias in cases:
        g = kw.get("groups", 1)
        run("conv", name, lambda x, w, b=None: F.conv2d(x, w, b, **kw),
            x=randn(2, cin, 7, 6), w=randn(cout, cin // g, *k), b=randn(cout) if bias else None)

    run("conv", "conv1d_s2p1d2", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
        x=randn(2, 3, 9), w=randn(4, 3, 3), b=randn(4))
    run("conv", "conv1d_g3", lambda x, w, b: F.conv1d(x, w, b, padding=2, groups=3),
        x=randn(2, 3, 9), w=randn(6, 1, 4), b=randn(6))

    # conv_transpose2d: x [N, C_in, H, W], w [C_in, C_out/groups, KH, KW]
    run("conv", "convT_s2p1op1", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        x=randn(2, 3, 4, 5), w=randn(3, 4, 3, 3), b=randn(4))
    run("conv", "convT_g3d2",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 3), output_padding=(1, 0), groups=3, dilation=2),
        x=randn(2, 3, 4, 5), w=randn(3, 2, 2, 3), b=randn(6))
    # output_padding 1 >= stride 1 (allowed since < dilation 2): an output
    # size that no conv2d of this geometry maps back to exactly.
    run("conv", "convT_opdil", lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, output_padding=1, dilation=2),
        x=randn(2, 3, 4, 5), w=randn(3, 2, 3, 3))

    # 1x1 kernel whose output_padding (< dilation 2) adds a row and a column.
    run("conv", "convT_1x1_op", lambda x, w, b: F.conv_transpose2d(x, w, b, output_padding=1, dilation=2),
        x=randn(2, 3, 4, 5), w=randn(3, 2, 1, 1), b=randn(2))

    # A module chain: Conv2d(3, 4, 3, padding=1) -> MaxPool2d(2, ceil_mode=True).
    conv = torch.nn.Conv2d(3, 4, 3, padding=1).double()
    x = randn(2, 3, 7, 6)
    y = F.max_pool2d(conv(x), 2, ceil_mode=True)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    save("conv", "chain", x=x, w=conv.weight, b=conv.bias, y=y, dy=dy, dx=x.grad, dw=conv.weight.grad,
         db=conv.bias.grad)


def pool_cases():
    cases = [
        ("max_k3s2p1", lambda x: F.max_pool2d(x, 3, 2, 1)),
        ("max_k2_ceil", lambda x: F.max_pool2d(x, 2, ceil_mode=True)),
        ("max_k2d2p1", lambda x: F.max_pool2d(x, 2, stride=1, padding=1, dilation=2)),
        ("max_rect_ceil", lambda x: F.max_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True)),
        ("avg_k3s2p1", lambda x: F.avg_pool2d(x, 3, 2, 1)),
        ("avg_k3s2p1_nopad", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
        ("avg_k2s2p1_ceil", lambda x: F.avg_pool2d(x, 2, 2, 1, ceil_mode=True)),
        ("avg_k3s2p1_ceil_nopad", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
        ("avg_rect", lambda x: F.avg_pool2d(x, (3, 2), stride=(1, 2))),
        ("adaptive_3x4", lambda x: F.adaptive_avg_pool2d(x, (3, 4))),
        ("adaptive_8x9", lambda x: F.adaptive_avg_pool2d(x, (8, 9))),
    ]
    for name, fn in cases:
        run("pool", name, fn, x=randn(2, 3, 7, 6))
    x = randn(2, 3, 7, 6, grad=False)
    save("pool", "indices_k3s2p1", x=x, indices=F.max_pool2d(x, 3, 2, 1, return_indices=True)[1])
    run("pool", "max1d_k3s2p1", lambda x: F.max_pool1d(x, 3, 2, 1), x=randn(2, 3, 9))
    run("pool", "max1d_k2_ceil", lambda x: F.max_pool1d(x, 2, ceil_mode=True), x=randn(2, 3, 9))
    run("pool", "avg1d_k3s2p1_ceil_nopad",
        lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), x=randn(2, 3, 9))


if __name__ == "__main__":
    print("torch", torch.__version__)
    conv_cases()
    pool_cases()
