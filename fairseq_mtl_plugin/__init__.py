"""The fairseq plugin of fairseq-mtl: the only place that registers anything with fairseq, and
the home of the few patches fairseq 0.12 needs (``patches.py``; the save directory's lock and
safe writes: ``save_dir.py``).

Loading it is one step, from any directory once the project is installed:

* ``fairseq-train DATA --user-dir "$(python -m fairseq_mtl_plugin)" ...`` (in the checkout,
  ``--user-dir user_dir`` does the same);
* in Python, ``import fairseq_mtl_plugin`` (``fairseq_mtl.checkpoint.load_checkpoint`` does it
  for the prediction API and the ``fairseq-mtl-*`` tools).

Importing it from Python (a notebook, the prediction API) changes fairseq's functions only:
``sys.excepthook`` and the warning filters are set on the command-line path alone
(:func:`fairseq_mtl_plugin.patches.on_command_line`).

fairseq's ``--user-dir`` loader auto-imports ``models/`` and ``tasks/`` but not
``criterions/``, so every registered module is imported explicitly below.
"""
import os

# fairseq's import configures logging (its model zoo calls logging.basicConfig): undone, so that
# the root logger stays what it was (a notebook's settings, fairseq-train's, or none)
from fairseq_mtl.logs import import_fairseq

import_fairseq()

from fairseq_mtl_plugin.console import install as install_console  # noqa: E402
from fairseq_mtl_plugin.patches import (  # noqa: E402
    check_fairseq,
    install_atomic_checkpoint_copy,
    install_bf16_without_xla,
    install_checkpoint_allowlist,
    install_ddp_for_one_task_batches,
    install_one_line_checkpoint_errors,
    install_one_line_errors,
    install_peer_broadcast,
    install_plugin_defaults_for_help,
    install_quiet_start,
    on_command_line,
)
from fairseq_mtl_plugin.save_dir import install_save_dir_guard  # noqa: E402

check_fairseq()
install_checkpoint_allowlist()
install_atomic_checkpoint_copy()
install_bf16_without_xla()
install_ddp_for_one_task_batches()
install_peer_broadcast()
install_one_line_checkpoint_errors()
install_plugin_defaults_for_help()  # fairseq's parser: reads sys.argv only where fairseq does
install_save_dir_guard()
install_console()
if on_command_line():
    install_one_line_errors()
    install_quiet_start()

from . import criterions, models, optim, tasks  # noqa: E402,F401

#: the directory to give fairseq as ``--user-dir``
PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
