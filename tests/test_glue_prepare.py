"""GLUE preparation on fixture files written here in the official layout of all nine tasks."""
import json
import os

import numpy as np
import pytest

from conftest import glue_sentence, run_main, write_glue, write_tsv
from fairseq_mtl.data.prepare import cli_main as prepare_main

pytestmark = pytest.mark.fast


@pytest.fixture
def glue_raw(tmp_path):
    return write_glue(tmp_path / "glue")


def prepare(raw, out, *extra, check=True):
    return run_main(prepare_main, ["glue", "--raw-dir", raw, "--out", out, *extra], check=check)


def test_all_nine_tasks_in_their_official_layouts(glue_raw, tmp_path):
    out = tmp_path / "bin"
    prepare(glue_raw, out, "--tokenizer", "words")
    manifest = json.load(open(out / "manifest.json"))
    tasks = {t["name"]: t for t in manifest["tasks"]}
    assert list(tasks) == ["CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI", "QNLI", "RTE",
                           "WNLI"]
    assert tasks["STS-B"]["type"] == "regression" and tasks["STS-B"]["labels"] == []
    assert tasks["MNLI"]["labels"] == ["contradiction", "entailment", "neutral"]
    # digit labels get what they mean (prediction shows these); named labels need none
    assert tasks["CoLA"]["label_names"] == {"0": "unacceptable", "1": "acceptable"}
    assert tasks["MRPC"]["label_names"] == {"0": "not_equivalent", "1": "equivalent"}
    assert tasks["RTE"]["label_names"] == {}
    assert tasks["MNLI"]["splits"] == {"train": 12, "valid": 6, "valid_mismatched": 6,
                                       "test": 4, "test_mismatched": 3, "test_ax": 5}
    assert tasks["CoLA"]["splits"] == {"train": 12, "valid": 6, "test": 3}
    scores = np.load(out / "STS-B" / "train.label.npy")
    assert scores.dtype == np.float32 and scores[1] == pytest.approx(0.8)
    assert list(np.load(out / "RTE" / "test.label.npy")) == [-1, -1, -1]
    assert open(out / "QQP" / "test.index.txt").read().split() == ["0", "1", "2"]
    assert list(np.load(out / "QNLI" / "valid.label.npy"))[:2] == [0, 1]
    # a pair is "A <sep> B"; a single sentence has no <sep>; the BOM of MRPC is gone
    from fairseq.data import Dictionary
    from fairseq.data.indexed_dataset import make_dataset

    d = Dictionary.load(str(out / "dict.txt"))
    sep = d.index("<sep>")
    rte = make_dataset(str(out / "RTE" / "train"), impl="mmap")
    first = [d[int(i)] for i in rte[0]]
    assert first.count("<sep>") == 1 and first[0] == "the" and first[-1] == "."
    assert sep not in make_dataset(str(out / "CoLA" / "train"), impl="mmap")[0].tolist()
    assert "\ufeff" not in "".join(d.symbols)


def test_sentencepiece_and_sst2_test_as_sentence_minus_one(glue_raw, tmp_path):
    write_tsv(glue_raw / "SST-2" / "test.tsv", ["sentence", "label"],
           [(glue_sentence(i), -1) for i in range(4)])
    out = tmp_path / "bin"
    prepare(glue_raw, out, "--tasks", "SST-2,RTE", "--spm-vocab", "60")
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["preparation"]["tokenizer"] == "sentencepiece"
    assert (out / "spm.model").exists()
    assert manifest["tasks"][0]["splits"]["test"] == 4
    assert open(out / "SST-2" / "test.index.txt").read().split() == ["0", "1", "2", "3"]


@pytest.mark.parametrize("task, line, damage, message", [
    ("RTE", 4, lambda r: r.replace("\tentailment", "\tmaybe"), "bad label 'maybe'"),
    ("STS-B", 2, lambda r: r.rsplit("\t", 1)[0] + "\tfour", "bad score 'four'"),
    ("QQP", 4, lambda r: r.split("\t", 1)[1], "5 columns, expected 6"),
    ("CoLA", 2, lambda r: r.replace("\t1\t", "\t7\t"), "bad label '7'"),
    ("STS-B", 3, lambda r: r.rsplit("\t", 1)[0] + "\t7.5",
     "bad score '7.5'; expected a number in [0, 5]"),
    ("STS-B", 5, lambda r: r.rsplit("\t", 1)[0] + "\t-2", "bad score '-2'"),
])
def test_malformed_rows_stop_with_file_and_line_or_are_skipped(glue_raw, tmp_path, task, line,
                                                               damage, message):
    path = glue_raw / task / "train.tsv"
    rows = open(path, encoding="utf-8").read().split("\n")
    rows[line - 1] = damage(rows[line - 1])
    open(path, "w", encoding="utf-8").write("\n".join(rows))
    proc = prepare(glue_raw, tmp_path / "a", "--tasks", task, "--tokenizer", "words",
                   check=False)
    assert proc.returncode == 1 and f"{path}:{line}: {message}" in proc.stderr
    proc = prepare(glue_raw, tmp_path / "b", "--tasks", task, "--tokenizer", "words",
                   "--skip-bad-input")
    manifest = json.load(open(tmp_path / "b" / "manifest.json"))
    assert manifest["tasks"][0]["stats"]["skipped"] == 1
    assert manifest["tasks"][0]["splits"]["train"] == 11


