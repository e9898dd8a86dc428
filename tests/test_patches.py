import sys
import types

import pytest

from fairseq_mtl_plugin import patches

pytestmark = pytest.mark.fast


def test_wrong_fairseq_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "fairseq", types.SimpleNamespace(__version__="0.10.2"))
    with pytest.raises(ImportError) as err:
        patches.check_fairseq()
    message = str(err.value)
    assert "0.10.2" in message and "ve-fairseq==0.12.3" in message and "\n" not in message


def test_missing_fairseq_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "fairseq", None)  # makes `import fairseq` fail
    with pytest.raises(ImportError, match="fairseq is not installed.*pip install --no-deps"):
        patches.check_fairseq()


def test_installed_fairseq_is_accepted():
    patches.check_fairseq()


def _after_import(code: str, *args: str) -> str:
    import subprocess

    from conftest import ROOT

    return subprocess.run([sys.executable, *args, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def test_importing_the_api_leaves_the_interpreter_alone():
    """A notebook that imports the plugin (as the prediction API does) keeps its excepthook
    and warning filters; fairseq's own functions are patched."""
    code = ("import logging, sys, warnings\n"
            "hook = sys.excepthook\n"
            "from fairseq_mtl import MultiTaskClassifier\n"
            "import fairseq_mtl_plugin\n"
            "from fairseq import checkpoint_utils\n"
            "from fairseq_mtl_plugin.patches import FOREIGN_WARNINGS, on_command_line\n"
            "ours = {m for m, _ in FOREIGN_WARNINGS if m}\n"
            "mine = [f for f in warnings.filters if getattr(f[3], 'pattern', f[3]) in ours]\n"
            "root = logging.getLogger()\n"
            "print(sys.excepthook is hook, not mine, on_command_line(),\n"
            "      getattr(checkpoint_utils.load_checkpoint_to_cpu, 'fairseq_mtl_errors', 0),\n"
            "      root.handlers == [] and root.level == logging.WARNING)\n")
    # (fairseq's own import would leave a DEBUG handler on the root logger: undone)
    assert _after_import(code).split() == ["True", "True", "False", "True", "True"]


def test_the_command_line_gets_one_line_errors(tmp_path):
    """A program run as ``python -m fairseq_cli...`` or a ``fairseq-*`` script is the
    command line: there the excepthook prints an error meant for the user in one line."""
    main = tmp_path / "fairseq-demo"
    main.write_text("import sys, fairseq_mtl_plugin\n"
                    "from fairseq_mtl.checkpoint import CheckpointLoadError\n"
                    "print(getattr(sys.excepthook, 'fairseq_mtl_errors', False), flush=True)\n"
                    "raise CheckpointLoadError('PATH: cannot load checkpoint (why)')\n")
    import subprocess

    proc = subprocess.run([sys.executable, str(main)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout.strip() == "True"
    assert proc.stderr.strip() == "error: PATH: cannot load checkpoint (why)"
