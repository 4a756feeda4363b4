#!/usr/bin/env bash
# Data preparation benchmark: mft's whole data path next to the raw tokenizer, in one run.
#
#   scripts/bench/data_prep.sh [--rounds 15]
#
# 1. One JVM alternates (after 3 warm-up rounds) mft's preparation of ../shared/assets/data/alpaca_en_demo.json
#    (999 records; read, render with chatml, tokenize with the real Qwen2.5 tokenizer, mask, collate padded batches)
#    and DJL's raw batch encoding of the same rendered strings (the same native tokenizer, all cores), and prints
#    the medians and their ratio (pipeline throughput / raw tokenizer throughput) as one JSON line.
# 2. A second, fresh JVM takes the prepared data from the dataset cache the first one filled, as a second training
#    run would, and prints the tokenizer load time and the cached preparation time.
# See docs/benchmarks.md ("Data preparation") for results and how to read them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "data_prep.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
assets="$(cd "$root/.." && pwd)/shared/assets"
[[ -d "$assets" ]] || { echo "data_prep.sh: ../shared/assets not found at $assets" >&2; exit 2; }
cd "$root"
mvn -o -q -pl trainer-data -am test-compile >&2
cp_file="$root/trainer-data/target/bench-classpath.txt"
mvn -o -q -pl trainer-data dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test >&2
cp="$root/trainer-data/target/classes:$root/trainer-data/target/test-classes:$(cat "$cp_file")"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
java_opts=(-Dai.djl.offline=true -Xmx2g)
java "${java_opts[@]}" -cp "$cp" dev.mft.data.bench.DataPreparationBenchmark "$assets" "$rounds" "$cache"
java "${java_opts[@]}" -cp "$cp" dev.mft.data.bench.DataPreparationBenchmark --cached "$assets" "$cache"
