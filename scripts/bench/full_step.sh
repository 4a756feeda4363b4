#!/usr/bin/env bash
# Full fine-tuning step benchmark (fp32, CPU): mft (DJL + libtorch) next to PyTorch eager, in the same run.
#
#   scripts/bench/full_step.sh [--rounds 3] [--threads 2] [--warmup 3] [--steps 20]
#                              [--wait-idle 60] [--busy-ok] [--same-malloc]
#
# Runs `mft bench-step` and scripts/reference/bench_torch_step.py ALTERNATELY (mft, torch, mft, torch, ...) so that
# slow phases of a shared machine hit both sides, prints every JSON line, then a summary with the ratio
# mft tokens/s / torch tokens/s (median over rounds). Model: hidden 256, 4 layers, 4 heads, ffn 688, vocab 32000,
# seq 128, batch 4 (19.55M parameters). See docs/benchmarks.md for what is measured and how to read it.
#
# Fairness notes:
# - Debian's python3-torch is built with BLAS_INFO=generic and uses whatever libblas.so.3 the alternatives
#   system points at. Install libopenblas0-pthread (apt) first: with the reference BLAS, torch is ~10x slower and
#   the ratio means nothing. The torch JSON line lists the BLAS it loaded; this script warns if it is not OpenBLAS.
# - mft runs with the glibc malloc settings that bin/mft ships (they are part of how mft runs); PyTorch runs as users
#   run it, without them. --same-malloc gives PyTorch the same settings too (it gains from them as well).
# - Both sides get OMP_WAIT_POLICY=PASSIVE (bin/mft's default) unless the environment sets another policy, e.g.
#   OMP_WAIT_POLICY=ACTIVE scripts/bench/full_step.sh.
# - Only compare on an idle machine: spinning OpenMP/BLAS threads of other processes distort 2-thread timings
#   badly (a 2-thread step can get 10x slower). Before each run the script waits up to --wait-idle seconds for the
#   CPUs to be >= 95% idle and stops (exit 3) if they never are, unless --busy-ok; after each
#   run it prints the share of CPU time that went to anything else (other processes, VM steal), and the summary
#   gives the ratio over all rounds and over the clean rounds (<= 5% on both sides). Each JSON line also records
#   the 1-minute load average before and after (the benchmark itself adds about 2 on 2 threads).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds=3 threads=2 warmup=3 steps=20 wait_idle=60 busy_ok=false same_malloc=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --wait-idle) wait_idle="$2"; shift 2 ;;
    --busy-ok) busy_ok=true; shift ;;
    --same-malloc) same_malloc=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "full_step.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3   # Debian's python3-torch; a pyenv python3 first on PATH may have no torch
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "full_step.sh: $python cannot import torch; install Debian's python3-torch and libopenblas0-pthread" >&2
  exit 2
fi

# build if needed: no jar yet, or a source/pom newer than the jar
jar="$root/trainer-cli/target/mft.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find "$root" -path "$root/work" -prune -o \( -name '*.java' -o -name 'pom.xml' \
    -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]]; then
  echo "building mft (mvn -o -q -DskipTests package) ..." >&2
  (cd "$root" && mvn -o -q -DskipTests package >&2)
fi

