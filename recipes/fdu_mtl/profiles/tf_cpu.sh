# Profile "tf_cpu": the thesis' Transformer schemes sized for a 2-core machine without GPU
# (one 16-task epoch ~2.5 min; a run of 6 epochs with validation ~16 min).
# Only the differences from the model/task defaults, each with its reason.
# Kept from the thesis: Adam, batch 50, embedding lr 1/10 of the rest, learned positions,
# post-LN, round-robin sampler (Algorithm 1), dropout 0.1 (our default; the thesis gives none).
PROFILE_NOTE="tf_cpu: 2 layers, d=128, 4 heads, FFN 256, GloVe 6B 50d, <=256 words, Adam 1e-3 inverse-sqrt (200 warm-up), batch 50, 6 epochs"
TRAIN_ARGS=(
  --encoder-layers 2 --encoder-dim 128 --attention-heads 4 --ffn-dim 256
                                # thesis size (4/300/6/512) runs at ~2.3k words/s on 2 cores,
                                # 17 min per epoch; this size runs at ~15k words/s
  --truncate-length 256         # 95% of the training reviews are shorter
  --optimizer adam --lr 0.001   # a smaller model and 6 epochs instead of 30: 2x the thesis' lr
  --lr-scheduler inverse_sqrt --warmup-updates 200   # post-LN Transformers need a warm-up
  --embed-lr-scale 0.1          # thesis: word vectors at lr/10 so that GloVe is not overwritten
  --clip-norm 5
  --batch-size 50               # thesis
  --max-epoch 6
  --best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric   # select on dev average
  --no-epoch-checkpoints
)
