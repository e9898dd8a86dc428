"""Sharing schemes: how the encoders of K tasks share parameters. One file per scheme.

A scheme registers itself with ``@register_scheme("name")`` and says with ``offered_with``
which model families offer it (``--sharing`` of mtl_lstm, mtl_transformer, mtl_baseline); the
models' choice lists, their help and the invariant tests (tests/test_sharing.py,
tests/test_thesis_schemes.py) come from this registry, so a new scheme is one new file here.
"""
from fairseq_mtl.registry import Registry
from fairseq_mtl.sharing.base import SchemeOutput, SharingScheme  # noqa: F401 (re-exported)

SCHEMES: Registry[SharingScheme] = Registry("sharing scheme", __name__)
register_scheme = SCHEMES.register
build_scheme = SCHEMES.build


def offered_with(family: str):
    """The schemes a model family offers, as ``Registry.names`` wants them."""
    return SCHEMES.names(lambda cls: family in cls.offered_with)


SCHEMES.load()
