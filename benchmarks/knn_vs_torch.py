#!/usr/bin/env python3
"""PyTorch baseline for the CUDA k-NN (written without a GPU; not yet run): normalise, Gram by
torch.mm in row tiles, torch.topk per tile with the diagonal masked. Default n = 65536, D = 4096,
k = 10, float32 (TF32 off), as in CudaKnnBench. Prints the median of 5 timed runs after a warm-up,
and with --compare FILE.npy the share of rows whose neighbour list equals strata's (int32 [n, k]).

Note: torch.topk does not promise strata's tie rule (lower index first) and cuBLAS's summation order
differs from strata's exact definition, so a few rows with near-ties may differ; strata's re-check
is what makes its own answer exact.

  python3 benchmarks/knn_vs_torch.py [--n 65536] [--dim 4096] [--k 10] [--tile 8192] [--tf32]
"""
import argparse
import statistics
import time

import torch


def knn(x, k, tile):
    n = x.shape[0]
    u = torch.nn.functional.normalize(x.double(), dim=1).float()
    out = torch.empty((n, k), dtype=torch.int64, device=x.device)
    for r0 in range(0, n, tile):
        r1 = min(n, r0 + tile)
        s = torch.mm(u[r0:r1], u.T)
        idx = torch.arange(r0, r1, device=x.device)
        s[idx - r0, idx] = float("-inf")
        out[r0:r1] = torch.topk(s, k, dim=1, largest=True, sorted=True).indices
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=65536)
    p.add_argument("--dim", type=int, default=4096)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--tile", type=int, default=8192)
    p.add_argument("--tf32", action="store_true")
    p.add_argument("--compare", default=None)
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to PyTorch")
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    g = torch.Generator(device="cpu").manual_seed(42)
    x = torch.randn(a.n, a.dim, generator=g).cuda()
    knn(x, a.k, a.tile)
    torch.cuda.synchronize()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        res = knn(x, a.k, a.tile)
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: n={a.n} D={a.dim} k={a.k} "
          f"tf32={a.tf32} median {statistics.median(times):.3f} s (data already on the GPU)")
    if a.compare:
        import numpy as np
        theirs = np.load(a.compare)
        theirs = theirs.reshape(-1, a.n, a.k)[-1]
        same = (res.cpu().numpy() == theirs).all(axis=1).mean()
        print(f"rows identical to {a.compare}: {same:.4%}")


if __name__ == "__main__":
    main()
