#!/usr/bin/env python3
"""Writes the fixtures read by tests/models/test_zoo.cpp into tests/data/models/.

Run with the Debian interpreter that has PyTorch:  /usr/bin/python3 tests/data/make_zoo_fixtures.py

For each model zoo entry a PyTorch twin is built from a fixed seed; we save
  <name>/<state dict key>.npy   its parameters, under nabla's names (the map below)
  <name>/x.npy                  an input batch [3, 1, 28, 28]
  <name>/w.npy                  fixed random weights for the loss sum(y * w)
  <name>/y.npy                  the output (logits) [3, classes]
  <name>/dx.npy                 d sum(y * w) / dx
  <name>/d<key>.npy             the gradient of one small parameter, the same loss
all float32 (what the models train in). The MLP twin is a reduced-width
fashion_mlp(784, {16, 8}, 10) so its first weight is 50 KB instead of 400 KB:
the code path is the same, and the full model's size is checked by its
parameter count.
"""
import os

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def save(folder, name, t):
    np.save(os.path.join(folder, name + ".npy"), t.detach().numpy().astype(np.float32))


class LeNet5(nn.Module):
    """The twin of models/lenet.h: the same layers under the same names."""

    def __init__(self, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.relu(self.conv2(x)))
        x = self.flatten(x)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def write(name, model, key_map, grad_key):
    """Saves model's parameters under nabla's names, then x, w, y, dx and one parameter gradient."""
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    sd = model.state_dict()
    assert sorted(key_map) == sorted(sd), (sorted(key_map), sorted(sd))
    for torch_key, nabla_key in key_map.items():
        save(folder, nabla_key, sd[torch_key])
    x = torch.randn(3, 1, 28, 28, requires_grad=True)
    y = model(x)
    w = torch.randn(y.shape)
    (y * w).sum().backward()
    save(folder, "x", x)
    save(folder, "w", w)
    save(folder, "y", y)
    save(folder, "dx", x.grad)
    torch_grad_key = next(k for k, v in key_map.items() if v == grad_key)
    save(folder, "d" + grad_key, dict(model.named_parameters())[torch_grad_key].grad)


def main():
    # fashion_mlp(784, {16, 8}, 10): PyTorch's Sequential counts the ReLUs as
    # children (1, 3, 5 are the Linears); nabla fuses them (mlp.0, mlp.1, mlp.2).
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 10))
    mlp_keys = {}
    for torch_index, nabla_index in [(1, 0), (3, 1), (5, 2)]:
        for p in ("weight", "bias"):
            mlp_keys[f"{torch_index}.{p}"] = f"mlp.{nabla_index}.{p}"
    write("mlp", mlp, mlp_keys, "mlp.1.weight")

    # LeNet5: the names are the same on both sides.
    torch.manual_seed(1)
    lenet = LeNet5()
    assert sum(p.numel() for p in lenet.parameters()) == 61706
    write("lenet5", lenet, {k: k for k in lenet.state_dict()}, "conv1.weight")


if __name__ == "__main__":
    main()
