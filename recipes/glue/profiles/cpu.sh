# Profile "cpu" for GLUE mixes on a 2-core machine without GPU. Sentencepiece pieces have no
# pretrained vectors: embeddings of 128 dimensions, trained from scratch.
# LSTM archs: hidden 100 (the FDU-MTL cpu profile); Transformer archs: the tf_cpu sizes.
# The model reported is the LAST checkpoint (no selection on dev: GLUE's test labels are not
# public, so dev is the only evaluation set and must not also pick the model).
# Training options: recipes/config/glue_cpu_lstm.yaml and glue_cpu_transformer.yaml (Hydra),
# chosen by the arch's family (ARCH, set by the recipe that sources this file).
PROFILE_NOTE="cpu: sentencepiece 8000, embeddings 128 (random), LSTM hidden 100 or Transformer 2x128 (4 heads, FFN 256), Adam, batch 32, 3 epochs, last checkpoint"
case "${ARCH:-}" in
  *transformer) profile_flags glue_cpu_transformer ;;
  *) profile_flags glue_cpu_lstm ;;
esac
