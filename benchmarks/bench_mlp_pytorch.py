#!/usr/bin/env python3
"""mlp-fmnist, PyTorch (eager) twin of bench_mlp.cpp: same model, optimizer,
batch, epochs and data order policy, written as a PyTorch user would.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench_mlp_pytorch.py [--epochs N] [--seed N] [--data DIR]
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

BATCH = 32  # examples per step
LR = 0.01  # SGD learning rate
MOMENTUM = 0.9  # SGD momentum


def load(data_dir, split):
    images, labels = load_fashion_mnist(data_dir, split)
    return torch.from_numpy(images).reshape(-1, 784), torch.from_numpy(labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0, help="init and shuffling")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(threads)
    print(f"# pytorch {torch.__version__}, blas: {loaded_blas()}", file=sys.stderr)

    x_all, y_all = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    torch.manual_seed(args.seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
                                torch.nn.ReLU(), torch.nn.Linear(64, 10))
    sgd = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    n = x_all.shape[0]
    steps = n // BATCH
    epoch_s, last_loss = [], 0.0
    for epoch in range(args.epochs):
        perm = torch.randperm(n)
        start = time.perf_counter()
        for s in range(steps):
            idx = perm[s * BATCH:(s + 1) * BATCH]
            x, y = x_all.index_select(0, idx), y_all.index_select(0, idx)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            sgd.zero_grad()
            loss.backward()
            sgd.step()
        last_loss = loss.item()
        epoch_s.append(time.perf_counter() - start)
        print(f"# pytorch epoch {epoch + 1}: {epoch_s[-1]:.2f} s, loss {last_loss:.4f}", file=sys.stderr)
    with torch.no_grad():
        model.eval()
        acc = 100.0 * (model(x_test).argmax(1) == y_test).sum().item() / x_test.shape[0]
    med = statistics.median(epoch_s)
    print(json.dumps({"bench": "mlp-fmnist", "impl": "pytorch", "threads": threads, "steps_per_s": round(steps / med, 1),
                      "epoch_s": round(med, 3), "epochs": args.epochs, "test_acc": round(acc, 2),
                      "final_loss": round(last_loss, 4),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}))


if __name__ == "__main__":
    main()
