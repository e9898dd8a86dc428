# Profile "thesis": the thesis' setting (Sun 2019, Sec. 3.3.2) for GPU users: 4 layers, d=300,
# 6 heads of 50, FFN 512 (the model defaults), Adam lr 5e-4 with the word vectors at 5e-5, batch
# 50, up to 30 epochs, 300d GloVe 840B vectors (prepare with
# --embeddings /path/glove.840B.300d.txt; fairseq-mtl never downloads them).
PROFILE_NOTE="thesis: 4 layers, d=300, 6 heads, FFN 512, your 300d vectors, Adam 5e-4 (embeddings 5e-5), batch 50, 30 epochs"
TRAIN_ARGS=(
  --optimizer adam --lr 0.0005
  --embed-lr-scale 0.1          # embeddings at 5e-5
  --batch-size 50
  --max-epoch 30
  --best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric
  --no-epoch-checkpoints
)
