#!/usr/bin/python3
"""Independent PyTorch-eager reference for HF LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM.

Written from the semantics of HF transformers' modeling_llama.py, modeling_mistral.py, modeling_qwen2.py and
modeling_rope_utils.py (no transformers import; torch 1.13 + numpy only). It is the oracle the Java model is
tested against, so it favours plainness over speed.

    python3 hf_llama_reference.py --model DIR --inputs inputs.json --output out.json [--float64] [--dump-logits]

inputs.json: {"input_ids": [[...], ...], "labels": [[...], ...]}; each row is evaluated on its own (no padding),
so rows may differ in length. labels are aligned with input_ids (HF convention): the loss compares
logits[t] with labels[t + 1]; -100 is ignored.
out.json: {"loss_sum", "tokens", "loss" = loss_sum / tokens, "rows": [{"loss_sum", "tokens"}],
           "logits": [row][t][vocab] (only with --dump-logits)}.

Architecture (pre-norm decoder, per layer):
    h = x + o_proj(attn(rope(q_proj(rms1(x))), rope(k_proj(rms1(x))), v_proj(rms1(x))))   causal, GQA
    y = h + down_proj(silu(gate_proj(rms2(h))) * up_proj(rms2(h)))
logits = lm_head(norm(y_last_layer)); lm_head shares embed_tokens when tie_word_embeddings and the file has
no lm_head.weight.
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402  (sibling module)

IGNORE_INDEX = -100

# Per model_type: (bias on q/k/v, bias on o_proj). None = take config["attention_bias"] (Llama).
# Qwen2 always has q/k/v biases and never an o_proj bias; Mistral has none.
_ATTENTION_BIAS = {"llama": None, "mistral": (False, False), "qwen2": (True, False)}


# ----------------------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------------------
class Config:
    """The config.json fields the forward pass depends on, with HF's defaults and fallbacks."""

    def __init__(self, raw):
        self.raw = raw
        self.model_type = raw["model_type"]
        if self.model_type not in _ATTENTION_BIAS:
            raise ValueError(f"config.json model_type {self.model_type!r}: expected one of {sorted(_ATTENTION_BIAS)}")
        self.vocab_size = raw["vocab_size"]
        self.hidden_size = raw["hidden_size"]
        self.intermediate_size = raw["intermediate_size"]
        self.num_layers = raw["num_hidden_layers"]
        self.num_heads = raw["num_attention_heads"]
        # HF: num_key_value_heads defaults to num_attention_heads (plain multi-head attention)
        self.num_kv_heads = raw.get("num_key_value_heads") or self.num_heads
        # HF: an explicit head_dim wins; otherwise hidden_size // num_attention_heads
        self.head_dim = raw.get("head_dim") or self.hidden_size // self.num_heads
        self.rms_norm_eps = raw.get("rms_norm_eps", 1e-6)
        self.rope_theta = raw.get("rope_theta", 10000.0)
        self.rope_scaling = raw.get("rope_scaling")
        self.tie_word_embeddings = raw.get("tie_word_embeddings", False)
        self.mlp_bias = raw.get("mlp_bias", False)
        qkv_bias, o_bias = _ATTENTION_BIAS[self.model_type] or (raw.get("attention_bias", False),) * 2
        self.qkv_bias, self.o_bias = qkv_bias, o_bias
        # Sliding window (Mistral always; Qwen2 only with use_sliding_window) only masks keys further back than
        # the window, so it changes nothing for sequences no longer than the window. We refuse longer ones.
        window = raw.get("sliding_window")
        if self.model_type == "qwen2" and not raw.get("use_sliding_window", False):
            window = None
        self.sliding_window = window
        if raw.get("hidden_act", "silu") != "silu":
            raise ValueError(f"config.json hidden_act {raw.get('hidden_act')!r}: only 'silu' is implemented")
        if self.num_heads % self.num_kv_heads:
            raise ValueError(f"num_attention_heads {self.num_heads} is not a multiple of "
                             f"num_key_value_heads {self.num_kv_heads}")


# ----------------------------------------------------------------------------------------------------------
# Rotary position embedding (modeling_rope_utils.py)
# ----------------------------------------------------------------------------------------------------------
def rope_inv_freq(cfg, dtype):
    """Inverse frequencies [head_dim / 2] after rope_scaling. Computed in `dtype` (HF uses float32)."""
    dim = cfg.head_dim
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype) / dim))  # [D/2]
    scaling = cfg.rope_scaling
    if not scaling:
        return inv_freq
    rope_type = scaling.get("rope_type", scaling.get("type", "default"))  # "type" is the legacy key
    if rope_type == "default":
        return inv_freq
    if rope_type == "linear":
        # Dividing positions by factor == dividing frequencies by factor, since angle = position * inv_freq
        return inv_freq / scaling["factor"]
    if rope_type == "llama3":
        factor = scaling["factor"]
        low_freq_factor = scaling["low_freq_factor"]
        high_freq_factor = scaling["high_freq_factor"]
        old_context_len = scaling["original_max_position_embeddings"]
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq  # [D/2]
        # long wavelengths (low frequencies) are slowed down by factor; short ones are kept
        scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        # in between, blend linearly in old_context_len / wavelen between the two
        smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        is_medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
        return torch.where(is_medium, smoothed, scaled)
    raise ValueError(f"rope_scaling type {rope_type!r}: only default, linear and llama3 are implemented")


