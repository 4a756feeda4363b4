#!/usr/bin/env bash
# Training-step benchmark: mft (`mft bench`, DJL + libtorch) next to PyTorch (scripts/bench/torch_reference.py),
# the same steps on the same shape, alternating in one run.
#
#   scripts/bench/compare.sh [--pairs 5] [--model bench-19m|qwen2-0.5b|config.json] [--peft none|lora|qlora]
#                            [--seq_length 128] [--prompt_tokens 0] [--batch 4] [--steps 20] [--warmup 3] [--threads 2] [--bf16]
#                            [--gradient_checkpointing] [--device cpu|gpu] [--impl auto|reference|hf]
#                            [--wait-idle 60] [--busy-ok] [--same-malloc] [--own-wait-policy]
#
# Runs `bin/mft bench ARGS` and `/usr/bin/python3 scripts/bench/torch_reference.py ARGS` ALTERNATELY (mft, torch,
# mft, torch, ...) for --pairs pairs, with the same ARGS (the shared options above) on both sides, so that slow
# phases of a shared machine hit both. Prints every JSON line, then a summary: the median step time and tokens/s of
# each side, the ratio mft tokens/s / torch tokens/s per pair with its median over all pairs and over the clean
# pairs, and both sides' peak memory with their ratio. Exits non-zero (1) if either side fails or prints no JSON
# line. --impl goes to the torch side only (auto: transformers + peft when importable, else the repo's reference
# model). See docs/benchmarks.md for what is measured and how to read it.
#
# Environment: MFT_BIN (default bin/mft; when unset, the jar is built first if missing or older than a source),
# TORCH_PYTHON (default /usr/bin/python3, Debian's python3-torch; a pyenv python3 first on PATH may have no torch),
# OMP_WAIT_POLICY (see below).
#
# Fairness notes:
# - Debian's python3-torch is built with BLAS_INFO=generic and uses whatever libblas.so.3 the alternatives
#   system points at. Install libopenblas0-pthread (apt) first: with the reference BLAS, torch is ~10x slower and
#   the ratio means nothing. The torch JSON line lists the BLAS it loaded; this script warns if it is not OpenBLAS.
# - mft runs with the glibc malloc settings that bin/mft ships (they are part of how mft runs); PyTorch runs as users
#   run it, without them. --same-malloc gives PyTorch the same settings too (it gains from them as well). After each
#   run the script prints the share of the side's CPU time spent in the kernel, and the summary warns when a side's
#   median is above 30% (on the CPU): without the settings PyTorch 1.13 spends 43% of it in page faults on some
#   hosts (AMD Zen 5: 4.4x slower), and the ratio then measures glibc, not kernels: quote --same-malloc's ratio there.
# - Both sides get the same thread counts (OMP/MKL/OpenBLAS = --threads) and the same OpenMP wait policy:
#   PASSIVE unless the environment sets one, e.g. OMP_WAIT_POLICY=ACTIVE scripts/bench/compare.sh. (bin/mft alone
#   keeps libgomp's default, which spins; torch_reference.py alone takes PASSIVE because spinning OpenMP workers
#   starve OpenBLAS's threads; a comparison needs one policy for both: quote it with the ratio.)
#   --own-wait-policy instead runs each side with the policy it picks alone: bin/mft libgomp's default (spinning),
#   torch_reference.py PASSIVE, each side's fastest here; the summary names both.
# - Only compare on an idle machine: spinning OpenMP/BLAS threads of other processes distort 2-thread timings
#   badly (a 2-thread step can get 10x slower). Before each run the script waits up to --wait-idle seconds for the
#   CPUs to be >= 95% idle and stops (exit 3) if they never are, unless --busy-ok; after each
#   run it prints the share of CPU time that went to anything else (other processes, VM steal), and the summary
#   gives the ratio over all pairs and over the clean pairs (<= 5% on both sides). The torch JSON line also records
#   the 1-minute load average before and after (the benchmark itself adds about --threads to it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pairs=5 wait_idle=60 busy_ok=false same_malloc=false own_policy=false
model=bench-19m peft=none seq_length=128 prompt_tokens=0 batch=4 steps=20 warmup=3 threads=2 bf16=false gc=false device=cpu impl=auto
die() { echo "compare.sh: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pairs) pairs="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --peft) peft="$2"; shift 2 ;;
    --seq_length) seq_length="$2"; shift 2 ;;
    --prompt_tokens) prompt_tokens="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --bf16) bf16=true; shift ;;
    --gradient_checkpointing) gc=true; shift ;;
    --device) device="$2"; shift 2 ;;
    --impl) impl="$2"; shift 2 ;;
    --wait-idle) wait_idle="$2"; shift 2 ;;
    --busy-ok) busy_ok=true; shift ;;
    --same-malloc) same_malloc=true; shift ;;
    --own-wait-policy) own_policy=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
