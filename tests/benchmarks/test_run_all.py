#!/usr/bin/env python3
"""Self-test of benchmarks/run_all.py with stub benchmark executables.

Each stub prints canned JSON lines chosen by OMP_NUM_THREADS and by how many
times it has run at that thread count (a counter file beside it), so the test
knows every median, ratio and target run_all.py must write. Run:

    /usr/bin/python3 tests/benchmarks/test_run_all.py
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_ALL = os.path.join(REPO, "benchmarks", "run_all.py")

STUB = r'''#!/usr/bin/python3
import json, os, sys
LINES = json.loads(%r)
here = os.path.dirname(os.path.abspath(__file__))
threads = os.environ.get("OMP_NUM_THREADS", "?")
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(json.dumps([os.path.basename(__file__), threads, sys.argv[1:]]) + "\n")
if "--epochs" in sys.argv and sys.argv[sys.argv.index("--epochs") + 1] == "10":
    lines = LINES["accuracy"][int(sys.argv[sys.argv.index("--seed") + 1])]
else:
    counter = os.path.join(here, ".count-%%s-%%s" %% (os.path.basename(__file__), threads))
    rep = int(open(counter).read()) if os.path.exists(counter) else 0
    open(counter, "w").write(str(rep + 1))
    lines = LINES[threads][rep %% len(LINES[threads])]
print("# a stub's own chatter, not JSON")
for line in lines:
    print(json.dumps(line))
print("# libtorch 9.9.9, blas: /nowhere/libblas.so.3", file=sys.stderr)
'''


def overhead_lines(threads, nabla_ns, libtorch_ns, quiet_ns=None, probe_slowdown=1.5):
    """bench_overhead's lines for one run: same ns for every op, with its ratios. quiet_ns: the median over the
    reps with the core alone, printed only when most reps had it."""
    out = []
    for op in ["add", "mul", "relu", "matmul"]:
        nab = {"bench": "op-overhead", "op": op, "impl": "nabla", "threads": threads, "ns_per_op": nabla_ns}
        if quiet_ns is not None:
            nab["ns_per_op_quiet"] = quiet_ns
        nab.update({"quiet_reps": 0 if quiet_ns is None else 150, "reps": 200, "probe_slowdown": probe_slowdown})
        out.append(nab)
        out.append({"bench": "op-overhead", "op": op, "impl": "libtorch", "threads": threads,
                    "ns_per_op": libtorch_ns})
    for op in ["add", "mul", "relu", "matmul"]:
        out.append({"bench": "op-overhead", "op": op, "impl": "nabla", "vs": "libtorch", "threads": threads,
                    "ratio": round(libtorch_ns / nabla_ns, 2)})
    return out


def mlp_lines(threads, nabla, libtorch, pytorch, floor_fraction, allocs_per_step, epochs=3, acc=(85.0, 85.2, 85.3),
              write_ns=9.7):
    out = [{"bench": "mlp-fmnist", "impl": "nabla", "threads": threads, "steps_per_s": nabla, "epochs": epochs,
            "test_acc": acc[0], "peak_rss_mib": 230.0, "floor_ms": 0.2, "step_ms": 0.2 / floor_fraction,
            "floor_fraction": floor_fraction, "step_mflop": 14.54, "gemm_gflops": 50.0, "gemm_gflops_784x128": 80.0,
            "update_ms": 0.02, "gather_ms": 0.01, "floor_fraction_max": 0.87, "blas_gemm_gflops": 40.0,
            "blas_floor_ms": 0.25, "blas_floor_fraction": round(0.25 / (0.2 / floor_fraction), 3),
            "core_peak_gflops": 100.0, "peak_floor_ms": 0.1454 / threads},
           {"bench": "mlp-fmnist", "impl": "libtorch", "threads": threads, "steps_per_s": libtorch, "epochs": epochs,
            "test_acc": acc[1], "peak_rss_mib": 600.0},
           {"bench": "mlp-fmnist", "impl": "pytorch", "threads": threads, "steps_per_s": pytorch, "epochs": epochs,
            "test_acc": acc[2], "peak_rss_mib": 460.0}]
    for peer, value, a in [("libtorch", libtorch, acc[1]), ("pytorch", pytorch, acc[2])]:
        out.append({"bench": "mlp-fmnist", "impl": "nabla", "vs": peer, "threads": threads,
                    "ratio": round(nabla / value, 2), "acc_diff": round(acc[0] - a, 2)})
    out.append({"bench": "mlp-fmnist", "impl": "nabla-phases", "threads": threads, "steps": 1875,
                "gather_ms": 0.01, "forward_ms": 0.1, "backward_ms": 0.12 / threads, "update_ms": 0.02,
                "step_ms": 0.25, "cross_core_read_ns": 1.9, "cross_core_write_ns": write_ns, "own_read_ns": 0.6,
                "fork_join_us": 0.6, "omp_fork_join_us": 3.0})
    # nabla's other loops: the standard one, and its step captured and replayed.
    for impl, factor, tensors in [("nabla-standard", 0.95, 17.0), ("nabla-replay", 1.05, 0.0)]:
        steps = round(nabla * factor)
        out.append({"bench": "mlp-fmnist", "impl": impl, "threads": threads, "steps_per_s": steps,
                    "epochs": epochs, "test_acc": acc[0], "vs_eager": factor, "max_weight_diff_vs_eager": 0,
                    "tensors_per_step": tensors})
        for peer, value, a in [("libtorch", libtorch, acc[1]), ("pytorch", pytorch, acc[2])]:
            out.append({"bench": "mlp-fmnist", "impl": impl, "vs": peer, "threads": threads,
                        "ratio": round(steps / value, 2), "acc_diff": round(acc[0] - a, 2)})
    out.append({"bench": "memory", "impl": "nabla", "threads": threads, "peak_rss_mib": 230.0,
                "system_allocs_per_step": allocs_per_step, "system_allocs_total": 60})
    out.append({"bench": "memory", "impl": "libtorch", "threads": threads, "peak_rss_mib": 600.0})
    out.append({"bench": "memory", "impl": "nabla", "vs": "libtorch", "threads": threads, "ratio": 0.38})
    return out


def sweep_lines(threads, ratios):
    out = []
    for size, r in ratios.items():
        out.append({"bench": "size-sweep", "impl": "nabla", "threads": threads, "size": size, "params": 1000,
                    "steps_per_s": 100.0 * r})
        out.append({"bench": "size-sweep", "impl": "libtorch", "threads": threads, "size": size, "params": 1000,
                    "steps_per_s": 100.0})
        out.append({"bench": "size-sweep", "impl": "nabla", "vs": "libtorch", "threads": threads, "size": size,
                    "ratio": r})
    return out


def cnn_lines(threads, ratio):
    return [{"bench": "cnn", "impl": "nabla", "threads": threads, "steps_per_s": 100.0 * ratio, "test_acc": 88.0,
             "peak_rss_mib": 250.0},
            {"bench": "cnn", "impl": "libtorch", "threads": threads, "steps_per_s": 100.0, "test_acc": 88.1,
             "peak_rss_mib": 500.0},
            {"bench": "cnn", "impl": "nabla", "vs": "libtorch", "threads": threads, "ratio": ratio},
            # Memory lines of another executable must not mix with bench_mlp's.
            {"bench": "memory", "impl": "nabla", "threads": threads, "peak_rss_mib": 999.0,
             "system_allocs_per_step": 5.0}]


# Three runs at 1 thread with different figures, so that the medians are
# checked: ns 100/300/200 -> 200; LibTorch 1000/4000/1200 -> 1200; per-run
# ratios 10/13.33/6 -> 10 (not 1200 / 200 = 6). Two runs had the core alone:
# their quiet ns 100/140 -> 120 (2/3 runs); probe slowdown 1.1/1.5/1.1 -> 1.1.
OVERHEAD = {"1": [overhead_lines(1, 100.0, 1000.0, 100.0, 1.1), overhead_lines(1, 300.0, 4000.0),
                  overhead_lines(1, 200.0, 1200.0, 140.0, 1.1)],
            "2": [overhead_lines(2, 160.0, 1200.0)]}
MLP = {"1": [mlp_lines(1, 3100.0, 1000.0, 700.0, 0.6, 0.0), mlp_lines(1, 3300.0, 1000.0, 700.0, 0.8, 0.0, write_ns=2.1),
             mlp_lines(1, 3200.0, 1000.0, 700.0, 0.7, 0.0, write_ns=11.0)],
       "2": [mlp_lines(2, 3000.0, 400.0, 300.0, 0.5, 0.5)],
       # One run per seed: nabla 88.0/87.5/86.0 -> 87.5, PyTorch 88.7/87.0/88.0 -> 88.0, per-seed differences
       # -0.7/+0.5/-2.0 -> -0.7 (not 87.5 - 88.0).
       "accuracy": [mlp_lines(1, 3100.0, 1000.0, 700.0, 0.6, 0.0, epochs=10, acc=(88.0, 88.2, 88.7)),
                    mlp_lines(1, 3100.0, 1000.0, 700.0, 0.6, 0.0, epochs=10, acc=(87.5, 88.2, 87.0)),
                    mlp_lines(1, 3100.0, 1000.0, 700.0, 0.6, 0.0, epochs=10, acc=(86.0, 88.2, 88.0))]}
SWEEP = {"1": [sweep_lines(1, {"128x64": 5.0, "4096x3": 0.97, "1024x3": 1.5})],
         "2": [sweep_lines(2, {"128x64": 6.0, "4096x3": 1.02, "1024x3": 1.6})]}
CNN = {"1": [cnn_lines(1, 1.6)], "2": [cnn_lines(2, 1.4)]}


def load_run_all():
    spec = importlib.util.spec_from_file_location("run_all", RUN_ALL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RunAllTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="run_all_test_")
        self.build = os.path.join(self.dir, "build")
        os.makedirs(self.build)
        self.out = os.path.join(self.dir, "RESULTS.md")
        self.raw = os.path.join(self.dir, "raw.jsonl")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def stub(self, name, lines):
        path = os.path.join(self.build, name)
        with open(path, "w") as f:
            f.write(STUB % json.dumps(lines))
        os.chmod(path, 0o755)

    def run_all(self, *extra):
        proc = subprocess.run([sys.executable, RUN_ALL, "--build", self.build, "--out", self.out, "--raw", self.raw]
                              + list(extra), capture_output=True, text=True, timeout=120)
        text = ""
        if os.path.exists(self.out):
            with open(self.out) as f:
                text = f.read()
        return proc, text

    def calls(self):
        with open(os.path.join(self.build, "calls.log")) as f:
            return [json.loads(line) for line in f]

    def row(self, text, start):
        """The one table row starting with `start`."""
        rows = [line for line in text.splitlines() if line.startswith(start)]
        self.assertEqual(len(rows), 1, f"rows starting with {start!r}: {rows}\n{text}")
        return rows[0]

    def test_without_sweep_and_cnn(self):
        self.stub("bench_overhead", OVERHEAD)
        self.stub("bench_mlp", MLP)
        with open(self.out, "w") as f:  # an old file: its generated part goes, its notes stay
            f.write("# Old results\n\nstale table\n\n" + load_run_all().HAND_WRITTEN + "\n\nMy notes stay.\n")
        proc, text = self.run_all("--reps", "3")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("bench_sweep", proc.stderr)  # the note that it is skipped
        self.assertNotIn("stale table", text)
        self.assertTrue(text.rstrip().endswith("My notes stay."))
        self.assertEqual(text.count(load_run_all().HAND_WRITTEN), 1)

        # Runs: 3 reps x 2 thread counts x 2 executables, then the accuracy runs (5 seeds).
        calls = self.calls()
        self.assertEqual(len(calls), 17)
        self.assertEqual(calls[-5:], [["bench_mlp", "1", ["--epochs", "10", "--seed", str(s)]] for s in range(5)])
        self.assertEqual(sum(c[1] == "2" for c in calls), 6)
        self.assertIn(["bench_mlp", "1", ["--epochs", "3"]], calls)

        # op-overhead: medians of ns, and the median of the per-run ratios.
        self.assertEqual(self.row(text, "| add | 1 |"),
                         "| add | 1 | 200.0 | 120.0 (2/3 runs) | 1200.0 | - | 10.0× | - | 1.10× |")
        self.assertEqual(self.row(text, "| matmul | 2 |"), "| matmul | 2 | 160.0 | - | 1200.0 | - | 7.5× | - | 1.50× |")
        # mlp-fmnist: steps/s medians, LibTorch's version from the stub's stderr, the floor table.
        self.assertEqual(self.row(text, "| nabla | 1 | 3200 |"), "| nabla | 1 | 3200 | - | 85.00% | 230 MiB |")
        self.assertEqual(self.row(text, "| LibTorch 9.9.9 | 1 | 1000 |"),
                         "| LibTorch 9.9.9 | 1 | 1000 | 3.20× | 85.20% | 600 MiB |")
        self.assertIn("| 1 | 14.54 | 0.286 | 40.0 | 0.250 | 88% | 50.0 | 0.200 | 70% | 0.020 | 0.010 | 87% | 100.0 | "
                      "0.145 |", text)
        # Where the step's time goes: each phase's median over the runs.
        # ... and the cross-core probe's ns per line beside them, with the range where the runs differ.
        self.assertIn("| 1 | 0.010 | 0.100 | 0.120 | 0.020 | 0.250 | 1.9 | 9.7 (2.1-11.0) | 0.6 | 0.60 | 3.00 |", text)
        self.assertIn("| fork/join µs | libgomp fork/join µs |", text)
        self.assertIn("| 2 | 0.010 | 0.100 | 0.060 | 0.020 | 0.250 | 1.9 | 9.7 | 0.6 |", text)
        # The other loops' table: medians of each run, its ratios; the targets stay nabla's loop's.
        self.assertIn("| standard | 1 | 3040 | 0.95× | 3.04× | 4.34× | 0 | 17 |", text)
        self.assertIn("| standard, replayed | 1 | 3360 | 1.05× | 3.36× | 4.80× | 0 | 0 |", text)
        self.assertIn("| nabla | 1 | 10 | 87.50% | - |", text)
        self.assertIn("| LibTorch 9.9.9 | 1 | 10 | 88.20% | -0.70 |", text)
        self.assertIn("| PyTorch | 1 | 10 | 88.00% | -0.70 |", text)
        self.assertIn("the median over 3 seed(s)", text)
        # memory
        self.assertIn("| nabla | 2 | 230 MiB | - | 0.50 | 60 |", text)
        self.assertIn("| LibTorch 9.9.9 | 1 | 600 MiB | 0.38 |", text)

        # The targets table.
        def target(start):
            return self.row(text, "| " + start)

        self.assertEqual(target("mlp-fmnist: ≥ 3.0× LibTorch"),
                         "| mlp-fmnist: ≥ 3.0× LibTorch steps/s, 1 thread | 3.20× | yes |")
        # Each row: the start of its target, the end of the row (measured | met).
        # The floor target is the system BLAS's; nabla's own GEMM gives the informative, stricter one.
        rows = [
            ("mlp-fmnist: ≥ 4.5× PyTorch", "| 4.57× | yes |"),
            ("mlp-fmnist: ≥ 75% of the compute floor (system BLAS's GEMM rate), 1 thread", "| 88% | yes |"),
            ("mlp-fmnist: ≥ 75% of the compute floor (system BLAS's GEMM rate), 2 thread", "| 62% | no |"),
            ("mlp-fmnist: fraction of the stricter floor (nabla's own GEMM rate), 1 thread",
             "| 70% (the standard loop's most with dense GEMMs: 87%) | - |"),
            ("mlp-fmnist: 2 threads never slower", "| 3000 vs 3200 steps/s | no |"),
            ("mlp-fmnist: what the 1-thread ratio targets ask",
             "| 3.0× LibTorch needs ≤ 0.333 ms per step; 4.5× PyTorch needs ≤ 0.317 ms per step. The GEMMs, dense, "
             "at the core's peak FMA rate take 0.145 ms; + the update and the gather timed alone: 0.175 ms | - |"),
            ("mlp-fmnist: test accuracy", "| -0.70 points | no |"),
            ("size-sweep: ≥ 1.0× LibTorch at every size, 1 thread", "| not measured | - |"),
            ("cnn: ≥ 1.5× LibTorch steps/s, 2 thread", "| not measured | - |"),
            # Judged on the runs with the core alone where there are any, every run's median beside it.
            ("op-overhead: ≤ 150 ns per elementwise op (add, mul, relu), 1 thread",
             "| highest 120.0 ns (add) with the core alone (2/3 runs); over every run: highest 200.0 ns (add) | yes |"),
            ("op-overhead: ≤ 150 ns per elementwise op (add, mul, relu), 2 thread",
             "| highest 160.0 ns (add); no run had the core alone | no |"),
            ("op-overhead: ≥ 8× LibTorch per elementwise op (add, mul, relu), 1 thread", "| lowest 10.00× (add) | yes |"),
            ("memory: nabla peak RSS ≤ LibTorch's (mlp-fmnist), 1 thread", "| nabla ÷ LibTorch = 0.38 | yes |"),
            ("memory: 0 system allocations per step after the first steps, 1 thread", "| 0 per step | yes |"),
            ("memory: 0 system allocations per step after the first steps, 2 thread", "| 0.5 per step | no |"),
        ]
        for start, end in rows:
            self.assertTrue(target(start).endswith(end), f"{start}: {target(start)}")
        self.assertIn("Not built, so not run: `bench_sweep`, `bench_cnn`.", text)
        self.assertIn("## size-sweep\n\nNot measured", text)
        self.assertIn("OMP_NUM_THREADS=2 ", text)

        # Every JSON line is in the raw file, tagged with its rep and mode (the chatter is not).
        with open(self.raw) as f:
            raw = [json.loads(line) for line in f]
        self.assertEqual(len(raw), 3 * 2 * (12 + 15) + 3 * 15)  # per run: 12 overhead lines, 15 mlp lines
        self.assertEqual(sum(r["run_mode"] == "accuracy" for r in raw), 45)
        self.assertEqual(sorted({r["run_rep"] for r in raw}), [1, 2, 3])

    def test_all_four_quick(self):
        self.stub("bench_overhead", OVERHEAD)
        self.stub("bench_mlp", MLP)
        self.stub("bench_sweep", SWEEP)
        self.stub("bench_cnn", CNN)
        proc, text = self.run_all("--reps", "1", "--quick", "--args", "bench_cnn=--epochs 1 --tiny")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        calls = self.calls()
        self.assertEqual(len(calls), 8)  # no accuracy run
        self.assertIn(["bench_cnn", "2", ["--epochs", "1", "--tiny"]], calls)
        self.assertNotIn("Not built", text)
        # Sizes sort by their numbers, and the sweep's worst size is named.
        self.assertLess(text.index("| 128x64 |"), text.index("| 1024x3 |"))
        self.assertLess(text.index("| 1024x3 |"), text.index("| 4096x3 |"))
        self.assertIn("| 4096x3 | 1,000 | 1 | 97.0 | 100.0 | - | 0.97× | - |", text)
        self.assertIn("| size-sweep: ≥ 1.0× LibTorch at every size, 1 thread(s) | lowest 0.97× (4096x3) | no |",
                      text)
        self.assertIn("| size-sweep: ≥ 1.0× LibTorch at every size, 2 thread(s) | lowest 1.02× (4096x3) | yes |",
                      text)
        self.assertIn("| cnn: ≥ 1.5× LibTorch steps/s, 1 thread(s) | 1.60× | yes |", text)
        self.assertIn("| cnn: ≥ 1.5× LibTorch steps/s, 2 thread(s) | 1.40× | no |", text)
        self.assertIn("| LibTorch 9.9.9 | 2 | 100.0 | 1.40× | 88.10% | 500 MiB |", text)
        self.assertIn("not run (--quick)", text)
        self.assertIn("| memory: 0 system allocations per step after the first steps, 1 thread(s) | 0 per step | yes |",
                      text)
        self.assertIn("| nabla | 1 | 230 MiB | - | 0.00 | 60 |", text)
        self.assertNotIn("999", text)
        self.assertIn("Accuracy check (10 epochs): not run", text)

    def test_no_executables(self):
        proc, _ = self.run_all("--reps", "1")
        self.assertEqual(proc.returncode, 1)
        self.assertFalse(os.path.exists(self.out))

    def test_bad_lines_are_skipped(self):
        run_all = load_run_all()
        records = run_all.parse_lines('{"bench": "x", "impl": "nabla", "threads": 1, "v": nan}\n'
                                      '{"bench": "x", "impl": "nabla", "threads": 1, "v": 2.0}\nplain text\n', "test")
        self.assertEqual(records, [{"bench": "x", "impl": "nabla", "threads": 1, "v": 2.0}])

    def test_cells_split_by_text_fields_and_threads(self):
        run_all = load_run_all()
        records = [{"bench": "b", "impl": "nabla", "threads": t, "op": op, "ns": ns, "run_rep": rep,
                    "run_mode": "timing"}
                   for t, op, ns, rep in [(1, "add", 1.0, 1), (1, "add", 5.0, 2), (1, "add", 3.0, 3),
                                          (2, "add", 7.0, 1), (1, "mul", 9.0, 1)]]
        cells = run_all.Cells(run_all.aggregate(records))
        self.assertEqual(cells.one(bench="b", op="add", threads=1)["ns"], 3.0)
        self.assertEqual(cells.one(bench="b", op="add", threads=1)["n_runs"], 3)
        self.assertEqual(cells.one(bench="b", op="add", threads=2)["ns"], 7.0)
        self.assertEqual(cells.one(bench="b", op="mul", threads=1)["ns"], 9.0)
        self.assertIsNone(cells.one(bench="b", op="add", threads=1, vs="libtorch"))
        self.assertIsNone(cells.one(mode="accuracy", bench="b"))


if __name__ == "__main__":
    unittest.main()
