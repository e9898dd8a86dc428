"""The task list: a researcher's own tasks, described in YAML (or JSON) for
``fairseq-mtl-prepare tasks --config LIST`` (docs/data.md "Your own tasks").

::

    tasks:
      spam:                          # a name: letters, digits, '_' and '-'
        train: data/spam_train.csv   # paths relative to the list file
        text: text
        label: label
        labels: [ham, spam]          # optional: the order (else first appearance in train)
      nli:
        train: data/nli.jsonl
        text: [premise, hypothesis]  # two columns: a sentence pair
        label: gold
        metric: f1
      RTE: {benchmark: glue, dir: ../glue}

Every key is checked here, before a file is read: an unknown key (a typo), a missing
``train``, a bad type, two tasks with one name (which YAML itself would let pass: the last
would win) are one line each, naming the list file and the task.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

from fairseq_mtl.data.problems import DataError

NAME = re.compile(r"^[A-Za-z0-9_-]+$")
FILE_FORMATS = ("csv", "tsv", "jsonl")
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".txt": "tsv"}
#: what ``metric:`` accepts -> the metric's name in fairseq_mtl.metrics
METRIC_NAMES = {"accuracy": "accuracy", "acc": "accuracy", "f1": "f1_acc", "f1_acc": "f1_acc",
                "mcc": "mcc", "pearson_spearman": "pearson_spearman",
                "pearson": "pearson_spearman"}
BINARY_METRICS = ("f1_acc", "mcc")  # the positive class: the second label
BENCHMARKS = ("glue", "fdu-mtl")

Column = Union[str, int]


@dataclass
class TaskSpec:
    """One task of the list (see the module doc and docs/data.md for each key)."""

    name: str
    train: Optional[str] = None
    dev: Optional[str] = None
    test: Optional[str] = None
    unlabeled: Optional[str] = None
    format: Optional[str] = None  # csv | tsv | jsonl; default from each file's suffix
    header: bool = True
    text: List[Column] = field(default_factory=lambda: ["text"])
    label: Column = "label"
    type: str = "classification"
    labels: Optional[List[str]] = None
    label_names: Dict[str, str] = field(default_factory=dict)
    metric: Optional[str] = None
    range: Optional[Tuple[float, float]] = None
    dev_fraction: float = 0.1
    dev_size: Optional[int] = None
    seed: int = 1
    #: a registered benchmark's task instead of files: glue | fdu-mtl, read from ``dir``
    benchmark: Optional[str] = None
    dir: Optional[str] = None
    task: Optional[str] = None  # the benchmark's name of the task (default: ``name``)

    @property
    def pair(self) -> bool:
        return len(self.text) == 2

    @property
    def regression(self) -> bool:
        return self.type == "regression"

    def file_format(self, path: str) -> str:
        if self.format:
            return self.format
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in SUFFIXES:
            raise DataError(f"{path}: cannot tell the format from the suffix {suffix!r}; give "
                            f"the task's 'format:' ({' | '.join(FILE_FORMATS)})")
        return SUFFIXES[suffix]


KEYS = tuple(k for k in TaskSpec.__dataclass_fields__ if k != "name")


def load_task_list(path: str) -> List[TaskSpec]:
    """The tasks of a list file, every key checked; paths made absolute (relative to the file)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"task list not found: {path}")
    raw = _read_mapping(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("tasks"), dict) or not raw["tasks"]:
        raise DataError(f"{path}: expected a mapping 'tasks:' of task names to their settings "
                        f"(docs/data.md, 'Your own tasks')")
    extra = sorted(set(raw) - {"tasks"})
    if extra:
        raise DataError(f"{path}: unknown top-level key {extra[0]!r} (the list has one key, "
                        f"'tasks')")
    base = os.path.dirname(os.path.abspath(path))
    return [_task_spec(path, base, str(name), settings)
            for name, settings in raw["tasks"].items()]