done
for n in pairs seq_length batch steps warmup threads wait_idle; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || die "--${n//_idle/-idle} must be a whole number, not '${!n}'"
done
((pairs >= 1)) || die "--pairs must be >= 1"
[[ "$peft" =~ ^(none|lora|qlora)$ ]] || die "--peft must be none, lora or qlora, not '$peft'"
[[ "$device" =~ ^(cpu|gpu)$ ]] || die "--device must be cpu or gpu, not '$device'"
[[ "$impl" =~ ^(auto|reference|hf)$ ]] || die "--impl must be auto, reference or hf, not '$impl'"

# the options both sides get, identically
shared=(--model "$model" --seq_length "$seq_length" --batch "$batch" --steps "$steps" --warmup "$warmup"
  --threads "$threads" --device "$device")
if [[ "$prompt_tokens" != 0 ]]; then shared+=(--prompt_tokens "$prompt_tokens"); fi
if [[ "$peft" != none ]]; then shared+=(--peft "$peft"); fi
if [[ "$bf16" == true ]]; then shared+=(--bf16); fi
if [[ "$gc" == true ]]; then shared+=(--gradient_checkpointing); fi

python="${TORCH_PYTHON:-/usr/bin/python3}"
if ! "$python" -c 'import torch' 2>/dev/null; then
  die "$python cannot import torch; install Debian's python3-torch and libopenblas0-pthread (or set TORCH_PYTHON)"
fi
json_python=/usr/bin/python3   # parses the JSON lines (standard library only)
[[ -x "$json_python" ]] || json_python=python3

if [[ -n "${MFT_BIN:-}" ]]; then
  mft_bin="$MFT_BIN"
