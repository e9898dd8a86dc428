# Profile "tf_cpu": the thesis' Transformer schemes sized for a 2-core machine without GPU
# (one 16-task epoch ~2.5 min; a run of 6 epochs with validation ~16 min).
# Kept from the thesis: Adam, batch 50, embedding lr 1/10 of the rest, learned positions,
# post-LN, round-robin sampler (Algorithm 1), dropout 0.1 (our default; the thesis gives none).
# Training options, each with its reason: recipes/config/fdu_mtl_tf_cpu.yaml (Hydra).
PROFILE_NOTE="tf_cpu: 2 layers, d=128, 4 heads, FFN 256, GloVe 6B 50d, <=256 words, Adam 1e-3 inverse-sqrt (200 warm-up), batch 50, 6 epochs"
ARCH_FAMILY=transformer
profile_flags fdu_mtl_tf_cpu
