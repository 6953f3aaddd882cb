#!/usr/bin/env python3
"""llama.cpp builds side by side: `strata extract --pooling last` on the same prompts, threads and models, with
each build's libraries (STRATA_NATIVE_DIR), in interleaved rounds (the builds' order rotates every round, so a
machine that speeds up or slows down favours none). Reports per model and build: the median over rounds of the
extraction loop's tokens/s (manifest.json) and of the whole command's wall time, the ratio to the first build, the
CPU backend variant the build loaded (the file's llama_cpu_variant) and whether its vectors are byte-identical to
the first build's (otherwise how many floats differ and the lowest per-prompt cosine over all tensors).

Usage: cpu_variants.py [--build NAME=DIR ...] [--model M.gguf ...] [--n 64] [--max-tokens 128] [--rounds 3] [--smoke]
Builds default to the project's (build/native/cpu/lib); models to the three demo models in models/.
--smoke: 4 prompts, 16 tokens, 1 round, first model only, no RESULTS.md.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402

DEMO_MODELS = ["smollm2-135m-instruct-q4_1.gguf", "gemma3-270m-q4_k_m.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]


def parse_build(text):
    name, sep, folder = text.partition("=")
    if not sep or not name or not Path(folder).is_dir():
        raise argparse.ArgumentTypeError(f"--build {text}: expected NAME=DIR with an existing folder")
    return name, str(Path(folder).resolve())


def first_passages(corpus, n, out):
    lines = [line for line in Path(corpus).read_text().splitlines(keepends=True) if line.strip()][:n]
    if len(lines) < n:
        sys.exit(f"{corpus} has only {len(lines)} passages, asked for {n}")
    out.write_text("".join(lines))


def extract(a, native_dir, model, corpus, out):
    cmd = [a.strata, "extract", "--quiet", "--overwrite", "--model", str(model), "--corpus", str(corpus),
           "--out", str(out), "--max-tokens", str(a.max_tokens), "--pooling", "last", "--threads", str(a.threads)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "STRATA_NATIVE_DIR": native_dir})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"strata extract with {native_dir} failed:\n{proc.stderr}")
    manifest = json.loads((out / "manifest.json").read_text())
    return wall, manifest["run"]["tokens_per_second"], manifest["metadata"].get("llama_cpu_variant", "single backend")


def difference(base, other):
    """'byte-identical', or how many floats differ and the lowest per-prompt cosine over all tensors."""
    a, b = bl.read_safetensors(base), bl.read_safetensors(other)
    differ = sum(int((a[k].view(np.uint32) != b[k].view(np.uint32)).sum()) for k in a)
    if differ == 0:
        return "byte-identical"
    total = sum(a[k].size for k in a)
    cosine = min(float(((x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)).min())
                 for x, y in ((a[k].astype(np.float64), b[k].astype(np.float64)) for k in a))
    return f"{differ} of {total} floats differ, min cosine {cosine:.6f}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", action="append", type=parse_build, help="NAME=DIR of llama.cpp's libraries; repeat")
    p.add_argument("--model", action="append", help="GGUF file; repeat (default: the three demo models)")
    p.add_argument("--corpus", default=str(bl.ROOT / "build" / "corpus" / "default.jsonl"))
    p.add_argument("--strata", default=str(bl.ROOT / "bin" / "strata"))
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    p.add_argument("--classpath", help="unused; benchmarks/venv.sh passes it to every script")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--results", default=str(bl.HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true")
    a = p.parse_args()
    builds = a.build or [parse_build(f"project={bl.ROOT / 'build' / 'native' / 'cpu' / 'lib'}")]
    models = [Path(m) for m in a.model] if a.model else [bl.ROOT / "models" / m for m in DEMO_MODELS]
    if a.smoke:
        a.n, a.max_tokens, a.rounds, models = 4, 16, 1, models[:1]
    work = Path(tempfile.mkdtemp(prefix="cpu-variants-"))
    try:
        corpus = work / "corpus.jsonl"
        first_passages(a.corpus, a.n, corpus)
        lines = bl.header_lines("llama.cpp builds side by side: strata extract --pooling last", a.java)
        lines += [f"{a.n} passages of {Path(a.corpus).name}, --max-tokens {a.max_tokens}, --threads {a.threads}; median"
                  f" of {a.rounds} interleaved rounds. Builds: "
                  + "; ".join(f"{name} = {folder}" for name, folder in builds) + ". Loop: the extraction loop's"
                  " tokens/s (manifest); wall: the whole command. Vectors compared with the first build's, round 1.",
                  "", "| model | build | CPU variant | tokens/s (loop) | vs first | wall s | vectors |",
                  "|---|---|---|---:|---:|---:|---|"]
        for model in models:
            runs = {name: [] for name, _ in builds}
            variants = {}
            for r in range(a.rounds):
                for name, folder in builds[r % len(builds):] + builds[:r % len(builds)]:
                    out = work / f"{name}-r{r}"
                    wall, tps, variants[name] = extract(a, folder, model, corpus, out)
                    runs[name].append((wall, tps))
                    print(f"round {r + 1} {model.name} {name} ({variants[name]}): {tps:.1f} tokens/s, {wall:.1f} s",
                          flush=True)
            first = builds[0][0]
            base_tps = bl.median([t for _, t in runs[first]])
            for name, _ in builds:
                tps = bl.median([t for _, t in runs[name]])
                wall = bl.median([w for w, _ in runs[name]])
                same = "-" if name == first else difference(work / f"{first}-r0" / "activations-last.safetensors",
                                                             work / f"{name}-r0" / "activations-last.safetensors")
                lines.append(f"| {model.name} | {name} | {variants[name]} | {tps:.1f} | {tps / base_tps:.2f}x"
                             f" | {wall:.1f} | {same} |")
        lines.append(f"load average after: {bl.load_average()}")
        text = "\n".join(lines)
        print(text)
        if not a.smoke:
            bl.append_results(a.results, text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
