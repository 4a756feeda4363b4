#!/usr/bin/env bash
# Multi-node training with mft launch: run this once on every node, with the same arguments except NODE_RANK.
#
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 NPROC_PER_NODE=8 scripts/launch_multinode.sh \
#       train --train_config configs/x.json --zero_stage 2
#   NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 NPROC_PER_NODE=8 scripts/launch_multinode.sh \
#       train --train_config configs/x.json --zero_stage 2
#
# Like the seed's torchrun line: --nnodes, --node_rank, --nproc_per_node, --master_addr, --master_port. RDZV_ID must be
# the same on every node (default: one derived from MASTER_ADDR, MASTER_PORT and the arguments, identical on all nodes
# when they run the same command; set it to something secret on shared networks). See docs/distributed.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${NNODES:?set NNODES (number of nodes)}"
: "${NODE_RANK:?set NODE_RANK (0 on the master node, 1..NNODES-1 elsewhere)}"
: "${MASTER_ADDR:?set MASTER_ADDR (address of node 0, reachable from every node)}"
MASTER_PORT="${MASTER_PORT:-29500}"
NPROC_PER_NODE="${NPROC_PER_NODE:-$(nvidia-smi -L 2>/dev/null | wc -l | awk '{print ($1 > 0) ? $1 : 1}')}"
MAX_RESTARTS="${MAX_RESTARTS:-0}"
RDZV_ID="${RDZV_ID:-$(printf '%s ' "$MASTER_ADDR" "$MASTER_PORT" "$@" | sha256sum | cut -c1-32)}"
if [[ $# -eq 0 ]]; then
  echo "usage: NNODES=.. NODE_RANK=.. MASTER_ADDR=.. $0 <mft subcommand and args>" >&2
  exit 2
fi
exec "$root/bin/mft" launch --nnodes "$NNODES" --node_rank "$NODE_RANK" --nproc_per_node "$NPROC_PER_NODE" \
  --master_addr "$MASTER_ADDR" --master_port "$MASTER_PORT" --max_restarts "$MAX_RESTARTS" --rdzv_id "$RDZV_ID" \
  -- "$@"
