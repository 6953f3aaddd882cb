#!/usr/bin/env python3
"""strata's CPU k-NN against numpy on the same data, in one run.

Writes a safetensors activations file (--layers layers, n x D float32, low rank plus noise so the
neighbours have structure), runs strata (dev.strata.bench.KnnTiming, in-JVM timing of the first layer)
and numpy (float32 Gram through numpy's BLAS in row blocks, argpartition, then a sort by (-similarity,
index)), reports the agreement of the neighbour sets and appends a table to RESULTS.md.

With --strata BIN it also times the whole `strata knn` process on every layer against numpy on the
same layers, in interleaved rounds (the issue-16 comparison: strata / numpy, lower is better). With
--peak it builds fp32_peak.c (gcc) and measures the machine's float32 FMA peak, and states strata's
Gram rate as a share of it. numpy's BLAS, its kernel (threadpoolctl) and OPENBLAS_CORETYPE are
recorded: OpenBLAS picks its kernel from the CPU unless that variable forces one, so run with
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` for numpy at its best.

Usage: knn_vs_numpy.py --classpath CP [--java JAVA] [--n 16384[,32768]] [--dim 1024] [-k 10]
                       [--layers 1] [--runs 3] [--strata bin/strata] [--peak] [--work DIR] [--smoke]
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchlib import HERE, append_results, blas_name, machine, numpy_knn, write_safetensors


def numpy_gram_only(x, block=2048):
    """The BLAS part alone (normalise, then the row-block products), for the kernel comparison."""
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    for start in range(0, unit.shape[0], block):
        unit[start:start + block] @ unit.T


def blas_kernel():
    """What threadpoolctl says numpy's BLAS runs: library, version, kernel (architecture) and threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, "
                     f"{p.get('num_threads')} threads" for p in pools) or "no BLAS thread pool found"


def fp32_peak(work, seconds):
    """{threads: GFLOP/s} and the ISA from fp32_peak.c, built here with gcc."""
    binary = work / "fp32-peak"
    subprocess.run(["gcc", "-O3", "-pthread", "-o", str(binary), str(HERE / "fp32_peak.c")], check=True)
    out = subprocess.run([str(binary), str(seconds)], capture_output=True, text=True, check=True).stdout
    rates = {int(t): float(g) for t, g, _ in re.findall(r"threads (\d+) GFLOPS ([\d.]+) (\S+)", out)}
    return rates, re.search(r"GFLOPS [\d.]+ (\S+)", out).group(1)


def synthetic_layer(rng, n, dim, rank=64):
    return (rng.standard_normal((n, rank), dtype=np.float32) @ rng.standard_normal((rank, dim), dtype=np.float32)
            + 2.0 * rng.standard_normal((n, dim), dtype=np.float32)).astype(np.float32)


def write_layers(path, layers):
    """An activations file whose hf view is exactly `layers`: layers.0 .. layers.(L-2), final_norm (layers.(L-1),
    which the hf view leaves out, is a 2-row stand-in)."""
    tensors = {f"layers.{i}": x for i, x in enumerate(layers[:-1])}
    tensors[f"layers.{len(layers) - 1}"] = layers[-1][:2]
    tensors["final_norm"] = layers[-1]
    write_safetensors(path, tensors, {"model": "synthetic"})


def agreement(ours, ref, k):
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(ours, ref)])
    return overlap, np.mean(np.all(ours == ref, axis=1))


