"""The registry behind --sharing and --sampler: a new class is one new file."""
import sys

import pytest

from fairseq_mtl.registry import Registry

pytestmark = pytest.mark.fast


def test_a_module_dropped_into_the_package_is_registered_offered_and_described(tmp_path,
                                                                                monkeypatch):
    package = tmp_path / "toy_schemes"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from fairseq_mtl.registry import Registry\n"
        "TOYS = Registry('toy', __name__)\n"
        "TOYS.load()\n")
    for name, summary in (("alpha", "the first"), ("beta", "")):
        (package / f"{name}.py").write_text(
            "from toy_schemes import TOYS\n"
            f"@TOYS.register('{name}')\n"
            f"class Toy:\n"
            f"    summary = '{summary}'\n"
            f"    def __init__(self, size=1):\n"
            f"        self.size = size\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import toy_schemes

    try:
        toys = toy_schemes.TOYS
        assert toys.names() == ["alpha", "beta"] and len(toys) == 2 and "beta" in toys
        assert toys.build("alpha", size=3).size == 3 and toys["alpha"].name == "alpha"
        assert toys.help() == "alpha: the first; beta: beta"
        assert toys.names(lambda cls: cls.summary) == ["alpha"]
        with pytest.raises(ValueError, match=r"unknown toy 'gamma'; choose from \['alpha', "):
            toys["gamma"]
        with pytest.raises(ValueError, match="toy 'alpha' registered twice"):
            toys.register("alpha")(type("Other", (), {}))
    finally:
        for name in [m for m in sys.modules if m.startswith("toy_schemes")]:
            del sys.modules[name]


def test_the_project_registries_drive_the_choices():
    from fairseq_mtl.data.samplers import SAMPLERS
    from fairseq_mtl.sharing import SCHEMES, offered_with

    assert isinstance(SCHEMES, Registry) and isinstance(SAMPLERS, Registry)
    assert offered_with("lstm") == ["fs", "single", "sp"]
    assert offered_with("baseline") == ["fs", "se", "single"]
    assert "layerwise_explicit" in offered_with("transformer")
    assert "transfer" in SCHEMES and "transfer" not in offered_with("transformer")
    assert all(SCHEMES[n].summary for n in SCHEMES)  # every scheme has help text
    assert all(SAMPLERS[n].summary for n in SAMPLERS)


def test_every_registered_class_lives_in_the_file_of_its_name():
    """``--sharing sp`` is sharing/sp.py, ``--sampler round_robin`` samplers/round_robin.py,
    ``--arch`` models of ``mtl_baseline`` models/mtl_baseline.py: a name on the command line
    says which file to open (a hyphen in a name is an underscore in its file)."""
    from fairseq.criterions import CRITERION_REGISTRY
    from fairseq.models import MODEL_REGISTRY
    from fairseq.optim import OPTIMIZER_REGISTRY
    from fairseq.tasks import TASK_REGISTRY

    import fairseq_mtl_plugin  # noqa: F401
    from fairseq_mtl.data.formats import FORMATS
    from fairseq_mtl.data.samplers import SAMPLERS
    from fairseq_mtl.data.tokenizers import TOKENIZERS
    from fairseq_mtl.pretrained import PRETRAINED_FORMATS
    from fairseq_mtl.sharing import SCHEMES

    found = [(name, cls) for registry in (FORMATS, SAMPLERS, TOKENIZERS, PRETRAINED_FORMATS,
                                          SCHEMES) for name, cls in registry.items()]
    for registry in (MODEL_REGISTRY, TASK_REGISTRY, CRITERION_REGISTRY, OPTIMIZER_REGISTRY):
        found += [(name, cls) for name, cls in registry.items()
                  if cls.__module__.startswith("fairseq_mtl")]
    assert len(found) >= 30  # 3 formats, 6 samplers, 3 tokenizers, 2 pretrained, 10 schemes, ...
    wrong = [f"{name}: {cls.__module__}" for name, cls in found
             if cls.__module__.rsplit(".", 1)[-1] != name.replace("-", "_")]
    assert not wrong, wrong
