# Profile "cpu" for GLUE mixes on a 2-core machine without GPU. Sentencepiece pieces have no
# pretrained vectors: embeddings of 128 dimensions, trained from scratch.
# LSTM archs: hidden 100 (the FDU-MTL cpu profile); Transformer archs: the tf_cpu sizes.
# The model reported is the LAST checkpoint (no selection on dev: GLUE's test labels are not
# public, so dev is the only evaluation set and must not also pick the model).
PROFILE_NOTE="cpu: sentencepiece 8000, embeddings 128 (random), LSTM hidden 100 or Transformer 2x128 (4 heads, FFN 256), Adam, batch 32, 3 epochs, last checkpoint"
TRAIN_ARGS=(
  --embed-dim 128 --no-pretrained-embeddings
  --batch-size 32
  --max-epoch 3
  --clip-norm 5
  --sampler proportional        # SST-2 is 27x RTE: every example is seen once per epoch
  --no-epoch-checkpoints
)
LSTM_ARGS=(--optimizer adam --lr 0.002)
TRANSFORMER_ARGS=(--encoder-layers 2 --encoder-dim 128 --attention-heads 4 --ffn-dim 256
                  --truncate-length 256 --optimizer adam --lr 0.0005
                  --lr-scheduler inverse_sqrt --warmup-updates 500)
