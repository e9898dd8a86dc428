# Profile "paper": the paper's full-size setting (Sec. 5.3), for GPU users who bring the
# 200d GloVe 840B vectors (prepare with --embeddings /path/glove.840B.200d.txt; fairseq-mtl never
# downloads them). lambda 0.05 and gamma 0.01 are asp_lstm's defaults.
# Training options: recipes/config/fdu_mtl_paper.yaml (Hydra).
PROFILE_NOTE="paper: your 200d vectors, hidden 100, lr 0.01, batch 16, up to 30 epochs"
profile_flags fdu_mtl_paper
