#!/usr/bin/env bash
# PEFT benchmark (CPU, fp32 compute): bytes held by the base weights of a >= 100M-parameter llama-shaped model in
# fp32, bf16 and NF4 + double quantization (projections and the unquantized rest apart), then optimizer-step time of
# full fine-tuning, LoRA and QLoRA on that same model. One JSON line per measurement; docs/benchmarks.md ("PEFT")
# records a run.
#
#   scripts/bench/peft.sh [key=value ...]
#
# Keys (defaults): hidden=768 layers=12 heads=12 ffn=2048 vocab=32000 (134M parameters), batch=4 seq=128, rank=16
# (alpha 2r, every projection), warmup=2 steps=5 (median of these), threads=2, parts=memory,full,lora,qlora
# (in that order; repeat them, e.g. parts=full,lora,qlora,full,lora,qlora, to spread a busy machine over all).
# The step times share the machine with whatever else runs: each line records the 1-minute load average.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mvn -o -q -pl trainer-peft -am test-compile >&2
cp_file="$root/trainer-peft/target/bench.classpath"
mvn -o -q -pl trainer-peft dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
cp="$root/trainer-peft/target/test-classes:$root/trainer-peft/target/classes:$root/trainer-core/target/classes:$(cat "$cp_file")"
export DJL_OFFLINE=true OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export MALLOC_MMAP_THRESHOLD_=17179869184 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_TOP_PAD_=536870912
exec java -Xmx4g --add-modules jdk.incubator.vector -cp "$cp" dev.mft.peft.bench.PeftBench "$@"
