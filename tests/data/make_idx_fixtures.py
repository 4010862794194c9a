"""Writes the gzip IDX fixtures of tests/trainer/test_data.cpp into tests/data/idx/:
ok-idx1-ubyte.gz (256 random ubyte values, random.seed(0)) and truncated-idx1-ubyte.gz (its first half: a gzip stream cut short).
Run: /usr/bin/python3 tests/data/make_idx_fixtures.py"""
import gzip
import os
import random

random.seed(0)
values = bytes(random.randrange(256) for _ in range(256))
data = bytes([0, 0, 0x08, 1, 0, 0, 1, 0]) + values  # ubyte, 1 dim of 256
z = gzip.compress(data, mtime=0)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "idx")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "ok-idx1-ubyte.gz"), "wb").write(z)
open(os.path.join(out, "truncated-idx1-ubyte.gz"), "wb").write(z[: len(z) // 2])
print("first values:", list(values[:4]), "sum:", sum(values))
