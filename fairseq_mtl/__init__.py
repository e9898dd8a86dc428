"""fairseq-mtl: multi-task learning for text classification on top of fairseq.

The library (this package) holds plain PyTorch modules, data tools and analyses; it registers
nothing with fairseq. The fairseq glue (tasks, models, criterions) lives in ``user_dir/`` and is
loaded with ``fairseq-train --user-dir user_dir``.
"""

__version__ = "0.1.0"
