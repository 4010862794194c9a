#!/usr/bin/env python3
"""Writes the PyTorch reference values read by tests/optim/test_*.cpp (into tests/data/optim/).

Run with the system Python (Debian's torch 1.13):  /usr/bin/python3 tests/data/make_optim_fixtures.py
The files are small and committed; rerun this only to change a fixture (and
the matching test: the C++ tests repeat each configuration below by name).

  problem_*.npy          a 5-7-3 tanh MLP (w1 [5,7], b1 [7], w2 [7,3], b2 [3]) and its data
  final_<config>.npy     its parameters after 20 steps of <config>, concatenated (float32)
  final64_<config>.npy   the same run in float64 (checks the update rules to ~1e-12)
  lr_<schedule>.npy      get_last_lr() after construction and after every step [steps+1, groups]
  momentum_<schedule>.npy  the momentum (or beta1) OneCycleLR sets, likewise
  plateau_*.npy          ReduceLROnPlateau: the metrics fed in and the lrs that follow
  clip_*.npy             clip_grad_norm_ / clip_grad_value_ inputs and results
  ema_*.npy              a sequence of weights and its moving averages
"""
import math
import os
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as sched

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim")
STEPS = 20
warnings.filterwarnings("ignore")  # PyTorch warns about lr_scheduler.step() order; irrelevant here


def save(name, array):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(array))


# ---- optimizers on a small MLP ------------------------------------------------------

def make_problem():
    g = torch.Generator().manual_seed(0)
    params = [torch.randn(5, 7, generator=g) * 0.5, torch.randn(7, generator=g) * 0.1,
              torch.randn(7, 3, generator=g) * 0.5, torch.randn(3, generator=g) * 0.1]
    x = torch.randn(16, 5, generator=g)
    y = torch.randn(16, 3, generator=g)
    return params, x, y


def loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    h = torch.tanh(x @ w1 + b1)
    return ((h @ w2 + b2 - y) ** 2).mean()


# name -> (optimizer from the four parameters, scheduler from the optimizer or None)
CONFIGS = {
    "sgd": (lambda p: torch.optim.SGD(p, lr=0.1), None),
    "sgd_momentum": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), None),
    "sgd_nesterov": (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001), None),
    "sgd_maximize": (lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.5, maximize=True), None),
    "adam": (lambda p: torch.optim.Adam(p, lr=0.01), None),
    "adam_amsgrad_wd": (lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1),
                        None),
    "adamw": (lambda p: torch.optim.AdamW(p, lr=0.01), None),
    "adamw_amsgrad": (lambda p: torch.optim.AdamW(p, lr=0.01, amsgrad=True, weight_decay=0.1, eps=1e-6), None),
    "rmsprop": (lambda p: torch.optim.RMSprop(p, lr=0.01), None),
    "rmsprop_centered": (lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, centered=True, momentum=0.5,
                                                       weight_decay=0.01), None),
    "adagrad": (lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01,
                                              initial_accumulator_value=0.1), None),
    # Two groups with their own options, and a scheduler on top.
    "groups_sgd_steplr": (lambda p: torch.optim.SGD([{"params": p[:2], "lr": 0.1},
                                                     {"params": p[2:], "lr": 0.02, "momentum": 0.5}],
                                                    lr=0.05, momentum=0.9),
                          lambda o: sched.StepLR(o, step_size=5, gamma=0.5)),
    "groups_adam_onecycle": (lambda p: torch.optim.Adam([{"params": p[:2]}, {"params": p[2:], "eps": 1e-6}]),
                             lambda o: sched.OneCycleLR(o, max_lr=[0.05, 0.02], total_steps=STEPS)),
}


def run_optimizers():
    params0, x, y = make_problem()
    for i, p in enumerate(params0):
        save(f"problem_param{i}", p.numpy())
    save("problem_x", x.numpy())
    save("problem_y", y.numpy())
    for name, (make_opt, make_sched) in CONFIGS.items():
        for prefix, dtype in [("final", torch.float32), ("final64", torch.float64)]:
            params = [p.to(dtype).clone().requires_grad_() for p in params0]
            opt = make_opt(params)
            scheduler = make_sched(opt) if make_sched else None
            for _ in range(STEPS):
                opt.zero_grad()
                loss_fn(params, x.to(dtype), y.to(dtype)).backward()
                opt.step()
                if scheduler:
                    scheduler.step()
            save(f"{prefix}_{name}", torch.cat([p.detach().flatten() for p in params]).numpy())


# ---- learning-rate schedules ----------------------------------------------------------

def two_group_optimizer(kind="sgd"):
    a, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    groups = [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.02}]
    if kind == "adam":
        return torch.optim.Adam(groups)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def record(name, opt, scheduler, steps, momentum_key=None, epochs=None):
    lrs, moms = [scheduler.get_last_lr()], []

    def momentum():
        return [g["betas"][0] if momentum_key == "beta1" else g["momentum"] for g in opt.param_groups]

    moms.append(momentum())
    for k in range(steps):
        opt.step()
        if epochs is None:
            scheduler.step()
        else:
            scheduler.step(epochs[k])
        lrs.append(scheduler.get_last_lr())
        moms.append(momentum())
    save(f"lr_{name}", np.array(lrs, dtype=np.float64))
    if momentum_key:
        save(f"momentum_{name}", np.array(moms, dtype=np.float64))


