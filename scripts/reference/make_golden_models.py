#!/usr/bin/python3
"""Writes tiny random HF-layout models plus golden outputs from the float64 reference.

    python3 make_golden_models.py [--out trainer-core/src/test/resources/golden]

For each model NAME: NAME/config.json (HF's field names, sorted, 2-space indent like HF's save_pretrained),
NAME/model.safetensors (tensors sorted by name, stored in the config's torch_dtype) and NAME/golden.json:

    {"format": "mft-golden", "version": 1, "model": NAME,
     "compute_dtype": "float64", "stored_as": "float32",
     "input_ids": [[int] * T] * B,         labels: same shape, -100 = not trained, aligned with input_ids
     "labels": [[int] * T] * B,
     "rope_inv_freq": [float] * (head_dim / 2),   after rope_scaling
     "rows": [{"loss_sum": float, "tokens": int}] * B,
     "loss_sum": float, "tokens": int, "loss": float,   loss = loss_sum / tokens, CE of logits[t] vs labels[t+1]
     "logits": [[[float] * vocab] * T] * B}

The golden numbers are computed from the file just written (reloaded, so F16/BF16 rounding is included),
in float64, and printed as the shortest decimal that reads back as the same float32.
Weights are random with a fixed seed (see random_weights for the distributions and why).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_llama_reference as ref  # noqa: E402
import safetensors_io  # noqa: E402

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "trainer-core", "src", "test", "resources", "golden")
SEQ_LEN = 12
EMBED_STD = 0.02  # HF initializer_range

_COMMON = {
    "attention_dropout": 0.0,
    "hidden_act": "silu",
    "initializer_range": EMBED_STD,
    "transformers_version": "4.46.0",
    "use_cache": True,
    "vocab_size": 96,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
}

# llama3 rope: with head_dim 8 the wavelengths are 2*pi*10000^(i/4) = 6.3, 63, 628, 6283. With
# original_max_position_embeddings 128, low 1, high 4 the thresholds are 32 and 128, so the first frequency
# is kept, the second is blended (smooth factor 0.35) and the last two are divided by 8: all three branches.
MODELS = {
    "llama_tiny": {
        **_COMMON,
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "attention_bias": False,
        "mlp_bias": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 256,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0,
        "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 128, "rope_type": "llama3"},
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    },
    "mistral_tiny": {
        **_COMMON,
        "architectures": ["MistralForCausalLM"],
        "model_type": "mistral",
        "bos_token_id": 1,
        "eos_token_id": 2,
        "intermediate_size": 48,
        "max_position_embeddings": 4096,
        "num_key_value_heads": 1,
        "rms_norm_eps": 1e-05,
        "rope_theta": 1000000.0,
        "sliding_window": 4096,
        "tie_word_embeddings": False,
        "torch_dtype": "float16",
    },
    "qwen2_tiny": {
        **_COMMON,
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "bos_token_id": 94,
        "eos_token_id": 95,
        "head_dim": 8,
        "intermediate_size": 64,
        "max_position_embeddings": 512,
        "max_window_layers": 2,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06,
        "rope_theta": 10000.0,
        "rope_scaling": {"factor": 2.0, "type": "linear"},  # the legacy "type" key, as older configs write it
        "sliding_window": 512,
        "use_sliding_window": False,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
    },
}

_TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def random_weights(model, seed, embed_std=EMBED_STD):
    """name -> float32 tensor, drawn in name order from one seeded generator.

    Norm weights 1 + 0.1 N(0, 1) and biases N(0, 0.2), so that ignoring either shows. The embedding keeps HF's
    N(0, 0.02) unless embed_std says otherwise (small activations make rms_norm_eps matter). Linear weights are N(0, 1/fan_in): with HF's 0.02 at
    hidden size 32 the attention scores are ~0.03 and attention is nearly uniform, so a RoPE or masking mistake
    would move the logits by only ~1e-4; at unit gain it moves them by ~1e-1.
    """
    gen = torch.Generator().manual_seed(seed)
    weights = {}
    for name, param in sorted(model.named_parameters()):
        noise = torch.randn(param.shape, generator=gen, dtype=torch.float32)
        if "norm" in name:
            weights[name] = 1.0 + 0.1 * noise
        elif name.endswith(".bias"):
            weights[name] = 0.2 * noise
        elif "embed_tokens" in name:
            weights[name] = embed_std * noise
        else:
            weights[name] = noise / param.shape[1] ** 0.5
    return weights


def sample_inputs(vocab_size, seed):
    """Two rows of SEQ_LEN ids; labels copy the ids except the -100 (untrained) positions."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab_size, (2, SEQ_LEN), generator=gen).tolist()
    masked = [set(range(4)), {0, 1, 2, 7}]  # row 0: a 4-token prompt; row 1: a hole in the middle too
    labels = [[ref.IGNORE_INDEX if t in masked[r] else ids[r][t] for t in range(SEQ_LEN)] for r in range(2)]
    return ids, labels


