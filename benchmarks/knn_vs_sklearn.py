#!/usr/bin/env python3
"""strata's CPU k-NN against numpy (BLAS Gram in row blocks + argpartition) and scikit-learn's brute-force
NearestNeighbors(metric="cosine", algorithm="brute") over a grid of n x D, same data, one run.

Per cell: writes one float32 safetensors file (low rank plus noise, so neighbours have structure), times strata
(dev.strata.bench.KnnTiming: in-JVM timing, runs in one JVM, first run includes JIT warm-up), numpy and
scikit-learn (each `--runs` times, median reported), and reports neighbour-set agreement with numpy.
Cells whose estimated time exceeds --max-cell-seconds (per implementation and run) are skipped and listed.

Usage: knn_vs_sklearn.py --classpath CP [--java JAVA] [--n 2048,8192,32768,65536] [--dim 512,4096] [--smoke]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402


def sklearn_knn(x, k):
    from sklearn.neighbors import NearestNeighbors
    nn = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(x)
    _, idx = nn.kneighbors(x)
    n = x.shape[0]
    out = np.empty((n, k), dtype=np.int32)
    for i in range(n):
        row = idx[i][idx[i] != i]
        out[i] = row[:k]
    return out


def data(n, dim, seed=20250411):
    rng = np.random.default_rng(seed)
    rank = 64
    return (rng.standard_normal((n, rank), dtype=np.float32) @ rng.standard_normal((rank, dim), dtype=np.float32)
            + 2.0 * rng.standard_normal((n, dim), dtype=np.float32)).astype(np.float32)


def timed(fn, runs):
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classpath", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--n", default="2048,8192,32768,65536")
    p.add_argument("--dim", default="512,4096")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--runs", type=int, default=3, help="runs per cell below --big-n (median reported)")
    p.add_argument("--big-n", type=int, default=32768, help="cells with n >= this get one run each")
    p.add_argument("--gflops", type=float, default=60.0, help="assumed Gram throughput for the skip estimate")
    p.add_argument("--max-cell-seconds", type=float, default=300.0)
    p.add_argument("--work", default=str(bl.ROOT / "build" / "bench-knn"))
    p.add_argument("--results", default=str(bl.HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true")
    a = p.parse_args()
    if a.smoke:
        a.n, a.dim, a.runs = "512", "64", 1
    import sklearn
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    title = f"k-NN: strata vs numpy vs scikit-learn brute force, k={a.k}"
    lines = bl.header_lines(title, a.java, f", scikit-learn {sklearn.__version__}")
    lines += [f"Threads: all {os.cpu_count()} cores for every implementation (BLAS threads for numpy/sklearn). "
              f"Runs per cell: {a.runs} below n={a.big_n}, 1 at and above (median of the runs; strata's first "
              "run in a fresh JVM includes JIT warm-up and is in the median). Agreement = M_k against numpy "
              "(1.0 = same neighbour sets).", "",
              "| n | D | strata s | numpy s | sklearn s | strata/numpy | strata/sklearn | strata agree | "
              "sklearn agree | load avg |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    skipped = []
    for n in map(int, a.n.split(",")):
        for dim in map(int, a.dim.split(",")):
            est = 2.0 * n * n * dim / (a.gflops * 1e9)
            if est > a.max_cell_seconds:
                skipped.append(f"n={n}, D={dim} (estimated {est:.0f} s per implementation and run at "
                               f"{a.gflops:.0f} GFLOP/s)")
                print("skip", skipped[-1])
                continue
            runs = 1 if n >= a.big_n else a.runs
            load = bl.load_average()
            x = data(n, dim)
            acts = work / "acts.safetensors"
            bl.write_safetensors(acts, {"layers.0": x[:2], "final_norm": x}, {"model": "synthetic"})
            out = work / "strata_knn.npy"
            cmd = [a.java, "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                   "-cp", a.classpath, "dev.strata.bench.KnnTiming", str(acts), str(a.k), str(out), str(runs)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit("strata failed:\n" + proc.stderr)
            strata_runs = [float(m) for m in re.findall(r"run \d+ ([\d.]+) s", proc.stdout)]
            ours = np.load(out)
            np_runs, ref = timed(lambda: bl.numpy_knn(x, a.k), runs)
            sk_runs, sk = timed(lambda: sklearn_knn(x, a.k), runs)
            s, npy, skl = bl.median(strata_runs), bl.median(np_runs), bl.median(sk_runs)
            row = (f"| {n} | {dim} | {s:.3f} | {npy:.3f} | {skl:.3f} | {s / npy:.2f} | {s / skl:.2f} | "
                   f"{bl.mutual_knn(ours, ref):.6f} | {bl.mutual_knn(sk, ref):.6f} | {load} |")
            print(row, flush=True)
            lines.append(row)
            acts.unlink()
    if skipped:
        lines += ["", "Skipped (over the time limit per cell): " + "; ".join(skipped) + "."]
    text = "\n".join(lines + [""])
    print(text)
    if not a.smoke:
        bl.append_results(a.results, text)


if __name__ == "__main__":
    main()
