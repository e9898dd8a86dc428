# Profile "paper": the paper's full-size setting (Sec. 5.3), for GPU users who bring the
# 200d GloVe 840B vectors (prepare with --embeddings /path/glove.840B.200d.txt; fairseq-mtl never
# downloads them). lambda 0.05 and gamma 0.01 are asp_lstm's defaults.
PROFILE_NOTE="paper: your 200d vectors, hidden 100, lr 0.01, batch 16, up to 30 epochs"
TRAIN_ARGS=(
  --optimizer adam --lr 0.01 --clip-norm 5
  --batch-size 16
  --max-epoch 30
  --best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric
  --no-epoch-checkpoints
)