def rope_cos_sin(inv_freq, positions):
    """positions [T] -> cos, sin [T, head_dim]; both halves of head_dim share the frequencies (HF layout)."""
    freqs = positions.to(inv_freq.dtype)[:, None] * inv_freq[None, :]  # [T, D/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, D]
    return emb.cos(), emb.sin()


def rotate_half(x):
    """[..., D] -> [..., D]: (x1, x2) -> (-x2, x1) with x1, x2 the two halves of the last axis."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rope(x, cos, sin):
    """x [B, heads, T, D], cos/sin [T, D] -> [B, heads, T, D]."""
    return x * cos + rotate_half(x) * sin


# ----------------------------------------------------------------------------------------------------------
# Attention helpers
# ----------------------------------------------------------------------------------------------------------
def repeat_kv(x, n_rep):
    """[B, KV, T, D] -> [B, KV*n_rep, T, D]: query head i reads kv head i // n_rep (HF repeat_kv)."""
    return x.repeat_interleave(n_rep, dim=1)


def causal_mask(t):
    """[T, T] bool, True where the key comes after the query (those scores are set to -inf)."""
    return torch.ones(t, t, dtype=torch.bool).triu(1)


# ----------------------------------------------------------------------------------------------------------
# Modules; parameter names equal HF's tensor names
# ----------------------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):  # [..., C] -> [..., C]
        # HF computes the statistics in float32 at least; here the whole model runs in one dtype (f32 or f64)
        variance = x.pow(2).mean(-1, keepdim=True)  # [..., 1]
        return self.weight * (x * torch.rsqrt(variance + self.eps))


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        h, kv, d, c = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim, cfg.hidden_size
        self.q_proj = nn.Linear(c, h * d, bias=cfg.qkv_bias)
        self.k_proj = nn.Linear(c, kv * d, bias=cfg.qkv_bias)
        self.v_proj = nn.Linear(c, kv * d, bias=cfg.qkv_bias)
        self.o_proj = nn.Linear(h * d, c, bias=cfg.o_bias)

    def qkv(self, x, cos, sin):  # x [B, T, C] -> rotated q and repeated k, v: [B, H, T, D] each
        cfg = self.cfg
        b, t, _ = x.shape
        h, kv, d = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        q = self.q_proj(x).view(b, t, h, d).transpose(1, 2)  # [B, H, T, D]
        k = self.k_proj(x).view(b, t, kv, d).transpose(1, 2)  # [B, KV, T, D]
        v = self.v_proj(x).view(b, t, kv, d).transpose(1, 2)  # [B, KV, T, D]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        k, v = repeat_kv(k, h // kv), repeat_kv(v, h // kv)  # [B, H, T, D] each
        return q, k, v

    def output(self, out):  # attention output [B, H, T, D] -> [B, T, C]
        b, h, t, d = out.shape
        return self.o_proj(out.transpose(1, 2).reshape(b, t, h * d))

    def forward(self, x, cos, sin):  # x [B, T, C]
        q, k, v = self.qkv(x, cos, sin)
        t, d = q.shape[2], q.shape[3]
        scores = (q @ k.transpose(-1, -2)) * d ** -0.5  # [B, H, T, T]
        scores = scores.masked_fill(causal_mask(t), float("-inf"))
        probs = torch.softmax(scores, dim=-1)  # [B, H, T, T]
        return self.output(probs @ v)  # [B, T, C]


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c, f = cfg.hidden_size, cfg.intermediate_size
        self.gate_proj = nn.Linear(c, f, bias=cfg.mlp_bias)
        self.up_proj = nn.Linear(c, f, bias=cfg.mlp_bias)
        self.down_proj = nn.Linear(f, c, bias=cfg.mlp_bias)

    def forward(self, x):  # [B, T, C] -> [B, T, C]
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))  # inner [B, T, F]


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin):  # [B, T, C] -> [B, T, C]
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    """HF's `model.` prefix: embed_tokens, layers.N, norm."""

    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class CausalLM(nn.Module):
    """LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM; named_parameters() are HF's tensor names."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Backbone(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight  # one Parameter under two names

    def forward(self, input_ids):  # [B, T] int64 -> logits [B, T, V]
        t = input_ids.shape[1]
        if self.cfg.sliding_window is not None and t > self.cfg.sliding_window:
            raise NotImplementedError(f"sequence length {t} exceeds sliding_window {self.cfg.sliding_window}")
        dtype = self.lm_head.weight.dtype
        cos, sin = rope_cos_sin(rope_inv_freq(self.cfg, dtype), torch.arange(t))  # [T, D] each
        x = self.model.embed_tokens(input_ids)  # [B, T, C]
        for layer in self.model.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.model.norm(x))  # [B, T, V]

    def hf_tensor_names(self):
        """The tensor names an HF checkpoint of this config holds (lm_head.weight absent when tied)."""
        names = [n for n, _ in self.named_parameters()]  # named_parameters() lists a shared Parameter once
        return sorted(names)


# ----------------------------------------------------------------------------------------------------------
# Loss (HF ForCausalLMLoss with reduction "sum", plus the number of trained tokens)
# ----------------------------------------------------------------------------------------------------------
def causal_lm_loss(logits, labels):
    """logits [B, T, V], labels [B, T] aligned with the inputs -> (sum of token CE, number of trained tokens)."""
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1])  # [B*(T-1), V]: predicts token t+1
    shift_labels = labels[:, 1:].reshape(-1)  # [B*(T-1)]
    loss_sum = F.cross_entropy(shift_logits, shift_labels, ignore_index=IGNORE_INDEX, reduction="sum")
    tokens = int((shift_labels != IGNORE_INDEX).sum())
    return loss_sum, tokens


# ----------------------------------------------------------------------------------------------------------
# Loading an HF model folder
# ----------------------------------------------------------------------------------------------------------
def read_checkpoint(model_dir):
    """All tensors of model.safetensors or of the shards named by model.safetensors.index.json."""
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        files = sorted(set(weight_map.values()))
    else:
        weight_map, files = None, ["model.safetensors"]
    tensors, dtypes = {}, {}
    for file in files:
        t, d = safetensors_io.load_file(os.path.join(model_dir, file))
        for name in t:
            if name in tensors:
                raise ValueError(f"{model_dir}: tensor {name!r} appears in more than one shard")
            if weight_map is not None and weight_map.get(name) != file:
                raise ValueError(f"{model_dir}: tensor {name!r} found in {file}, index says {weight_map.get(name)}")
        tensors.update(t)
        dtypes.update(d)
    return tensors, dtypes


def load_model(model_dir, dtype=torch.float32):
    """Builds the model from config.json and loads every tensor, widened exactly from F16/BF16 to `dtype`."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = Config(json.load(f))
    tensors, dtypes = read_checkpoint(model_dir)
    model = CausalLM(cfg).to(dtype)
    expected = set(model.hf_tensor_names())
    if cfg.tie_word_embeddings and "lm_head.weight" in tensors:
        raise ValueError(f"{model_dir}: tie_word_embeddings is true but the checkpoint has lm_head.weight")
    missing, unexpected = expected - set(tensors), set(tensors) - expected
    if missing or unexpected:
        raise ValueError(f"{model_dir}: missing tensors {sorted(missing)}, unexpected tensors {sorted(unexpected)}")
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in sorted(expected):
            value = torch.from_numpy(tensors[name])
            if tuple(value.shape) != tuple(params[name].shape):
                raise ValueError(f"{model_dir}: tensor {name!r} has shape {list(value.shape)}, "
                                 f"config.json implies {list(params[name].shape)}")
            params[name].copy_(value.to(dtype))
    model.source_dtypes = dtypes
    return model


