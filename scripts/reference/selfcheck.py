#!/usr/bin/python3
"""Checks the reference against simpler, independent computations, then shows the goldens are sensitive.

    /usr/bin/python3 selfcheck.py [--golden trainer-core/src/test/resources/golden]

1. safetensors: the byte layout written by safetensors_io, parsed here by hand with struct; BF16 decoding
   against torch's own bf16 -> float32 conversion; a write/read round trip of every dtype.
2. RoPE llama3 scaling against the per-frequency loop of Meta's reference (llama/model.py apply_scaling).
3. A 1-layer model (GQA, q/k/v biases, tied embeddings, linear RoPE) against plain numpy float64 loops over
   positions, heads and keys: every logit and the loss sum.
4. The CLI: rows of different lengths evaluated one by one, totals = sums of the rows.
5. Sensitivity of each golden model: the logit change caused by a typical implementation mistake, which must
   be far above float32 rounding (so a Java test with tolerance ~1e-4 on logits catches it).
Exits non-zero on the first failed check.
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_llama_reference as ref  # noqa: E402
import make_golden_models  # noqa: E402
import safetensors_io  # noqa: E402


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok   {message}")


# 1. safetensors ------------------------------------------------------------------------------------------
def check_safetensors(tmp):
    path = os.path.join(tmp, "t.safetensors")
    values = {"b": torch.tensor([[1.5, -2.0]], dtype=torch.float32),
              "a": torch.tensor([1.0, 3.140625, -0.0078125], dtype=torch.bfloat16)}
    safetensors_io.save_file(path, values, metadata={"format": "pt"})
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    check(n % 8 == 0 and header["__metadata__"] == {"format": "pt"}, "header padded to 8 bytes, metadata kept")
    check(list(k for k in header if k != "__metadata__") == ["a", "b"], "tensors stored sorted by name")
    check(header["a"] == {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}
          and header["b"] == {"dtype": "F32", "shape": [1, 2], "data_offsets": [6, 14]}, "dtype/shape/offsets")
    buf = raw[8 + n:]
    # bf16 1.0 = 0x3F80, 3.140625 = 0x4049, -0.0078125 = 0xBC00 (sign, exponent 127-7, zero mantissa)
    check(struct.unpack("<3H", buf[0:6]) == (0x3F80, 0x4049, 0xBC00), "bf16 bit patterns as hand-derived")
    check(struct.unpack("<2f", buf[6:14]) == (1.5, -2.0), "f32 little-endian values")

    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal(1000).astype(np.float32))
    many = {"bf16": x.to(torch.bfloat16), "f16": x.to(torch.float16), "f32": x, "f64": x.double(),
            "i64": torch.arange(5), "i32": torch.arange(5, dtype=torch.int32)}
    safetensors_io.save_file(path, many)
    back, dtypes = safetensors_io.load_file(path)
    check(dtypes == {"bf16": "BF16", "f16": "F16", "f32": "F32", "f64": "F64", "i64": "I64", "i32": "I32"},
          "dtype tags read back")
    check(all(np.array_equal(back[k], many[k].to(torch.float32 if k in ("bf16", "f16") else many[k].dtype).numpy())
              for k in many), "round trip exact; BF16/F16 widened equal torch's own conversion")


# 2. llama3 RoPE ------------------------------------------------------------------------------------------
def llama3_loop(inv_freq, factor, low, high, old_len):
    """Meta's formulation: one branch per frequency."""
    out = []
    for f in inv_freq:
        wavelen = 2 * math.pi / f
        if wavelen < old_len / high:
            out.append(f)
        elif wavelen > old_len / low:
            out.append(f / factor)
        else:
            smooth = (old_len / wavelen - low) / (high - low)
            out.append((1 - smooth) * f / factor + smooth * f)
    return out