def _read_mapping(path: str):
    with open(path, encoding="utf-8-sig") as f:
        text = f.read()
    if path.endswith(".json"):
        def no_duplicates(pairs):
            keys = [k for k, _ in pairs]
            for k in keys:
                if keys.count(k) > 1:
                    raise DataError(f"{path}: the key {k!r} is given twice")
            return dict(pairs)
        try:
            return json.loads(text, object_pairs_hook=no_duplicates)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # YAML 1.2's booleans only: under YAML 1.1 `labels: [no, yes]` would read as [False, True]
    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver(bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))

    def mapping(loader, node):
        seen = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise DataError(f"{path}:{key_node.start_mark.line + 1}: {key!r} is given twice "
                                f"(first on line {seen[key]}); task names and keys must be "
                                f"unique")
            seen[key] = key_node.start_mark.line + 1
        return loader.construct_mapping(node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        raise DataError(f"{where}: not valid YAML ({getattr(e, 'problem', e)})") from None


def _task_spec(path: str, base: str, name: str, settings) -> TaskSpec:
    where = f"{path}: task {name!r}"
    if not NAME.match(name):
        raise DataError(f"{where}: a task name may hold letters, digits, '_' and '-' only")
    if not isinstance(settings, dict):
        raise DataError(f"{where}: expected a mapping of settings (train:, text:, label:, ...)")
    unknown = sorted(set(settings) - set(KEYS))
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r}; the keys are "
                        f"{', '.join(sorted(set(KEYS)))}")
    spec = TaskSpec(name=name)
    for key, value in settings.items():
        setattr(spec, key, value)
    if spec.benchmark is not None:
        return _benchmark_spec(where, base, spec, settings)
    if not spec.train:
        raise DataError(f"{where}: 'train:' is required (a csv, tsv or jsonl file)")
    for key in ("train", "dev", "test", "unlabeled"):
        value = getattr(spec, key)
        if value is not None:
            if not isinstance(value, str):
                raise DataError(f"{where}: '{key}:' must be a file path")
            setattr(spec, key, os.path.normpath(os.path.join(base, value)))
    if spec.format is not None and spec.format not in FILE_FORMATS:
        raise DataError(f"{where}: format {spec.format!r}; expected {' | '.join(FILE_FORMATS)}")
    if not isinstance(spec.header, bool):
        raise DataError(f"{where}: 'header:' is true or false")
    spec.text = spec.text if isinstance(spec.text, list) else [spec.text]
    if len(spec.text) not in (1, 2):
        raise DataError(f"{where}: 'text:' is one column, or two for a sentence pair")
    for column in spec.text + [spec.label]:
        if isinstance(column, bool) or not isinstance(column, (str, int)):
            raise DataError(f"{where}: column {column!r} is neither a name nor a number")
        if not spec.header and not isinstance(column, int):
            raise DataError(f"{where}: 'header: false' needs column numbers (0-based), not "
                            f"{column!r}")
    if spec.type not in ("classification", "regression"):
        raise DataError(f"{where}: type {spec.type!r}; expected classification | regression")
    if spec.regression:
        if spec.labels is not None:
            raise DataError(f"{where}: a regression task has no 'labels:'")
        if spec.range is not None:
            if not (isinstance(spec.range, list) and len(spec.range) == 2
                    and all(isinstance(v, (int, float)) for v in spec.range)
                    and spec.range[0] < spec.range[1]):
                raise DataError(f"{where}: 'range:' is [low, high] with low < high")
            spec.range = (float(spec.range[0]), float(spec.range[1]))
    elif spec.range is not None:
        raise DataError(f"{where}: 'range:' is for a regression task")
    if spec.labels is not None:
        if not isinstance(spec.labels, list) or not spec.labels:
            raise DataError(f"{where}: 'labels:' is a list of the task's labels")
        spec.labels = [str(v) for v in spec.labels]
        if len(set(spec.labels)) != len(spec.labels):
            raise DataError(f"{where}: 'labels:' names a label twice")
        if len(spec.labels) < 2:
            raise DataError(f"{where}: a classification task needs at least 2 labels")
    if not isinstance(spec.label_names, dict):
        raise DataError(f"{where}: 'label_names:' maps labels to what they mean")
    spec.label_names = {str(k): str(v) for k, v in spec.label_names.items()}
    metric = spec.metric or ("pearson_spearman" if spec.regression else "accuracy")
    if metric not in METRIC_NAMES:
        raise DataError(f"{where}: metric {metric!r}; expected one of "
                        f"{', '.join(sorted(METRIC_NAMES))}")
    spec.metric = METRIC_NAMES[metric]
    if (spec.metric == "pearson_spearman") != spec.regression:
        raise DataError(f"{where}: metric {metric!r} does not fit a {spec.type} task")
    if spec.dev is None:
        if spec.dev_size is not None and (not isinstance(spec.dev_size, int)
                                          or spec.dev_size < 1):
            raise DataError(f"{where}: 'dev_size:' is a number of examples, at least 1")
        if not isinstance(spec.dev_fraction, (int, float)) or not 0 < spec.dev_fraction < 1:
            raise DataError(f"{where}: 'dev_fraction:' is between 0 and 1")
    return spec


def _benchmark_spec(where: str, base: str, spec: TaskSpec, settings) -> TaskSpec:
    allowed = {"benchmark", "dir", "task", "dev_size", "label_names"}
    extra = sorted(set(settings) - allowed)
    if extra:
        raise DataError(f"{where}: a benchmark task takes {', '.join(sorted(allowed))}; not "
                        f"{extra[0]!r}")
    if spec.benchmark not in BENCHMARKS:
        raise DataError(f"{where}: benchmark {spec.benchmark!r}; known: {', '.join(BENCHMARKS)}")
    if not spec.dir:
        raise DataError(f"{where}: 'dir:' is the benchmark's raw directory")
    spec.dir = os.path.normpath(os.path.join(base, spec.dir))
    spec.task = spec.task or spec.name
    return spec
