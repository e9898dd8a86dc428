"""Prediction: the Python API and fairseq-mtl-predict, on raw text, with every kind of bad input."""
import json
import os

import pytest
import torch

from conftest import TASKS, predict_cli, run_cli, run_main, train_args, write_raw_task


@pytest.fixture(scope="module")
def lstm_ckpt(data_bin, tmp_path_factory):
    """asp_lstm trained long enough to learn 'good' vs 'bad'."""
    out = tmp_path_factory.mktemp("predict-lstm")
    run_cli(train_args(data_bin, out, "asp_lstm", "--max-epoch", "6"))
    return str(out / "checkpoint_best.pt")


@pytest.fixture(scope="module")
def transformer_ckpt(data_bin, tmp_path_factory):
    """A Transformer reads at most --max-positions 20 minus its CLS token: 19 words."""
    out = tmp_path_factory.mktemp("predict-tf")
    run_cli(train_args(data_bin, out, "stack_cls_transformer", "--max-update", "4"))
    return str(out / "checkpoint_last.pt")


def raw_test(raw_dir, task):
    with open(os.path.join(raw_dir, f"{task}.task.test")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    return [r[1] for r in rows], [r[0] for r in rows]


def test_api_lists_tasks_and_agrees_with_evaluation_on_raw_text(lstm_ckpt, raw_dir, tmp_path):
    """Predicting on the RAW test files gives exactly the accuracy fairseq-mtl-evaluate measures
    on the binarised test split: the same preprocessing as training."""
    from fairseq_mtl import MultiTaskClassifier

    m = MultiTaskClassifier.from_checkpoint(lstm_ckpt, device="cpu")
    assert m.tasks == list(TASKS)
    assert m.labels("alpha") == ["0", "1"] and not m.is_regression("alpha")
    out = tmp_path / "eval"
    from fairseq_mtl.evaluate import cli_main as evaluate

    run_main(evaluate, [lstm_ckpt, "--split", "test", "--out", out])
    evaluated = {r["task"]: r["correct"] for r in json.load(open(f"{out}.json"))["tasks"]}
    for task in TASKS:
        texts, gold = raw_test(raw_dir, task)
        predictions = m.predict(task, texts, batch_size=5)
        assert len(predictions) == len(texts)
        for p in predictions:
            assert set(p.probabilities) == {"0", "1"}
            assert abs(sum(p.probabilities.values()) - 1) < 1e-4
            assert p.label == max(p.probabilities, key=p.probabilities.get)
        assert sum(p.label == g for p, g in zip(predictions, gold)) == evaluated[task]
    # the task learned its rule
    good, bad = m.predict("alpha", ["a1 a2 good a3", "a4 bad a5 a6"])
    assert (good.label, bad.label) == ("1", "0")


def test_api_errors(lstm_ckpt):
    from fairseq_mtl import MultiTaskClassifier

    m = MultiTaskClassifier.from_checkpoint(lstm_ckpt, device="cpu")
    with pytest.raises(KeyError, match="unknown task 'delta'.*alpha, beta, gamma"):
        m.predict("delta", ["a1 good"])
    with pytest.raises(TypeError, match="list of texts"):
        m.predict("alpha", "a1 good")
    empty, = m.predict("alpha", ["   "])
    assert empty.label is None and empty.note == "empty text"


def test_cli_text_input_keeps_one_row_per_line(lstm_ckpt):
    stdin = "a1 good a2\n\nA3 BAD, a4!\n".encode()
    _, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", stdin=stdin,
                              subprocess=True)
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["line", "task", "label"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert rows[1][2] == "1" and rows[2][2] == "" and rows[3][2] == "0"
    assert "1 empty text(s) got no prediction (first: line 2)" in err


def test_cli_tsv_with_task_column_to_jsonl(lstm_ckpt, tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text("id\tdomain\ttext\nx1\talpha\ta1 good\nx2\tgamma\tg2 bad g3\n")
    out = tmp_path / "preds.jsonl"
    predict_cli("--checkpoint", lstm_ckpt, "--input", src, "--format", "tsv",
                "--task-column", "domain", "--output", out, "--probabilities",
                "--batch-size", "1", "--progress")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["line"], r["task"], r["id"]) for r in records] == [(2, "alpha", "x1"),
                                                                 (3, "gamma", "x2")]
    assert all(set(r["probabilities"]) == {"0", "1"} for r in records)


