"""A researcher's own tasks (fairseq-mtl-prepare tasks --config LIST): files the tests write, in
CSV (quoted fields), JSONL (a pair task) and TSV (a regression task), mixed with GLUE-layout
tasks; through preparation, training (an LSTM, a Transformer scheme, a tiny pretrained BERT),
evaluation and prediction."""
import csv
import json
import os
import random

import numpy as np
import pytest
import torch

from conftest import predict_cli, run_cli, run_main, train_args, write_glue
from fairseq_mtl.data.prepare import cli_main as prepare_main

TOPICS = {"sports": "ball goal team match", "politics": "vote law senate party",
          "tech": "chip code app cloud", "food": "pasta salt bake soup"}


def write_topic_csv(path, n, seed):
    """4 classes with string labels; quoted fields with commas, quotes and a newline."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label"])
        for i in range(n):
            topic = list(TOPICS)[(i * 3 + seed) % 4]
            words = TOPICS[topic].split()
            text = " ".join(rng.choice(words) for _ in range(4)) + ', "really", please!!'
            if i == 2:
                text += "\na second line"
            w.writerow([i, text, topic])


def write_nli_jsonl(path, n, seed):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            label = ["yes", "no"][(i + seed) % 2]
            hypothesis = "A cat sat." if label == "yes" else "No dog ran."
            f.write(json.dumps({"premise": f"The cat sat on mat {i % 7}.",
                                "hypothesis": hypothesis, "gold": label}) + "\n")


def write_quality_tsv(path, n):
    with open(path, "w", encoding="utf-8") as f:
        f.write("text\tscore\n")
        for i in range(n):
            f.write(f"a good film {'great ' * (i % 5)}indeed\t{(i % 5) * 1.25}\n")


TASK_LIST = """tasks:
  topic:
    train: topic_train.csv
    dev: topic_dev.csv
    test: topic_test.csv
    label_names: {sports: Sport}
  nli:
    train: nli.jsonl
    text: [premise, hypothesis]
    label: gold
    labels: [no, yes]       # YAML 1.1 would read these as booleans; the list reads names
    metric: f1
    dev_size: 8
  quality:
    train: quality.tsv
    label: score
    type: regression
    range: [0, 5]
    unlabeled: quality_raw.txt
  RTE: {benchmark: glue, dir: glue}