# the same thread count for both sides, in every pool either library might use, and the same OpenMP wait policy:
# bin/mft's default PASSIVE unless OMP_WAIT_POLICY is set (ACTIVE spins; it changes both sides' times, see the docs)
wait_policy="${OMP_WAIT_POLICY:-PASSIVE}"
thread_env=(OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
  OMP_WAIT_POLICY="$wait_policy")
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
children_ms() { # sets child_ms; `times` must run in THIS shell, not in $(...), whose subshell has no children yet
  times >"$tmp/times"
  child_ms=$(tail -1 "$tmp/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/)
    n += t[1] * 60000 + t[2] * 1000 }; printf "%d", n }')
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
      echo "full_step.sh: the machine was not idle within ${wait_idle}s (other processes use the CPUs); rerun later,"\
        "or pass --busy-ok to measure anyway" >&2
      exit 3
    fi
  done
}
run_timed() { # run_timed CMD...: prints the command's stdout line, appends it and its noise share to the results
  local t0 b0 c0 line t1 b1 c1
  wait_idle
  t0=$(date +%s%N); read -r b0 _ < <(cpu_ticks); children_ms; c0=$child_ms
  line="$("$@")"
  t1=$(date +%s%N); read -r b1 _ < <(cpu_ticks); children_ms; c1=$child_ms
  echo "$line" | tee -a "$tmp/results"
  awk -v b=$((b1 - b0)) -v c=$((c1 - c0)) -v w=$((t1 - t0)) -v n="$(nproc)" 'BEGIN {
    other = b / '"$(getconf CLK_TCK)"' - c / 1000; if (other < 0) other = 0
    printf "%.1f\n", 100 * other / (n * w / 1e9) }' | tee -a "$tmp/noise" \
    | sed 's/^/# other processes + steal: /; s/$/% of the CPUs/'
}

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(uptime)" >&2
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/results"
for ((r = 1; r <= rounds; r++)); do
  run_timed env "${thread_env[@]}" "${mft_env[@]}" "$root/bin/mft" bench-step --threads "$threads" \
      --warmup "$warmup" --steps "$steps" --batch 4 --seq 128
  run_timed env "${thread_env[@]}" ${torch_env[@]+"${torch_env[@]}"} "$python" \
      "$root/scripts/reference/bench_torch_step.py" --threads "$threads" --warmup "$warmup" --steps "$steps"
done

"$python" - "$tmp/results" "$tmp/noise" "$([[ "$same_malloc" == true ]] && echo both || echo mft only)" \
  "$wait_policy" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
noise = [float(l) for l in open(sys.argv[2]) if l.strip()]
mft = [r for r in rows if r["impl"] == "mft-djl"]
torch = [r for r in rows if r["impl"] == "pytorch-eager"]
if mft[0]["params"] != torch[0]["params"]:
    print(f"WARNING: parameter counts differ: mft {mft[0]['params']} vs torch {torch[0]['params']}")
if not any("openblas" in b for b in torch[0].get("blas", [])):
    print(f"WARNING: torch did not load OpenBLAS ({torch[0].get('blas')}): install libopenblas0-pthread")
ratios = [m["tokens_per_s"] / t["tokens_per_s"] for m, t in zip(mft, torch)]
med = lambda rs, k: statistics.median(r[k] for r in rs)
loads = [r[k] for r in rows for k in ("loadavg_1m_before", "loadavg_1m_after")]
print(f"summary over {len(ratios)} rounds (threads {mft[0]['threads']}, batch 4 x seq 128 = 512 tokens/step,"
      f" glibc malloc settings for {sys.argv[3]}, OMP_WAIT_POLICY={sys.argv[4]} for both):")
print(f"  mft-djl       libtorch {mft[0]['libtorch']}: median {med(mft, 'ms_per_step_median'):.1f} ms/step,"
      f" {med(mft, 'tokens_per_s'):.1f} tokens/s")
print(f"  pytorch-eager torch {torch[0]['torch']}: median {med(torch, 'ms_per_step_median'):.1f} ms/step,"
      f" {med(torch, 'tokens_per_s'):.1f} tokens/s")
print(f"  ratio mft/torch tokens/s per round: {', '.join(f'{x:.2f}' for x in ratios)};"
      f" median {statistics.median(ratios):.2f}")
clean = [i for i in range(len(ratios)) if noise[2 * i] <= 5 and noise[2 * i + 1] <= 5]
if clean:
    cm, ct = [mft[i] for i in clean], [torch[i] for i in clean]
    print(f"  clean rounds (other CPU <= 5% on both sides): {len(clean)} of {len(ratios)}:"
          f" mft {med(cm, 'ms_per_step_median'):.1f} ms/step, torch {med(ct, 'ms_per_step_median'):.1f} ms/step,"
          f" ratio median {statistics.median(ratios[i] for i in clean):.2f}")
else:
    print(f"  clean rounds (other CPU <= 5% on both sides): none of {len(ratios)}")
print(f"  load average 1m during the run: {min(loads):.2f} .. {max(loads):.2f} (the benchmark itself adds ~2)")
print(f"  CPU taken by other processes + steal per run: {', '.join(f'{x:.1f}%' for x in noise)}")
if max(noise) > 5:
    print("WARNING: other work ran during the benchmark (>5% of the CPUs): rerun on an idle machine")
PY
