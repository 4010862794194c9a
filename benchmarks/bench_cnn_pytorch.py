#!/usr/bin/env python3
"""cnn, PyTorch (eager) twin of bench_cnn.cpp: the same LeNet-5, optimizer,
batch, warm-up, timed windows and data order policy, written as a PyTorch
user would.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench_cnn_pytorch.py [--steps N] [--reps R] [--data DIR]
Prints one JSON line on stdout; the BLAS in use goes to stderr.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

from bench_common import load_fashion_mnist, loaded_blas

BATCH = 64  # examples per step
LR = 0.01  # SGD learning rate
MOMENTUM = 0.9  # SGD momentum
WARMUP = 20  # untimed steps first
SEED = 0  # init and shuffling


def load_mnist(data_dir, split):
    """images [N, 1, 28, 28] float32 in [0, 1], labels [N] int64."""
    images, labels = load_fashion_mnist(data_dir, split)
    return torch.from_numpy(images).reshape(-1, 1, 28, 28), torch.from_numpy(labels)


class LeNet5(torch.nn.Module):
    """nabla's models/lenet.h: 28x28 input, padding 2 on conv1, ReLU, max pooling, 61,706 parameters."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(400, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(threads)
    print(f"# pytorch {torch.__version__}, blas: {loaded_blas()}", file=sys.stderr)

    x_all, y_all = load_mnist(args.data, "train")
    x_test, y_test = load_mnist(args.data, "t10k")
    torch.manual_seed(SEED)
    model = LeNet5()
    params = sum(p.numel() for p in model.parameters())
    sgd = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    n = x_all.shape[0]
    steps_per_epoch = n // BATCH
    state = {"perm": None, "cursor": steps_per_epoch, "loss": 0.0}

    def run_steps(count):
        for _ in range(count):
            if state["cursor"] == steps_per_epoch:
                state["perm"], state["cursor"] = torch.randperm(n), 0
            s = state["cursor"]
            state["cursor"] += 1
            idx = state["perm"][s * BATCH:(s + 1) * BATCH]
            x, y = x_all.index_select(0, idx), y_all.index_select(0, idx)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            sgd.zero_grad()
            loss.backward()
            sgd.step()
        state["loss"] = loss.item()

    run_steps(WARMUP)
    window_s = []
    for r in range(args.reps):
        start = time.perf_counter()
        run_steps(args.steps)
        window_s.append(time.perf_counter() - start)
        print(f"# pytorch window {r + 1}: {args.steps / window_s[-1]:.1f} steps/s, loss {state['loss']:.4f}",
              file=sys.stderr)
    with torch.no_grad():
        model.eval()
        correct = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
                      for i in range(0, x_test.shape[0], 1000))
        acc = 100.0 * correct / x_test.shape[0]
    med = statistics.median(window_s)
    print(json.dumps({"bench": "cnn", "impl": "pytorch", "threads": threads, "steps_per_s": round(args.steps / med, 1),
                      "window_s": round(med, 3), "steps": args.steps, "reps": args.reps, "params": params,
                      "test_acc": round(acc, 2), "final_loss": round(state["loss"], 4),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}))


if __name__ == "__main__":
    main()
