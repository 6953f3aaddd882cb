#!/usr/bin/env python3
"""strata's CPU k-NN against numpy on the same data, in one run.

Writes a safetensors activations file (one layer, n x D float32, low rank plus noise so the
neighbours have structure), runs strata (dev.strata.bench.KnnTiming, in-JVM timing) and numpy
(float32 Gram through numpy's BLAS in row blocks, argpartition, then a sort by (-similarity,
index)), reports the agreement of the neighbour sets and appends a table to RESULTS.md.

Usage: knn_vs_numpy.py --classpath CP [--java JAVA] [--n 16384] [--dim 1024] [-k 10] [--work DIR]
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchlib import HERE, blas_name, machine, numpy_knn, write_safetensors


def numpy_gram_only(x, block=2048):
    """The BLAS part alone (normalise, then the row-block products), for the kernel comparison."""
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    for start in range(0, unit.shape[0], block):
        unit[start:start + block] @ unit.T


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classpath", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--n", type=int, default=16384)
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", default=str(HERE.parent / "build" / "bench-knn"))
    p.add_argument("--results", default=str(HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true", help="seconds-long run at n=512, D=64; nothing appended")
    a = p.parse_args()
    if a.smoke:
        a.n, a.dim, a.runs = 512, 64, 1
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(20250411)
    rank = 64
    x = (rng.standard_normal((a.n, rank), dtype=np.float32) @ rng.standard_normal((rank, a.dim), dtype=np.float32)
         + 2.0 * rng.standard_normal((a.n, a.dim), dtype=np.float32)).astype(np.float32)
    acts = work / "acts.safetensors"
    # hf view of layers.0 + final_norm is just final_norm: the one layer both sides use.
    write_safetensors(acts, {"layers.0": x[:2], "final_norm": x}, {"model": "synthetic"})
    x_read = x.copy()

    strata_out = work / "strata_knn.npy"
    cmd = [a.java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
           "-cp", a.classpath, "dev.strata.bench.KnnTiming", str(acts), str(a.k), str(strata_out), str(a.runs)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    strata_wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit("strata failed:\n" + proc.stderr)
    runs = [float(m) for m in re.findall(r"run \d+ ([\d.]+) s", proc.stdout)]
    backend = re.search(r"backend (.+)", proc.stdout).group(1)

    numpy_runs = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        ref = numpy_knn(x_read, a.k)
        numpy_runs.append(time.perf_counter() - t0)

    gram_runs = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        numpy_gram_only(x_read)
        gram_runs.append(time.perf_counter() - t0)

    ours = np.load(strata_out)
    overlap = np.mean([len(set(ours[i]) & set(ref[i])) / a.k for i in range(a.n)])
    identical_rows = np.mean(np.all(ours == ref, axis=1))

    model, cores, mem = machine()
    jdk = subprocess.run([a.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    flops = 2.0 * a.n * a.n * a.dim
    rows = [
        ("strata (" + backend + "), first run", runs[0]),
        ("strata, best of %d runs in one JVM" % len(runs), min(runs)),
        ("numpy, first run", numpy_runs[0]),
        ("numpy, best of %d runs" % len(numpy_runs), min(numpy_runs)),
        ("numpy Gram products only (no top-k), best of %d" % len(gram_runs), min(gram_runs)),
    ]
    lines = [
        "",
        f"## k-NN vs numpy, n={a.n}, D={a.dim}, k={a.k} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {model}, {cores} cores, {mem:.0f} GiB RAM; {platform.system()} {platform.release()}",
        f"JDK: {jdk}; numpy {np.__version__}, BLAS {blas_name()}; "
        f"load average at the end {os.getloadavg()[0]:.1f} (other work on the machine slows both sides)",
        "",
        "Whole k-NN (normalise, Gram, top-k) unless noted. 'n^2 D rate' = 2 n^2 D / time: numpy computes"
        " all n^2 products, strata each symmetric pair once (half), so its rate is an equivalent figure.",
        "",
        "| implementation | seconds | n^2 D rate, GFLOP/s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {sec:.3f} | {flops / sec / 1e9:.0f} |" for name, sec in rows]
    lines += [
        "",
        f"strata process wall time (JVM start, {len(runs)} runs, writing .npy): {strata_wall:.2f} s. "
        f"Neighbour-set agreement with numpy: {overlap:.6f}; rows identical in order: {identical_rows:.6f}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if a.smoke:
        return
    results = Path(a.results)
    if not results.exists():
        results.write_text("# strata benchmark results\n\nAppended by the benchmark scripts; newest last.\n")
    with results.open("a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
