# Profile "minilm_cpu": single-task fine-tuning and the thesis' schemes on the pretrained
# all-MiniLM-L6-v2 (BERT layout, 6 layers, d=384; `make pretrained`), sized so that a table (5
# schemes x 3 seeds, two one-thread runs side by side) takes about 8 hours on a 2-core CPU.
# The levers, each with its reason:
#   - SST-2: 8,000 of its 67,349 training sentences (seeded; --train-subsample): SST-2 alone is
#     57 % of GLUE's training tokens here, and 8,000 sentences are past the knee of its curve;
#   - at most 128 tokens per example (pairs cut longest-first): cuts 12 % of RTE's pairs, none
#     of the other tasks' examples;
#   - 3 epochs (the standard), batch 32, lr 5e-5 (the top of Devlin et al.'s range: few
#     updates); the rest in recipes/config/glue_minilm_cpu.yaml (fused AdamW, linear decay after 6 % warm-up,
#     weight decay 0.01, clipping 1.0), dropout 0.1 (the checkpoint's);
#   - every batch of every task once per epoch, in one shuffled order (MT-DNN's sampler);
#   - the LAST checkpoint is reported (GLUE's dev set is the only labelled evaluation set, so
#     it selects nothing).
PROFILE_NOTE="minilm_cpu: all-MiniLM-L6-v2, <=128 tokens, SST-2 8000 of 67349, AdamW 5e-5 linear decay (6% warm-up), wd 0.01, clip 1, batch 32, 3 epochs, shuffled sampler, last checkpoint"
MODEL="${PRETRAINED:-$ROOT/pretrained/all-MiniLM-L6-v2}"
PROFILE_DATA="$ROOT/data-bin/glue-minilm-cpu"
PREPARE_ARGS=(--pretrained "$MODEL" --max-length 128 --train-subsample SST-2:8000)
COUNT_TASKS="${TASKS:-}"
source "$ROOT/recipes/pretrained.sh"
pretrained_train_args glue_minilm_cpu
