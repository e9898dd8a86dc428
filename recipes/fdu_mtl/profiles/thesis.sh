# Profile "thesis": the thesis' setting (Sun 2019, Sec. 3.3.2) for GPU users: 4 layers, d=300,
# 6 heads of 50, FFN 512 (the model defaults), Adam lr 5e-4 with the word vectors at 5e-5, batch
# 50, up to 30 epochs, 300d GloVe 840B vectors (prepare with
# --embeddings /path/glove.840B.300d.txt; fairseq-mtl never downloads them).
# One addition: a learning-rate warm-up. With the thesis' constant 5e-4 from the first update,
# these post-LN encoders stayed at chance (dev 49-51 % after 10 epochs for S-P, S-C, L-I and L-E;
# lent H100, GloVe 6B 50d, 2026-11-23); the thesis does not say how it avoided that.
# Training options: recipes/config/fdu_mtl_thesis.yaml (Hydra).
PROFILE_NOTE="thesis: 4 layers, d=300, 6 heads, FFN 512, your 300d vectors, Adam 5e-4 (embeddings 5e-5) after a 1000-update warm-up, batch 50, 30 epochs"
ARCH_FAMILY=transformer
profile_flags fdu_mtl_thesis