def check_rope():
    raw = dict(make_golden_models.MODELS["llama_tiny"])
    cfg = ref.Config(raw)
    plain = [cfg.rope_theta ** (-2 * i / cfg.head_dim) for i in range(cfg.head_dim // 2)]
    s = raw["rope_scaling"]
    expected = llama3_loop(plain, s["factor"], s["low_freq_factor"], s["high_freq_factor"],
                           s["original_max_position_embeddings"])
    got = ref.rope_inv_freq(cfg, torch.float64).tolist()
    check(np.allclose(got, expected, rtol=1e-14, atol=0), f"llama3 inv_freq equals Meta's loop: {got}")
    kinds = [("kept" if g == p else "divided" if math.isclose(g, p / s["factor"]) else "blended")
             for g, p in zip(got, plain)]
    check(set(kinds) == {"kept", "blended", "divided"}, f"llama_tiny exercises all three llama3 branches {kinds}")


# 3. 1-layer model in numpy loops -------------------------------------------------------------------------
def numpy_forward(w, cfg, ids):
    """Plain float64 loops, written from the architecture description, not from the reference's code."""
    c, h, kv, d = cfg.hidden_size, cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
    factor = cfg.rope_scaling["factor"]

    def rms(x, weight):
        return weight * x / math.sqrt(sum(v * v for v in x) / len(x) + cfg.rms_norm_eps)

    def rope(vec, pos):  # rotate pair (j, j + d/2) by angle pos * theta^(-2j/d) / factor
        out = vec.copy()
        for j in range(d // 2):
            angle = pos * cfg.rope_theta ** (-2 * j / d) / factor
            a, b = vec[j], vec[j + d // 2]
            out[j] = a * math.cos(angle) - b * math.sin(angle)
            out[j + d // 2] = b * math.cos(angle) + a * math.sin(angle)
        return out

    p = "model.layers.0."
    xs = [w["model.embed_tokens.weight"][i].copy() for i in ids]
    normed = [rms(x, w[p + "input_layernorm.weight"]) for x in xs]
    q = [w[p + "self_attn.q_proj.weight"] @ x + w[p + "self_attn.q_proj.bias"] for x in normed]
    k = [w[p + "self_attn.k_proj.weight"] @ x + w[p + "self_attn.k_proj.bias"] for x in normed]
    v = [w[p + "self_attn.v_proj.weight"] @ x + w[p + "self_attn.v_proj.bias"] for x in normed]
    logits = []
    for t in range(len(ids)):
        heads = []
        for head in range(h):
            g = head // (h // kv)  # the kv head this query head shares
            qh = rope(q[t][head * d:(head + 1) * d], t)
            scores = [float(qh @ rope(k[s][g * d:(g + 1) * d], s)) / math.sqrt(d) for s in range(t + 1)]
            top = max(scores)
            e = [math.exp(sc - top) for sc in scores]
            heads.append(sum(e[s] / sum(e) * v[s][g * d:(g + 1) * d] for s in range(t + 1)))
        x = xs[t] + w[p + "self_attn.o_proj.weight"] @ np.concatenate(heads)
        m = rms(x, w[p + "post_attention_layernorm.weight"])
        gate = w[p + "mlp.gate_proj.weight"] @ m
        up = w[p + "mlp.up_proj.weight"] @ m
        x = x + w[p + "mlp.down_proj.weight"] @ (gate / (1 + np.exp(-gate)) * up)
        logits.append(w["model.embed_tokens.weight"] @ rms(x, w["model.norm.weight"]))  # tied head
    return np.array(logits)


def check_against_numpy(tmp):
    raw = dict(make_golden_models.MODELS["qwen2_tiny"], num_hidden_layers=1, torch_dtype="float32")
    cfg = ref.Config(raw)
    folder = os.path.join(tmp, "one_layer")
    os.makedirs(folder)
    weights = make_golden_models.random_weights(ref.CausalLM(cfg), seed=7)
    safetensors_io.save_file(os.path.join(folder, "model.safetensors"), weights)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(raw, f)
    w = {k: v.double().numpy() for k, v in weights.items()}
    ids = [5, 17, 3, 88, 42, 42, 0, 95, 61]
    labels = [-100, -100, 3, 88, 42, -100, 0, 95, 61]
    expected = numpy_forward(w, cfg, ids)  # [T, V]
    model = ref.load_model(folder, torch.float64)
    with torch.no_grad():
        got = model(torch.tensor([ids]))[0].numpy()
    err = np.abs(got - expected).max()
    check(err < 1e-12, f"1-layer logits equal the numpy loops (max |diff| {err:.1e}, |logit| up to "
                       f"{np.abs(expected).max():.2f})")
    loss_sum = sum(math.log(np.exp(expected[t]).sum()) - expected[t][labels[t + 1]]
                   for t in range(len(ids) - 1) if labels[t + 1] != ref.IGNORE_INDEX)
    got_sum, tokens = ref.causal_lm_loss(torch.from_numpy(got)[None], torch.tensor([labels]))
    check(tokens == 6 and abs(float(got_sum) - loss_sum) < 1e-12,
          f"loss sum {float(got_sum):.6f} over {tokens} tokens equals the numpy log-sum-exp")
    return folder


# 4. CLI with rows of different lengths -------------------------------------------------------------------
def check_cli(folder, tmp):
    inputs = {"input_ids": [[1, 2, 3, 4, 5], [9, 8, 7]], "labels": [[-100, 2, 3, 4, 5], [9, -100, 7]]}
    in_path, out_path = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")
    with open(in_path, "w") as f:
        json.dump(inputs, f)
    ref.main(["--model", folder, "--inputs", in_path, "--output", out_path, "--float64", "--dump-logits"])
    out = json.load(open(out_path))
    model = ref.load_model(folder, torch.float64)
    sums = []
    for ids, labels in zip(inputs["input_ids"], inputs["labels"]):
        with torch.no_grad():
            s, n = ref.causal_lm_loss(model(torch.tensor([ids])), torch.tensor([labels]))
        sums.append((float(s), n))
    check(out["tokens"] == 4 + 1 and [len(r) for r in out["logits"]] == [5, 3], "CLI: per-row shapes and counts")
    check(math.isclose(out["loss_sum"], sums[0][0] + sums[1][0], rel_tol=1e-12)
          and math.isclose(out["loss"], out["loss_sum"] / 5, rel_tol=1e-12), "CLI: totals are sums of the rows")


# 5. sensitivity ------------------------------------------------------------------------------------------
def mistakes(model, module):
    """(name, function returning the mistaken model's logits) for typical implementation errors."""
    def with_patch(attr, fake):
        def run(ids):
            real = getattr(module, attr)
            setattr(module, attr, fake)
            try:
                return model(ids)
            finally:
                setattr(module, attr, real)
        return run

    def with_params(edit):
        def run(ids):
            params = dict(model.named_parameters())
            saved = {n: p.clone() for n, p in params.items()}
            with torch.no_grad():
                edit(params)
            try:
                return model(ids)
            finally:
                with torch.no_grad():
                    for n, p in params.items():
                        p.copy_(saved[n])
        return run

    def fill_norms(params):
        for n, p in params.items():
            if "norm" in n:
                p.fill_(1.0)

    def swap_gate_up(params):
        for i in range(model.cfg.num_layers):
            gate, up = (params[f"model.layers.{i}.mlp.{k}_proj.weight"] for k in ("gate", "up"))
            tmp = gate.clone()
            gate.copy_(up)
            up.copy_(tmp)

    def drop_biases(params):
        for n, p in params.items():
            if n.endswith(".bias"):
                p.zero_()

    def with_eps(eps):
        def run(ids):
            norms = [m for m in model.modules() if isinstance(m, module.RMSNorm)]
            real = norms[0].eps
            for m in norms:
                m.eps = eps
            try:
                return model(ids)
            finally:
                for m in norms:
                    m.eps = real
        return run

    def with_cfg(key, value):
        def run(ids):
            real = getattr(model.cfg, key)
            setattr(model.cfg, key, value)
            try:
                return model(ids)
            finally:
                setattr(model.cfg, key, real)
        return run

    cfg = model.cfg
    out = [
        ("interleaved (GPT-J) rotate_half",
         with_patch("rotate_half", lambda x: torch.stack((-x[..., 1::2], x[..., ::2]), -1).flatten(-2))),
        ("rope_theta 10000 <-> 500000", with_cfg("rope_theta", 500000.0 if cfg.rope_theta == 10000.0 else 10000.0)),
        ("rms_norm_eps 1e-6 <-> 1e-5", with_eps(1e-5 if cfg.rms_norm_eps == 1e-6 else 1e-6)),
        ("norm weights ignored", with_params(fill_norms)),
        ("gate_proj and up_proj swapped", with_params(swap_gate_up)),
        # q and k each scaled by head_dim^-1/4 after RoPE: scores get 1/head_dim instead of 1/sqrt(head_dim)
        ("attention scale 1/head_dim", with_patch("apply_rope", lambda x, c, s: (x * c + module.rotate_half(x) * s)
                                                  * cfg.head_dim ** -0.25)),
        ("no causal mask", with_patch("causal_mask", lambda t: torch.zeros(t, t, dtype=torch.bool))),
    ]
    if cfg.rope_scaling:
        out.append(("rope_scaling ignored", with_cfg("rope_scaling", None)))
    if cfg.num_kv_heads not in (1, cfg.num_heads):
        out.append(("GQA heads tiled, not interleaved", with_patch("repeat_kv", lambda x, n: x.repeat(1, n, 1, 1))))
    if cfg.qkv_bias:
        out.append(("q/k/v biases dropped", with_params(drop_biases)))
    return out


def check_sensitivity(golden_dir, threshold):
    print(f"\nsensitivity: max |logit change| per mistake (must exceed {threshold:g}; float32 noise is ~1e-6)")
    for name in make_golden_models.MODELS:
        folder = os.path.join(golden_dir, name)
        golden = json.load(open(os.path.join(folder, "golden.json")))
        model = ref.load_model(folder, torch.float64)
        ids = torch.tensor(golden["input_ids"])
        with torch.no_grad():
            base = model(ids)
            check(np.abs(base.numpy() - np.array(golden["logits"])).max() < 1e-6,
                  f"{name}: golden.json logits reproduce from the files")
            stored = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}[model.cfg.raw["torch_dtype"]]
            check(set(model.source_dtypes.values()) == {stored}, f"{name}: every tensor stored as {stored}")
            check(("lm_head.weight" in model.source_dtypes) != model.cfg.tie_word_embeddings,
                  f"{name}: lm_head.weight present exactly when embeddings are untied")
            f32_err = float((ref.load_model(folder, torch.float32)(ids).double() - base).abs().max())
            check(f32_err < 1e-5, f"{name}: float32 reference is within {f32_err:.1e} of the float64 golden")
            for mistake, run in mistakes(model, ref):
                delta = float((run(ids) - base).abs().max())
                check(delta > threshold, f"{name:13s} {mistake:34s} {delta:.2e}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--golden", default=make_golden_models.DEFAULT_OUT)
    p.add_argument("--threshold", type=float, default=5e-3, help="smallest logit change a mistake must cause")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        check_safetensors(tmp)
        check_rope()
        folder = check_against_numpy(tmp)
        check_cli(folder, tmp)
    check_sensitivity(args.golden, args.threshold)
    print("all checks passed")


if __name__ == "__main__":
    main()
