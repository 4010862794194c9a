#!/usr/bin/python3
"""op-overhead, PyTorch eager peer: nanoseconds of forward + backward per
recorded autograd op on tiny tensors. Method: benchmarks/overhead_method.md.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench_overhead_pytorch.py [--reps N]
Prints one JSON line per op on stdout; the BLAS in use goes to stderr.
Run with /usr/bin/python3: the default python3 on these machines has no torch.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

from bench_common import loaded_blas

CHAIN_LENGTH = 1000  # K: recorded ops per rep
WARMUP_REPS = 20  # untimed reps: allocator and caches warm
DEFAULT_REPS = 200  # R: timed reps, the median is reported
DEFAULT_THREADS = 1  # when OMP_NUM_THREADS is unset
VECTOR_SIZE = 4  # add/mul/relu operate on 4 elements
MATRIX_SIZE = 4  # matmul is 4x4 @ 4x4
ADD_STEP = 1e-3  # y + w: K steps add only 1.0
MUL_FACTOR = 1.0001  # y * w: 1.0001^1000 ~ 1.105
MATMUL_OFF_DIAG = 1e-4  # w = I + 1e-4: growth <= ~1.49

OPS = ("add", "mul", "relu", "matmul")


def make_leaves(op):
    """Returns (x, w); w is None for relu (unary). x = 1 everywhere: positive,
    so relu lets every gradient through."""
    if op == "matmul":
        w = torch.eye(MATRIX_SIZE) + MATMUL_OFF_DIAG
        return torch.ones(MATRIX_SIZE, MATRIX_SIZE, requires_grad=True), w.requires_grad_()
    x = torch.ones(VECTOR_SIZE, requires_grad=True)
    if op == "add":
        return x, torch.full((VECTOR_SIZE,), ADD_STEP, requires_grad=True)
    if op == "mul":
        return x, torch.full((VECTOR_SIZE,), MUL_FACTOR, requires_grad=True)
    return x, None


def run_chain(op, x, w):
    """One rep: K recorded ops, then backward. The chain lives only in this
    function's locals, so the graph is freed before the caller stops the clock."""
    # One loop per op, so no per-op branch lands inside the timed chain.
    y = x
    if op == "add":
        for _ in range(CHAIN_LENGTH):
            y = y + w
    elif op == "mul":
        for _ in range(CHAIN_LENGTH):
            y = y * w
    elif op == "relu":
        for _ in range(CHAIN_LENGTH):
            y = torch.relu(y)
    else:
        for _ in range(CHAIN_LENGTH):
            y = y.matmul(w)
    y.sum().backward()


def time_op(op, reps):
    """Median over reps of (rep time / K), in ns."""
    x, w = make_leaves(op)
    ns_per_op = []
    for rep in range(WARMUP_REPS + reps):
        # Grads set to none, as zero_grad(set_to_none=True) does; not timed.
        x.grad = None
        if w is not None:
            w.grad = None

        start = time.perf_counter_ns()
        run_chain(op, x, w)
        stop = time.perf_counter_ns()

        if rep >= WARMUP_REPS:
            ns_per_op.append((stop - start) / CHAIN_LENGTH)
    return statistics.median(ns_per_op)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=DEFAULT_REPS, help="timed reps R")
    args = parser.parse_args()
    if args.reps < 1:
        parser.error("--reps must be >= 1")

    env = os.environ.get("OMP_NUM_THREADS", "")
    threads = int(env) if env.isdigit() and int(env) > 0 else DEFAULT_THREADS
    torch.set_num_threads(threads)

    print(f"# pytorch {torch.__version__}, blas: {loaded_blas()}", file=sys.stderr)
    for op in OPS:
        record = {"bench": "op-overhead", "op": op, "impl": "pytorch",
                  "threads": threads, "ns_per_op": round(time_op(op, args.reps), 1)}
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
