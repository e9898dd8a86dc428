# Shared by the pretrained profiles (recipes/*/profiles/minilm_*.sh); sourced, not run.
# The profile sets MODEL, PROFILE_DATA, LR, EPOCHS and BATCH, then calls
#   pretrained_train_args [extra fairseq-train options]
# which sets TRAIN_ARGS: fine-tuning with fused AdamW at LR, weight decay 0.01, clipping at 1.0
# (Hugging Face's Trainer default), linear decay to 0 after a 6 % warm-up, BATCH sentences,
# EPOCHS epochs, no per-epoch checkpoints. The linear decay needs the run's number of updates:
# every batch once per epoch (round_robin or shuffled sampler), counted from the prepared data
# (of the TASKS subset when given); 0 before the data is prepared (prepare.sh sources the
# profile too). ARCH_FAMILY=transformer: train.sh refuses other archs (no --pretrained there).
pretrained_train_args() {
  local data="${DATA:-$PROFILE_DATA}" total=0
  if [[ -f "$data/manifest.json" ]]; then
    total=$("${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl.data.manifest updates "$data" "$BATCH" \
            "$EPOCHS" "${COUNT_TASKS:-}")
  fi
  TRAIN_ARGS=(
    --pretrained "$MODEL"
    --optimizer torch_adamw --lr "$LR" --weight-decay 0.01 --clip-norm 1.0
    --lr-scheduler polynomial_decay --total-num-update "$total"
    --warmup-updates $((total * 6 / 100))
    --batch-size "$BATCH" --max-epoch "$EPOCHS"
    --no-epoch-checkpoints
    "$@"
  )
  ARCH_FAMILY=transformer
}