def test_cli_unknown_task_lists_the_known_ones(lstm_ckpt):
    code, _, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "delta", check=False,
                               stdin=b"a1 good\n")
    assert code == 1 and "unknown task 'delta'" in err and "alpha, beta, gamma" in err
    _, out, _ = predict_cli("--checkpoint", lstm_ckpt, "--list-tasks")
    assert out.splitlines()[0] == "alpha\t0, 1"


def test_bad_row_stops_with_its_line_and_keeps_the_rows_before(lstm_ckpt, tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text("task\ttext\nalpha\ta1 good\nbeta\tb1 bad\nomega\tx\ngamma\tg1 good\n")
    out = tmp_path / "out.tsv"
    code, _, err = predict_cli("--checkpoint", lstm_ckpt, "--input", src, "--format", "tsv",
                               "--task-column", "task", "--output", out, check=False)
    assert code == 1
    assert f"{src}:4: unknown task 'omega'" in err and "the 2 rows before it were written" in err
    assert [r.split("\t")[1] for r in out.read_text().splitlines()[1:]] == ["alpha", "beta"]
    src.write_text("task\ttext\nalpha\ta1 good\nalpha\ttoo\tmany\n")
    code, _, err = predict_cli("--checkpoint", lstm_ckpt, "--input", src, "--format", "tsv",
                               "--task-column", "task", check=False)
    assert code == 1 and f"{src}:3: 3 columns, the header has 2" in err


def test_non_utf8_input_is_decoded_and_counted_or_refused(lstm_ckpt, tmp_path):
    src = tmp_path / "latin1.txt"
    src.write_bytes("a1 good\na2 caf\u00e9 bad\n".encode("utf-8") + "a3 na\u00efve good\n"
                    .encode("cp1252"))
    _, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--input", src)
    assert len(out.splitlines()) == 4
    assert "1 line(s) were not UTF-8" in err and "first: line 3" in err
    code, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--input", src,
                                 "--strict-utf8", check=False)
    assert code == 1 and f"{src}:3: not valid UTF-8" in err
    assert "the 2 rows before it were written" in err and len(out.splitlines()) == 3


def test_over_long_text_is_cut_to_the_model_positions_once_reported(transformer_ckpt):
    from fairseq_mtl import MultiTaskClassifier

    m = MultiTaskClassifier.from_checkpoint(transformer_ckpt, device="cpu")
    assert m.max_words == 19
    long_text = " ".join(["a1"] * 40 + ["good"])
    short, cut = m.predict("alpha", ["a1 good", long_text])
    assert not short.truncated and cut.truncated
    # cutting is what happens: the same as the first 19 words
    same, = m.predict("alpha", [" ".join(["a1"] * 19)])
    assert same.probabilities == cut.probabilities
    stdin = f"{long_text}\n{long_text}\na1 good\n".encode()
    _, out, err = predict_cli("--checkpoint", transformer_ckpt, "--task", "alpha", stdin=stdin)
    assert err.count("longer than 19 tokens were cut to 19") == 1 and "2 text(s)" in err


def test_works_without_the_data_directory(lstm_ckpt, tmp_path):
    """The checkpoint carries its dictionary and manifest."""
    from fairseq_mtl import MultiTaskClassifier

    state = torch.load(lstm_ckpt)
    state["cfg"]["task"]["data"] = str(tmp_path / "moved-away")
    moved = tmp_path / "moved.pt"
    torch.save(state, moved)
    texts = ["a1 good a2", "b3 bad", "zzz unknown words good"]
    here = MultiTaskClassifier.from_checkpoint(lstm_ckpt, device="cpu").predict("alpha", texts)
    alone = MultiTaskClassifier.from_checkpoint(str(moved), device="cpu").predict("alpha", texts)
    assert [p.probabilities for p in here] == [p.probabilities for p in alone]


def test_another_dictionary_is_refused(lstm_ckpt, tmp_path):
    from fairseq_mtl import MultiTaskClassifier

    raw = tmp_path / "raw"
    raw.mkdir()
    for name, (prefix, n) in TASKS.items():
        write_raw_task(str(raw), name, prefix, n, seed=7)  # other sentences, other counts
    other = tmp_path / "other-bin"
    from fairseq_mtl.data.prepare import cli_main as prepare

    run_main(prepare, ["fdu-mtl", "--raw-dir", raw, "--out", other,
             "--embeddings", "none", "--dev-size", "8"])
    with pytest.raises(ValueError, match="not the dictionary the checkpoint was trained with"):
        MultiTaskClassifier.from_checkpoint(lstm_ckpt, data=str(other), device="cpu")
    code, _, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--data", other,
                               check=False, stdin=b"a1\n")
    assert code == 1 and "dict.txt: not the dictionary" in err


