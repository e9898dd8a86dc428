"""A synthetic multi-task corpus in which the answer to "is the shared layer task-invariant?" is
known, in FDU-MTL's raw layout (``{task}.task.{train,test,unlabel}``, ``label<TAB>sentence``).

Every sentence of every task is drawn from the same distribution: filler words from one common
pool, one sentiment word at a random position that decides the label (the same words mean the
same thing in every task), and ONE task-identifying word (``task_<name>``), by default the last
word. The task word says nothing about the label, and nothing but the task word says which task
a sentence came from. So a shared encoder trained only for the labels has no reason to keep the
task word, and no reason to remove it either: the last word is the LSTM's last input, so its
final state carries it (measured: a task probe finds the task in SP-MTL's shared layer, 94 % for
4 tasks with hidden size 64), and an adversary that works makes the shared layer drop it (the
probe falls towards chance, 1 / number of tasks). With the task word at a random position
(``task_position="random"``) a trained LSTM forgets it by itself (probe at chance already for
SP-MTL, hidden 16): no test of the adversary. The adversary check (tests/test_adversary.py,
``recipes/adversary/synthetic.sh``) trains SP-MTL and ASP-MTL on it and probes both.

    python -m fairseq_mtl.data.synthetic OUT_DIR [--tasks 4] [--train 300] [--seed 1]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from typing import Dict, Sequence

POSITIVE = ("good", "great", "fine", "lovely")
NEGATIVE = ("bad", "poor", "awful", "dull")
TASK_NAMES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")


def task_word(name: str) -> str:
    return f"task_{name}"


def sentence(rng: random.Random, task: str, label: int, fillers: int = 40,
             length: Sequence[int] = (4, 12), task_position: str = "random",
             domain_share: float = 0.0) -> str:
    """Filler words w0..w{fillers-1}, one sentiment word for ``label`` and the task's word,
    both at random positions. ``domain_share``: the share of filler words that are the task's
    own (``{task}_w3``), so that the task shows in many words, not one."""
    words = [f"{task}_w{rng.randrange(fillers)}" if rng.random() < domain_share
             else f"w{rng.randrange(fillers)}" for _ in range(rng.randint(*length))]
    words.insert(rng.randrange(len(words) + 1), rng.choice(POSITIVE if label else NEGATIVE))
    at = len(words) if task_position == "end" else rng.randrange(len(words) + 1)
    words.insert(at, task_word(task))
    return " ".join(words)


def write_corpus(out_dir: str, num_tasks: int = 4, n_train: int = 300, n_test: int = 100,
                 n_unlabel: int = 100, seed: int = 1, task_position: str = "end",
                 domain_share: float = 0.0) -> Dict[str, Dict[str, int]]:
    """Write ``num_tasks`` tasks (balanced labels; ``n_train`` lines of which the preparation's
    ``--dev-size`` last ones become dev) and return {task: {split: lines}}."""
    if task_position not in ("end", "random"):
        raise ValueError(f"task_position must be 'end' or 'random', got {task_position!r}")
    if not 0.0 <= domain_share <= 1.0:
        raise ValueError(f"--domain-share must be in [0, 1], got {domain_share}")
    if not 1 < num_tasks <= len(TASK_NAMES):
        raise ValueError(f"--tasks must be 2..{len(TASK_NAMES)}, got {num_tasks}")
    os.makedirs(out_dir, exist_ok=True)
    counts = {}
    for name in TASK_NAMES[:num_tasks]:
        rng = random.Random(f"{seed}/{name}")  # a task's text does not depend on the others
        counts[name] = {}
        for split, n in (("train", n_train), ("test", n_test), ("unlabel", n_unlabel)):
            with open(os.path.join(out_dir, f"{name}.task.{split}"), "w") as f:
                for i in range(n):
                    text = sentence(rng, name, i % 2, task_position=task_position,
                                    domain_share=domain_share)
                    f.write(text + "\n" if split == "unlabel" else f"{i % 2}\t{text}\n")
            counts[name][split] = n
    return counts


def cli_main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fairseq_mtl.data.synthetic",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--tasks", type=int, default=4, help="number of tasks (2-8)")
    parser.add_argument("--train", type=int, default=300, help="train lines per task (dev "
                        "included: fairseq-mtl-prepare --dev-size takes the last ones)")
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--unlabel", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--task-position", choices=("end", "random"), default="end")
    parser.add_argument("--domain-share", type=float, default=0.0,
                        help="share of filler words that are the task's own (default 0)")
    args = parser.parse_args(argv)
    try:
        counts = write_corpus(args.out_dir, args.tasks, args.train, args.test, args.unlabel,
                              args.seed, args.task_position, args.domain_share)
    except ValueError as e:
        print(f"synthetic: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {len(counts)} tasks to {args.out_dir}: " + ", ".join(counts))
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
