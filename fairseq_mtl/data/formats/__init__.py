"""Benchmark formats: how a benchmark's raw files become tasks of examples. One file per format.

``fairseq-mtl-prepare FORMAT`` has one sub-command per registered format; the format reads the
raw files into :class:`~fairseq_mtl.data.formats.base.TaskData` and describes its tasks (label
sets, metrics, statistics, the summary table), and the one pipeline of
:mod:`fairseq_mtl.data.prepare` does the rest: a new benchmark is one new file here.
"""
from fairseq_mtl.data.formats.base import BenchmarkFormat
from fairseq_mtl.registry import Registry

FORMATS: Registry[BenchmarkFormat] = Registry("benchmark format", __name__)
register_format = FORMATS.register

FORMATS.load()
