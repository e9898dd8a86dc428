"""Multi-task training on a GLUE mix (pairs, a regression task, official metrics)."""
import pytest

from conftest import run_cli, run_main, train_args, write_glue
from fairseq_mtl.data.prepare import cli_main as prepare
from fairseq_mtl.evaluate import cli_main as evaluate


@pytest.fixture(scope="module")
def glue_bin(tmp_path_factory):
    raw = write_glue(tmp_path_factory.mktemp("glue-raw") / "glue", n=16)
    out = tmp_path_factory.mktemp("glue-bin")
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", out, "--tokenizer", "words"])
    return str(out)


@pytest.mark.parametrize("arch", ["asp_lstm", "layerwise_explicit_transformer"])
def test_glue_mix_trains_with_official_metrics(glue_bin, tmp_path, arch):
    proc = run_cli(train_args(glue_bin, tmp_path, arch, "--max-update", "12",
                              "--best-checkpoint-metric", "avg_score"))
    valid = [line for line in (proc.stdout + proc.stderr).splitlines()
             if "valid on 'valid' subset" in line][-1]
    for key in ("CoLA/mcc", "MRPC/f1", "QQP/f1", "STS-B/pearson", "STS-B/loss", "RTE/acc",
                "MNLI/acc", "avg_score", "avg_acc"):
        assert f"| {key} " in valid, key
    assert "STS-B/acc" not in valid


def test_evaluation_metrics_and_submission_files(glue_bin, tmp_path):
    import json

    run_cli(train_args(glue_bin, tmp_path, "sp_lstm", "--max-update", "6"))
    ckpt = tmp_path / "checkpoint_last.pt"
    run_main(evaluate, [ckpt, "--split", "valid", "--out", tmp_path / "dev"])
    result = json.load(open(tmp_path / "dev.json"))
    rows = {r["task"]: r for r in result["tasks"]}
    assert "MNLI-mm" in rows and rows["MNLI-mm"]["n"] == 8
    assert {"mcc", "accuracy", "score"} <= set(rows["CoLA"])
    assert {"pearson", "spearman", "score"} <= set(rows["STS-B"])
    assert "accuracy" not in rows["STS-B"]
    mrpc = rows["MRPC"]
    assert mrpc["score"] == pytest.approx((mrpc["f1"] + mrpc["accuracy"]) / 2, abs=0.01)
    assert "score" in result["average"]
    sub = tmp_path / "submission"
    result = run_main(evaluate, [ckpt, "--split", "test", "--out", tmp_path / "test",
                                 "--submission", sub])
    # every file is there; the check names the row counts that are not GLUE's (fixture data)
    assert f"submission {sub}: 11 of the 11 files GLUE expects" in result.stdout
    assert "CoLA.tsv: 3 rows, GLUE's test set has 1063" in result.stdout
    files = sorted(p.name for p in sub.iterdir())
    assert files == ["AX.tsv", "CoLA.tsv", "MNLI-m.tsv", "MNLI-mm.tsv", "MRPC.tsv", "QNLI.tsv",
                     "QQP.tsv", "RTE.tsv", "SST-2.tsv", "STS-B.tsv", "WNLI.tsv"]
    for name, rows in (("MNLI-mm.tsv", 3), ("AX.tsv", 5)):  # AX: the MNLI head's predictions
        lines = (sub / name).read_text().splitlines()
        assert lines[0] == "index\tprediction" and len(lines) == rows + 1
        assert all(line.split("\t")[1] in ("contradiction", "entailment", "neutral")
                   for line in lines[1:])
    assert all(0.0 <= float(line.split("\t")[1]) <= 5.0
               for line in (sub / "STS-B.tsv").read_text().splitlines()[1:])
    test = json.load(open(tmp_path / "test.json"))
    assert all("score" not in r for r in test["tasks"])  # unlabeled: no scores


def test_prediction_on_raw_pairs_with_sentencepiece_matches_evaluation(tmp_path):
    """Raw RTE dev pairs through MultiTaskClassifier (sentencepiece, 'A <sep> B', no data
    directory: the model comes from the checkpoint) give evaluation's accuracy exactly."""
    import json

    import torch

    from fairseq_mtl import MultiTaskClassifier

    raw = write_glue(tmp_path / "glue", n=16)
    out = tmp_path / "bin"
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", out, "--tasks", "CoLA,RTE",
                       "--spm-vocab", "60"])
    run_cli(train_args(str(out), tmp_path / "ck", "layerwise_implicit_transformer",
                       "--max-update", "8"))
    ckpt = tmp_path / "ck" / "checkpoint_last.pt"
    run_main(evaluate, [ckpt, "--split", "valid", "--out", tmp_path / "dev"])
    correct = {r["task"]: r["correct"] for r in json.load(open(tmp_path / "dev.json"))["tasks"]}

    state = torch.load(ckpt)
    assert isinstance(state["task_state"]["tokenizer_files"]["spm.model"], bytes)
    state["cfg"]["task"]["data"] = str(tmp_path / "gone")
    torch.save(state, tmp_path / "alone.pt")
    m = MultiTaskClassifier.from_checkpoint(str(tmp_path / "alone.pt"), device="cpu")
    rows = [line.split("\t") for line in open(raw / "RTE" / "dev.tsv").read().splitlines()[1:]]
    predictions = m.predict("RTE", [(r[1], r[2]) for r in rows])
    assert sum(p.label == r[3] for p, r in zip(predictions, rows)) == correct["RTE"]
    rows = [line.split("\t") for line in open(raw / "CoLA" / "dev.tsv").read().splitlines()]
    predictions = m.predict("CoLA", [r[3] for r in rows])
    assert sum(p.label == r[1] for p, r in zip(predictions, rows)) == correct["CoLA"]
    # the command line: two --text-column names make a pair
    from fairseq_mtl.predict import cli_main as predict

    rows = [line.split("\t") for line in open(raw / "RTE" / "dev.tsv").read().splitlines()[1:]]
    expected = [p.label for p in m.predict("RTE", [(r[1], r[2]) for r in rows])]
    result = run_main(predict, ["--checkpoint", tmp_path / "alone.pt", "--task", "RTE",
                                "--input", raw / "RTE" / "dev.tsv", "--format", "tsv",
                                "--text-column", "sentence1,sentence2"])
    assert [line.split("\t")[2] for line in result.stdout.splitlines()[1:]] == expected


def test_a_submission_without_mnli_says_ax_is_missing_and_why(tmp_path):
    raw = write_glue(tmp_path / "glue", n=16)
    out = tmp_path / "bin"
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", out, "--tasks", "CoLA,RTE",
                       "--tokenizer", "words"])
    run_cli(train_args(str(out), tmp_path / "ck", "fs_lstm", "--max-update", "2"))
    sub = tmp_path / "submission"
    result = run_main(evaluate, [tmp_path / "ck" / "checkpoint_last.pt", "--split", "test",
                                 "--out", tmp_path / "test", "--submission", sub])
    assert ("AX.tsv not written: GLUE scores its diagnostic set with an MNLI model's "
            "predictions, and this checkpoint has no MNLI task") in result.stdout
    assert f"submission {sub}: 2 of the 11 files GLUE expects" in result.stdout
    for name in ("AX.tsv", "MNLI-m.tsv", "SST-2.tsv"):
        assert f"  {name} missing" in result.stdout