def test_checkpoints_that_are_not_ours_or_broken(lstm_ckpt, tmp_path):
    state = torch.load(lstm_ckpt)
    foreign = dict(state, cfg=dict(state["cfg"], task=dict(state["cfg"]["task"],
                                                           _name="translation")))
    torch.save(foreign, tmp_path / "foreign.pt")
    code, _, err = predict_cli("--checkpoint", tmp_path / "foreign.pt", "--task", "alpha",
                               check=False, stdin=b"a1\n")
    assert code == 1 and "not a fairseq-mtl checkpoint (task 'translation'" in err

    # the config says one architecture, the weights are another's
    mismatched = dict(state, cfg=dict(state["cfg"], model=dict(state["cfg"]["model"],
                                                               hidden_dim=9)))
    torch.save(mismatched, tmp_path / "mismatch.pt")
    code, _, err = predict_cli("--checkpoint", tmp_path / "mismatch.pt", "--task", "alpha",
                               check=False, stdin=b"a1\n")
    assert code == 1 and "its weights do not fit arch 'asp_lstm'" in err

    data = open(lstm_ckpt, "rb").read()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 3])
    code, _, err = predict_cli("--checkpoint", tmp_path / "cut.pt", "--task", "alpha",
                               check=False, stdin=b"a1\n")
    assert code == 1 and "cut.pt: cannot load checkpoint" in err

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path}/pwned",))

    torch.save({"model": {}, "cfg": Exploit()}, tmp_path / "evil.pt")
    code, _, err = predict_cli("--checkpoint", tmp_path / "evil.pt", "--task", "alpha",
                               check=False, stdin=b"a1\n")
    assert code == 1 and "evil.pt: cannot load checkpoint" in err
    assert not (tmp_path / "pwned").exists()


def test_pipeline_call_with_label_names(raw_dir, tmp_path):
    """The classifier is callable like a Hugging Face pipeline: one text or a list, one task
    or one per text; labels come out as the names given at preparation."""
    from fairseq_mtl import MultiTaskClassifier
    from fairseq_mtl.data.prepare import cli_main as prepare

    data = tmp_path / "bin"
    run_main(prepare, ["fdu-mtl", "--raw-dir", raw_dir, "--out", data, "--embeddings", "none",
                       "--dev-size", "8", "--label-names", "0:negative,1:positive"])
    run_cli(train_args(data, tmp_path / "ck", "fs_lstm", "--max-update", "30"))
    m = MultiTaskClassifier.from_checkpoint(str(tmp_path / "ck" / "checkpoint_last.pt"),
                                            device="cpu")
    assert m.label_names("alpha") == ["negative", "positive"]
    one = m("a1 a2 good a3", task="alpha")
    assert set(one) == {"task", "label", "score"} and one["task"] == "alpha"
    assert one["label"] in ("negative", "positive") and 0.5 <= one["score"] <= 1
    both = m(["a1 a2 good a3", "b4 bad b5"], task=["alpha", "beta"])
    assert [r["task"] for r in both] == ["alpha", "beta"]
    assert both[0] == one  # the same text and task, alone or in a list
    objects = m.predict("beta", ["b4 bad b5"])
    assert objects[0].name == both[1]["label"] and objects[0].label in ("0", "1")
    assert m("   ", task="alpha") == {"task": "alpha", "label": None, "score": None,
                                     "note": "empty text"}
    with pytest.raises(ValueError, match="give task=...: this model has 3 tasks"):
        m("a1 good")
    with pytest.raises(ValueError, match="2 tasks for 3 inputs"):
        m(["a", "b", "c"], task=["alpha", "beta"])
    _, out, _ = predict_cli("--checkpoint", tmp_path / "ck" / "checkpoint_last.pt", "--task",
                            "alpha", stdin=b"a1 good a2\n", subprocess=True)
    assert out.splitlines()[1].split("\t")[2] in ("negative", "positive")
    bad = run_main(prepare, ["fdu-mtl", "--raw-dir", raw_dir, "--out", tmp_path / "x",
                             "--embeddings", "none", "--dev-size", "8", "--label-names",
                             "2:neutral"], check=False)
    assert bad.returncode == 1 and "task alpha has no label '2'" in bad.stderr