"""


def write_own(root):
    write_topic_csv(root / "topic_train.csv", 48, 0)
    write_topic_csv(root / "topic_dev.csv", 12, 1)
    write_topic_csv(root / "topic_test.csv", 12, 2)
    write_nli_jsonl(root / "nli.jsonl", 40, 0)
    write_quality_tsv(root / "quality.tsv", 30)
    (root / "quality_raw.txt").write_text("some raw text, unlabeled\n\nmore of it\n")
    write_glue(root / "glue", n=12)
    (root / "tasks.yaml").write_text(TASK_LIST)
    return root / "tasks.yaml"


def prepare(config, out, *extra, check=True):
    return run_main(prepare_main, ["tasks", "--config", config, "--out", out, *extra],
                    check=check)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    root = tmp_path_factory.mktemp("own")
    config = write_own(root)
    proc = prepare(config, root / "bin", "--skip-bad-input")
    return root, str(root / "bin"), proc.stdout


def manifest_of(out):
    return {t["name"]: t for t in json.load(open(os.path.join(out, "manifest.json")))["tasks"]}


@pytest.mark.fast
def test_the_list_prepares_every_kind_of_task(own):
    root, out, summary = own
    tasks = manifest_of(out)
    assert list(tasks) == ["topic", "nli", "quality", "RTE"]
    topic = tasks["topic"]
    # labels in order of first appearance in train; names kept
    assert topic["labels"] == ["sports", "food", "tech", "politics"]
    assert topic["label_names"] == {"sports": "Sport"}
    assert topic["splits"] == {"train": 48, "valid": 12, "test": 12}
    assert tasks["nli"]["labels"] == ["no", "yes"] and tasks["nli"]["metric"] == "f1_acc"
    assert tasks["nli"]["stats"]["pair"] and tasks["nli"]["splits"] == {"train": 32, "valid": 8}
    quality = tasks["quality"]
    assert quality["type"] == "regression" and quality["metric"] == "pearson_spearman"
    assert quality["splits"] == {"train": 27, "valid": 3, "unlabel": 2}
    assert tasks["RTE"]["labels"] == ["entailment", "not_entailment"]
    assert "nli: dev = 8 of the 40 training rows, held out at random (seed 1; dev_size 8)" \
        in summary
    assert "quality: dev = 3 of the 30 training rows" in summary
    assert "| topic | csv | 4 classes (sports, food, tech, politics) |" in summary
    assert "skipped input (--skip-bad-input): {'empty_text': 1}" in summary  # quality_raw:2
    # the quoted CSV field with a comma and a newline is one example, its label read
    labels = np.load(os.path.join(out, "topic", "train.label.npy"))
    assert len(labels) == 48 and set(labels.tolist()) == {0, 1, 2, 3}


def test_train_evaluate_predict_an_lstm_and_a_transformer_scheme(own, tmp_path):
    """Every task's own head and metric: 4 classes with their names, a pair by TAB, a
    regression value; the confusion matrix of a multi-class task in the JSON."""
    from fairseq_mtl import MultiTaskClassifier
    from fairseq_mtl.evaluate import cli_main as evaluate

    _, out, _ = own
    for arch in ("asp_lstm", "layerwise_explicit_transformer"):
        run_cli(train_args(out, tmp_path / arch, arch, "--max-update", "12", "--unlabeled"))
    ckpt = tmp_path / "asp_lstm" / "checkpoint_last.pt"
    run_main(evaluate, [ckpt, "--split", "valid", "--out", tmp_path / "dev"])
    rows = {r["task"]: r for r in json.load(open(tmp_path / "dev.json"))["tasks"]}
    assert rows["topic"]["n"] == 12 and rows["topic"]["metric"] == "accuracy"
    assert rows["topic"]["confusion"]["labels"] == ["Sport", "food", "tech", "politics"]
    assert sum(map(sum, rows["topic"]["confusion"]["matrix"])) == 12
    assert "f1" in rows["nli"] and "pearson" in rows["quality"]
    m = MultiTaskClassifier.from_checkpoint(str(ckpt), device="cpu")
    assert m.label_names("topic") == ["Sport", "food", "tech", "politics"]
    assert m("chip code, app!!", task="topic")["label"] in m.label_names("topic")
    assert m.is_pair("nli") and not m.is_pair("topic")
    assert isinstance(m("a good film great", task="quality")["score"], float)

    _, printed, _ = predict_cli("--checkpoint", ckpt, "--task", "nli", "--probabilities",
                                stdin=b"The cat sat on mat 3.\tA cat sat.\n")
    assert printed.splitlines()[0] == "line\ttask\tlabel\tp_no\tp_yes"
    api = m.predict("nli", [("The cat sat on mat 3.", "A cat sat.")])[0].probabilities
    assert printed.splitlines()[1].split("\t")[3:] == [f"{api[k]:.6f}" for k in ("no", "yes")]


def _rows(path, text, label=None):
    """The raw rows of a CSV/JSONL file as the list names them."""
    if str(path).endswith(".jsonl"):
        records = [json.loads(line) for line in open(path, encoding="utf-8")]
    else:
        records = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    return [tuple(r[c] for c in text) if len(text) == 2 else r[text[0]] for r in records]


@pytest.mark.parametrize("tokenizer", ["words", "sentencepiece", "pretrained"])
def test_prediction_reads_the_ids_preparation_wrote(tmp_path, tokenizer):
    """For every line of a prepared task, the ids prediction makes from the raw text (with the
    checkpoint alone: its tokenizer settings and files travel in it) equal the ids the model
    was trained on."""
    from fairseq_mtl import MultiTaskClassifier

    root = tmp_path
    write_topic_csv(root / "t_train.csv", 40, 0)
    write_topic_csv(root / "t_dev.csv", 10, 1)
    write_nli_jsonl(root / "n_train.jsonl", 30, 0)
    write_nli_jsonl(root / "n_dev.jsonl", 10, 1)
    (root / "list.json").write_text(json.dumps({"tasks": {
        "topic": {"train": "t_train.csv", "dev": "t_dev.csv"},
        "nli": {"train": "n_train.jsonl", "dev": "n_dev.jsonl",
                "text": ["premise", "hypothesis"], "label": "gold"}}}))
    extra = ["--tokenizer", tokenizer] if tokenizer != "pretrained" else []
    arch = "asp_lstm"
    if tokenizer == "pretrained":
        from pretrained_models import bert_vocab, write_tiny_bert

        words = [w for t in TOPICS.values() for w in t.split()] + ["really", "please", "mat"]
        bert = write_tiny_bert(str(root / "bert"), vocab=bert_vocab(words))
        extra, arch = ["--pretrained", bert, "--max-length", "16"], "stack_cls_transformer"
    prepare(root / "list.json", root / "bin", *extra)
    pretrained = (["--pretrained", bert, "--lr", "1e-3", "--optimizer", "torch_adamw"]
                  if tokenizer == "pretrained" else [])
    run_cli(train_args(root / "bin", root / "ck", arch, "--max-update", "2", *pretrained))
    state = torch.load(root / "ck" / "checkpoint_last.pt", weights_only=False)
    state["cfg"]["task"]["data"] = str(root / "gone")
    state["cfg"]["model"]["pretrained"] = str(root / "gone-too")
    torch.save(state, root / "alone.pt")
    m = MultiTaskClassifier.from_checkpoint(str(root / "alone.pt"), device="cpu")

    from fairseq import tasks as fairseq_tasks
    from omegaconf import OmegaConf

    from fairseq_mtl.checkpoint import import_plugin

    import_plugin()
    cfg = OmegaConf.create(dict(state["cfg"]["task"], data=str(root / "bin")))
    task = fairseq_tasks.setup_task(cfg)
    task._model_max_words = m.task._model_max_words  # what the model reads, as in training
    checked = 0
    for name, files, text in (("topic", ("t_train.csv", "t_dev.csv"), ["text"]),
                              ("nli", ("n_train.jsonl", "n_dev.jsonl"),
                               ["premise", "hypothesis"])):
        for split, file in zip(("train", "valid"), files):
            dataset = task.split_dataset(name, split)
            rows = _rows(root / file, text)
            assert len(rows) == len(dataset)
            for i, row in enumerate(rows):
                assert m.encode(row)[0] == dataset[i][0].tolist(), (name, split, i, row)
                checked += 1
    assert checked == 90


def test_glue_tasks_as_plain_task_list_entries_prepare_alike(tmp_path):
    """RTE, STS-B and CoLA written as TSV entries of a task list give the GLUE path's
    dictionary, ids, labels and splits."""
    raw = write_glue(tmp_path / "glue", n=12)
    run_main(prepare_main, ["glue", "--raw-dir", raw, "--out", tmp_path / "via-glue",
                            "--tasks", "RTE,STS-B,CoLA", "--tokenizer", "words"])
    (tmp_path / "list.yaml").write_text("""tasks:
  RTE:
    train: glue/RTE/train.tsv
    dev: glue/RTE/dev.tsv
    test: glue/RTE/test.tsv
    text: [sentence1, sentence2]
    labels: [entailment, not_entailment]
  STS-B:
    train: glue/STS-B/train.tsv
    dev: glue/STS-B/dev.tsv
    test: glue/STS-B/test.tsv
    text: [sentence1, sentence2]
    label: score
    type: regression
    range: [0, 5]
  CoLA:
    train: glue/CoLA/train.tsv
    dev: glue/CoLA/dev.tsv
    header: false
    text: 3
    label: 1
    labels: ["0", "1"]
    metric: mcc