def evaluate_rows(model, input_rows, label_rows, keep_logits):
    """Runs each row on its own (no padding). Returns the out.json dict."""
    if len(input_rows) != len(label_rows):
        raise ValueError(f"{len(input_rows)} input rows but {len(label_rows)} label rows")
    rows, all_logits, total_sum, total_tokens = [], [], 0.0, 0
    with torch.no_grad():
        for i, (ids, labels) in enumerate(zip(input_rows, label_rows)):
            if len(ids) != len(labels):
                raise ValueError(f"row {i}: {len(ids)} input ids but {len(labels)} labels")
            if not all(0 <= x < model.cfg.vocab_size for x in ids):
                raise ValueError(f"row {i}: input ids must lie in [0, {model.cfg.vocab_size})")
            logits = model(torch.tensor([ids]))  # [1, T, V]
            loss_sum, tokens = causal_lm_loss(logits, torch.tensor([labels]))
            rows.append({"loss_sum": float(loss_sum), "tokens": tokens})
            total_sum += float(loss_sum)
            total_tokens += tokens
            if keep_logits:
                all_logits.append(logits[0].tolist())  # [T, V]
    out = {"loss_sum": total_sum, "tokens": total_tokens,
           "loss": total_sum / total_tokens if total_tokens else None, "rows": rows}
    if keep_logits:
        out["logits"] = all_logits
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="HF model folder: config.json + model.safetensors[.index.json]")
    p.add_argument("--inputs", required=True, help='JSON {"input_ids": [[...]], "labels": [[...]]}')
    p.add_argument("--output", required=True, help="where to write the result JSON")
    p.add_argument("--float64", action="store_true", help="compute in float64 instead of float32")
    p.add_argument("--dump-logits", action="store_true", help="include logits [row][t][vocab] in the output")
    args = p.parse_args(argv)
    model = load_model(args.model, torch.float64 if args.float64 else torch.float32)
    with open(args.inputs) as f:
        inputs = json.load(f)
    out = evaluate_rows(model, inputs["input_ids"], inputs["labels"], args.dump_logits)
    out["dtype"] = "float64" if args.float64 else "float32"
    safetensors_io.write_atomically(args.output, [json.dumps(out)])


if __name__ == "__main__":
    main()
