#!/usr/bin/env python3
"""Writes the PyTorch reference values read by tests/nn/test_loss.cpp (into tests/data/nn/loss/).

Run with the system Python (Debian's torch 1.13):  /usr/bin/python3 tests/data/make_loss_fixtures.py
Everything is float64 (class indices int64). For every case and reduction
r in none/mean/sum: <case>_<r>_y (the loss) and the gradients <case>_<r>_dx
(and _dt for a differentiable target) of sum(y * g), with g = <case>_g for
r = none and 1 for the scalar reductions. The inputs are <case>_x, _t,
and _w / _pw for weights. The files are small and committed.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn", "loss")
REDUCTIONS = ["none", "mean", "sum"]


def save(name, t):
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    np.save(os.path.join(OUT, name + ".npy"), a)


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def uniform(lo, hi, *shape):
    return torch.rand(*shape, dtype=torch.float64) * (hi - lo) + lo


def run(case, fn, x, t, reductions=REDUCTIONS, target_grad=True, **inputs):
    """Saves the inputs, then y and the gradients for each reduction of fn(x, t, reduction=r)."""
    save(f"{case}_x", x)
    save(f"{case}_t", t)
    for name, value in inputs.items():
        save(f"{case}_{name}", value)
    g = rand(*x.shape) if x.dim() > 0 else torch.tensor(1.0, dtype=torch.float64)
    g_saved = False
    for r in reductions:
        xi = x.clone().requires_grad_()
        ti = t.clone().requires_grad_() if target_grad else t
        y = fn(xi, ti, r)
        if y.dim() > 0:
            if y.shape != g.shape:
                g = rand(*y.shape)
            if not g_saved:
                save(f"{case}_g", g)
                g_saved = True
            (y * g).sum().backward()
        else:
            y.backward()
        save(f"{case}_{r}_y", y)
        save(f"{case}_{r}_dx", xi.grad)
        if target_grad:
            save(f"{case}_{r}_dt", ti.grad)
    print(f"{case:16s} x {tuple(x.shape)}  t {tuple(t.shape)} {t.dtype}")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # ---- regression: differences spread over both branches of smooth_l1/huber ---------
    x, t = rand(3, 4) * 1.5, rand(3, 4) * 1.5
    run("mse", lambda a, b, r: F.mse_loss(a, b, reduction=r), x, t)
    run("l1", lambda a, b, r: F.l1_loss(a, b, reduction=r), x, t)
    run("smoothl1", lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r), x, t)
    run("smoothl1b", lambda a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5), x, t)
    run("huber", lambda a, b, r: F.huber_loss(a, b, reduction=r), x, t)
    run("huberd", lambda a, b, r: F.huber_loss(a, b, reduction=r, delta=0.7), x, t)

    # ---- cross_entropy with class indices [N, C] ---------------------------------------
    x = rand(6, 5) * 2
    t = torch.tensor([0, 3, 4, 1, 3, 2])
    w = uniform(0.2, 2.0, 5)
    t_ign = torch.tensor([0, -100, 4, 1, -100, 2])  # the default ignore_index
    t_ign1 = torch.tensor([0, 1, 4, 1, 3, 2])  # ignore_index = 1
    ce = F.cross_entropy
    run("ce", lambda a, b, r: ce(a, b, reduction=r), x, t, target_grad=False)
    run("ce_w", lambda a, b, r: ce(a, b, weight=w, reduction=r), x, t, target_grad=False, w=w)
    run("ce_ls", lambda a, b, r: ce(a, b, reduction=r, label_smoothing=0.15), x, t, target_grad=False)
    run("ce_ign", lambda a, b, r: ce(a, b, reduction=r), x, t_ign, target_grad=False)
    run("ce_all", lambda a, b, r: ce(a, b, weight=w, ignore_index=1, reduction=r, label_smoothing=0.2), x, t_ign1,
        target_grad=False, w=w)
    run("ce_ls_ign", lambda a, b, r: ce(a, b, reduction=r, label_smoothing=0.2), x, t_ign, target_grad=False)
    # Large logits: the max shift keeps exp() finite.
    run("ce_big", lambda a, b, r: ce(a, b, reduction=r, label_smoothing=0.1), x * 400 + 1000, t, target_grad=False)

    # ---- cross_entropy with class probabilities -------------------------------------------
    p = torch.softmax(rand(6, 5), dim=1)
    run("ce_prob", lambda a, b, r: ce(a, b, reduction=r), x, p)
    run("ce_prob_all", lambda a, b, r: ce(a, b, weight=w, reduction=r, label_smoothing=0.1), x, p, w=w)

    # ---- cross_entropy, N-d: [N, C, d1, d2] against [N, d1, d2] -------------------------------
    x4 = rand(2, 4, 3, 2)
    t4 = torch.randint(0, 4, (2, 3, 2))
    t4[0, 1, 1] = -100
    t4[1, 2, 0] = -100
    w4 = uniform(0.2, 2.0, 4)
    run("ce_nd", lambda a, b, r: ce(a, b, weight=w4, reduction=r, label_smoothing=0.1), x4, t4, target_grad=False,
        w=w4)
    p4 = torch.softmax(rand(2, 4, 3, 2), dim=1)
    run("ce_nd_prob", lambda a, b, r: ce(a, b, reduction=r), x4, p4)

    # ---- cross_entropy, unbatched: [C] against a 0-d target ------------------------------------
    run("ce_1d", lambda a, b, r: ce(a, b, reduction=r, label_smoothing=0.1), rand(5), torch.tensor(3),
        target_grad=False)

    # ---- nll_loss --------------------------------------------------------------------------
    logp = torch.log_softmax(rand(6, 5), dim=1)
    run("nll", lambda a, b, r: F.nll_loss(a, b, reduction=r), logp, t, target_grad=False)
    run("nll_all", lambda a, b, r: F.nll_loss(a, b, weight=w, ignore_index=1, reduction=r), logp, t_ign1,
        target_grad=False, w=w)
    logp3 = torch.log_softmax(rand(2, 4, 3), dim=1)
    t3 = torch.tensor([[0, 3, -100], [2, 1, 1]])
    run("nll_nd", lambda a, b, r: F.nll_loss(a, b, weight=w4, reduction=r), logp3, t3, target_grad=False, w=w4)

    # ---- binary cross-entropy ----------------------------------------------------------------
    probs = uniform(0.05, 0.95, 3, 4)
    soft = uniform(0, 1, 3, 4)
    wb = uniform(0.5, 2, 4)
    run("bce", lambda a, b, r: F.binary_cross_entropy(a, b, reduction=r), probs, soft)
    run("bce_w", lambda a, b, r: F.binary_cross_entropy(a, b, weight=wb, reduction=r), probs, soft, w=wb)
    # 0 and 1 exactly: the logs are clamped at -100 (values only).
    edge_x = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], dtype=torch.float64)
    edge_t = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.3], dtype=torch.float64)
    save("bce_edge_x", edge_x)
    save("bce_edge_t", edge_t)
    save("bce_edge_y", F.binary_cross_entropy(edge_x, edge_t, reduction="none"))

    logits = rand(3, 4) * 3
    logits[0, 0] = 0.0  # the kink of max(x, 0): the gradient must still be sigmoid(x) - t
    logits[1, 1] = 60.0
    logits[2, 2] = -60.0
    pw = uniform(0.5, 3, 4)
    run("bcel", lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r), logits, soft)
    run("bcel_all",
        lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, weight=wb, reduction=r, pos_weight=pw),
        logits, soft, w=wb, pw=pw)

    # ---- kl_div ----------------------------------------------------------------------------
    logq = torch.log_softmax(rand(3, 4), dim=1)
    pt = torch.softmax(rand(3, 4), dim=1)
    kl_r = REDUCTIONS + ["batchmean"]
    run("kl", lambda a, b, r: F.kl_div(a, b, reduction=r), logq, pt, reductions=kl_r)
    run("kl_log", lambda a, b, r: F.kl_div(a, b, reduction=r, log_target=True), logq, torch.log(pt), reductions=kl_r)
    pz = pt.clone()
    pz[0, 1] = 0.0  # p log p = 0 where p = 0 (values and the input gradient only)
    run("kl_zero", lambda a, b, r: F.kl_div(a, b, reduction=r), logq, pz, target_grad=False)

    # ---- margin_ranking_loss: margins kept away from the kink ---------------------------------
    x1 = torch.tensor([0.3, -1.2, 0.8, 2.0, -0.4, 0.1], dtype=torch.float64)
    x2 = torch.tensor([0.5, 0.7, -0.9, 1.1, -0.2, 1.3], dtype=torch.float64)
    y = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0, 1.0], dtype=torch.float64)
    save("mrl_x2", x2)
    run("mrl", lambda a, b, r: F.margin_ranking_loss(a, x2, b, margin=0.25, reduction=r), x1, y, target_grad=False)


if __name__ == "__main__":
    main()
