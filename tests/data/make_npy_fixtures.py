#!/usr/bin/env python3
"""Writes the .npy fixtures read by tests/tensor/test_npy.cpp (into tests/data/npy/).

Run from anywhere with NumPy installed:  python3 tests/data/make_npy_fixtures.py
The files are tiny and committed, so the C++ tests need no Python to read
them; rerun this only to add or change a fixture (and update the test).
"""
import os

import numpy as np
from numpy.lib import format as npy_format

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")


def save(name, array, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, array)  # version 1.0, exactly what most files in the wild are
    else:
        with open(path, "wb") as f:
            npy_format.write_array(f, array, version=version, allow_pickle=True)
    print(f"{name:24s} descr={npy_format.dtype_to_descr(array.dtype)!r:8s} shape={array.shape}")


def main():
    os.makedirs(OUT, exist_ok=True)
    # --- loadable: one per supported descr and rank ---------------------------------
    save("f4_2x3.npy", (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5) * 0.5)  # '<f4'
    save("f8_1d.npy", np.array([1.5, -2.25, 1e-300, np.pi, np.inf, -0.0], dtype=np.float64))  # '<f8'
    save("i8_2x3x4.npy", np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 1000003 - 9)  # '<i8', 3-D
    save("b1_5.npy", np.array([True, False, False, True, True]))  # '|b1'
    save("u1_4.npy", np.array([0, 1, 200, 255], dtype=np.uint8))  # '|u1' (loads as int64)
    save("f8_scalar.npy", np.array(3.5, dtype=np.float64))  # 0-d
    save("f4_empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))  # empty
    save("f4_v2.npy", np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), version=(2, 0))
    save("i8_v3.npy", np.array([7, -8, 9], dtype=np.int64), version=(3, 0))
    # --- refused: each must raise nabla::Error naming the descr ---------------------
    save("f4_fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    save("f4_bigendian.npy", np.arange(3, dtype=">f4"))
    save("i4.npy", np.arange(3, dtype=np.int32))
    save("c8.npy", np.array([1 + 2j], dtype=np.complex64))
    save("object.npy", np.array([None, "x"], dtype=object))
    save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i8")]))


if __name__ == "__main__":
    main()
