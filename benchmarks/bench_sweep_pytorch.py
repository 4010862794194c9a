#!/usr/bin/python3
"""size-sweep, PyTorch (eager) twin of bench_sweep.cpp: the same sizes, model,
optimizer, batch, synthetic data policy and timing protocol (bench_sweep.h),
written as a PyTorch user would.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench_sweep_pytorch.py [--sizes a,b] [--reps N] [--min-time S]
Prints one JSON line per size on stdout; the BLAS in use goes to stderr.
"""
import argparse
import json
import os
import statistics
import sys

import torch

from bench_common import loaded_blas, openblas_core, time_steps

BATCH = 64  # examples per step
INPUTS = 784  # a flattened 28x28 image
CLASSES = 10  # logits
LR = 0.01  # SGD learning rate
MOMENTUM = 0.9  # SGD momentum
DATA_BATCHES = 4  # distinct random batches, cycled
SEED = 0  # init and data
# Hidden widths per size, as in bench_sweep.h.
SIZES = {"128-64": [128, 64], "512x2": [512, 512], "1024x3": [1024] * 3, "2048x3": [2048] * 3,
         "4096x3": [4096] * 3}


def gemm_flops_per_step(widths):
    """Forward + weight-gradient GEMMs of every layer, input gradients of all
    but the first (bench_sweep.h, gemm_flops_per_step)."""
    return sum((2 if i == 0 else 3) * 2.0 * BATCH * widths[i] * widths[i + 1] for i in range(len(widths) - 1))


def run(hidden, reps, min_time):
    torch.manual_seed(SEED)
    widths = [INPUTS] + hidden + [CLASSES]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    sgd = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    xs = [torch.randn(BATCH, INPUTS) for _ in range(DATA_BATCHES)]
    ys = [torch.randint(0, CLASSES, (BATCH,)) for _ in range(DATA_BATCHES)]
    state = {"next": 0, "loss": None}

    def step():
        b = state["next"] % DATA_BATCHES
        state["next"] += 1
        loss = torch.nn.functional.cross_entropy(model(xs[b]), ys[b])
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        state["loss"] = loss

    rates = time_steps(step, reps, min_time)
    params = sum(p.numel() for p in model.parameters())
    return rates, params, gemm_flops_per_step(widths), state["loss"].item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=1.0)
    args = ap.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(threads)
    print(f"# pytorch {torch.__version__}, blas: {loaded_blas()} (OpenBLAS core: {openblas_core()})", file=sys.stderr)
    for name in args.sizes.split(","):
        if name not in SIZES:
            sys.exit(f"unknown size '{name}' (known: {' '.join(SIZES)})")
        rates, params, flops, loss = run(SIZES[name], args.reps, args.min_time)
        print(f"# pytorch {name}: loss after the last step {loss:.4f}", file=sys.stderr)
        med = statistics.median(rates)
        print(json.dumps({"bench": "size-sweep", "impl": "pytorch", "threads": threads, "size": name,
                          "params": params, "steps_per_s": round(med, 2), "gflop_per_s": round(med * flops / 1e9, 1),
                          "reps": len(rates), "spread": round((max(rates) - min(rates)) / med, 3)}), flush=True)


if __name__ == "__main__":
    main()
