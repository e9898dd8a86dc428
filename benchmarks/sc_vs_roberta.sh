#!/usr/bin/env bash
# Training throughput of the thesis' S-C scheme vs fairseq's own RoBERTa sentence_prediction,
# same layer sizes, same sentences (all 16 FDU-MTL tasks' training sets), same batch size,
# optimizer and number of updates; both as whole fairseq-train processes.
# usage: benchmarks/sc_vs_roberta.sh ours|ours-random|roberta [SIZE]
#   SIZE: tf_cpu (default) or thesis; ours-random = ours with --random-batches (plain random
#   batches, as RoBERTa's sentence_prediction makes them; ours sorts each task's shuffled
#   examples by length into batches, which pads less)
#   (time the two with any whole-process timer, alternating A B A B; /usr/bin/time -v works)
# Needs: data-bin/fdu-mtl (recipes/fdu_mtl/prepare.sh); the RoBERTa layout is written once to
# $SP_DATA (default data-bin/fdu-mtl-sentence-prediction) by to_sentence_prediction.py.
set -euo pipefail
if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then sed -n '2,11p' "$0"; exit 2; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHICH="$1"; SIZE="${2:-tf_cpu}"
BIN="${BIN:-$ROOT/.venv/bin}"
DATA="${DATA:-$ROOT/data-bin/fdu-mtl}"
SP_DATA="${SP_DATA:-$ROOT/data-bin/fdu-mtl-sentence-prediction}"
UPDATES="${UPDATES:-100}"
case "$SIZE" in
  tf_cpu) L=2; D=128; H=4; F=256 ;;
  thesis) L=4; D=300; H=6; F=512 ;;
  *) echo "SIZE must be tf_cpu or thesis"; exit 2 ;;
esac
# what both runs share: batch 50, Adam, no validation, no checkpoints, <= 256 words
COMMON=(--optimizer adam --lr 0.0005 --batch-size 50 --max-update "$UPDATES" --seed 1
        --disable-validation --no-save --num-workers 0 --log-format simple --log-interval 50
        --dropout 0.1 --attention-dropout 0)
case "$WHICH" in
  ours|ours-random)
    EXTRA=(); [[ "$WHICH" == ours-random ]] && EXTRA=(--random-batches)
    # word vectors of size d (no projection), 256 words + CLS = 257 positions
    exec "$BIN/fairseq-train" "$DATA" --user-dir "$ROOT/user_dir" "${EXTRA[@]}" \
      --task multitask_classification --criterion multitask_adversarial \
      --arch stack_cls_transformer --encoder-layers $L --encoder-dim $D --attention-heads $H \
      --ffn-dim $F --embed-dim $D --no-pretrained-embeddings --max-positions 257 \
      "${COMMON[@]}" ;;
  roberta)
    [[ -f "$SP_DATA/label/train.idx" ]] || \
      "$BIN/python" "$ROOT/benchmarks/to_sentence_prediction.py" "$DATA" "$SP_DATA" > /dev/null
    # <s> + 256 words + </s> = 258 positions, ReLU FFN as ours (RoBERTa's default is GELU)
    exec "$BIN/fairseq-train" "$SP_DATA" --task sentence_prediction --num-classes 2 \
      --init-token 0 --shorten-method truncate --max-positions 258 \
      --criterion sentence_prediction --arch roberta --encoder-layers $L \
      --encoder-embed-dim $D --encoder-attention-heads $H --encoder-ffn-embed-dim $F \
      --activation-fn relu "${COMMON[@]}" ;;
  *) echo "first argument: ours, ours-random or roberta"; exit 2 ;;
esac