""")
    prepare(tmp_path / "list.yaml", tmp_path / "via-list", "--tokenizer", "words")
    from fairseq.data.indexed_dataset import make_dataset

    glue, own = tmp_path / "via-glue", tmp_path / "via-list"
    assert (glue / "dict.txt").read_text() == (own / "dict.txt").read_text()
    a, b = manifest_of(glue), manifest_of(own)
    for name in ("RTE", "STS-B", "CoLA"):
        assert a[name]["labels"] == b[name]["labels"] and a[name]["type"] == b[name]["type"]
        assert a[name]["metric"] == b[name]["metric"]
        splits = ["train", "valid"] + (["test"] if name != "CoLA" else [])
        assert {s: a[name]["splits"][s] for s in splits} == b[name]["splits"]
        for split in splits:
            x = make_dataset(str(glue / name / split), impl="mmap")
            y = make_dataset(str(own / name / split), impl="mmap")
            assert [x[i].tolist() for i in range(len(x))] == [y[i].tolist() for i in range(len(y))]
            assert np.array_equal(np.load(glue / name / f"{split}.label.npy"),
                                  np.load(own / name / f"{split}.label.npy"))


LIST_ERRORS = [
    ("tasks:\n  a: {train: t.csv, txt: text}\n", "task 'a': unknown key 'txt'; the keys are"),
    ("tasks:\n  a: {dev: t.csv}\n", "task 'a': 'train:' is required"),
    ("tasks:\n  a: {train: t.csv}\n  a: {train: t.csv}\n", ":3: 'a' is given twice"),
    ("tasks:\n  a b: {train: t.csv}\n", "task 'a b': a task name may hold letters"),
    ("tasks:\n  a: {train: t.csv, text: body}\n", "no column 'body' for 'text:' of task 'a'; "
     "the columns are 'id', 'text', 'label'"),
    ("tasks:\n  a: {train: t.csv, labels: [x]}\n", "needs at least 2 labels"),
    ("tasks:\n  a: {train: t.csv, metric: bleu}\n", "metric 'bleu'; expected one of"),
    ("tasks:\n  a: {train: one.csv}\n", "one.csv: a classification task needs at least 2 "
     "labels; its training rows have 1 (['x'])"),
    ("tasks:\n  a: {train: t.csv, dev: d.csv}\n", "d.csv:3: label 'music' is not one of the "
     "labels seen in train"),
    ("tasks:\n  a: {train: s.tsv, type: regression, label: score, range: [0, 5]}\n",
     "s.tsv:3: score 7 outside the task's range [0, 5]"),
    ("tasks:\n  a: {train: t.csv, dev_size: 40}\n", "40 training examples, too few to hold out "
     "a dev split of 40"),
    ("tasks:\n  RTE: {benchmark: superglue, dir: g}\n", "benchmark 'superglue'; known: glue"),
]


@pytest.mark.fast
@pytest.mark.parametrize("text,message", LIST_ERRORS)
def test_bad_lists_and_rows_are_one_line(tmp_path, text, message):
    write_topic_csv(tmp_path / "t.csv", 40, 0)
    (tmp_path / "d.csv").write_text("id,text,label\n1,a b,food\n2,c d,music\n")
    (tmp_path / "one.csv").write_text("text,label\na,x\nb,x\nc,x\n")
    (tmp_path / "s.tsv").write_text("text\tscore\na b\t1\nc d\t7\ne f\t2\n")
    (tmp_path / "list.yaml").write_text(text)
    proc = prepare(tmp_path / "list.yaml", tmp_path / "out", check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.fast
def test_a_range_violation_can_be_skipped_and_counted(tmp_path):
    (tmp_path / "s.tsv").write_text("text\tscore\na b\t1\nc d\t7\ne f\t2\ng h\t3\n")
    (tmp_path / "list.yaml").write_text(
        "tasks:\n  a: {train: s.tsv, type: regression, label: score, range: [0, 5], "
        "dev_size: 1}\n")
    proc = prepare(tmp_path / "list.yaml", tmp_path / "out", "--skip-bad-input")
    assert "{'score_range': 1}" in proc.stdout
    assert manifest_of(tmp_path / "out")["a"]["splits"] == {"train": 2, "valid": 1}


@pytest.mark.parametrize("arch", ["st_lstm", "mt_cnn", "mt_dnn", "fs_transformer",
                                  "stack_pool_transformer"])
def test_every_arch_family_gives_each_task_a_head_of_its_size(own, tmp_path, arch):
    from fairseq_mtl.checkpoint import load_checkpoint

    _, out, _ = own
    run_cli(train_args(out, tmp_path, arch, "--max-update", "4"))
    model, task, _ = load_checkpoint(str(tmp_path / "checkpoint_last.pt"))
    sizes = {"topic": 4, "nli": 2, "quality": 1, "RTE": 2}
    for k, name in enumerate(task.task_names):
        tokens, lengths = torch.tensor([[5, 6, 7]]), torch.tensor([3])
        assert model(tokens, lengths, k)["logits"].shape == (1, sizes[name]), (arch, name)


@pytest.mark.fast
def test_a_row_with_other_fields_or_an_empty_line_is_its_file_line(tmp_path):
    (tmp_path / "t.csv").write_text('text,label\n"a, b",x\nc,y\n\nd,x,extra\ne,y\nf,x\n')
    (tmp_path / "list.yaml").write_text("tasks:\n  a: {train: t.csv, dev_size: 1}\n")
    proc = prepare(tmp_path / "list.yaml", tmp_path / "out", check=False)
    assert proc.returncode == 1 and f"{tmp_path / 't.csv'}:4: empty line" in proc.stderr
    proc = prepare(tmp_path / "list.yaml", tmp_path / "out", "--skip-bad-input")
    assert f"{tmp_path / 't.csv'}:5: 3 fields, expected 2 ('text', 'label')" in proc.stdout
    assert manifest_of(tmp_path / "out")["a"]["splits"] == {"train": 3, "valid": 1}


@pytest.mark.fast
def test_fdu_mtl_domains_train_beside_own_tasks(raw_dir, tmp_path):
    from conftest import DEV_SIZE

    write_topic_csv(tmp_path / "t.csv", 40, 0)
    (tmp_path / "list.yaml").write_text(
        f"tasks:\n  topic: {{train: t.csv}}\n"
        f"  alpha: {{benchmark: fdu-mtl, dir: {raw_dir}, dev_size: {DEV_SIZE}}}\n"
        f"  reviews: {{benchmark: fdu-mtl, dir: {raw_dir}, task: beta, dev_size: {DEV_SIZE},"
        f" label_names: {{'0': negative, '1': positive}}}}\n")
    proc = prepare(tmp_path / "list.yaml", tmp_path / "out")
    tasks = manifest_of(tmp_path / "out")
    assert list(tasks) == ["topic", "alpha", "reviews"]
    assert tasks["alpha"]["splits"] == {"train": 60 - DEV_SIZE, "valid": DEV_SIZE, "test": 12,
                                        "unlabel": 10}
    assert tasks["reviews"]["label_names"] == {"0": "negative", "1": "positive"}
    assert "| reviews | fdu-mtl beta |" in proc.stdout
    prep = json.load(open(tmp_path / "out" / "manifest.json"))["preparation"]
    assert prep["pretokenized"].endswith(": alpha, reviews")