def one_size(a, n, peak, work):
    rng = np.random.default_rng(20250411)
    layers = [synthetic_layer(rng, n, a.dim) for _ in range(a.layers)]
    acts = work / "acts.safetensors"
    write_layers(acts, layers)

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

    # KnnTiming and the agreement check take the first layer of the hf view, layers[0].
    # Interleaved rounds: the whole strata process on every layer, numpy on the same layers, numpy's Gram alone.
    process_runs, numpy_runs, gram_runs = [], [], []
    process_out = work / "strata_process_knn.npy"
    for _ in range(a.runs):
        if a.strata:
            t0 = time.perf_counter()
            subprocess.run([a.strata, "knn", "--activations", str(acts), "-k", str(a.k), "--out", str(process_out),
                            "--quiet"], check=True, stdout=subprocess.DEVNULL)
            process_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        refs = [numpy_knn(x, a.k) for x in layers]
        numpy_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        numpy_gram_only(layers[0])
        gram_runs.append(time.perf_counter() - t0)

    overlap, identical_rows = agreement(np.load(strata_out), refs[0], a.k)
    model, cores, mem = machine()
    jdk = subprocess.run([a.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    flops = 2.0 * n * n * a.dim
    rows = [
        ("strata (" + backend + "), first run", runs[0]),
        ("strata, best of %d runs in one JVM" % len(runs), min(runs)),
        ("numpy, first round (per layer)", numpy_runs[0] / a.layers),
        ("numpy, best of %d rounds (per layer)" % len(numpy_runs), min(numpy_runs) / a.layers),
        ("numpy Gram products only (no top-k), best of %d" % len(gram_runs), min(gram_runs)),
    ]
    lines = [
        "",
        f"## k-NN vs numpy, n={n}, D={a.dim}, k={a.k}, {a.layers} layer(s) "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {model}, {cores} cores, {mem:.0f} GiB RAM; {platform.system()} {platform.release()}",
        f"JDK: {jdk}; numpy {np.__version__}, BLAS {blas_name()}: {blas_kernel()}; OPENBLAS_CORETYPE "
        + (os.environ["OPENBLAS_CORETYPE"] if "OPENBLAS_CORETYPE" in os.environ else "unset")
        + f"; load average at the end {os.getloadavg()[0]:.1f} (other work on the machine slows both sides)",
        "",
        "Whole k-NN (normalise, Gram, top-k) of one layer unless noted. 'n^2 D rate' = 2 n^2 D / time: numpy"
        " computes all n^2 products, strata each symmetric pair once (half), so its rate is an equivalent figure.",
        "",
        "| implementation | seconds | n^2 D rate, GFLOP/s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {sec:.3f} | {flops / sec / 1e9:.0f} |" for name, sec in rows]
    lines += [
        "",
        f"strata KnnTiming process wall time (JVM start, {len(runs)} runs, writing .npy): {strata_wall:.2f} s. "
        f"Neighbour-set agreement with numpy: {overlap:.6f}; rows identical in order: {identical_rows:.6f}.",
    ]
    if a.strata:
        process_overlap = np.mean([agreement(ours, ref, a.k)[0] for ours, ref in zip(np.load(process_out), refs)])
        lines += [
            "",
            f"`strata knn`, whole process on all {a.layers} layer(s), against numpy's k-NN of the same layers, "
            f"{len(process_runs)} interleaved round(s), medians: strata {statistics.median(process_runs):.2f} s, "
            f"numpy {statistics.median(numpy_runs):.2f} s, ratio strata / numpy "
            f"**{statistics.median(process_runs) / statistics.median(numpy_runs):.2f}** "
            f"(rounds: strata {', '.join(f'{s:.2f}' for s in process_runs)}; "
            f"numpy {', '.join(f'{s:.2f}' for s in numpy_runs)}). Agreement with numpy over all layers: "
            f"{process_overlap:.6f}.",
        ]
    if peak:
        rates, isa = peak
        # strata computes each symmetric pair once: n^2 D flops in all (2 flops per product, n^2 / 2 pairs).
        strata_rate = n * n * a.dim / min(runs) / 1e9
        lines += [
            "",
            f"FP32 FMA peak (fp32_peak.c, {isa}, measured just before): "
            + ", ".join(f"{t} thread(s) {g:.0f} GFLOP/s" for t, g in sorted(rates.items()))
            + f". strata's k-NN of one layer, best in-JVM run, does n^2 D = {n * n * a.dim / 1e9:.0f} GFLOP "
            f"(each pair once) at {strata_rate:.0f} GFLOP/s: **{strata_rate / max(rates.values()):.2f}** of the "
            f"all-core peak (numpy's Gram alone: {flops / min(gram_runs) / 1e9 / max(rates.values()):.2f}).",
        ]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--classpath", required=True)
    p.add_argument("--java", default="java")
    p.add_argument("--n", default="16384", help="row counts, comma-separated")
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--layers", type=int, default=1, help="layers in the file (strata knn and numpy do them all)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--strata", help="bin/strata: also time the whole `strata knn` process")
    p.add_argument("--peak", action="store_true", help="measure the FP32 FMA peak (fp32_peak.c, needs gcc)")
    p.add_argument("--work", default=str(HERE.parent / "build" / "bench-knn"))
    p.add_argument("--results", default=str(HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true", help="seconds-long run at n=512, D=64; nothing appended")
    a = p.parse_args()
    sizes = [int(s) for s in a.n.split(",")]
    if a.smoke:
        sizes, a.dim, a.runs = [512], 64, 1
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        peak = fp32_peak(work, 0.05 if a.smoke else 1.0) if a.peak else None
        text = one_size(a, n, peak, work)
        print(text)
        if not a.smoke:
            append_results(a.results, text)


if __name__ == "__main__":
    main()
