"""fairseq-mtl-export: the exported directory predicts what fairseq-mtl-predict predicts (to
1e-4, the same labels), on every arch the plugin registers and on a pretrained encoder, for
single texts, sentence pairs and a regression task, and runs with neither fairseq nor torch."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import plugin_archs, run_cli, train_args, write_glue
from pretrained_models import write_tiny_bert

TASKS = "RTE,SST-2,STS-B"  # a pair, a single text, a regression task (a pair)
TOLERANCE = 1e-4


def load_served(directory):
    """The export's own serve.py, imported from the export directory as a user would."""
    spec = importlib.util.spec_from_file_location(f"served_{abs(hash(directory))}",
                                                  os.path.join(directory, "serve.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.load(directory)


def dev_inputs(raw, task):
    """Raw dev texts of a GLUE task (pairs as tuples), plus an empty text and a long one."""
    rows = [line.split("\t") for line in
            open(os.path.join(raw, task, "dev.tsv"), encoding="utf-8-sig").read().splitlines()[1:]]
    if task == "SST-2":
        texts = [r[0] for r in rows]
        return texts + ["", " ".join(texts) * 3]
    columns = (1, 2) if task == "RTE" else (7, 8)
    texts = [(r[columns[0]], r[columns[1]]) for r in rows]
    return texts + [(texts[0][0] * 6, texts[0][1])]


def assert_same_predictions(checkpoint, export_dir, raw):
    from fairseq_mtl.predict import MultiTaskClassifier

    want = MultiTaskClassifier.from_checkpoint(checkpoint, device="cpu")
    got = load_served(export_dir)
    assert got.tasks == want.tasks
    for task in want.tasks:
        texts = dev_inputs(raw, task)
        for text in texts:
            assert got.encode(text) == want.encode(text)
        expected = want.predict(task, texts, batch_size=4)
        served = got.predict(task, texts, batch_size=3)  # other batches: other padding
        for e, s in zip(expected, served):
            if e.label is None and e.score is None:
                assert s["label"] is None and s["note"] == "empty text"
            elif e.score is not None:
                assert abs(e.score - s["score"]) <= TOLERANCE
            else:
                assert s["label"] == e.name and s["label_id"] == e.label
                assert max(abs(e.probabilities[k] - s["probabilities"][k])
                           for k in e.probabilities) <= TOLERANCE
            assert bool(s.get("truncated")) == e.truncated


@pytest.fixture(scope="module")
def glue_words(tmp_path_factory):
    from conftest import run_main
    from fairseq_mtl.data.prepare import cli_main as prepare

    root = tmp_path_factory.mktemp("export-glue")
    raw = write_glue(root / "raw", n=16)
    run_main(prepare, ["glue", "--raw-dir", raw, "--out", root / "bin", "--tasks", TASKS,
                       "--tokenizer", "words"])
    return str(raw), str(root / "bin")


@pytest.mark.parametrize("arch", [a for a in plugin_archs() if not a.startswith("transfer_")])
def test_every_arch_exports_and_predicts_as_fairseq_mtl_predict(arch, glue_words, tmp_path):
    from fairseq_mtl.export import export

    raw, data = glue_words
    run_cli(train_args(data, tmp_path / "ck", arch, "--max-update", "3"))
    checkpoint = str(tmp_path / "ck" / "checkpoint_last.pt")
    meta = export(checkpoint, str(tmp_path / "out"), log=lambda line: None)
    assert [t["name"] for t in meta["tasks"]] == TASKS.split(",")
    assert meta["checked"]["max_abs_difference"] <= TOLERANCE
    assert_same_predictions(checkpoint, str(tmp_path / "out"), raw)


@pytest.fixture(scope="module")
def bert_checkpoint(tmp_path_factory):
    """S-C on a tiny BERT (WordPiece tokenizer.json), a pair, a single text and a regression."""
    root = tmp_path_factory.mktemp("export-bert")
    bert = write_tiny_bert(str(root / "tiny-bert"))
    raw = write_glue(root / "raw", n=16)
    run_cli(["fairseq-mtl-prepare", "glue", "--raw-dir", raw, "--out", root / "bin",
             "--tasks", TASKS, "--pretrained", bert, "--max-length", "12"])
    run_cli(train_args(root / "bin", root / "ck", "stack_cls_transformer", "--pretrained", bert,
                       "--max-update", "2", "--lr", "1e-3"))
    return str(raw), str(root / "ck" / "checkpoint_last.pt")


def test_a_pretrained_encoder_exports_one_copy_of_its_weights(bert_checkpoint, tmp_path):
    from fairseq_mtl.export import export

    raw, checkpoint = bert_checkpoint
    out = str(tmp_path / "out")
    export(checkpoint, out, log=lambda line: None)
    assert_same_predictions(checkpoint, out, raw)
    # three task graphs read one copy of the encoder: the weights file is about one model
    import torch

    state = torch.load(checkpoint, weights_only=False)["model"]
    model_bytes = sum(t.numel() * 4 for k, t in state.items()
                      if k.startswith("scheme.") and t.is_floating_point())
    weights = os.path.getsize(os.path.join(out, "model", "weights.bin"))
    assert 0.5 * model_bytes < weights < 1.2 * model_bytes
    assert sorted(os.listdir(out)) == ["export.json", "model", "mtl_layout.py", "mtl_text.py",
                                       "serve.py", "tokenizer.json", "vocab.json"]


BLOCK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("fairseq", "torch", "fairseq_mtl", "fairseq_mtl_plugin"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
sys.argv = sys.argv[1:]
exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"), {"__name__": "__main__",
     "__file__": sys.argv[0]})
"""


def test_the_command_lines_agree_on_pairs_without_fairseq_or_torch(bert_checkpoint, tmp_path):
    """fairseq-mtl-export, then serve.py in a process where fairseq and torch cannot be
    imported, against fairseq-mtl-predict on the same TAB-separated pairs."""
    raw, checkpoint = bert_checkpoint
    out = tmp_path / "out"
    run_cli(["fairseq-mtl-export", checkpoint, out])
    pairs = ["\t".join(p) for p in dev_inputs(raw, "RTE")] + ["", "a cat\tsat on a mat"]
    (tmp_path / "pairs.txt").write_text("\n".join(pairs) + "\n", encoding="utf-8")
    served = subprocess.run(
        [sys.executable, "-c", BLOCK, str(out / "serve.py"), "--task", "RTE",
         "--probabilities", "--input", str(tmp_path / "pairs.txt"), "--batch-size", "2"],
        capture_output=True, text=True, cwd=tmp_path)
    assert served.returncode == 0, served.stderr
    predicted = run_cli(["fairseq-mtl-predict", "--checkpoint", checkpoint, "--task", "RTE",
                         "--probabilities", "--input", tmp_path / "pairs.txt"])
    a = [line.split("\t") for line in served.stdout.splitlines()]
    b = [line.split("\t") for line in predicted.stdout.splitlines()]
    assert len(a) == len(b) == len(pairs) + 1 and a[0] == b[0]
    for x, y in zip(a[1:], b[1:]):
        assert x[:3] == y[:3]
        assert all(abs(float(p) - float(q)) <= TOLERANCE for p, q in zip(x[3:], y[3:]) if p)
    assert "1 empty text(s)" in served.stderr
    # a pair task's line without its TAB: an error naming the line, the rows before kept
    (tmp_path / "bad.txt").write_text(pairs[0] + "\nno tab here\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, str(out / "serve.py"), "--task", "RTE", "--input",
                          str(tmp_path / "bad.txt")], capture_output=True, text=True)
    assert bad.returncode == 1 and "bad.txt:2: task 'RTE' reads a sentence pair" in bad.stderr
    assert len(bad.stdout.splitlines()) == 2


def test_refusals(bert_checkpoint, tmp_path):
    raw, checkpoint = bert_checkpoint
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x")
    busy = run_cli(["fairseq-mtl-export", checkpoint, tmp_path / "busy"], check=False)
    assert busy.returncode == 1 and "exists and is not empty" in busy.stderr
    assert os.listdir(tmp_path / "busy") == ["keep.txt"]
    forced = run_cli(["fairseq-mtl-export", checkpoint, tmp_path / "busy", "--overwrite"],
                     check=False)  # --overwrite replaces an earlier export only
    assert forced.returncode == 1 and "no export.json" in forced.stderr
    assert os.listdir(tmp_path / "busy") == ["keep.txt"]
    missing = run_cli(["fairseq-mtl-export", tmp_path / "none.pt", tmp_path / "x"], check=False)
    assert missing.returncode == 1 and "none.pt" in missing.stderr
    assert not os.path.exists(tmp_path / "x")


@pytest.mark.fast
def test_tokenizer_specs():
    from fairseq_mtl.export import ExportError, tokenizer_spec

    assert tokenizer_spec({})["name"] == "words"  # FDU-MTL manifests before the field
    assert tokenizer_spec({"tokenizer": "sentencepiece"})["files"] == ["spm.model"]
    bert = {"tokenizer": "pretrained", "pretrained": {"format": "bert"}}
    assert tokenizer_spec(bert) == {"name": "wordpiece", "files": ["tokenizer.json"]}
    with pytest.raises(ExportError, match="needs fairseq"):
        tokenizer_spec({"tokenizer": "pretrained", "pretrained": {"format": "roberta"}})


def test_export_json_describes_the_tasks(glue_words, tmp_path):
    from fairseq_mtl.export import export

    raw, data = glue_words
    run_cli(train_args(data, tmp_path / "ck", "fs_lstm", "--max-update", "2"))
    meta = export(str(tmp_path / "ck" / "checkpoint_last.pt"), str(tmp_path / "out"),
                  log=lambda line: None)
    on_disk = json.load(open(tmp_path / "out" / "export.json"))
    assert on_disk == meta
    kinds = {t["name"]: (t["type"], t["pair"], t["label_names"]) for t in meta["tasks"]}
    assert kinds["RTE"] == ("classification", True, ["entailment", "not_entailment"])
    assert kinds["STS-B"][:2] == ("regression", True)
    assert kinds["SST-2"][:2] == ("classification", False)
