#!/usr/bin/python3
"""PyTorch side of `mft bench`: the same training steps in PyTorch eager, one JSON line out.

    /usr/bin/python3 scripts/bench/torch_reference.py [--model bench-19m|qwen2-0.5b|config.json|DIR]
        [--peft none|lora|qlora] [--lora_rank 16] [--lora_alpha 32] [--seq_length 128] [--batch 4]
        [--steps 20] [--warmup 3] [--threads 2] [--bf16] [--gradient_checkpointing] [--device cpu|gpu]
        [--impl auto|reference|hf] [--attention auto|eager|sdpa] [--base_dtype fp32|bf16] [--matmul_rate]
        [--prompt_tokens 0]

What one step is (the contract `mft bench` implements too):
  forward on one fixed batch of seeded random token ids [batch, seq_length] (labels = ids: every next token is a
  target, batch * (seq_length - 1) per step), mean token cross-entropy over the shifted labels, backward,
  clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-4, betas 0.9/0.999, eps 1e-8, weight_decay 0.01 on every
  trainable tensor), zero_grad(set_to_none=True). Warmup steps are not timed; each timed step is wall time
  (time.perf_counter, after torch.cuda.synchronize() on a GPU) from the forward to the end of zero_grad.
  tokens_per_s = batch * seq_length / median step time. --prompt_tokens n: the first n labels of every row are -100
  (untrained, as chat prompts are), the mean is over the remaining targets.

Model: random weights (N(0, 0.02) matrices and embeddings, zero biases, unit norms; seed 0) of a preset shape or of
the config.json given (a folder: its config.json; its weights are NOT loaded, they do not change the timing).
  --impl hf         transformers' AutoModelForCausalLM.from_config (its default attention, normally SDPA) and, for
                    LoRA, peft's LoraConfig + get_peft_model: what an HF user runs. impl "hf-transformers+peft".
  --impl reference  the repo's independent model scripts/reference/hf_llama_reference.py (llama/mistral/qwen2),
                    attention composed (matmul, mask, softmax, matmul) or torch's scaled_dot_product_attention
                    (--attention; auto = SDPA when this torch has it, torch >= 2.0), with the small LoRA wrapper
                    below. impl "pytorch-eager".
  --impl auto       hf when transformers (and peft, for LoRA) import, else reference.
LoRA (--peft lora): adapters on all seven decoder projections (q, k, v, o, gate, up, down), rank --lora_rank,
  scale lora_alpha / rank, no dropout; A kaiming-uniform(a = sqrt(5)) as PEFT initializes it, B zeros, so the first
  step's loss is the base model's; every base weight (embeddings, lm_head, norms too) frozen, only A and B train.
QLoRA (--peft qlora): the same adapters over bitsandbytes NF4 projections (double-quantized constants, as the
  QLoRA recipe); needs bitsandbytes, else exit 2 with a message. hf: the model is saved to a temp folder and
  reloaded with a BitsAndBytesConfig (the only way transformers quantizes), then peft's
  prepare_model_for_kbit_training; reference: the projections are swapped for bnb.nn.Linear4bit.
--bf16 does what HF Trainer does with bf16=True: weights (and AdamW state) stay fp32 ("master weights") and the
  forward and backward run under torch.autocast(dtype=bfloat16), so matmuls compute in bf16; the loss is computed
  from fp32 logits. --base_dtype bf16 (LoRA/QLoRA only) also stores the frozen base weights in bf16, as loading a
  model with dtype=bfloat16 does; the adapters stay fp32.
--gradient_checkpointing recomputes each decoder layer in backward (torch.utils.checkpoint, use_reentrant=False;
  hf: model.gradient_checkpointing_enable with the same).
Optimizer: fused AdamW on a GPU when this torch has it (torch >= 2.0), else torch's foreach implementation on a GPU
  and its for-loop one on the CPU (torch's own defaults); the JSON line says which ran ("optimizer").

JSON line (the last line on stdout; progress goes to stderr): impl, torch, device, threads, model, peft, batch,
seq_length, steps, warmup, step_time_ms (median), step_time_ms_mean, tokens_per_s, peak_memory_bytes (CPU: the
process's peak resident set, VmHWM; GPU: torch.cuda.max_memory_allocated, with peak_memory_reserved_bytes and
peak_device_memory_used_bytes, the GPU's used memory after a step as mft bench measures it; peak_memory_kind), params
(every distinct parameter, adapters included), trainable_params, loss_first, loss_last, blas (the BLAS libraries
mapped into the process), optimizer, loadavg_1m_before/after, achieved_flops_per_s (6 x params x tokens/s for full
fine-tuning, 4 x params x tokens/s for LoRA/QLoRA: no weight gradients for the frozen base), on a GPU mfu (that
divided by the device's dense bf16 peak; null for a device not in the table), and with --matmul_rate
matmul_flops_per_s (the faster of a 2048 x 2048 fp32 matmul and the model's lm_head matmul, [min(tokens, 2048),
hidden] x [hidden, vocab], each the median of 10 after 3 warmups; both in matmul_square_flops_per_s and
matmul_head_flops_per_s, as mft bench reports them) and roofline_fraction.

CPU facts kept from the earlier benchmark script: Debian's python3-torch is built with BLAS_INFO=generic and calls
whatever libblas.so.3 the alternatives system points at; with the reference BLAS it is ~10x slower, so the line
names the library actually loaded (libopenblas0-pthread is the fair choice). Unless already set,
OPENBLAS_NUM_THREADS = --threads and OMP_WAIT_POLICY = PASSIVE before torch loads: both are read once, when the
libraries load, and libgomp's idle threads spin by default and then starve OpenBLAS's own threads (measured 4.8 s
per step instead of 0.47 s for bench-19m on 2 threads). Other processes on a shared machine distort CPU timings
badly, hence the load averages in the line; scripts/bench/compare.sh measures the CPU share they took.
"""
import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REFERENCE_DIR = os.path.join(ROOT, "scripts", "reference")
PRESET_DIR = os.path.join(ROOT, "trainer-cli", "src", "main", "resources", "presets")

