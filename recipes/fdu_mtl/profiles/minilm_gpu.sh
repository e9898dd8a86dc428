# Profile "minilm_gpu": the standard fine-tuning settings on all-MiniLM-L6-v2 for a GPU: full
# review lengths (511 tokens after [CLS], head+tail beyond; 1.8 % of the training reviews are
# longer), 3 epochs, batch 32, fused AdamW lr 2e-5, linear decay after a 6 % warm-up, weight decay
# 0.01, clipping at 1.0, dropout 0.1; round-robin over the 16 tasks; selection on the dev average.
PROFILE_NOTE="minilm_gpu: all-MiniLM-L6-v2, reviews up to 511 tokens (head+tail), AdamW 2e-5 linear decay (6% warm-up), wd 0.01, clip 1, batch 32, 3 epochs, round-robin, best dev avg_acc"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
PROFILE_DATA="$ROOT/data-bin/fdu-minilm"
PREPARE_ARGS=(--pretrained "$MODEL")
EPOCHS=3; BATCH=32
TOTAL=0
if [[ -f "${DATA:-$PROFILE_DATA}/manifest.json" ]]; then
  TOTAL=$("$ROOT/.venv/bin/python" -m fairseq_mtl.data.manifest updates "${DATA:-$PROFILE_DATA}" \
          $BATCH $EPOCHS)
fi
TRAIN_ARGS=(
  --pretrained "$MODEL"
  --optimizer torch_adamw --lr 2e-5 --weight-decay 0.01 --clip-norm 1.0
  --lr-scheduler polynomial_decay --total-num-update "$TOTAL" --warmup-updates $((TOTAL * 6 / 100))
  --batch-size $BATCH --max-epoch $EPOCHS
  --best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric
  --no-epoch-checkpoints
)
ARCH_FAMILY=transformer   # --pretrained is an option of the Transformer models only