def test_unknown_task_and_missing_layout(glue_raw, tmp_path):
    proc = prepare(glue_raw, tmp_path / "x", "--tasks", "SQuAD", check=False)
    assert proc.returncode == 1 and "unknown GLUE task 'SQuAD'" in proc.stderr
    os.remove(glue_raw / "RTE" / "dev.tsv")
    proc = prepare(glue_raw, tmp_path / "y", "--tasks", "RTE", check=False)
    assert proc.returncode == 1 and "dev.tsv: missing" in proc.stderr


def test_sts_b_dev_scores_outside_0_to_5_are_refused_too(glue_raw, tmp_path):
    path = glue_raw / "STS-B" / "dev.tsv"
    rows = open(path).read().split("\n")
    rows[2] = rows[2].rsplit("\t", 1)[0] + "\t5.01"
    open(path, "w").write("\n".join(rows))
    proc = prepare(glue_raw, tmp_path / "a", "--tasks", "STS-B", "--tokenizer", "words",
                   check=False)
    assert proc.returncode == 1 and f"{path}:3: bad score '5.01'" in proc.stderr


def test_the_diagnostic_set_is_prepared_for_the_mnli_head_or_says_why_not(glue_raw, tmp_path):
    proc = prepare(glue_raw, tmp_path / "a", "--tasks", "MNLI,RTE", "--tokenizer", "words")
    manifest = json.load(open(tmp_path / "a" / "manifest.json"))
    assert manifest["tasks"][0]["splits"]["test_ax"] == 5
    assert open(tmp_path / "a" / "MNLI" / "test_ax.index.txt").read().split() == [
        "0", "1", "2", "3", "4"]
    assert list(np.load(tmp_path / "a" / "MNLI" / "test_ax.label.npy")) == [-1] * 5
    assert "diagnostic set (AX): 5 pairs" in proc.stdout
    proc = prepare(glue_raw, tmp_path / "b", "--tasks", "RTE", "--tokenizer", "words")
    status = json.load(open(tmp_path / "b" / "manifest.json"))["preparation"]["diagnostic"]
    assert status.startswith("not prepared") and "MNLI is not among the tasks (RTE)" in status
    assert status in proc.stdout


@pytest.mark.parametrize("split", ["train", "dev"])
@pytest.mark.parametrize("content", ["", "index\tsentence1\tsentence2\tlabel\n"])
def test_an_empty_or_header_only_train_or_dev_file_is_refused(tmp_path, split, content):
    raw = write_glue(tmp_path / "glue")
    path = raw / "RTE" / f"{split}.tsv"
    path.write_text(content)
    proc = prepare(raw, tmp_path / "out", "--tasks", "RTE,SST-2", "--tokenizer", "words",
                   check=False)
    assert proc.returncode == 1
    split_name = "train" if split == "train" else "dev"
    expected = (f"{path}: empty file (expected a header line)" if not content else
                f"{path}: no examples for task RTE's {split_name} split")
    assert proc.stderr == f"fairseq-mtl-prepare: error: {expected}" + (
        "" if not content else " (the file is empty, holds only a header, or every line was "
        "skipped)") + "\n"
    assert not os.path.exists(tmp_path / "out")


def test_an_empty_test_split_is_prepared_and_the_summary_says_so(tmp_path):
    raw = write_glue(tmp_path / "glue")
    (raw / "RTE" / "test.tsv").write_text("index\tsentence1\tsentence2\n")
    proc = prepare(raw, tmp_path / "out", "--tasks", "RTE", "--tokenizer", "words")
    assert "RTE: the test split is empty" in proc.stdout
    assert json.load(open(tmp_path / "out" / "manifest.json"))["tasks"][0]["splits"]["test"] == 0


def test_the_summary_gives_the_pieces_the_sentencepiece_model_has(tmp_path):
    raw = write_glue(tmp_path / "glue")
    proc = prepare(raw, tmp_path / "out", "--tasks", "RTE")
    prep = json.load(open(tmp_path / "out" / "manifest.json"))["preparation"]
    import sentencepiece as spm

    pieces = spm.SentencePieceProcessor(model_file=str(tmp_path / "out" / "spm.model"))
    assert prep["spm_pieces"] == pieces.get_piece_size() < 8000
    assert (f"{prep['spm_pieces']} pieces; --spm-vocab 8000 asked for more than this text "
            f"holds") in proc.stdout
    assert "8000 pieces" not in proc.stdout
