import sys
import types

import pytest

from fairseq_mtl_plugin import patches as compat

pytestmark = pytest.mark.fast


def test_wrong_fairseq_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "fairseq", types.SimpleNamespace(__version__="0.10.2"))
    with pytest.raises(ImportError) as err:
        compat.check_fairseq()
    message = str(err.value)
    assert "0.10.2" in message and "ve-fairseq==0.12.3" in message and "\n" not in message


def test_missing_fairseq_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "fairseq", None)  # makes `import fairseq` fail
    with pytest.raises(ImportError, match="fairseq is not installed.*pip install --no-deps"):
        compat.check_fairseq()


def test_installed_fairseq_is_accepted():
    compat.check_fairseq()
