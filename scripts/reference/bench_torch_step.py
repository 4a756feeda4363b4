#!/usr/bin/python3
"""PyTorch-eager side of the training-step benchmark: full fine-tuning of a small Llama-shaped model on CPU.

    /usr/bin/python3 bench_torch_step.py [--threads 2] [--warmup 3] [--steps 20]

Model: the reference architecture (hf_llama_reference.CausalLM), hidden 256, 4 layers, 4 heads (4 kv heads),
intermediate 688, vocab 32000, untied, fp32, 19.55M parameters, N(0, 0.02) weights and unit norms (seed 0).
Step: forward on 4 x 128 random ids, mean token CE (labels = inputs, shifted), backward, AdamW(lr 1e-4,
weight_decay 0.01) step, zero_grad(set_to_none=True). Prints one JSON line with the median and mean step time.

Debian's python3-torch is built with BLAS_INFO=generic and calls whatever libblas.so.3 the alternatives system
points at; with the reference BLAS it is ~10x slower, so the line names the library actually loaded
(libopenblas0-pthread is the fair choice). Unless already set, OPENBLAS_NUM_THREADS = --threads and
OMP_WAIT_POLICY = PASSIVE before torch loads (spinning OpenMP threads otherwise starve OpenBLAS: ~10x slower).
"""
import argparse
import json
import os
import statistics
import sys
import time

BATCH, SEQ = 4, 128
CONFIG = {
    "model_type": "llama", "vocab_size": 32000, "hidden_size": 256, "intermediate_size": 688,
    "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 4, "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0, "tie_word_embeddings": False, "max_position_embeddings": 2048,
}


def loaded_blas():
    """Real paths of the BLAS/LAPACK shared libraries mapped into this process."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
    return sorted({os.path.realpath(p) for p in paths if p.startswith("/")})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    args = p.parse_args()
    # Both are read once, when the libraries load, so they must be set before torch is imported.
    # OpenBLAS keeps its own thread pool (torch only sizes its OpenMP pool). libgomp's idle threads spin by
    # default and then starve OpenBLAS's threads: measured here 4.8 s/step instead of 0.47 s over 20 steps.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import hf_llama_reference as ref

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ref.CausalLM(ref.Config(CONFIG))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.fill_(1.0)
            else:
                param.normal_(0.0, 0.02)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    ids = torch.randint(0, CONFIG["vocab_size"], (BATCH, SEQ))  # [B, T]; labels = ids

    load_before = os.getloadavg()[0]
    times, losses = [], []
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        logits = model(ids)  # [B, T, V]
        loss_sum, tokens = ref.causal_lm_loss(logits, ids)
        loss = loss_sum / tokens
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        elapsed = time.perf_counter() - start
        losses.append(float(loss))
        if step >= args.warmup:
            times.append(elapsed)

    median = statistics.median(times)
    print(json.dumps({
        "impl": "pytorch-eager",
        "torch": torch.__version__,
        "threads": args.threads,
        "ms_per_step_median": round(median * 1000, 1),
        "ms_per_step_mean": round(statistics.mean(times) * 1000, 1),
        "tokens_per_s": round(BATCH * SEQ / median, 1),
        "steps": args.steps,
        "warmup": args.warmup,
        "params": sum(p.numel() for p in model.parameters()),
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
        "blas": loaded_blas(),
        "openblas_num_threads": os.environ["OPENBLAS_NUM_THREADS"],
        "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
        # other processes on the machine distort CPU timings badly (spinning BLAS/OpenMP threads): record them
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