def f32(x):
    """Shortest decimal string that parses back to the float32 nearest x."""
    value = np.float32(x)
    if not np.isfinite(value):
        raise ValueError(f"non-finite golden value {x}")
    return str(value)


def golden_json(name, inputs, inv_freq, result):
    """Hand-formatted JSON: one line per key, and one line per (row, position) of logits, so diffs stay readable."""
    ids, labels = inputs
    scalars = {
        "format": json.dumps("mft-golden"), "version": "1", "model": json.dumps(name),
        "compute_dtype": json.dumps("float64"), "stored_as": json.dumps("float32"),
        "input_ids": json.dumps(ids), "labels": json.dumps(labels),
        "rope_inv_freq": "[" + ",".join(f32(v) for v in inv_freq) + "]",
        "rows": "[" + ",".join(f'{{"loss_sum":{f32(r["loss_sum"])},"tokens":{r["tokens"]}}}'
                               for r in result["rows"]) + "]",
        "loss_sum": f32(result["loss_sum"]), "tokens": str(result["tokens"]), "loss": f32(result["loss"]),
    }
    lines = [f'  "{key}": {value},' for key, value in scalars.items()]
    rows = []
    for row in result["logits"]:
        positions = ["    [" + ",".join(f32(v) for v in logits_t) + "]" for logits_t in row]
        rows.append("   [\n" + ",\n".join(positions) + "\n   ]")
    lines.append('  "logits": [\n' + ",\n".join(rows) + "\n  ]")
    return "{\n" + "\n".join(lines) + "\n}\n"


def write_model(out_dir, name, raw_config, seed):
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    cfg = ref.Config(raw_config)
    template = ref.CausalLM(cfg)  # only for the parameter names and shapes
    weights = random_weights(template, seed)
    stored = _TORCH_DTYPES[raw_config["torch_dtype"]]
    safetensors_io.save_file(os.path.join(folder, "model.safetensors"),
                             {n: w.to(stored) for n, w in weights.items()}, metadata={"format": "pt"})
    safetensors_io.write_atomically(os.path.join(folder, "config.json"),
                                    [json.dumps(raw_config, indent=2, sort_keys=True) + "\n"])

    model = ref.load_model(folder, torch.float64)  # from the file: includes F16/BF16 rounding
    inputs = sample_inputs(cfg.vocab_size, seed + 1)
    result = ref.evaluate_rows(model, *inputs, keep_logits=True)
    inv_freq = ref.rope_inv_freq(cfg, torch.float64).tolist()
    safetensors_io.write_atomically(os.path.join(folder, "golden.json"),
                                    [golden_json(name, inputs, inv_freq, result)])
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{name}: loss {result['loss']:.6f} over {result['tokens']} tokens, folder {size / 1024:.1f} KiB")
    if size >= 200 * 1024:
        raise SystemExit(f"{folder} is {size} bytes, over the 200 KB budget")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = p.parse_args(argv)
    for i, (name, raw_config) in enumerate(MODELS.items()):
        write_model(args.out, name, raw_config, seed=1000 + 10 * i)


if __name__ == "__main__":
    main()
