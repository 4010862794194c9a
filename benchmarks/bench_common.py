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