def run_schedulers():
    o = two_group_optimizer()
    record("step", o, sched.StepLR(o, step_size=3, gamma=0.5), 25)
    o = two_group_optimizer()
    record("multistep", o, sched.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 15)
    o = two_group_optimizer()
    record("exponential", o, sched.ExponentialLR(o, gamma=0.9), 25)
    o = two_group_optimizer()
    record("cosine", o, sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 45)
    o = two_group_optimizer()
    record("warm_restarts", o, sched.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.0005), 40)
    o = two_group_optimizer()
    record("warm_restarts_t1", o, sched.CosineAnnealingWarmRestarts(o, T_0=5), 23)
    o = two_group_optimizer()
    epochs = [e + i / 4 for e in range(10) for i in range(4)]  # once per batch, 4 batches an epoch
    record("warm_restarts_frac", o, sched.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2), len(epochs), epochs=epochs)
    o = two_group_optimizer()
    record("onecycle_cos", o, sched.OneCycleLR(o, max_lr=[1.0, 0.4], total_steps=30), 30, momentum_key="momentum")
    o = two_group_optimizer("adam")
    record("onecycle_linear3", o,
           sched.OneCycleLR(o, max_lr=0.5, total_steps=25, pct_start=0.25, anneal_strategy="linear",
                            three_phase=True, div_factor=10.0, final_div_factor=100.0, base_momentum=0.8,
                            max_momentum=0.9), 25, momentum_key="beta1")
    o = two_group_optimizer()
    record("warmup", o, sched.LinearLR(o, start_factor=0.25, total_iters=4), 10)
    o = two_group_optimizer()
    warm, cosine = sched.LinearLR(o, start_factor=0.1, total_iters=5), sched.CosineAnnealingLR(o, T_max=15)
    record("warmup_cosine", o, sched.SequentialLR(o, [warm, cosine], milestones=[5]), 30)
    o = two_group_optimizer()
    warm, step = sched.LinearLR(o, start_factor=0.5, total_iters=3), sched.StepLR(o, step_size=2, gamma=0.5)
    record("warmup_step", o, sched.SequentialLR(o, [warm, step], milestones=[3]), 15)
    o = two_group_optimizer()
    warm = sched.LinearLR(o, start_factor=0.2, total_iters=3)
    restarts = sched.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)
    record("warmup_restarts", o, sched.SequentialLR(o, [warm, restarts], milestones=[3]), 20)


def run_plateau():
    rng = np.random.default_rng(7)
    # A noisy loss that improves, stalls, improves again.
    metrics = np.concatenate([np.linspace(1.0, 0.6, 6), 0.6 + 0.01 * rng.standard_normal(10),
                              np.linspace(0.58, 0.4, 5), 0.4 + 0.002 * rng.standard_normal(12)])
    save("plateau_metrics", metrics)
    configs = {
        "min_rel": dict(mode="min", factor=0.5, patience=2, threshold=0.01, min_lr=[0.001, 0.0005]),
        "max_abs": dict(mode="max", factor=0.2, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2,
                        min_lr=0.003),
    }
    for name, kwargs in configs.items():
        o = two_group_optimizer()
        s = sched.ReduceLROnPlateau(o, **kwargs)
        feed = metrics if kwargs["mode"] == "min" else -metrics
        lrs = [[g["lr"] for g in o.param_groups]]
        for m in feed:
            s.step(float(m))
            lrs.append([g["lr"] for g in o.param_groups])
        save(f"plateau_{name}", np.array(lrs, dtype=np.float64))


# ---- gradient clipping ------------------------------------------------------------------

CLIP_NORM_CASES = [("l2", 2.0, 1.0), ("l1", 1.0, 2.0), ("inf", math.inf, 0.5), ("l3", 3.0, 1.5),
                   ("l2_noclip", 2.0, 100.0)]


def run_clip():
    g = torch.Generator().manual_seed(3)
    grads = [torch.randn(3, 4, generator=g) * 2, torch.randn(5, generator=g), torch.randn(2, 2, 2, generator=g) * 3]
    for i, t in enumerate(grads):
        save(f"clip_grad{i}", t.numpy())
    totals = []
    for tag, norm_type, max_norm in CLIP_NORM_CASES:
        params = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for p, t in zip(params, grads):
            p.grad = t.clone()
        totals.append(float(torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)))
        save(f"clip_norm_{tag}", torch.cat([p.grad.flatten() for p in params]).numpy())
    save("clip_norm_totals", np.array(totals, dtype=np.float64))
    params = [torch.zeros_like(t, requires_grad=True) for t in grads]
    for p, t in zip(params, grads):
        p.grad = t.clone()
    torch.nn.utils.clip_grad_value_(params, 0.3)
    save("clip_value", torch.cat([p.grad.flatten() for p in params]).numpy())


# ---- weight averaging --------------------------------------------------------------------

def run_ema():
    g = torch.Generator().manual_seed(5)
    initial = torch.randn(17, generator=g)  # the weights of a [3,4] and a [5] tensor, flattened
    values = torch.randn(12, 17, generator=g)  # and 12 successive values after "optimizer steps"
    save("ema_initial", initial.numpy())
    save("ema_values", values.numpy())
    for name, warmup in [("plain", False), ("warmup", True)]:
        decay = 0.9
        shadow = initial.clone()
        out = []
        for n in range(values.shape[0]):
            d = min(decay, (1 + n) / (10 + n)) if warmup else decay
            shadow = shadow * d + (1.0 - d) * values[n]  # as timm's ModelEmaV2
            out.append(shadow.clone())
        save(f"ema_{name}", torch.stack(out).numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    run_optimizers()
    run_schedulers()
    run_plateau()
    run_clip()
    run_ema()
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    main()
