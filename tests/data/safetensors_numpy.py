#!/usr/bin/env python3
"""The safetensors format with NumPy alone (the `safetensors` package is not in Debian 12).

It shows how little a reader needs, and lets tests/nn/test_serialize.cpp prove
that nabla's files open in Python and that Python's files open in nabla:

  python3 safetensors_numpy.py to-npy   FILE.safetensors OUTDIR   # each tensor -> OUTDIR/<name>.npy
  python3 safetensors_numpy.py from-npy OUTFILE NAME=FILE.npy ... # .npy files -> one .safetensors

With the package installed, `safetensors.numpy.load_file(path)` does the same as read().
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}


def read(path):
    """Returns ({name: array}, metadata). BF16 comes back as float32."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        raw = data[begin:end]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(e["shape"])
    return out, meta


def write(path, tensors, metadata=None, bf16=()):
    """Writes {name: array}; names in `bf16` are stored as bfloat16 (truncated float32)."""
    header, chunks, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.array(arr, order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
        if name in bf16:
            raw = (arr.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
            code = "BF16"
        else:
            raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
            code = CODES[arr.dtype]
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main(argv):
    if len(argv) == 4 and argv[1] == "to-npy":
        tensors, meta = read(argv[2])
        os.makedirs(argv[3], exist_ok=True)
        for name, arr in tensors.items():
            np.save(os.path.join(argv[3], name + ".npy"), arr)
        with open(os.path.join(argv[3], "metadata.json"), "w") as f:
            json.dump(meta, f)
        return 0
    if len(argv) >= 3 and argv[1] == "from-npy":
        tensors = {}
        for item in argv[3:]:
            name, file = item.split("=", 1)
            tensors[name] = np.load(file)
        write(argv[2], tensors, {"written_by": "numpy"})
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
