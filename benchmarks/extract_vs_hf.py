#!/usr/bin/env python3
"""strata extract against the paper's reference pipeline (Hugging Face transformers, output_hidden_states=True,
one prompt at a time, float32 on the CPU), on the same GGUF file, prompts and cores, in one run.

For each model: writes the first n passages of the corpus as a .jsonl, runs `bin/strata extract` (default
batching) and transformers (AutoModelForCausalLM.from_pretrained(dir, gguf_file=..., torch_dtype=float32),
tokenizer likewise), then reports
  - speed: prompts/s and tokens/s of both (strata: process wall time and its own decode time; HF: the forward
    loop, model loading reported apart);
  - tokens: per-prompt token counts of both tokenizers (strata's prompts.jsonl records counts, not ids);
  - agreement per layer of the HF view (hidden_states[l] = strata layers.l for l < L, hidden_states[L] =
    strata final_norm): M_k between the two neighbour tables (k=10) and the per-prompt cosine (mean, min),
    for last-token and mean pooling.

Usage: extract_vs_hf.py --model M.gguf [--model ...] [--n 256] [--max-tokens 128] [--runs 1] [--smoke]
--smoke: 8 prompts, 32 tokens, first model only, no RESULTS.md; the HF side is skipped with a printed reason
when torch/transformers are not importable.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl  # noqa: E402


def subset_corpus(corpus, n, out):
    lines = []
    with open(corpus) as f:
        for line in f:
            if line.strip():
                lines.append(line if line.endswith("\n") else line + "\n")
            if len(lines) == n:
                break
    if len(lines) < n:
        sys.exit(f"{corpus} has only {len(lines)} passages, asked for {n}")
    out.write_text("".join(lines))
    return [json.loads(s)["text"] for s in lines]


def run_strata(a, model, corpus_file, out):
    cmd = [a.strata, "extract", "--quiet", "--overwrite", "--model", str(model), "--corpus", str(corpus_file),
           "--out", str(out), "--max-tokens", str(a.max_tokens), "--threads", str(a.threads)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit("strata extract failed:\n" + proc.stderr)
    manifest = json.loads((out / "manifest.json").read_text())
    return wall, manifest["run"]["seconds"], manifest


def strata_view(out, pooling, n_layer):
    t = bl.read_safetensors(out / f"activations-{pooling}.safetensors")
    return [np.array(t[f"layers.{l}"]) for l in range(n_layer)] + [np.array(t["final_norm"])]


def run_hf(a, model, texts):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(str(model.parent), gguf_file=model.name)
    lm = AutoModelForCausalLM.from_pretrained(str(model.parent), gguf_file=model.name, dtype=torch.float32)
    lm.eval()
    load = time.perf_counter() - t0
    ids = [tok(t, add_special_tokens=True)["input_ids"][: a.max_tokens] for t in texts]
    last, mean = None, None
    t0 = time.perf_counter()
    with torch.inference_mode():
        for i, seq in enumerate(ids):
            hs = lm(torch.tensor([seq]), output_hidden_states=True).hidden_states
            if last is None:
                last = [np.empty((len(ids), h.shape[-1]), np.float32) for h in hs]
                mean = [np.empty((len(ids), h.shape[-1]), np.float32) for h in hs]
            for l, h in enumerate(hs):
                last[l][i] = h[0, -1].float().numpy()
                mean[l][i] = h[0].float().mean(0).numpy()
    loop = time.perf_counter() - t0
    versions = f"torch {torch.__version__}, transformers {transformers.__version__}"
    return {"load": load, "loop": loop, "ids": ids, "last": last, "mean": mean, "versions": versions,
            "bos": tok.bos_token_id, "arch": lm.config.model_type}


def agreement(ours, ref, k):
    rows = []
    for l, (s, h) in enumerate(zip(ours, ref)):
        cos = np.sum(bl.unit_rows(s) * bl.unit_rows(h), axis=1)
        m = bl.mutual_knn(bl.numpy_knn(s, k), bl.numpy_knn(h, k))
        rows.append((l, m, float(cos.mean()), float(cos.min()), int(np.argmin(cos))))
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", action="append", required=True, help="GGUF file; repeat for several models")
    p.add_argument("--corpus", default=str(bl.ROOT / "build" / "corpus" / "default.jsonl"))
    p.add_argument("--strata", default=str(bl.ROOT / "bin" / "strata"))
    p.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--runs", type=int, default=1, help="strata runs per model (median reported)")
    p.add_argument("--work", default=str(bl.ROOT / "build" / "bench-hf"))
    p.add_argument("--results", default=str(bl.HERE / "RESULTS.md"))
    p.add_argument("--smoke", action="store_true")
    a = p.parse_args()
    if a.smoke:
        a.n, a.max_tokens, a.runs, a.k, a.model = 8, 32, 1, 3, a.model[:1]
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    corpus_file = work / f"corpus-{a.n}.jsonl"
    texts = subset_corpus(a.corpus, a.n, corpus_file)

    hf_ok, reason = True, ""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except Exception as e:  # noqa: BLE001
        hf_ok, reason = False, f"{type(e).__name__}: {e}"
        print(f"HF side skipped: torch/transformers not importable ({reason})")

    title = f"Extraction vs Hugging Face transformers, n={a.n}, max-tokens {a.max_tokens}, k={a.k}, " \
            f"{a.threads} threads"
    hf_versions = ""
    speed_rows, detail = [], []
    for model in map(Path, a.model):
        load_start = bl.load_average()
        out = work / (model.stem + "-strata")
        strata_runs = [run_strata(a, model, corpus_file, out) for _ in range(a.runs)]
        manifest = strata_runs[-1][2]
        n_layer = int(manifest["metadata"]["n_layer"])
        counts = [json.loads(s)["tokens"] for s in (out / "prompts.jsonl").read_text().splitlines() if s.strip()]
        tokens = sum(counts)
        wall = bl.median([r[0] for r in strata_runs])
        decode = bl.median([r[1] for r in strata_runs])
        print(f"{model.name}: strata {a.n} prompts, {tokens} tokens, wall {wall:.1f} s, decode {decode:.1f} s "
              f"(load {load_start})")
        speed_rows.append((model.name, "strata extract (process wall)", wall, a.n / wall, tokens / wall, load_start))
        speed_rows.append((model.name, "strata extract (decode+capture)", decode, a.n / decode, tokens / decode,
                           load_start))
        if not hf_ok:
            continue
        try:
            load_hf = bl.load_average()
            hf = run_hf(a, model, texts)
        except Exception as e:  # noqa: BLE001
            detail += [f"### {model.name}", "", f"transformers could not run this model: {type(e).__name__}: "
                       f"{str(e)[:300]}", ""]
            print(f"{model.name}: HF failed: {e}")
            continue
        hf_versions = "; " + hf["versions"]
        hf_tokens = sum(len(s) for s in hf["ids"])
        speed_rows.append((model.name, "HF transformers, 1 prompt at a time (forward loop)", hf["loop"],
                           a.n / hf["loop"], hf_tokens / hf["loop"], load_hf))
        speed_rows.append((model.name, "HF transformers incl. loading + dequantizing GGUF", hf["loop"] + hf["load"],
                           a.n / (hf["loop"] + hf["load"]), hf_tokens / (hf["loop"] + hf["load"]), load_hf))
        mismatched = [i for i, (c, s) in enumerate(zip(counts, hf["ids"])) if c != len(s)]
        print(f"{model.name}: HF loop {hf['loop']:.1f} s, load {hf['load']:.1f} s; token-count mismatches "
              f"{len(mismatched)}")
        detail += [f"### {model.name} (transformers model_type {hf['arch']}, L={n_layer})", "",
                   f"Token counts: strata {tokens}, transformers {hf_tokens}; prompts whose counts differ: "
                   f"{len(mismatched)} of {a.n}" + (f" (first: {mismatched[:10]})" if mismatched else "")
                   + f"; transformers BOS id {hf['bos']}, first ids of prompt 0: {hf['ids'][0][:4]}.", ""]
        for pooling in ("last", "mean"):
            ours = strata_view(out, pooling, n_layer)
            ref = hf[pooling]
            if len(ref) != len(ours):
                detail += [f"{pooling}: transformers gives {len(ref)} hidden states, strata's HF view {len(ours)}",
                           ""]
                continue
            rows = agreement(ours, ref, a.k)
            detail += [f"{pooling}-token pooling: M_{a.k}(strata, transformers) and cosine per prompt, per layer "
                       f"(layer {n_layer} = final norm)", "",
                       "| layer | M_k | cos mean | cos min | worst prompt |", "|---:|---:|---:|---:|---:|"]
            detail += [f"| {l} | {m:.4f} | {cm:.6f} | {cn:.6f} | {w} |" for l, m, cm, cn, w in rows]
            detail.append("")
            ms = [r[1] for r in rows]
            print(f"{model.name} {pooling}: M_k min {min(ms):.4f} (layer {int(np.argmin(ms))}), "
                  f"mean {np.mean(ms):.4f}; cos min {min(r[3] for r in rows):.6f}")
    lines = bl.header_lines(title, a.java, hf_versions)
    lines += [f"strata runs per model: {a.runs} (median); transformers: one pass (it is the slow side). "
              "Load average recorded before each side started.", "",
              "| model | pipeline | seconds | prompts/s | tokens/s | load avg |", "|---|---|---:|---:|---:|---|"]
    lines += [f"| {m} | {what} | {sec:.1f} | {ps:.2f} | {ts:.0f} | {la} |" for m, what, sec, ps, ts, la in speed_rows]
    if not hf_ok:
        lines += ["", f"HF side skipped: {reason}"]
    lines += [""] + detail
    text = "\n".join(lines)
    print(text)
    if not a.smoke:
        bl.append_results(a.results, text)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
