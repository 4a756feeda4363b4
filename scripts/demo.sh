#!/usr/bin/env bash
# The embedded default, end to end, on CPU and offline: build, make the demo tokenizer + sample data + random
# model (all made by mft itself), fine-tune it, and compare the loss before and after.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "== build (mvn package, tests skipped)"
mvn -q -B -DskipTests package
echo "== demo-setup: tokenizer, 48 chat_rounds conversations, random llama-shaped model under work/demo"
bin/mft demo-setup --dir work/demo
echo "== loss of the random model"
bin/mft eval --train_config configs/demo.json 2>/dev/null
echo "== train (configs/demo.json)"
bin/mft train --train_config configs/demo.json "$@"
echo "== loss of the fine-tuned model (work/demo-out/final)"
bin/mft eval --train_config configs/demo.json --pretrained_model_path work/demo-out/final 2>/dev/null
echo "metrics: work/demo-out/metrics.jsonl; model: work/demo-out/final"
