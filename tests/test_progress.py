"""The tools' progress bars: on a terminal (or with --progress) on stderr, silent in a pipe."""
import pytest

from conftest import run_cli

pytestmark = pytest.mark.fast


def _synthetic(tmp_path):
    from fairseq_mtl.data.synthetic import write_corpus

    write_corpus(str(tmp_path / "raw"), num_tasks=2, n_train=60, n_test=10, n_unlabel=0)
    return tmp_path / "raw"


def test_prepare_shows_a_bar_when_asked_and_none_in_a_pipe(tmp_path):
    raw = _synthetic(tmp_path)
    base = ["fairseq-mtl-prepare", "fdu-mtl", "--raw-dir", raw, "--dev-size", "10",
            "--embeddings", "none", "--no-unlabeled"]
    quiet = run_cli([*base, "--out", tmp_path / "a"])  # stderr is a pipe here
    shown = run_cli([*base, "--out", tmp_path / "b", "--progress"])
    assert "tokenize" not in quiet.stderr and "example" not in quiet.stderr
    assert "tokenize" in shown.stderr and "write" in shown.stderr
    assert quiet.stdout.splitlines()[:-1] == shown.stdout.splitlines()[:-1]  # bar on stderr only
