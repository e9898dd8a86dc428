"""Shared fixtures: a tiny synthetic FDU-MTL-style benchmark, written at test time.

Three tasks whose word ids reveal their origin (task ``alpha`` uses words a0..a29, ``beta``
b0..b29, ``gamma`` g0..g29); the label is 1 when the sentence contains "good", 0 when it contains
"bad", so that a model can learn it in a few updates. Sizes differ per task so that a transposed
or mixed-up tensor fails loudly. The real data in ../shared/data is never copied.
"""
import os
import random
import subprocess
import sys

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
    full_env = dict(os.environ, PYTHONWARNINGS="ignore", **(env or {}))
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
    """A few-update fairseq-train command line on the tiny data (dropout 0, no clipping)."""
    size = (TRANSFORMER_SIZE if arch.endswith("transformer")
            else BASELINE_SIZE.get(arch, LSTM_SIZE))
    return [
        "fairseq-train", data, "--user-dir", USER_DIR, "--task", "multitask_classification",
        "--arch", arch, "--criterion", "multitask_adversarial", "--optimizer", "adam",
        "--lr", "0.01", "--batch-size", "4", "--save-dir", save_dir, *size,
        "--embed-dim", "6", "--no-progress-bar", "--log-interval", "1", "--seed", "3",
        "--best-checkpoint-metric", "avg_acc", "--maximize-best-checkpoint-metric",
        "--num-workers", "0", *extra,
    ]
