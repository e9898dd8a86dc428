# Profile "cpu": sized for a 2-core machine without GPU (one 16-task ASP-MTL epoch ~2.5 min).
# Its training options, with their reasons: recipes/config/fdu_mtl_cpu.yaml (Hydra).
PROFILE_NOTE="cpu: GloVe 6B 50d (paper: 200d 840B), hidden 100, Adam lr 0.003, 8 epochs"
profile_flags fdu_mtl_cpu
