"""What the PyTorch benchmark twins share (bench_common.h is the C++ side)."""


def load_fashion_mnist(data_dir, split):
    """Fashion-MNIST's `split` ("train" or "t10k") as NumPy arrays: images
    [N, 28, 28] float32 in [0, 1] and labels [N] int64, from the IDX files
    (gzip or plain) in data_dir - the same data nabla's IDX reader gives the
    C++ side."""
    import gzip
    import os

    import numpy as np

    def read_idx(stem):
        path = os.path.join(data_dir, f"{split}-{stem}")
        path = path + ".gz" if os.path.exists(path + ".gz") else path
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            raw = f.read()
        ndim = raw[3]
        shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)

    return read_idx("images-idx3-ubyte").astype(np.float32) / 255.0, read_idx("labels-idx1-ubyte").astype(np.int64)


def loaded_blas():
    """The BLAS actually mapped into this process: Debian's torch links the
    generic libblas.so.3 (loaded at import), and the alternatives system
    decides whether that is OpenBLAS or the ~30x slower reference BLAS."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "libblas" in line and "/" in line:
                return line[line.index("/"):].strip()
    return "unknown"


def openblas_core():
    """The kernels OpenBLAS picked for this CPU at load time (a CPU newer than
    the OpenBLAS release may get the generic SSE3 "Prescott" ones)."""
    import ctypes
    path = loaded_blas()  # torch loads it privately: open it by its path
    try:
        fn = ctypes.CDLL(path if path != "unknown" else None).openblas_get_corename
    except (AttributeError, OSError):
        return "not OpenBLAS"
    fn.restype = ctypes.c_char_p
    return fn().decode()


def time_steps(step, reps, min_rep_time, warmup_time=0.3):
    """The size-sweep timing protocol (bench_sweep.h, time_steps): untimed
    steps for warmup_time seconds (at least 2), which also give the step
    time; then `reps` timed reps of enough steps to last min_rep_time (at
    least 1). Returns steps/s of each rep."""
    import math
    import time
    warm, start = 0, time.perf_counter()
    while warm < 2 or time.perf_counter() - start < warmup_time:
        step()
        warm += 1
    step_s = (time.perf_counter() - start) / warm
    steps = max(1, math.ceil(min_rep_time / step_s))
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps / (time.perf_counter() - start))
    return rates
