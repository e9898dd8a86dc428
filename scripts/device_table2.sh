#!/usr/bin/env bash
# Run recipes/fdu_mtl/train.sh for several (arch, seed) pairs IN PARALLEL on one GPU machine
# (LSTM batches of 16 leave an H100 mostly idle; one process per run keeps it busy), then pack
# the small result files (no checkpoints) into $OUT.
# usage: scripts/device_table2.sh PROFILE "SEEDS" [ARCHS...]    (after sourcing offline_gpu_env.sh)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROFILE="$1"; SEEDS="$2"; shift 2
ARCHS=("${@:-st_lstm st_bilstm st_slstm fs_lstm sp_lstm asp_lstm}")
ARCHS=(${ARCHS[*]})
export OMP_NUM_THREADS=1
for SEED in $SEEDS; do
  for ARCH in "${ARCHS[@]}"; do
    RUN_DIR="/tmp/runs/$PROFILE/$ARCH/seed$SEED" \
      "$ROOT/recipes/fdu_mtl/train.sh" "$ARCH" "$SEED" "$PROFILE" --num-workers 0 \
      > "/tmp/log_${ARCH}_$SEED.txt" 2>&1 &
  done
done
wait
tail -n 2 /tmp/log_*.txt
cd /tmp/runs && find . -name run.json -o -name 'eval_*' -o -name train.log | \
  tar czf "${OUT:-/tmp}/runs_${PROFILE}_${SEEDS// /_}.tar.gz" -T -
