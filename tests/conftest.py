"""Shared fixtures: a tiny synthetic FDU-MTL-style benchmark, written at test time.

Three tasks whose word ids reveal their origin (task ``alpha`` uses words a0..a29, ``beta``
b0..b29, ``gamma`` g0..g29); the label is 1 when the sentence contains "good", 0 when it contains
"bad", so that a model can learn it in a few updates. Sizes differ per task so that a transposed
or mixed-up tensor fails loudly. The real data in ../shared/data is never copied.

Below the fixtures, the helpers that several test files use (GLUE-layout fixture files,
checkpoint parameters, two-process runs, a stub trainer for the recipes, run records for the
tables, prediction through the command line): one place, so that no test file imports another.
"""
import json
import os
import random
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USER_DIR = os.path.join(ROOT, "user_dir")
BIN = os.path.dirname(sys.executable)
TASKS = {"alpha": ("a", 60), "beta": ("b", 44), "gamma": ("g", 36)}  # prefix, train lines
DEV_SIZE = 8


def _sentence(rng, prefix, label):
    words = [f"{prefix}{rng.randrange(30)}" for _ in range(rng.randrange(2, 12))]
    words.insert(rng.randrange(len(words) + 1), "good" if label else "bad")
    return " ".join(words)


def write_raw_task(directory, name, prefix, n_train, n_test=12, n_unlabel=10, seed=0):
    rng = random.Random(f"{name}-{seed}")
    for split, n in (("train", n_train), ("test", n_test)):
        with open(os.path.join(directory, f"{name}.task.{split}"), "w") as f:
            for i in range(n):
                label = i % 2
                f.write(f"{label}\t{_sentence(rng, prefix, label)}\n")
    with open(os.path.join(directory, f"{name}.task.unlabel"), "w") as f:
        for _ in range(n_unlabel):
            # raw text, mixed case and punctuation, as in the real .unlabel files
            f.write(_sentence(rng, prefix.upper(), rng.randrange(2)).capitalize() + ", isn't it?\n")


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("raw")
    for name, (prefix, n) in TASKS.items():
        write_raw_task(str(directory), name, prefix, n)
    return str(directory)


def run_cli(args, check=True, env=None, timeout=600):
    """Run one of the venv's console scripts; returns the CompletedProcess."""
    cmd = [os.path.join(BIN, args[0])] + [str(a) for a in args[1:]]
    full_env = dict(os.environ, PYTHONWARNINGS="ignore")
    full_env.update(env or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=ROOT,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-5000:]}"
        )
    return proc


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_main(cli_main, args, check=True):
    """Call a console script's ``cli_main(argv)`` in this process (no interpreter and torch
    start-up per call); returns an object like CompletedProcess."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main([str(a) for a in args])
    result = Result(code or 0, out.getvalue(), err.getvalue())
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def data_bin(raw_dir, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("data-bin"))
    run_cli(["fairseq-mtl-prepare", "fdu-mtl", "--raw-dir", raw_dir, "--out", out,
             "--embeddings", "none", "--dev-size", DEV_SIZE])
    return out


#: toy encoder sizes, distinct from each other and from the embedding size 6
LSTM_SIZE = ["--hidden-dim", "8"]
TRANSFORMER_SIZE = ["--encoder-dim", "12", "--encoder-layers", "2", "--attention-heads", "3",
                    "--ffn-dim", "10", "--dropout", "0", "--max-positions", "20"]
BASELINE_SIZE = {"mt_cnn": ["--cnn-filters", "8"], "mt_dnn": ["--bow-hidden-dim", "8"]}


def train_args(data, save_dir, arch, *extra):
    """A few-update fairseq-train command line on the tiny data (dropout 0, no clipping; the
    console's full lines, which the tests read)."""
    size = (TRANSFORMER_SIZE if arch.endswith("transformer")
            else BASELINE_SIZE.get(arch, LSTM_SIZE))
    return [
        "fairseq-train", data, "--user-dir", USER_DIR, "--task", "multitask_classification",
        "--arch", arch, "--criterion", "multitask_adversarial", "--optimizer", "adam",
        "--lr", "0.01", "--batch-size", "4", "--save-dir", save_dir, *size,
        "--embed-dim", "6", "--no-progress-bar", "--log-interval", "1", "--seed", "3",
        "--best-checkpoint-metric", "avg_acc", "--maximize-best-checkpoint-metric",
        "--num-workers", "0", "--verbose", *extra,
    ]

# --- helpers shared by several test files (one place, not test-to-test imports) ---------


def plugin_archs(*models: str):
    """The archs the plugin registers for these models (``mtl_lstm``, ``mtl_transformer`` ...;
    none given: all of them), from fairseq's registry, so that a new arch is tested without
    editing a list; adversarial (``asp_*``) archs last."""
    from fairseq.models import ARCH_MODEL_NAME_REGISTRY

    import fairseq_mtl_plugin  # noqa: F401  (registers them)

    archs = [a for a, m in ARCH_MODEL_NAME_REGISTRY.items()
             if m.startswith("mtl_") and a != m and (not models or m in models)]
    return sorted(archs, key=lambda a: (a.startswith("asp_"), a))


_GLUE_WORDS = "the cat sat on a mat dog ran fast slow good bad film movie".split()


def glue_sentence(i, n=6):
    words = (_GLUE_WORDS[(i * 7 + k * 3) % len(_GLUE_WORDS)] for k in range(n))
    return " ".join(words).capitalize() + "."


def write_tsv(path, header, rows, bom=False):
    with open(path, "w", encoding="utf-8") as f:
        if bom:
            f.write("\ufeff")
        if header is not None:
            f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(c) for c in r) + "\n")


