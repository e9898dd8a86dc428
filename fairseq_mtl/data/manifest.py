"""The manifest (``manifest.json``) that ``fairseq-mtl-prepare`` writes next to the binarised data.

It is the single description of a prepared benchmark that the fairseq task, the evaluation
command and the analyses read: the task list (order = task ids), each task's label set, type and
split sizes, the shared dictionary and the pretrained-embedding file.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

FORMAT = "fairseq-mtl/1"


@dataclass
class TaskEntry:
    name: str
    labels: List[str]
    type: str = "classification"  # or "regression"
    metric: str = "accuracy"  # see fairseq_mtl/metrics.py: accuracy, mcc, f1_acc, ...
    splits: Dict[str, int] = field(default_factory=dict)
    stats: Dict[str, float] = field(default_factory=dict)
    #: what a label means, where the label itself does not say it (GLUE's "0"/"1", FDU-MTL's
    #: 0/1 given with --label-names); prediction shows these names
    label_names: Dict[str, str] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return 1 if self.type == "regression" else len(self.labels)

    def label_name(self, label: str) -> str:
        return self.label_names.get(label, label)

    @property
    def pair(self) -> bool:
        """Whether an example is a sentence pair (recorded by preparation in ``stats``)."""
        return bool(self.stats.get("pair", False))


@dataclass
class Manifest:
    benchmark: str
    tasks: List[TaskEntry]
    dictionary: str = "dict.txt"
    embeddings: Optional[Dict[str, object]] = None
    preparation: Dict[str, object] = field(default_factory=dict)
    format: str = FORMAT

    @property
    def task_names(self) -> List[str]:
        return [t.name for t in self.tasks]

    def task(self, name: str) -> TaskEntry:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(self.task_names)}")

    def save(self, directory: str) -> str:
        path = os.path.join(directory, "manifest.json")
        with open(path, "w") as f:
            json.dump(asdict(self), f, indent=2)
            f.write("\n")
        return path

    @classmethod
    def load(cls, directory: str) -> "Manifest":
        path = os.path.join(directory, "manifest.json")
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"{path} not found: prepare the data first (fairseq-mtl-prepare ... --out "
                f"{directory})"
            )
        with open(path) as f:
            raw = json.load(f)
        if raw.get("format") != FORMAT:
            raise ValueError(f"{path}: format {raw.get('format')!r}, expected {FORMAT!r}")
        return manifest_from_dict(raw)


def manifest_to_dict(manifest: Manifest) -> Dict:
    return asdict(manifest)


def manifest_from_dict(raw: Dict) -> Manifest:
    raw = dict(raw)
    raw["tasks"] = [TaskEntry(**t) for t in raw["tasks"]]
    return Manifest(**raw)


def dictionary_difference(expected: List[str], found: List[str], owner: str) -> Optional[str]:
    """None when the two symbol lists are equal, else what differs first, in words
    ("N symbols, the <owner>'s has M" or "symbol I is 'x', the <owner>'s is 'y'")."""
    if list(expected) == list(found):
        return None
    if len(expected) != len(found):
        return f"{len(found)} symbols, the {owner}'s has {len(expected)}"
    i = next(i for i, (a, b) in enumerate(zip(expected, found)) if a != b)
    return f"symbol {i} is {found[i]!r}, the {owner}'s is {expected[i]!r}"


def check_same_dictionary(expected: List[str], found: List[str], where: str) -> None:
    """Refuse a dictionary other than the one a model was trained with (word ids would mean
    other words)."""
    detail = dictionary_difference(expected, found, "checkpoint")
    if detail is None:
        return
    raise ValueError(
        f"{where}: not the dictionary the checkpoint was trained with ({detail}); use the data "
        f"directory the model was trained on, or leave out --data to use the checkpoint's own"
    )


def check_prepared_for(preparation: dict, encoder, dictionary, data: str) -> None:
    """Refuse data prepared for another vocabulary than ``encoder``'s (a
    :class:`fairseq_mtl.pretrained.PretrainedEncoder`), or not for a pretrained model at all."""
    from fairseq_mtl.pretrained.base import PretrainedError

    prepared = preparation.get("pretrained")
    if prepared is None:
        raise PretrainedError(
            f"{data} was prepared with the {preparation.get('tokenizer', 'words')} tokenizer; "
            f"--pretrained needs data prepared with the model's own: fairseq-mtl-prepare ... "
            f"--pretrained {encoder.path}")
    detail = dictionary_difference(encoder.symbols, dictionary.symbols, "model")
    if detail is None:
        return
    raise PretrainedError(
        f"{data} was prepared for another vocabulary than {encoder.path}'s ({detail}; prepared "
        f"for {prepared.get('path')}); prepare it again with --pretrained {encoder.path}")


def split_prefix(directory: str, task: str, split: str) -> str:
    """Path prefix of one binarised split: ``{dir}/{task}/{split}`` (+ .bin/.idx/.label.npy)."""
    return os.path.join(directory, task, split)


def updates_per_epoch(manifest: Manifest, batch_size: int, tasks: Optional[List[str]] = None,
                      required_batch_size_multiple: int = 8, all_tasks: bool = False) -> int:
    """Updates in one epoch of a sampler that uses every batch once (round_robin, shuffled):
    each task's training set cut into batches exactly as training cuts it
    (:func:`fairseq_mtl.data.dataset.batch_count`; fairseq's default
    ``--required-batch-size-multiple`` 8). ``all_tasks``: the ``all_tasks`` sampler with
    ``--update-freq K``, one batch of every task per update, as many updates as the largest task
    has batches. Recipes use it for ``--total-num-update`` of a linear learning-rate decay."""
    from fairseq_mtl.data.dataset import batch_count

    names = tasks or manifest.task_names
    counts = [batch_count(manifest.task(n).splits.get("train", 0), batch_size,
                          required_batch_size_multiple) for n in names]
    return max(counts, default=0) if all_tasks else sum(counts)


def main(argv=None) -> None:
    """``python -m fairseq_mtl.data.manifest updates DATA BATCH_SIZE EPOCHS [TASKS]
    [--all-tasks]``: the number of updates of EPOCHS epochs (see :func:`updates_per_epoch`)."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    all_tasks = "--all-tasks" in args
    args = [a for a in args if a != "--all-tasks"]
    if len(args) not in (4, 5) or args[0] != "updates":
        sys.exit("usage: python -m fairseq_mtl.data.manifest updates DATA BATCH_SIZE EPOCHS "
                 "[TASK,TASK...] [--all-tasks]")
    tasks = args[4].split(",") if len(args) == 5 and args[4] else None
    print(int(args[3]) * updates_per_epoch(Manifest.load(args[1]), int(args[2]), tasks,
                                           all_tasks=all_tasks))


if __name__ == "__main__":
    main()
