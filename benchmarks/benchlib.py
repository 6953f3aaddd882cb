"""Helpers shared by the side-by-side benchmark scripts: machine facts, safetensors I/O, exact k-NN, M_k,
and appending a section to RESULTS.md. numpy only."""
import json
import os
import platform
import re
import statistics
import struct
import subprocess
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    for name, array in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for array in tensors.values():
            f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())


def read_safetensors(path):
    """{name: float32 array} of a safetensors file (F32 tensors only, as strata writes them)."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        base = 8 + size
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, expected F32")
        start, stop = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start:base + stop], dtype="<f4").reshape(info["shape"])
    return out


def unit_rows(x):
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def numpy_knn(x, k, block=2048):
    """Exact cosine k-NN in float32 (BLAS Gram in row blocks + argpartition), ties by lower index
    wherever argpartition keeps both candidates."""
    unit = unit_rows(x)
    n = unit.shape[0]
    out = np.empty((n, k), dtype=np.int32)
    for start in range(0, n, block):
        stop = min(n, start + block)
        sims = unit[start:stop] @ unit.T
        sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        kk = min(k + 1, n - 1)
        cand = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        cand_sims = np.take_along_axis(sims, cand, axis=1)
        order = np.lexsort((cand, -cand_sims), axis=1)[:, :k]
        out[start:stop] = np.take_along_axis(cand, order, axis=1)
    return out


def mutual_knn(a, b):
    """M_k of two [n, k] neighbour tables: mean over prompts of |N_a(t) & N_b(t)| / k (method.md section 5)."""
    n, k = a.shape
    return float(np.mean([len(set(a[i]).intersection(b[i])) / k for i in range(n)]))


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.+)", lscpu)
    mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (model.group(1).strip() if model else platform.processor()), os.cpu_count(), mem_kb / 2**20


def load_average():
    return "%.2f %.2f %.2f" % os.getloadavg()


def jdk_version(java):
    try:
        return subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return f"unknown ({e})"


def strata_version():
    try:
        sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    except Exception:  # noqa: BLE001
        sha = "?"
    return f"0.1.0 ({sha})"


def blas_name():
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001
        return "unknown"


def header_lines(title, java=None, extra_versions=""):
    model, cores, mem = machine()
    lines = [
        "",
        f"## {title} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {model}, {cores} cores, {mem:.0f} GiB RAM; {platform.system()} {platform.release()}; "
        f"load average at start {load_average()}",
        f"strata {strata_version()}" + (f"; JDK: {jdk_version(java)}" if java else "")
        + f"; Python {platform.python_version()}, numpy {np.__version__} (BLAS {blas_name()})" + extra_versions,
        "",
    ]
    return lines


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def append_results(path, text):
    results = Path(path)
    if not results.exists():
        results.write_text("# strata benchmark results\n\nAppended by the benchmark scripts; newest last.\n")
    with results.open("a") as f:
        f.write(text + "\n")
