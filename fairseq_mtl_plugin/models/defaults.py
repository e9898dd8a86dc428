"""What ``fairseq-train DATA --arch ARCH`` trains with when the command line leaves it out: one
table, read by the arch functions (``mtl_base.training_defaults``) and by the plugin's
command-line patch, and checked against the YAML profiles of ``recipes/config`` (each family's
row names the profile it was taken from; tests/test_configs.py compares them option by option).

fairseq's own defaults are for translation (a token cross-entropy, lr 0.25, no optimizer,
selection on the dev loss); these replace them only where the user gave nothing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingDefaults:
    lr: float
    batch_size: int  #: sentences per batch
    optimizer: str = "adam"
    #: > 0: an inverse-square-root schedule after this many warm-up updates (Transformers)
    warmup_updates: int = 0
    #: the YAML profile (recipes/config) whose options these are
    profile: str = ""


#: by model family: the LSTMs, the baselines and the transfer models train as the FDU-MTL cpu
#: profile (Adam 0.003, batch 16 as paper Sec. 5.3); the Transformers as tf_cpu (Adam 1e-3
#: after 200 warm-up updates, batch 50 as the thesis); a pretrained encoder as fine-tuning
#: usually does (fused AdamW 2e-5, batch 32: Devlin et al. 2019's range; minilm_gpu)
FAMILIES = {
    "lstm": TrainingDefaults(lr=0.003, batch_size=16, profile="fdu_mtl_cpu"),
    "baseline": TrainingDefaults(lr=0.003, batch_size=16, profile="fdu_mtl_cpu"),
    "transfer": TrainingDefaults(lr=0.003, batch_size=16, profile="fdu_mtl_cpu"),
    "transformer": TrainingDefaults(lr=0.001, batch_size=50, warmup_updates=200,
                                    profile="fdu_mtl_tf_cpu"),
    "pretrained": TrainingDefaults(lr=2e-5, batch_size=32, optimizer="torch_adamw",
                                   profile="fdu_mtl_minilm_gpu"),
}

#: what makes an arch ASP-MTL (paper Sec. 5.3): lambda (the model's adversary) and gamma (the
#: criterion's orthogonality weight)
ADVERSARIAL = {"adversarial_weight": 0.05, "orthogonality_weight": 0.01}

#: the task and criterion every arch of the plugin trains with
TASK, CRITERION = "multitask_classification", "multitask_adversarial"

#: what fairseq-train sets when nothing is given: values for translation, wrong for this task
FAIRSEQ_DEFAULTS = {"task": "translation", "criterion": "cross_entropy", "lr": [0.25],
                    "best_checkpoint_metric": "loss", "lr_scheduler": "fixed"}
