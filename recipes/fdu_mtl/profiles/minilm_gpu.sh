# Profile "minilm_gpu": the standard fine-tuning settings on all-MiniLM-L6-v2 for a GPU: full
# review lengths (511 tokens after [CLS], head+tail beyond: 1.8 % of the training reviews are
# longer), 3 epochs, batch 32, lr 2e-5 (the rest in recipes/config/fdu_mtl_minilm_gpu.yaml), dropout 0.1;
# round-robin over the 16 tasks; selection on the dev average.
PROFILE_NOTE="minilm_gpu: all-MiniLM-L6-v2, reviews up to 511 tokens (head+tail), AdamW 2e-5 linear decay (6% warm-up), wd 0.01, clip 1, batch 32, 3 epochs, round-robin, best dev avg_acc"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
PROFILE_DATA="$ROOT/data-bin/fdu-minilm"
PREPARE_ARGS=(--pretrained "$MODEL")
source "$ROOT/recipes/pretrained.sh"
pretrained_train_args fdu_mtl_minilm_gpu
