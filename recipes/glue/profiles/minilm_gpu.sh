# Profile "minilm_gpu": the standard fine-tuning settings on all-MiniLM-L6-v2, for a GPU: full
# training sets, full lengths (all 511 tokens after [CLS] the model reads), 3 epochs, batch
# 32, fused AdamW lr 2e-5, linear decay after a 6 % warm-up, weight decay 0.01, clipping at 1.0,
# dropout 0.1; every batch once per epoch in one shuffled order; the LAST checkpoint reported.
PROFILE_NOTE="minilm_gpu: all-MiniLM-L6-v2, full data and lengths, AdamW 2e-5 linear decay (6% warm-up), wd 0.01, clip 1, batch 32, 3 epochs, shuffled sampler, last checkpoint"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
PROFILE_DATA="$ROOT/data-bin/glue-minilm"
PREPARE_ARGS=(--pretrained "$MODEL")
EPOCHS=3; BATCH=32
TOTAL=0
if [[ -f "${DATA:-$PROFILE_DATA}/manifest.json" ]]; then
  TOTAL=$("$ROOT/.venv/bin/python" -m fairseq_mtl.data.manifest updates "${DATA:-$PROFILE_DATA}" \
          $BATCH $EPOCHS "${TASKS:-}")
fi
TRAIN_ARGS=(
  --pretrained "$MODEL"
  --optimizer torch_adamw --lr 2e-5 --weight-decay 0.01 --clip-norm 1.0
  --lr-scheduler polynomial_decay --total-num-update "$TOTAL" --warmup-updates $((TOTAL * 6 / 100))
  --batch-size $BATCH --max-epoch $EPOCHS
  --sampler shuffled
  --no-epoch-checkpoints
)
TRANSFORMER_ARGS=()
ARCH_FAMILY=transformer   # --pretrained is an option of the Transformer models only
