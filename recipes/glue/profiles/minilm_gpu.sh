# Profile "minilm_gpu": the standard fine-tuning settings on all-MiniLM-L6-v2, for a GPU: full
# training sets, full lengths (all 511 tokens after [CLS] the model reads), 3 epochs, batch 32,
# lr 2e-5 (the rest in recipes/config/glue_minilm_gpu.yaml), dropout 0.1; every batch once per epoch in one
# shuffled order; the LAST checkpoint reported.
PROFILE_NOTE="minilm_gpu: all-MiniLM-L6-v2, full data and lengths, AdamW 2e-5 linear decay (6% warm-up), wd 0.01, clip 1, batch 32, 3 epochs, shuffled sampler, last checkpoint"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
PROFILE_DATA="$ROOT/data-bin/glue-minilm"
PREPARE_ARGS=(--pretrained "$MODEL")
COUNT_TASKS="${TASKS:-}"
source "$ROOT/recipes/pretrained.sh"
pretrained_train_args glue_minilm_gpu
