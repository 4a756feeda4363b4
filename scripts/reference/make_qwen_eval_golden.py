#!/usr/bin/python3
"""Golden for `mft eval`: a random Qwen2 model whose vocabulary covers the Qwen2.5 tokenizer, and its loss.

    /usr/bin/python3 make_qwen_eval_golden.py model [--out DIR]                  # DIR/model/{config.json, model.safetensors}
    /usr/bin/python3 make_qwen_eval_golden.py golden --inputs FILE [--out DIR]   # DIR/golden.json

DIR defaults to trainer-cli/src/test/resources/qwen-eval. The reference has no tokenizer: FILE holds the token
ids and labels that mft's own data path produced from DIR/data with the real Qwen2.5 tokenizer
({"input_ids": [[...], ...], "labels": [[...], ...]}, one row per example; see README.md for the recording
step). `golden` runs the float64 reference on each row alone (no padding) and writes

    {"format": "mft-eval-golden", "version": 1, "model": "qwen-eval/model", "tokenizer": "qwen2_5",
     "compute_dtype": "float64", "stored_as": "float64",
     "loss_sum": float, "tokens": int, "loss": float,        loss = loss_sum / tokens, CE of logits[t] vs labels[t+1]
     "rows": [{"loss_sum": float, "tokens": int}] * B,
     "input_ids": [[int] * T_b] * B, "labels": [[int] * T_b] * B}    aligned with input_ids; -100 = not trained

The model is deterministic (fixed seed): the same bytes every run. No tokenizer files are written: tests copy
them from ../shared/assets/tokenizers/qwen2_5 into a temporary model folder.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_llama_reference as ref  # noqa: E402
import make_golden_models  # noqa: E402
import safetensors_io  # noqa: E402

DEFAULT_OUT = os.path.join(make_golden_models.REPO_ROOT, "trainer-cli", "src", "test", "resources", "qwen-eval")
SEED = 2025
SIZE_BUDGET = 3 * 1024 * 1024

# Qwen2.5-Instruct's config.json keys and special ids, shrunk to hidden 8. vocab_size 151936 is Qwen2.5's padded
# embedding size (the tokenizer uses 151,665 ids). No head_dim key, as in Qwen's own configs: 8 / 2 heads = 4.
CONFIG = {
    "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151645,
    "hidden_act": "silu",
    "hidden_size": 8,
    "initializer_range": 0.02,
    "intermediate_size": 16,
    "max_position_embeddings": 32768,
    "max_window_layers": 2,
    "model_type": "qwen2",
    "num_attention_heads": 2,
    "num_hidden_layers": 2,
    "num_key_value_heads": 1,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "sliding_window": 32768,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.46.0",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 151936,
}


def write_model(out):
    folder = os.path.join(out, "model")
    os.makedirs(folder, exist_ok=True)
    template = ref.CausalLM(ref.Config(CONFIG))  # only for the parameter names and shapes
    # Tied embeddings at HF's N(0, 0.02) give logits of ~0.06 at hidden 8: the loss would sit within ~1e-3 of
    # ln(vocab) whatever the ids. N(0, 1/hidden) gives logits of about unit scale, so every id and label counts.
    weights = make_golden_models.random_weights(template, SEED, embed_std=CONFIG["hidden_size"] ** -0.5)
    safetensors_io.save_file(os.path.join(folder, "model.safetensors"),
                             {n: w.to(torch.bfloat16) for n, w in weights.items()}, metadata={"format": "pt"})
    safetensors_io.write_atomically(os.path.join(folder, "config.json"),
                                    [json.dumps(CONFIG, indent=2, sort_keys=True) + "\n"])
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{folder}: {sum(w.numel() for w in weights.values()):,} parameters, {size / 2**20:.2f} MiB")
    if size >= SIZE_BUDGET:
        raise SystemExit(f"{folder} is {size} bytes, over the {SIZE_BUDGET} byte budget")


def write_golden(out, inputs_path):
    with open(inputs_path) as f:
        inputs = json.load(f)
    ids, labels = inputs["input_ids"], inputs["labels"]
    model = ref.load_model(os.path.join(out, "model"), torch.float64)  # from the file: BF16 rounding included
    result = ref.evaluate_rows(model, ids, labels, keep_logits=False)
    scalars = {
        "format": json.dumps("mft-eval-golden"), "version": "1", "model": json.dumps("qwen-eval/model"),
        "tokenizer": json.dumps("qwen2_5"), "compute_dtype": json.dumps("float64"),
        "stored_as": json.dumps("float64"),
        "loss_sum": repr(result["loss_sum"]), "tokens": str(result["tokens"]), "loss": repr(result["loss"]),
        "rows": "[" + ",".join(f'{{"loss_sum":{r["loss_sum"]!r},"tokens":{r["tokens"]}}}'
                               for r in result["rows"]) + "]",
    }
    lines = [f'  "{key}": {value},' for key, value in scalars.items()]
    # one line per row, so a diff shows which example's tokenization changed
    lines.append('  "input_ids": [\n' + ",\n".join("   " + json.dumps(r) for r in ids) + "\n  ],")
    lines.append('  "labels": [\n' + ",\n".join("   " + json.dumps(r) for r in labels) + "\n  ]")
    safetensors_io.write_atomically(os.path.join(out, "golden.json"), ["{\n" + "\n".join(lines) + "\n}\n"])
    print(f"golden: loss {result['loss']!r} over {result['tokens']} tokens in {len(ids)} rows")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("step", choices=["model", "golden"], help="write the model, or the golden loss of its inputs")
    p.add_argument("--inputs", help='for "golden": JSON {"input_ids": [[...]], "labels": [[...]]} from mft')
    p.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = p.parse_args(argv)
    if args.step == "model":
        write_model(args.out)
    elif args.inputs is None:
        p.error('"golden" needs --inputs FILE (the ids and labels recorded by mft; see README.md)')
    else:
        write_golden(args.out, args.inputs)


if __name__ == "__main__":
    main()
