"""fairseq-mtl: multi-task learning for text classification on top of fairseq.

The library (this package) holds plain PyTorch modules, data tools and analyses; it registers
nothing with fairseq. The fairseq glue (tasks, models, criterions) lives in ``user_dir/`` and is
loaded with ``fairseq-train --user-dir user_dir``.

``from fairseq_mtl import MultiTaskClassifier`` is the prediction API (:mod:`fairseq_mtl.predict`).
"""

__version__ = "0.1.0"

__all__ = ["MultiTaskClassifier", "Prediction"]


def __getattr__(name):
    # lazy, so that importing the package does not import torch
    if name in __all__:
        from fairseq_mtl import predict

        return getattr(predict, name)
    raise AttributeError(f"module 'fairseq_mtl' has no attribute {name!r}")