# The shapes of mft's presets of the same names (trainer-cli/src/main/resources/presets): built in, so the script
# also runs outside the checkout. A preset file there that has a vocab_size is used for other names.
PRESETS = {
    "bench-19m": {
        "model_type": "llama", "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4,
        "num_attention_heads": 4, "num_key_value_heads": 4, "max_position_embeddings": 2048, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "rope_scaling": None, "tie_word_embeddings": False, "initializer_range": 0.02,
        "hidden_act": "silu", "vocab_size": 32000,
    },
    "qwen2-0.5b": {  # Qwen2.5-0.5B's shape
        "model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
        "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "rope_scaling": None, "tie_word_embeddings": True, "initializer_range": 0.02,
        "hidden_act": "silu", "use_sliding_window": False, "vocab_size": 151936,
    },
}
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Dense (no sparsity) bf16 tensor-core peaks, FLOP/s, by a substring of torch.cuda.get_device_name (first match).
BF16_PEAK = [("H100 PCIe", 756e12), ("H100 NVL", 835e12), ("H100", 989e12), ("H200", 989e12), ("A100", 312e12)]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fail(msg, code=2):
    print(f"torch_reference.py: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[2:]))
    p.add_argument("--model", default="bench-19m", help="preset name, a HF config.json, or a folder with one")
    p.add_argument("--peft", choices=["none", "lora", "qlora"], default="none")
    p.add_argument("--lora_rank", type=int, default=16)
    p.add_argument("--lora_alpha", type=float, default=32)
    p.add_argument("--seq_length", type=int, default=128)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (and OpenBLAS's, unless set)")
    p.add_argument("--bf16", action="store_true", help="autocast to bf16 with fp32 master weights (HF Trainer's)")
    p.add_argument("--gradient_checkpointing", action="store_true")
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--impl", choices=["auto", "reference", "hf"], default="auto")
    p.add_argument("--attention", choices=["auto", "eager", "sdpa"], default="auto",
                   help="reference impl only: composed attention or scaled_dot_product_attention")
    p.add_argument("--base_dtype", choices=["fp32", "bf16"], default="fp32",
                   help="LoRA/QLoRA: dtype of the frozen base weights that are not quantized")
    p.add_argument("--matmul_rate", action="store_true", help="also time a 2048x2048 fp32 matmul and the lm_head's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prompt_tokens", type=int, default=0, help="first n labels of every row untrained (-100)")
    args = p.parse_args(argv)
    for name in ("seq_length", "batch", "steps", "threads", "lora_rank"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1")
    if args.seq_length < 2:
        p.error("--seq_length must be >= 2 (the loss needs a next token)")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    if not 0 <= args.prompt_tokens <= args.seq_length - 2:
        p.error("--prompt_tokens must be between 0 and --seq_length - 2 (something must train)")
    if args.base_dtype == "bf16" and args.peft == "none":
        p.error("--base_dtype bf16 needs --peft lora|qlora (full fine-tuning keeps fp32 master weights)")
    return args


def model_config(spec):
    """The config dict of a preset name, a config.json path or a folder holding config.json."""
    if spec in PRESETS:
        return dict(PRESETS[spec])
    path = os.path.join(spec, "config.json") if os.path.isdir(spec) else spec
    if not os.path.isfile(path):
        preset_file = os.path.join(PRESET_DIR, spec + ".json")
        if os.path.isfile(preset_file):
            path = preset_file
        else:
            fail(f"--model {spec!r} is neither a preset {sorted(PRESETS)} nor a config.json (or a folder with one)")
    with open(path) as f:
        cfg = json.load(f)
    if "vocab_size" not in cfg:
        fail(f"{path} has no vocab_size (mft takes it from a tokenizer; give a config.json that has it)")
    return cfg


def loaded_blas():
    """Real paths of the BLAS/LAPACK shared libraries mapped into this process."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.lower() or "lapack" in line.lower()}
    return sorted({os.path.realpath(p) for p in paths if p.startswith("/")})


def peak_rss_bytes():
    """The process's peak resident set (VmHWM), bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def importable(name):
    try:
        __import__(name)
        return True
    except Exception:  # noqa: BLE001 (a broken install counts as absent)
        return False


# ----------------------------------------------------------------------------------------------------------------
# The reference implementation: hf_llama_reference's modules, a forward with optional checkpointing and SDPA, LoRA
# ----------------------------------------------------------------------------------------------------------------
def build_reference(cfg, args, torch, device):
    sys.path.insert(0, REFERENCE_DIR)
    import hf_llama_reference as ref
    from torch import nn

    class LoraLinear(nn.Module):
        """base(x) + B(A(x)) * alpha / r with the base frozen; A [r, in] kaiming-uniform, B [out, r] zeros."""

        def __init__(self, base, rank, alpha):
            super().__init__()
            self.base = base
            self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.scaling = alpha / rank

        def forward(self, x):  # [..., in] -> [..., out]; the adapter path in the adapters' dtype, as PEFT does
            y = self.base(x)
            a = x.to(self.lora_A.dtype) @ self.lora_A.t()  # [..., r]
            return y + (a @ self.lora_B.t() * self.scaling).to(y.dtype)

    torch.manual_seed(args.seed)
    model = ref.CausalLM(ref.Config(cfg))
    with torch.no_grad():  # HF's init: N(0, initializer_range) matrices and embeddings, zero biases, unit norms
        std = cfg.get("initializer_range", 0.02)
        for name, param in model.named_parameters():
            if "norm" in name:
                param.fill_(1.0)
            elif name.endswith(".bias"):
                param.zero_()
            else:
                param.normal_(0.0, std)

    if args.peft != "none":
        for param in model.parameters():
            param.requires_grad_(False)
        if args.base_dtype == "bf16":
            model.to(torch.bfloat16)
        if args.peft == "qlora":
            quantize_projections_nf4(model, args, torch)
        for layer in model.model.layers:
            for owner in (layer.self_attn, layer.mlp):
                for target in LORA_TARGETS:
                    if hasattr(owner, target):
                        setattr(owner, target, LoraLinear(getattr(owner, target), args.lora_rank, args.lora_alpha))
    model.to(device)  # QLoRA: bitsandbytes quantizes the Params4bit weights here

    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    attention = args.attention
    if attention == "auto":
        attention = "sdpa" if sdpa is not None else "eager"
    if attention == "sdpa":
        if sdpa is None:
            fail(f"--attention sdpa needs torch >= 2.0 (this is {torch.__version__})")
        for layer in model.model.layers:
            layer.self_attn.forward = sdpa_attention_forward(layer.self_attn, sdpa)

    from torch.utils.checkpoint import checkpoint
    cos_sin = {}

    def forward_loss(ids, labels):
        """ids [B, T] -> mean token CE over the shifted labels (labels: ids, -100 where untrained)."""
        t = ids.shape[1]
        if t not in cos_sin:  # RoPE tables computed in fp32 (as HF)
            inv = ref.rope_inv_freq(model.cfg, torch.float32).to(device)
            cos_sin[t] = ref.rope_cos_sin(inv, torch.arange(t, device=device))  # [T, D] each
        x = model.model.embed_tokens(ids)  # [B, T, C]
        cos, sin = (c.to(x.dtype) for c in cos_sin[t])  # HF casts them to the activations' dtype too
        for layer in model.model.layers:
            if args.gradient_checkpointing:
                x = checkpoint(layer, x, cos, sin, use_reentrant=False)
            else:
                x = layer(x, cos, sin)
        logits = model.lm_head(model.model.norm(x))  # [B, T, V]
        loss_sum, tokens = ref.causal_lm_loss(logits.float(), labels)
        return loss_sum / tokens

    info = {"impl": "pytorch-eager", "attention": attention}
    return model, forward_loss, info


def sdpa_attention_forward(attn, sdpa):
    """hf_llama_reference.Attention.forward with the composed softmax(QK^T)V replaced by one fused SDPA call."""

    def forward(x, cos, sin):  # x [B, T, C]
        q, k, v = attn.qkv(x, cos, sin)  # [B, H, T, D] each
        return attn.output(sdpa(q, k.to(q.dtype), v.to(q.dtype), is_causal=True))  # [B, T, C]

    return forward


def quantize_projections_nf4(model, args, torch):
    """Swaps the seven decoder projections for bitsandbytes NF4 layers (double quantization, QLoRA's recipe)."""
    import bitsandbytes as bnb
    compute = torch.bfloat16 if args.bf16 else torch.float32
    for layer in model.model.layers:
        for owner in (layer.self_attn, layer.mlp):
            for target in LORA_TARGETS:
                old = getattr(owner, target, None)
                if old is None:
                    continue
                new = bnb.nn.Linear4bit(old.in_features, old.out_features, bias=old.bias is not None,
                                        compute_dtype=compute, compress_statistics=True, quant_type="nf4")
                new.weight = bnb.nn.Params4bit(old.weight.data.float().contiguous(), requires_grad=False,
                                               compress_statistics=True, quant_type="nf4")
                if old.bias is not None:
                    new.bias = torch.nn.Parameter(old.bias.data.clone(), requires_grad=False)
                setattr(owner, target, new)


# ----------------------------------------------------------------------------------------------------------------
# The HF implementation: transformers + peft, as a user of HF Trainer would run them
# ----------------------------------------------------------------------------------------------------------------
def build_hf(cfg, args, torch, device):
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM
    versions = {"transformers": transformers.__version__}
    raw = {k: v for k, v in cfg.items() if k not in ("model_type", "architectures", "torch_dtype", "dtype")}
    config = AutoConfig.for_model(cfg["model_type"], **raw)
    config.use_cache = False
    gc_kwargs = {"use_reentrant": False}
    torch.manual_seed(args.seed)
    model = AutoModelForCausalLM.from_config(config).float()  # HF _init_weights: N(0, 0.02), zero biases, unit norms
    attention = getattr(getattr(model, "config", config), "_attn_implementation", None)  # from_config may copy it

    if args.peft == "qlora":
        from transformers import BitsAndBytesConfig
        from peft import prepare_model_for_kbit_training
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                   bnb_4bit_compute_dtype=torch.bfloat16 if args.bf16 else torch.float32)
        with tempfile.TemporaryDirectory(prefix="torch_reference_") as tmp:
            if args.base_dtype == "bf16":
                model.to(torch.bfloat16)
            model.save_pretrained(tmp)
            del model
            device_map = {"": device.index or 0} if device.type == "cuda" else {"": "cpu"}
            model = AutoModelForCausalLM.from_pretrained(tmp, quantization_config=quant, device_map=device_map)
        model.config.use_cache = False
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=args.gradient_checkpointing,
                                                gradient_checkpointing_kwargs=gc_kwargs)
    else:
        if args.peft == "lora" and args.base_dtype == "bf16":
            model.to(torch.bfloat16)
        if args.gradient_checkpointing:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=gc_kwargs)
        model.to(device)

    if args.peft != "none":
        import peft
        from peft import LoraConfig, get_peft_model
        versions["peft_version"] = peft.__version__
        lora = LoraConfig(r=args.lora_rank, lora_alpha=args.lora_alpha, lora_dropout=0.0, bias="none",
                          target_modules=list(LORA_TARGETS), task_type="CAUSAL_LM")
        model = get_peft_model(model, lora)  # freezes the base; adapters fp32 (autocast_adapter_dtype)
        model.to(device)
    if args.peft == "qlora":
        import bitsandbytes as bnb
        versions["bitsandbytes"] = bnb.__version__
    model.train()

    def forward_loss(ids, labels):
        # HF's own loss: mean token CE over the shifted labels (-100 ignored), from logits upcast to fp32
        return model(input_ids=ids, labels=labels, use_cache=False).loss

    info = {"impl": "hf-transformers+peft", "attention": attention, **versions}
    return model, forward_loss, info