def write_glue(root, n=12, diagnostic=True):
    """Small files in each task's official GLUE layout (column names and order as released),
    and GLUE's diagnostic set (5 pairs) unless ``diagnostic`` is False."""
    def d(task):
        os.makedirs(root / task, exist_ok=True)
        return root / task

    s = glue_sentence
    for split, m in (("train", n), ("dev", n // 2)):
        write_tsv(d("CoLA") / f"{split}.tsv", None,
                  [("gj04", i % 2, "*" if i % 2 == 0 else "", s(i)) for i in range(m)])
        write_tsv(d("SST-2") / f"{split}.tsv", ["sentence", "label"],
                  [(s(i), i % 2) for i in range(m)])
        write_tsv(d("MRPC") / f"{split}.tsv",
                  ["Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"],
                  [(i % 2, 100 + i, 200 + i, s(i), s(i + 1)) for i in range(m)], bom=True)
        write_tsv(d("STS-B") / f"{split}.tsv",
                  ["index", "genre", "filename", "year", "old_index", "source1", "source2",
                   "sentence1", "sentence2", "score"],
                  [(i, "main-news", "x", "2012", i, "none", "none", s(i), s(i + 2),
                    f"{(i % 6) * 0.8:.3f}") for i in range(m)])
        write_tsv(d("QQP") / f"{split}.tsv",
                  ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"],
                  [(i, 2 * i, 2 * i + 1, s(i) + "?", s(i + 3) + "?", i % 2) for i in range(m)])
        write_tsv(d("QNLI") / f"{split}.tsv", ["index", "question", "sentence", "label"],
                  [(i, s(i) + "?", s(i + 4), ["entailment", "not_entailment"][i % 2])
                   for i in range(m)])
        for task in ("RTE", "WNLI"):
            labels = ["entailment", "not_entailment"] if task == "RTE" else ["0", "1"]
            write_tsv(d(task) / f"{split}.tsv", ["index", "sentence1", "sentence2", "label"],
                      [(i, s(i), s(i + 5), labels[i % 2]) for i in range(m)])
    mnli_header = ["index", "promptID", "pairID", "genre", "sentence1_binary_parse",
                   "sentence2_binary_parse", "sentence1_parse", "sentence2_parse", "sentence1",
                   "sentence2"]
    classes = ["contradiction", "entailment", "neutral"]
    for name, m, labels in (("train", n, 1), ("dev_matched", n // 2, 5),
                            ("dev_mismatched", n // 2, 5), ("test_matched", 4, 0),
                            ("test_mismatched", 3, 0)):
        extra = ["label1"] + [f"label{k}" for k in range(2, labels + 1)] if labels else []
        header = mnli_header + extra + (["gold_label"] if labels else [])
        rows = []
        for i in range(m):
            row = [i, i, f"{i}e", "fiction", "( x )", "( y )", "(ROOT x)", "(ROOT y)",
                   s(i), s(i + 6)]
            if labels:
                row += [classes[i % 3]] * labels + [classes[i % 3]]
            rows.append(row)
        write_tsv(d("MNLI") / f"{name}.tsv", header, rows)
    # official test layouts
    for task in ("CoLA", "SST-2"):
        write_tsv(d(task) / "test.tsv", ["index", "sentence"], [(i, s(i)) for i in range(3)])
    write_tsv(d("MRPC") / "test.tsv", ["index", "#1 ID", "#2 ID", "#1 String", "#2 String"],
              [(i, 1, 2, s(i), s(i + 1)) for i in range(3)], bom=True)
    write_tsv(d("STS-B") / "test.tsv", ["index", "genre", "filename", "year", "old_index",
                                        "source1", "source2", "sentence1", "sentence2"],
              [(i, "g", "f", "y", i, "s", "s", s(i), s(i + 1)) for i in range(3)])
    write_tsv(d("QQP") / "test.tsv", ["id", "question1", "question2"],
              [(i, s(i), s(i + 1)) for i in range(3)])
    write_tsv(d("QNLI") / "test.tsv", ["index", "question", "sentence"],
              [(i, s(i), s(i + 1)) for i in range(3)])
    for task in ("RTE", "WNLI"):
        write_tsv(d(task) / "test.tsv", ["index", "sentence1", "sentence2"],
                  [(i, s(i), s(i + 1)) for i in range(3)])
    if diagnostic:
        write_tsv(d("diagnostic") / "diagnostic.tsv", ["index", "sentence1", "sentence2"],
                  [(i, s(i + 2), s(i + 7)) for i in range(5)])
    return root


def predict_cli(*args, check=True, stdin=None, subprocess=False):
    """fairseq-mtl-predict in this process (stdin: via a temporary --input file), or as a real
    process with ``subprocess=True``."""
    if subprocess:
        import subprocess as sp
        import sys

        cmd = [os.path.join(os.path.dirname(sys.executable), "fairseq-mtl-predict")]
        proc = sp.run(cmd + [str(a) for a in args], input=stdin, capture_output=True,
                      env=dict(os.environ, PYTHONWARNINGS="ignore"))
        if check:
            assert proc.returncode == 0, proc.stderr.decode()[-3000:]
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    import tempfile

    from fairseq_mtl.predict import cli_main

    if stdin is not None:
        with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
            f.write(stdin)
        args = args + ("--input", f.name)
    result = run_main(cli_main, args, check=check)
    return result.returncode, result.stdout, result.stderr


def params(path, prefix=""):
    import torch

    state = torch.load(path, map_location="cpu")["model"]
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def assert_same(a, b):
    import torch

    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch /tmp/fairseq_mtl_pwned",))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_process_run(data_bin, save_dir, arch, *extra, ddp_backend="c10d", check=True):
    """Two fairseq-train processes of one data-parallel run (gloo); rank 0's log, or with
    ``check=False`` both logs and return codes, failed or not."""
    port = free_port()
    procs = []
    for rank in (0, 1):
        args = train_args(data_bin, save_dir, arch, *extra,
                          "--distributed-world-size", "2", "--distributed-rank", str(rank),
                          "--distributed-no-spawn", "--distributed-backend", "gloo",
                          "--distributed-init-method", f"tcp://127.0.0.1:{port}",
                          "--ddp-backend", ddp_backend, "--cpu")
        cmd = [os.path.join(BIN, args[0])] + [str(a) for a in args[1:]]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=ROOT))
    logs = [p.communicate(timeout=600)[0] for p in procs]
    if not check:
        return logs, [p.returncode for p in procs]
    failed = [rank for rank, p in enumerate(procs) if p.returncode != 0]
    assert not failed, "\n".join(f"rank {rank}:\n{logs[rank][-2500:]}" for rank in (0, 1))
    return logs[0]


STUB_TRAIN = """#!/usr/bin/env bash
while [[ $# -gt 0 ]]; do [[ "$1" == --save-dir ]] && D="$2"; shift; done
echo "part $$ valid on 'valid'"
touch "$D/checkpoint_best.pt" "$D/checkpoint_last.pt"
sleep 1
echo "done training in 1.0 seconds"
"""


def _stub_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("fairseq-train", STUB_TRAIN),
                       ("fairseq-mtl-evaluate", "#!/usr/bin/env bash\nexit 0\n")):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    # a wrapper, not a symlink: the venv's python must find its pyvenv.cfg (the recipes read
    # their profiles with it, recipes/config/*.yaml through omegaconf)
    (bin_dir / "python").write_text(f'#!/usr/bin/env bash\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    return bin_dir


def write_run(run_dir, arch, seed, accuracy):
    os.makedirs(run_dir, exist_ok=True)
    tasks = [{"task": t, "n": 400, "accuracy": accuracy, "error": 100 - accuracy}
             for t in ("books", "MR")]
    for split in ("test", "valid"):
        json.dump({"split": split, "tasks": tasks,
                   "average": {"accuracy": accuracy, "error": 100 - accuracy}},
                  open(os.path.join(run_dir, f"eval_{split}.json"), "w"))
    json.dump({"seed": seed, "profile": "tf_cpu", "profile_note": "", "hardware": "2 CPU cores",
               "train_seconds": 600, "unlabeled": False, "commit": "abc",
               "command": f"fairseq-train --arch {arch} --seed {seed} --save-dir x"},
              open(os.path.join(run_dir, "run.json"), "w"))
