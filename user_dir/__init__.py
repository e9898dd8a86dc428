"""fairseq glue of fairseq-mtl: the only place that registers anything with fairseq.

fairseq's ``--user-dir`` loader imports this package; it auto-imports ``models/`` and ``tasks/``
but not ``criterions/``, so every registered module is imported explicitly below.
"""
from fairseq_mtl.compat import (check_fairseq, install_atomic_checkpoint_copy,
                                install_bf16_without_xla, install_checkpoint_allowlist,
                                install_ddp_for_one_task_batches,
                                install_one_line_checkpoint_errors, install_peer_broadcast)

check_fairseq()
install_checkpoint_allowlist()
install_atomic_checkpoint_copy()
install_bf16_without_xla()
install_ddp_for_one_task_batches()
install_peer_broadcast()
install_one_line_checkpoint_errors()

from . import criterions, models, optim, tasks  # noqa: E402,F401