# ----------------------------------------------------------------------------------------------------------------
def matmul_rate(torch, device, sync, rows, cols, inner, transposed):
    """FLOP/s of a [rows, inner] @ b [inner, cols] in fp32 (b a transposed [cols, inner] weight when transposed, as a
    linear layer runs it): median of 10 timed runs after 3 untimed ones, into one output buffer made beforehand (a fresh
    result of tens of MB per run would time glibc returning it to the OS and faulting it in again)."""
    g = torch.Generator().manual_seed(1)
    a = torch.randn(rows, inner, generator=g).to(device)
    b = torch.randn(cols, inner, generator=g).to(device).t() if transposed else \
        torch.randn(inner, cols, generator=g).to(device)
    out = torch.empty(rows, cols, device=device)
    times = []
    for i in range(13):
        sync()
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        sync()
        if i >= 3:
            times.append(time.perf_counter() - start)
    return 2 * rows * cols * inner / statistics.median(times)


def make_optimizer(torch, params, device):
    """torch AdamW with the contract's hyper-parameters; fused on CUDA when available. -> (optimizer, kind)."""
    import inspect
    hyper = dict(lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    accepted = inspect.signature(torch.optim.AdamW.__init__).parameters
    if device.type == "cuda" and "fused" in accepted:
        try:
            return torch.optim.AdamW(params, fused=True, **hyper), "fused"
        except (RuntimeError, ValueError) as e:  # e.g. a dtype fused does not support
            log(f"# fused AdamW refused ({e}); using foreach")
    if "foreach" in accepted:  # explicit, so the record is what ran: torch's default per device
        foreach = device.type == "cuda"
        return torch.optim.AdamW(params, foreach=foreach, **hyper), "foreach" if foreach else "for-loop"
    return torch.optim.AdamW(params, **hyper), "for-loop"


def main(argv=None):
    args = parse_args(argv)
    # Read once, when the libraries load: they must be set before torch is imported (see the module docstring)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    cfg = model_config(args.model)
    torch.set_num_threads(args.threads)
    if args.device == "gpu":
        if not torch.cuda.is_available():
            fail("--device gpu: torch.cuda.is_available() is false (no GPU, or a CPU-only torch build)")
        device = torch.device("cuda", torch.cuda.current_device())
        sync = torch.cuda.synchronize
    else:
        device = torch.device("cpu")
        sync = lambda: None  # noqa: E731
    if args.bf16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        fail("--bf16: this GPU does not support bf16")
    if args.peft == "qlora" and not importable("bitsandbytes"):
        fail("--peft qlora needs bitsandbytes (pip install bitsandbytes); it is not importable here")

    has_hf = importable("transformers") and (args.peft == "none" or importable("peft"))
    impl = args.impl
    if impl == "auto":
        impl = "hf" if has_hf else "reference"
    if impl == "hf" and not has_hf:
        fail("--impl hf needs transformers" + ("" if args.peft == "none" else " and peft") + ", not importable here")
    if impl == "hf" and args.attention != "auto":
        fail("--attention applies to --impl reference only (transformers picks its own, normally SDPA)")

    log(f"# torch {torch.__version__}, impl {impl}, device {device}, model {args.model}, peft {args.peft}, "
        f"batch {args.batch} x seq {args.seq_length}, threads {args.threads}, bf16 {args.bf16}, "
        f"gradient_checkpointing {args.gradient_checkpointing}")
    result = {}
    if args.matmul_rate:
        square = matmul_rate(torch, device, sync, 2048, 2048, 2048, transposed=False)
        head_rows = min(args.batch * args.seq_length, 2048)  # the lm_head's forward, x W^T, as the step runs it
        head = matmul_rate(torch, device, sync, head_rows, cfg["vocab_size"], cfg["hidden_size"], transposed=True)
        result["matmul_flops_per_s"] = round(max(square, head))
        result["matmul_square_flops_per_s"] = round(square)
        result["matmul_head_flops_per_s"] = round(head)
        if device.type == "cuda":  # TF32 tensor cores would make it a different number
            result["matmul_allow_tf32"] = torch.backends.cuda.matmul.allow_tf32
        log(f"# fp32 matmul: 2048^3 {square / 1e9:.1f} GFLOP/s, lm_head [{head_rows}, {cfg['hidden_size']}] x "
            f"[{cfg['hidden_size']}, {cfg['vocab_size']}] {head / 1e9:.1f} GFLOP/s")

    build = build_hf if impl == "hf" else build_reference
    model, forward_loss, info = build(cfg, args, torch, device)
    params = list({id(p): p for p in model.parameters()}.values())  # distinct tensors (tied ones once)
    n_params = sum(p.numel() for p in params)
    trainable = [p for p in params if p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    optimizer, optimizer_kind = make_optimizer(torch, trainable, device)

    g = torch.Generator().manual_seed(args.seed)
    ids = torch.randint(0, cfg["vocab_size"], (args.batch, args.seq_length), generator=g).to(device)
    labels = ids.clone()
    labels[:, : args.prompt_tokens] = -100  # untrained prompt positions, if any
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16) if args.bf16 else contextlib.nullcontext()

    load_before = os.getloadavg()[0]
    times, losses, device_used_peak = [], [], 0
    for step in range(args.warmup + args.steps):
        sync()
        start = time.perf_counter()
        with autocast():
            loss = forward_loss(ids, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync()
        elapsed = time.perf_counter() - start
        losses.append(float(loss.detach()))
        if device.type == "cuda":  # what mft's GPU peak samples after each step: device memory in use
            free, total = torch.cuda.mem_get_info(device)
            device_used_peak = max(device_used_peak, total - free)
        if step >= args.warmup:
            times.append(elapsed)
        log(f"# step {step + 1}/{args.warmup + args.steps}{' (warmup)' if step < args.warmup else ''}: "
            f"loss {losses[-1]:.4f}, {elapsed * 1000:.1f} ms")

    median = statistics.median(times)
    tokens_per_s = args.batch * args.seq_length / median
    flops = (4 if args.peft != "none" else 6) * n_params * tokens_per_s
    result = {
        **info,
        "torch": torch.__version__,
        "device": args.device,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "threads": args.threads,
        "model": args.model,
        "model_type": cfg["model_type"],
        "peft": args.peft,
        "lora_rank": args.lora_rank if args.peft != "none" else None,
        "lora_alpha": args.lora_alpha if args.peft != "none" else None,
        "base_dtype": args.base_dtype if args.peft != "none" else "fp32",
        "bf16": args.bf16,
        "gradient_checkpointing": args.gradient_checkpointing,
        "batch": args.batch,
        "seq_length": args.seq_length,
        "prompt_tokens": args.prompt_tokens,
        "steps": args.steps,
        "warmup": args.warmup,
        "step_time_ms": round(median * 1000, 3),
        "step_time_ms_mean": round(statistics.mean(times) * 1000, 3),
        "tokens_per_s": round(tokens_per_s, 1),
        "params": n_params,
        "trainable_params": n_trainable,
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
        "optimizer": optimizer_kind,
        "achieved_flops_per_s": round(flops),
        **result,
    }
    if "matmul_flops_per_s" in result:
        result["roofline_fraction"] = round(flops / result["matmul_flops_per_s"], 4)
    if device.type == "cuda":
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device)
        result["peak_memory_kind"] = "max_memory_allocated"
        result["peak_memory_reserved_bytes"] = torch.cuda.max_memory_reserved(device)
        # the GPU's memory in use (cudaMemGetInfo: total - free) after a step, highest seen: caching allocator's
        # reserve, CUDA context and other processes on the GPU included; mft bench's GPU peak_memory_bytes is this
        result["peak_device_memory_used_bytes"] = device_used_peak
        result["host_peak_rss_bytes"] = peak_rss_bytes()
        name = result["device_name"]
        peak = next((v for k, v in BF16_PEAK if k in name), None)
        result["mfu_peak_flops_per_s"] = peak
        result["mfu"] = round(flops / peak, 4) if peak else None
    else:
        result["peak_memory_bytes"] = peak_rss_bytes()
        result["peak_memory_kind"] = "process_peak_rss"
    result.update({
        "blas": loaded_blas(),
        "openblas_num_threads": os.environ["OPENBLAS_NUM_THREADS"],
        "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
        # other processes on the machine distort CPU timings badly (spinning BLAS/OpenMP threads): record them
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    })
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
