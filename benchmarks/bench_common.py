"""What the PyTorch benchmark twins share (bench_common.h is the C++ side)."""


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
