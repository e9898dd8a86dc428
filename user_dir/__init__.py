"""The checkout's ``--user-dir``: ``fairseq-train DATA --user-dir user_dir ...`` loads the plugin.

The plugin itself is the package ``fairseq_mtl_plugin`` (installed with the project), which
registers the task, the models, the criterion and the optimizer with fairseq; outside a checkout
give fairseq its directory: ``--user-dir "$(python -m fairseq_mtl_plugin)"``.
"""
import fairseq_mtl_plugin  # noqa: F401  (registration side effects)
