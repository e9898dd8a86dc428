# Shared by the pretrained profiles (recipes/*/profiles/minilm_*.sh); sourced, not run.
# The profile sets MODEL and PROFILE_DATA, then calls
#   pretrained_train_args CONFIG
# with CONFIG its Hydra profile (recipes/config/CONFIG.yaml: fine-tuning with fused AdamW,
# weight decay 0.01, clipping at 1.0, linear decay to 0 after a 6 % warm-up, batch, epochs).
# It sets LR, EPOCHS and BATCH from that file (the transformers yardstick uses them too) and
# TRAIN_ARGS, filling what the file leaves to the run: the model directory and the number of
# updates the linear decay needs (every batch once per epoch, round_robin or shuffled sampler,
# counted from the prepared data, of the TASKS subset when given; 0 before the data is
# prepared: prepare.sh sources the profile too). ARCH_FAMILY=transformer: train.sh refuses other
# archs (no --pretrained there).
pretrained_train_args() {
  local config="$1" data="${DATA:-$PROFILE_DATA}" total=0
  LR=$(profile_get "$config" optimization.lr)
  EPOCHS=$(profile_get "$config" optimization.max_epoch)
  BATCH=$(profile_get "$config" dataset.batch_size)
  if [[ -f "$data/manifest.json" ]]; then
    total=$("${BIN:-$ROOT/.venv/bin}/python" -m fairseq_mtl.data.manifest updates "$data" "$BATCH" \
            "$EPOCHS" "${COUNT_TASKS:-}")
  fi
  profile_flags "$config" --set "model.pretrained=$MODEL" \
    --set "lr_scheduler.total_num_update=$total" \
    --set "lr_scheduler.warmup_updates=$((total * 6 / 100))"
  ARCH_FAMILY=transformer
}
