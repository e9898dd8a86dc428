"""fairseq-mtl: multi-task learning for text classification on top of fairseq.

The library (this package) holds plain PyTorch modules, data preparation, evaluation and
prediction; it registers nothing with fairseq, and imports neither the plugin nor the tools
(``fairseq_mtl_tools``: result tables and the papers' analyses). The fairseq glue (task,
models, criterion, optimizer, fairseq patches) is the package ``fairseq_mtl_plugin``, installed
beside this one and loaded with
``fairseq-train --user-dir "$(python -m fairseq_mtl_plugin)"`` (``--user-dir user_dir`` in the
checkout) or ``import fairseq_mtl_plugin``.

``from fairseq_mtl import MultiTaskClassifier`` is the prediction API (:mod:`fairseq_mtl.predict`).
"""

__version__ = "0.1.0"

__all__ = ["MultiTaskClassifier", "Prediction"]


def __getattr__(name):
    # lazy, so that importing the package does not import torch
    if name in __all__:
        from fairseq_mtl.logs import import_fairseq

        import_fairseq()  # its import would configure logging (fairseq_mtl/logs.py): undone
        from fairseq_mtl import predict

        return getattr(predict, name)
    raise AttributeError(f"module 'fairseq_mtl' has no attribute {name!r}")