else
  mft_bin="$root/bin/mft"
  # build if needed: no jar yet, or a source/pom newer than the jar
  jar="$root/trainer-cli/target/mft.jar"
  if [[ ! -f "$jar" ]] || [[ -n "$(find "$root" -path "$root/work" -prune -o \( -name '*.java' -o -name 'pom.xml' \
      -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]]; then
    echo "building mft (mvn -o -q -DskipTests package) ..." >&2
    (cd "$root" && mvn -o -q -DskipTests package >&2)
  fi
fi

# the same thread count for both sides, in every pool either library might use, and the same OpenMP wait policy
# (or, with --own-wait-policy, none set: each side picks its own)
thread_env=(OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads")
if [[ "$own_policy" == true ]]; then
  [[ -z "${OMP_WAIT_POLICY:-}" ]] || die "--own-wait-policy lets each side pick its policy: unset OMP_WAIT_POLICY"
  wait_policy=own
  thread_env=(-u OMP_WAIT_POLICY "${thread_env[@]}")
else
  wait_policy="${OMP_WAIT_POLICY:-PASSIVE}"
  thread_env+=(OMP_WAIT_POLICY="$wait_policy")
fi
# glibc malloc settings of bin/mft (which sets them too when they are unset): keep big blocks instead of returning
# them to the OS every step, which costs page faults (see docs/benchmarks.md)
mft_env=(MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=536870912)
torch_env=()
if [[ "$same_malloc" == true ]]; then torch_env=("${mft_env[@]}"); fi

# CPU time the machine spent on anything but the benchmark (other processes, VM steal) during one run, so a noisy
# run shows up as such: busy ticks of /proc/stat minus the CPU time of this script's children
cpu_ticks() { # "busy total" ticks of all CPUs since boot (busy includes VM steal; idle and iowait are not busy)
  awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}
children_ms() { # sets child_ms (user + system) and child_sys_ms; `times` must run in THIS shell, not in $(...),
  # whose subshell has no children yet
  times >"$tmp/times"
  read -r child_ms child_sys_ms < <(tail -1 "$tmp/times" | awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/)
    ms[i] = t[1] * 60000 + t[2] * 1000 }; printf "%d %d\n", ms[1] + ms[2], ms[2] }')
}
wait_idle() { # up to $wait_idle seconds for a 2-second window in which the CPUs were >= 95% idle
  local deadline=$((SECONDS + wait_idle)) b0 t0 b1 t1
  while :; do
    read -r b0 t0 < <(cpu_ticks)
    sleep 2
    read -r b1 t1 < <(cpu_ticks)
    if ((100 * (b1 - b0) <= 5 * (t1 - t0))); then return; fi
    if ((SECONDS >= deadline)); then
      if [[ "$busy_ok" == true ]]; then
        echo "# the machine was not idle within ${wait_idle}s: running anyway (see the CPU share below)" >&2
        return
      fi
      echo "compare.sh: the machine was not idle within ${wait_idle}s (other processes use the CPUs); rerun later,"\
        "or pass --busy-ok to measure anyway" >&2
      exit 3
    fi
  done
}
run_timed() { # run_timed SIDE CMD...: prints the command's JSON line, appends it to SIDE's results, and its noise share
  local side="$1" t0 b0 c0 rc line t1 b1 c1
  shift
  wait_idle
  t0=$(date +%s%N); read -r b0 _ < <(cpu_ticks); children_ms; c0=$child_ms s0=$child_sys_ms
  # run in this shell (no $(...)), so that `times` counts its CPU time; its stderr (progress) passes through
  if "$@" >"$tmp/out"; then rc=0; else rc=$?; fi
  t1=$(date +%s%N); read -r b1 _ < <(cpu_ticks); children_ms; c1=$child_ms s1=$child_sys_ms
  grep -v '^{' "$tmp/out" >&2 || true  # anything else it printed on stdout
  if ((rc != 0)); then
    echo "compare.sh: the $side side failed (exit $rc): $*" >&2
    exit 1
  fi
  line="$(grep '^{' "$tmp/out" | tail -1 || true)"
  if ! "$json_python" -c 'import json, sys
r = json.loads(sys.argv[1])
missing = [k for k in ("step_time_ms", "tokens_per_s", "peak_memory_bytes") if not isinstance(r.get(k), (int, float))]
sys.exit("missing or not numbers: " + ", ".join(missing) if missing else 0)' "$line" 2>"$tmp/json_err"; then
    echo "compare.sh: the $side side printed no valid JSON line ($(tail -1 "$tmp/json_err")): $*" >&2
    exit 1
  fi
  echo "$line" | tee -a "$tmp/$side.jsonl"
  awk -v b=$((b1 - b0)) -v c=$((c1 - c0)) -v w=$((t1 - t0)) -v n="$(nproc)" 'BEGIN {
    other = b / '"$(getconf CLK_TCK)"' - c / 1000; if (other < 0) other = 0
    printf "%.1f\n", 100 * other / (n * w / 1e9) }' | tee -a "$tmp/$side.noise" \
    | sed 's/^/# other processes + steal: /; s/$/% of the CPUs/'
  # the side's own time in the kernel (page faults, madvise, futex): a step that spends it measures the allocator
  awk -v s=$((s1 - s0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f\n", (c > 0 ? 100 * s / c : 0) }' \
    | tee -a "$tmp/$side.sys" | sed "s/^/# $side in the kernel: /; s/\$/% of its CPU time/"
}

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(uptime)" >&2
echo "# both sides: ${shared[*]}" >&2
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/mft.jsonl"; : >"$tmp/torch.jsonl"; : >"$tmp/mft.noise"; : >"$tmp/torch.noise"; : >"$tmp/mft.sys"; : >"$tmp/torch.sys"
for ((r = 1; r <= pairs; r++)); do
  echo "# pair $r of $pairs" >&2
  run_timed mft env "${thread_env[@]}" "${mft_env[@]}" "$mft_bin" bench "${shared[@]}"
  run_timed torch env "${thread_env[@]}" ${torch_env[@]+"${torch_env[@]}"} "$python" \
      "$root/scripts/bench/torch_reference.py" "${shared[@]}" --impl "$impl"
done

"$json_python" - "$tmp" "$([[ "$same_malloc" == true ]] && echo both || echo mft only)" "$wait_policy" <<'PY'
import json, os, statistics, sys
# a run that spends more of its CPU time in the kernel than this measures page faults more than its kernels
# (measured with 20 steps: torch 1.13 43% without the malloc settings, 18% with them; mft 13%; start-up counts too,
# so runs of a few steps come out higher)
KERNEL_SHARE_WARN = 30.0
tmp, malloc, policy = sys.argv[1:4]
read = lambda name: [l for l in open(os.path.join(tmp, name)) if l.strip()]
mft = [json.loads(l) for l in read("mft.jsonl")]
torch = [json.loads(l) for l in read("torch.jsonl")]
noise_m = [float(l) for l in read("mft.noise")]
noise_t = [float(l) for l in read("torch.noise")]
m0, t0 = mft[0], torch[0]
for key in ("params", "trainable_params"):
    if key in m0 and key in t0 and m0[key] != t0[key]:
        print(f"WARNING: {key} differ: mft {m0[key]:,} vs torch {t0[key]:,}")
if t0.get("device", "cpu") == "cpu" and not any("openblas" in b for b in t0.get("blas", [])):
    print(f"WARNING: torch did not load OpenBLAS ({t0.get('blas')}): install libopenblas0-pthread")
med = lambda rs, k: statistics.median(r[k] for r in rs)
mib = lambda b: f"{b / 2**20:,.1f} MiB"
ratios = [m["tokens_per_s"] / t["tokens_per_s"] for m, t in zip(mft, torch)]
shape = f"batch {t0['batch']} x seq {t0['seq_length']}" if "batch" in t0 else ""
print(f"summary over {len(ratios)} pairs ({t0.get('model')}, peft {t0.get('peft')}, {shape}, device"
      f" {t0.get('device')}, threads {t0.get('threads')}, bf16 {t0.get('bf16')}, gradient_checkpointing"
      f" {t0.get('gradient_checkpointing')}; glibc malloc settings for {malloc}, " + (f"OMP_WAIT_POLICY={policy} for"
      " both" if policy != "own" else f"each side's own OpenMP wait policy: mft {m0.get('omp_wait_policy')}"
      f" (libgomp's default), torch {t0.get('omp_wait_policy')}") + "):")
for name, rs in (("mft", mft), ("torch", torch)):
    r0 = rs[0]
    version = f"libtorch {r0['libtorch']}" if "libtorch" in r0 else f"torch {r0['torch']}" if "torch" in r0 else ""
    extra = f", mfu {med(rs, 'mfu'):.3f}" if all(r.get("mfu") is not None for r in rs) else ""
    print(f"  {name:5s} {r0.get('impl', '?')} {version}: median {med(rs, 'step_time_ms'):.1f} ms/step,"
          f" {med(rs, 'tokens_per_s'):,.1f} tokens/s{extra};"
          f" loss {r0.get('loss_first')} -> {r0.get('loss_last')}")
print(f"  ratio mft/torch tokens/s per pair: {', '.join(f'{x:.2f}' for x in ratios)};"
      f" median {statistics.median(ratios):.2f} (above 1: mft faster)")
clean = [i for i in range(len(ratios)) if noise_m[i] <= 5 and noise_t[i] <= 5]
if clean:
    cm, ct = [mft[i] for i in clean], [torch[i] for i in clean]
    print(f"  clean pairs (other CPU <= 5% on both sides): {len(clean)} of {len(ratios)}:"
          f" mft {med(cm, 'step_time_ms'):.1f} ms/step, torch {med(ct, 'step_time_ms'):.1f} ms/step,"
          f" ratio median {statistics.median(ratios[i] for i in clean):.2f}")
else:
    print(f"  clean pairs (other CPU <= 5% on both sides): none of {len(ratios)}")
# like with like: on a GPU mft reports the device memory in use (allocator reserve and CUDA context included);
# torch_reference.py reports that as peak_device_memory_used_bytes next to max_memory_allocated
pm = med(mft, "peak_memory_bytes")
if m0.get("peak_memory_kind") == "device_memory_used" and all("peak_device_memory_used_bytes" in r for r in torch):
    pt, kind = med(torch, "peak_device_memory_used_bytes"), "GPU memory in use after a step"
    print(f"  torch GPU max_memory_allocated {mib(med(torch, 'peak_memory_bytes'))},"
          f" max_memory_reserved {mib(med(torch, 'peak_memory_reserved_bytes'))} (medians)")
else:
    pt = med(torch, "peak_memory_bytes")
    kind = t0.get("peak_memory_kind", "process_peak_rss")
    if m0.get("peak_memory_kind", kind) != kind:
        print(f"WARNING: the sides measure peak memory differently: mft {m0.get('peak_memory_kind')}, torch {kind}")
print(f"  peak memory ({kind}, median): mft {mib(pm)}, torch {mib(pt)}; ratio mft/torch {pm / pt:.2f}")
loads = [r[k] for r in mft + torch for k in ("loadavg_1m_before", "loadavg_1m_after") if k in r]
if loads:
    print(f"  load average 1m during the run: {min(loads):.2f} .. {max(loads):.2f}"
          f" (the benchmark itself adds ~{t0.get('threads')})")
print("  CPU taken by other processes + steal per run (mft, torch): "
      + "; ".join(f"{a:.1f}%, {b:.1f}%" for a, b in zip(noise_m, noise_t)))
if max(noise_m + noise_t) > 5:
    print("WARNING: other work ran during the benchmark (>5% of the CPUs): rerun on an idle machine")
sys_m, sys_t = (statistics.median(float(l) for l in read(f"{side}.sys")) for side in ("mft", "torch"))
print(f"  time in the kernel, share of each side's CPU time (median): mft {sys_m:.1f}%, torch {sys_t:.1f}%")
for name, share in (("mft", sys_m), ("torch", sys_t)):
    # on a GPU the driver's own system calls count too, and the step time is the device's: no warning there
    if share > KERNEL_SHARE_WARN and t0.get("device", "cpu") == "cpu":
        hint = (": --same-malloc gives PyTorch bin/mft's glibc malloc settings (the identical environment)"
                if name == "torch" and malloc == "mft only" else "")
        print(f"WARNING: {name} spent {share:.0f}% of its CPU time (start-up included) in the kernel: page faults"
              f" when glibc hands big blocks back to the OS and maps them anew every step, so its step time measures"
              f" that{hint}")
PY
