#!/usr/bin/env python3
"""Writes the NumPy reference values read by tests/trainer/test_metrics.cpp (into tests/data/trainer/metrics/).

Run with the system Python:  /usr/bin/python3 tests/data/make_metrics_fixtures.py
scikit-learn is not installed, so the references are written out here with
plain NumPy, following scikit-learn's definitions (precision/recall/F1 with
zero_division=0, macro averages over the union of the labels in y_true and
y_pred, R2 with force_finite), and the threshold search by brute force (every
candidate threshold scored from scratch), independently of the streaming
sweep in trainer/metrics.cpp.

Files (float64 unless said):
  cls_logits [40, 5], cls_targets [40] int64: class 4 never occurs in the targets
      (it may be predicted), so the macro averages exercise an "empty" class
  cls_expected: accuracy, top2, top3, precision/recall/f1 macro, then micro
  cls_confusion [5, 5] int64 (rows true, columns predicted)
  reg_output [30, 2], reg_target [30, 2], reg_expected: mae, mse, r2 (pooled)
  thr_probs [50], thr_targets [50] int64, thr_expected: for F1, accuracy and
      balanced accuracy: threshold, value (6 values)
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trainer", "metrics")
rng = np.random.default_rng(20261121)


def save(name, a):
    np.save(os.path.join(OUT, name + ".npy"), a)


def safe_div(a, b):
    return a / b if b > 0 else 0.0


def classification():
    n, c = 40, 5
    targets = rng.integers(0, c - 1, size=n).astype(np.int64)  # class 4 never a target
    logits = rng.normal(size=(n, c))
    # Make the classifier better than chance: boost the true class most of the time.
    logits[np.arange(n), targets] += rng.uniform(0, 2.0, size=n)
    pred = logits.argmax(axis=1)
    cm = np.zeros((c, c), dtype=np.int64)
    for t, p in zip(targets, pred):
        cm[t, p] += 1
    acc = np.mean(pred == targets)
    order = np.argsort(-logits, axis=1)
    top = [np.mean([targets[i] in order[i, :k] for i in range(n)]) for k in (2, 3)]
    labels = sorted(set(targets.tolist()) | set(pred.tolist()))
    tp = np.array([np.sum((pred == k) & (targets == k)) for k in labels], dtype=float)
    fp = np.array([np.sum((pred == k) & (targets != k)) for k in labels], dtype=float)
    fn = np.array([np.sum((pred != k) & (targets == k)) for k in labels], dtype=float)
    prec = np.array([safe_div(a, a + b) for a, b in zip(tp, fp)])
    rec = np.array([safe_div(a, a + b) for a, b in zip(tp, fn)])
    f1 = np.array([safe_div(2 * p * r, p + r) for p, r in zip(prec, rec)])
    mp, mr = safe_div(tp.sum(), tp.sum() + fp.sum()), safe_div(tp.sum(), tp.sum() + fn.sum())
    mf = safe_div(2 * mp * mr, mp + mr)
    save("cls_logits", logits)
    save("cls_targets", targets)
    save("cls_confusion", cm)
    save("cls_expected", np.array([acc, top[0], top[1], prec.mean(), rec.mean(), f1.mean(), mp, mr, mf]))


def regression():
    target = rng.normal(loc=3.0, size=(30, 2))
    output = target + rng.normal(scale=0.5, size=(30, 2))
    err = (output - target).ravel()
    t = target.ravel()
    r2 = 1 - np.sum(err**2) / np.sum((t - t.mean()) ** 2)
    save("reg_output", output)
    save("reg_target", target)
    save("reg_expected", np.array([np.mean(np.abs(err)), np.mean(err**2), r2]))


def thresholds():
    n = 50
    targets = rng.integers(0, 2, size=n).astype(np.int64)
    probs = np.clip(rng.normal(loc=0.35 + 0.3 * targets, scale=0.2), 0, 1).round(2)  # rounding makes ties
    expected = []
    for metric in ("f1", "accuracy", "balanced"):
        best_t, best_v = None, -1.0
        for t in sorted(set(probs.tolist()), reverse=True):  # highest first: ties keep the higher threshold
            p = probs >= t
            tp = np.sum(p & (targets == 1))
            fp = np.sum(p & (targets == 0))
            fn = np.sum(~p & (targets == 1))
            tn = np.sum(~p & (targets == 0))
            if metric == "f1":
                v = safe_div(2 * tp, 2 * tp + fp + fn)
            elif metric == "accuracy":
                v = (tp + tn) / n
            else:
                v = (safe_div(tp, tp + fn) + safe_div(tn, tn + fp)) / 2
            if v > best_v:
                best_t, best_v = t, v
        expected += [best_t, best_v]
    save("thr_probs", probs)
    save("thr_targets", targets)
    save("thr_expected", np.array(expected))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    classification()
    regression()
    thresholds()