@pytest.fixture(scope="module")
def pair_ckpt(tmp_path_factory):
    """A GLUE-layout checkpoint with a pair task (RTE) and a single-text task (SST-2)."""
    from conftest import write_glue
    from fairseq_mtl.data.prepare import cli_main as prepare

    root = tmp_path_factory.mktemp("pair")
    raw = write_glue(root / "glue", n=16)
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", root / "bin", "--tasks", "RTE,SST-2",
                       "--tokenizer", "words"])
    run_cli(train_args(root / "bin", root / "ck", "fs_lstm", "--max-update", "6"))
    return str(root / "ck" / "checkpoint_last.pt")


def test_a_tab_separates_a_pair_as_tsv_and_the_api_do(pair_ckpt, tmp_path):
    from fairseq_mtl import MultiTaskClassifier

    pair = ("A man plays the guitar.", "Someone is playing music.")
    _, by_tab, _ = predict_cli("--checkpoint", pair_ckpt, "--task", "RTE", "--probabilities",
                               stdin=f"{pair[0]}\t{pair[1]}\n".encode())
    tsv = tmp_path / "in.tsv"
    tsv.write_text(f"sentence1\tsentence2\n{pair[0]}\t{pair[1]}\n")
    _, by_tsv, _ = predict_cli("--checkpoint", pair_ckpt, "--task", "RTE", "--probabilities",
                               "--input", tsv, "--format", "tsv",
                               "--text-column", "sentence1,sentence2")
    row_tab, row_tsv = by_tab.splitlines()[1].split("\t"), by_tsv.splitlines()[1].split("\t")
    assert row_tab[1:] == row_tsv[1:]  # task, label and every probability
    m = MultiTaskClassifier.from_checkpoint(pair_ckpt, device="cpu")
    api = m.predict("RTE", [pair])[0].probabilities
    assert [f"{api[label]:.6f}" for label in m.labels("RTE")] == row_tab[3:]
    # not the probabilities of the pair read as one text (what the TAB line used to give)
    logits = m.model(*_encoded(m, " ".join(pair)), m.tasks.index("RTE"))["logits"]
    joined = logits.softmax(-1)[0].tolist()
    assert [f"{p:.6f}" for p in joined] != row_tab[3:]


def _encoded(m, text):
    ids = [m.dictionary.indices.get(t, m.dictionary.unk()) for t in m.tokenize(text)]
    return torch.tensor([ids]), torch.tensor([len(ids)])


def test_a_pair_task_refuses_single_texts(pair_ckpt, tmp_path):
    from fairseq_mtl import MultiTaskClassifier

    code, out, err = predict_cli("--checkpoint", pair_ckpt, "--task", "RTE", check=False,
                                 stdin=b"index\tsentence1\tsentence2\nA man plays.\n")
    assert code == 1 and out.splitlines() == ["line\ttask\tlabel"]
    assert ":1: task 'RTE' reads a sentence pair: give the two texts separated by one TAB " \
           "(this line has 2 TABs)" in err
    code, out, err = predict_cli("--checkpoint", pair_ckpt, "--task", "RTE", check=False,
                                 stdin=b"x\ty\nA man plays.\n")
    assert code == 1 and len(out.splitlines()) == 2  # the first row is written
    assert ":2: task 'RTE' reads a sentence pair" in err and "(this line has 0 TABs)" in err
    tsv = tmp_path / "in.tsv"
    tsv.write_text("sentence1\tsentence2\nA man plays.\tHe plays.\n")
    code, _, err = predict_cli("--checkpoint", pair_ckpt, "--task", "RTE", "--input", tsv,
                               "--format", "tsv", "--text-column", "sentence1", check=False)
    assert code == 1 and "task 'RTE' reads a sentence pair: name its two columns" in err
    code, _, err = predict_cli("--checkpoint", pair_ckpt, "--task", "SST-2", "--input", tsv,
                               "--format", "tsv", "--text-column", "sentence1,sentence2",
                               check=False)
    assert code == 1 and "task 'SST-2' reads one text" in err
    m = MultiTaskClassifier.from_checkpoint(pair_ckpt, device="cpu")
    with pytest.raises(ValueError, match="task 'RTE' reads a sentence pair"):
        m("A man plays.", task="RTE")
    with pytest.raises(ValueError, match="task 'SST-2' reads one text, not a pair"):
        m(("A man plays.", "He plays."), task="SST-2")


