#!/usr/bin/env python3
"""The all-pairs comparison of a study: M_k for every pair of layers of every pair of models (self-pairs
included), strata's compare engine (NeighbourSimilarity.allPairs via dev.strata.bench.AllPairsTiming) against a
straightforward numpy implementation of M, same neighbour tables, one run.

Tables: --models random int32 [layers, n, k] tables (distinct neighbours, never the prompt itself, fixed seed).
numpy: for each pair and each layer f of A, a boolean membership matrix [n, n] of N_k^f, then for all layers g of
B a gather of B's neighbours and a mean: sum_t |N_f(t) & N_g(t)| / (n k).

Usage: compare_all_pairs.py --classpath CP [--java JAVA] [--models 10] [--layers 30] [--n 2048] [-k 10] [--smoke]
"""
import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402


def random_table(rng, layers, n, k):
    """k distinct neighbours per row, none equal to the row: offsets 1..n-1 from the row, rows with a repeat
    drawn again (about k^2/2n of them per round)."""
    offsets = rng.integers(1, n, size=(layers, n, k))
    while True:
        s = np.sort(offsets, axis=2)
        bad = np.any(s[:, :, 1:] == s[:, :, :-1], axis=2)
        if not bad.any():
            break
        offsets[bad] = rng.integers(1, n, size=(int(bad.sum()), k))
    rows = np.arange(n)[None, :, None]
    return ((rows + offsets) % n).astype(np.int32)


def numpy_all_pairs(tables):
    layers, n, k = tables[0].shape
    out = []
    rows = np.arange(n)[:, None]
    for i in range(len(tables)):
        for j in range(i, len(tables)):
            a, b = tables[i], tables[j]
            m = np.empty((layers, layers))
            for f in range(layers):
                member = np.zeros((n, n), dtype=bool)
                member[rows, a[f]] = True
                # hits[g, t, q]: is B's q-th neighbour of t at layer g among A's neighbours of t at layer f?
                m[f] = member[rows[None], b].sum(axis=(1, 2)) / (n * k)
            out.append(m)
    return np.stack(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classpath", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--models", type=int, default=10)
    p.add_argument("--layers", type=int, default=30)
    p.add_argument("--n", type=int, default=2048)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", default=str(bl.ROOT / "build" / "bench-compare"))
    p.add_argument("--results", default=str(bl.HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true")
    a = p.parse_args()
    if a.smoke:
        a.models, a.layers, a.n, a.runs = 3, 4, 256, 1
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20250411)
    tables, files = [], []
    for m in range(a.models):
        t = random_table(rng, a.layers, a.n, a.k)
        tables.append(t)
        files.append(work / f"model-{m}.knn.npy")
        np.save(files[-1], t)
    load = bl.load_average()
    out = work / "strata_pairs.npy"
    cmd = [a.java, "-cp", a.classpath, "dev.strata.bench.AllPairsTiming", str(out), str(a.runs)] + list(map(str, files))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit("strata failed:\n" + proc.stderr)
    strata_runs = [float(x) for x in re.findall(r"run \d+ ([\d.]+) s", proc.stdout)]
    np_runs = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        ref = numpy_all_pairs(tables)
        np_runs.append(time.perf_counter() - t0)
    ours = np.load(out)
    diff = float(np.max(np.abs(ours - ref)))
    pairs = a.models * (a.models + 1) // 2
    cells = pairs * a.layers * a.layers
    s, npy = bl.median(strata_runs), bl.median(np_runs)
    lines = bl.header_lines(f"All-pairs comparison: {a.models} models x {a.layers} layers, n={a.n}, k={a.k}, "
                            f"M_k", a.java)
    lines += [f"{pairs} model pairs (self-pairs included), {cells} layer pairs; random neighbour tables. "
              f"Median of {a.runs} runs (strata's first run includes JIT warm-up). Load average at start {load}.",
              "",
              "| implementation | seconds (median) | runs | layer pairs/s |", "|---|---:|---|---:|",
              f"| strata NeighbourSimilarity.allPairs | {s:.3f} | {', '.join(f'{x:.3f}' for x in strata_runs)} | "
              f"{cells / s:.0f} |",
              f"| numpy (membership matrix + gather) | {npy:.3f} | {', '.join(f'{x:.3f}' for x in np_runs)} | "
              f"{cells / npy:.0f} |",
              "",
              f"strata/numpy time ratio {s / npy:.3f}; strata process wall (JVM start, reading tables, all runs) "
              f"{wall:.2f} s; max |M_strata - M_numpy| = {diff:.2e}.", ""]
    text = "\n".join(lines)
    print(text)
    if diff > 1e-9:
        sys.exit(f"strata and numpy disagree: max difference {diff}")
    if not a.smoke:
        bl.append_results(a.results, text)


if __name__ == "__main__":
    main()
