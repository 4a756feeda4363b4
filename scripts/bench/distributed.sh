#!/usr/bin/env bash
# Distributed benchmarks on the CPU/TCP backend (ranks are threads joined by real TCP rings):
#   all_reduce bandwidth per rank (world 2 and 4) vs message size, ZeRO 0-3 step time at world 2 vs 1,
#   bytes per rank of parameters / gradients / optimizer state per stage vs the ZeRO paper's formulas.
# Usage: scripts/bench/distributed.sh [all|allreduce|steps|memory]   (results: docs/benchmarks.md, "Distributed")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn -o -q -pl trainer-distributed -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="trainer-distributed/target/test-classes:trainer-distributed/target/classes:trainer-core/target/classes"
cp="$cp:$(cat trainer-distributed/target/bench-classpath.txt)"
export DJL_OFFLINE="${DJL_OFFLINE:-true}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" # spinning OpenMP threads starve the other ranks' threads
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-17179869184}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-17179869184}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-536870912}"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1)"
exec java -Xmx4g --add-modules jdk.incubator.vector -cp "$cp" dev.mft.distributed.bench.DistributedBench "${1:-all}"