def test_tsv_messages_name_file_lines(lstm_ckpt, tmp_path):
    """Line 1 is the header: the empty text on the file's line 3 is 'line 3', not item 2."""
    tsv = tmp_path / "in.tsv"
    tsv.write_text("text\na1 good\n\na2 bad\n")
    _, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--input", tsv,
                              "--format", "tsv")
    assert "1 empty text(s) got no prediction (first: line 3)" in err
    assert [r.split("\t")[0] for r in out.splitlines()[1:]] == ["2", "3", "4"]


def test_prediction_reads_the_ids_preparation_wrote_fdu_mtl(lstm_ckpt, raw_dir, data_bin):
    """FDU-MTL's labeled lines come tokenised: given as such (pretokenized=True), every line
    of every split predicts from exactly the ids it was trained and scored on; its raw
    unlabeled lines get the raw-text rule, as in preparation."""
    from conftest import DEV_SIZE
    from fairseq_mtl import MultiTaskClassifier

    m = MultiTaskClassifier.from_checkpoint(lstm_ckpt, device="cpu", pretokenized=True)
    raw = MultiTaskClassifier.from_checkpoint(lstm_ckpt, device="cpu")
    task = m.task
    from fairseq_mtl.checkpoint import load_checkpoint

    _, data_task, _ = load_checkpoint(lstm_ckpt, data_bin)
    checked = 0
    for name in TASKS:
        lines = {}
        for split in ("train", "test", "unlabel"):
            with open(os.path.join(raw_dir, f"{name}.task.{split}"), encoding="utf-8") as f:
                lines[split] = [line.rstrip("\n") for line in f]
        texts = {"train": [x.split("\t", 1)[1] for x in lines["train"][:-DEV_SIZE]],
                 "valid": [x.split("\t", 1)[1] for x in lines["train"][-DEV_SIZE:]],
                 "test": [x.split("\t", 1)[1] for x in lines["test"]]}
        for split, rows in texts.items():
            dataset = data_task.split_dataset(name, split)
            assert len(rows) == len(dataset)
            for i, text in enumerate(rows):
                assert m.encode(text)[0] == dataset[i][0].tolist(), (name, split, i)
                checked += 1
        unlabeled = data_task.split_dataset(name, "unlabel", labeled=False)
        for i, text in enumerate(lines["unlabel"]):
            assert raw.encode(text)[0] == unlabeled[i][0].tolist()
            checked += 1
    assert checked == sum(n + 12 + 10 for _, n in TASKS.values())
    assert task.manifest.preparation["pretokenized"].startswith("whitespace, lower-cased")
    code, _, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--pretokenized",
                               stdin=b"a1 good a2\n")
    assert code == 0


def test_a_tab_in_a_single_text_line_is_said_and_empty_lines_are_not_predictions(lstm_ckpt):
    _, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha",
                              stdin=b"a1 good\n\n1\ta2 bad\n")
    assert len(out.splitlines()) == 4  # header + one row per line
    assert ("1 line(s) held a TAB, read as part of the one text this task takes (first: line "
            "3); a TSV file needs --format tsv") in err
    assert "2 predictions (3 rows) in" in err


def test_nothing_to_predict_is_not_a_success_and_the_output_folder_is_made(lstm_ckpt, tmp_path):
    """An input with no text exits 1 (its empty rows still written); --output into a folder
    that does not exist yet makes it, as evaluate's --out does."""
    rc, _, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", stdin=b"",
                             check=False)
    assert rc == 1 and "no text to predict in" in err and "it has no lines" in err
    rc, out, err = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", stdin=b"\n \n",
                               check=False)
    assert rc == 1 and "its 2 line(s) were all empty" in err
    assert len(out.splitlines()) == 3  # the header and one row per line, even so
    target = tmp_path / "not" / "yet" / "p.tsv"
    rc, _, _ = predict_cli("--checkpoint", lstm_ckpt, "--task", "alpha", "--output", target,
                           stdin=b"a1 good a2\n")
    assert rc == 0 and len(target.read_text().splitlines()) == 2
