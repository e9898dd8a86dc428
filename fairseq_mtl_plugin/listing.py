"""``fairseq-mtl-list``: what fairseq-mtl offers, read from its registries (nothing is listed by
hand, so a new arch, scheme, sampler, format or tokenizer shows here as soon as it exists).

    fairseq-mtl-list                 everything
    fairseq-mtl-list archs samplers  some sections

Archs: the model family, the sharing scheme, the parameter count at the arch's default size for
16 two-class tasks (FDU-MTL's shape; a single-task arch is 16 models), without word embeddings
and learned positions (as the thesis counts them; those depend on the vocabulary), and what it
is (the arch function's docstring: the paper's or thesis' name). Counting builds each model
once (``--no-counts`` skips it).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence

SECTIONS = ("archs", "schemes", "samplers", "balancing", "formats", "tokenizers", "pretrained")
#: the task shape parameter counts are given for (FDU-MTL: 16 sentiment tasks)
NUM_TASKS, NUM_CLASSES = 16, 2


def plugin_archs() -> Dict[str, str]:
    """{arch: registered model} of every arch this plugin registers, in a stable order."""
    from fairseq.models import ARCH_MODEL_NAME_REGISTRY

    import fairseq_mtl_plugin  # noqa: F401  (registers them)

    return {a: m for a, m in sorted(ARCH_MODEL_NAME_REGISTRY.items(), key=lambda x: (x[1], x[0]))
            if m.startswith("mtl_") and a != m}


def arch_summary(arch: str) -> str:
    """The first line of the arch function's docstring."""
    from fairseq.models import ARCH_CONFIG_REGISTRY

    return (ARCH_CONFIG_REGISTRY[arch].__doc__ or arch).strip().split("\n")[0]


def arch_config(arch: str) -> argparse.Namespace:
    """The model options ``--arch ARCH`` trains with when nothing else is given: the arch
    function's, then the model dataclass' defaults for the rest (fairseq's order: its parser
    leaves options not given out of the namespace, so that arch functions can set them)."""
    from fairseq.models import ARCH_CONFIG_REGISTRY, MODEL_DATACLASS_REGISTRY

    from fairseq_mtl_plugin.models.defaults import FAIRSEQ_DEFAULTS

    model = plugin_archs()[arch]
    args = argparse.Namespace(arch=arch, **FAIRSEQ_DEFAULTS, optimizer=None, batch_size=None,
                              max_tokens=None, data="")
    ARCH_CONFIG_REGISTRY[arch](args)
    for f in fields(MODEL_DATACLASS_REGISTRY[model]):
        if hasattr(args, f.name):
            continue
        default = f.default if f.default is not MISSING else f.default_factory()
        if isinstance(default, str) and default.startswith("${"):
            default = 1  # the seed, an interpolation of common.seed
        setattr(args, f.name, default)
    return args


class _ShapeTask:
    """What a model's build_model reads from the task, for counting parameters: 16 two-class
    tasks, a tiny dictionary, no prepared word vectors."""

    def __init__(self, num_tasks: int, num_classes: int):
        from fairseq.data import Dictionary

        self.task_names = [f"task{i}" for i in range(num_tasks)]
        self.task_entries = [SimpleNamespace(num_classes=num_classes)] * num_tasks
        self.source_dictionary = Dictionary()
        self.manifest = SimpleNamespace(embeddings=None, preparation={})
        self.building_from_checkpoint = False

    def word_vectors(self):
        return None, None


def parameter_count(arch: str) -> Optional[int]:
    """Parameters of ``arch`` at its default size (see the module docstring); None for the
    transfer archs, whose size is the shared encoder they are given."""
    from fairseq.models import ARCH_MODEL_REGISTRY

    from fairseq_mtl.modules.counts import parameter_counts

    if plugin_archs()[arch] == "mtl_transfer":
        return None
    model = ARCH_MODEL_REGISTRY[arch].build_model(arch_config(arch),
                                                  _ShapeTask(NUM_TASKS, NUM_CLASSES))
    return parameter_counts(model)["rest"]


def _quiet_build():
    """Model construction logs its parameter counts at INFO: not wanted in a listing."""
    import logging

    for name in ("fairseq_mtl_plugin", "fairseq"):
        logging.getLogger(name).setLevel(logging.WARNING)


def archs_rows(counts: bool = True) -> List[List[str]]:
    rows = []
    for arch, model in plugin_archs().items():
        cfg = arch_config(arch)
        count = parameter_count(arch) if counts else None
        rows.append([arch, model[len("mtl_"):], str(cfg.sharing),
                     f"{count:,}" if count is not None else "-", arch_summary(arch)])
    return rows


def registry_rows(section: str) -> List[List[str]]:
    if section == "schemes":
        from fairseq_mtl.sharing import SCHEMES as registry

        return [[n, c.summary, ", ".join(c.offered_with) or "(by code)"]
                for n, c in registry.items()]
    if section == "balancing":
        from fairseq_mtl.balancing import BALANCING as registry

        return [[n, "gradients" if c.combines_gradients else "losses", c.summary]
                for n, c in registry.items()]
    if section == "samplers":
        from fairseq_mtl.data.samplers import SAMPLERS as registry
    elif section == "formats":
        from fairseq_mtl.data.formats import FORMATS as registry
    elif section == "tokenizers":
        from fairseq_mtl.data.tokenizers import TOKENIZERS as registry
    else:
        from fairseq_mtl.pretrained import PRETRAINED_FORMATS as registry
    # (a data format's one line is its ``help``, which fairseq-mtl-prepare shows too)
    text = "help" if section == "formats" else "summary"
    return [[n, getattr(c, text, "") or (c.__doc__ or "").strip().split("\n")[0]]
            for n, c in registry.items()]


HEADERS = {
    "archs": ["--arch", "family", "--sharing", "parameters", "what"],
    "schemes": ["--sharing", "what", "offered by the families"],
    "samplers": ["--sampler", "what"],
    "balancing": ["--task-balancing", "combines", "what"],
    "formats": ["fairseq-mtl-prepare FORMAT", "what"],
    "tokenizers": ["--tokenizer", "what"],
    "pretrained": ["--pretrained format", "what"],
}
TITLES = {"archs": f"Archs (fairseq-train --arch); parameters at the default size for "
                   f"{NUM_TASKS} two-class tasks, without word embeddings",
          "schemes": "Sharing schemes",
          "samplers": "Task samplers",
          "balancing": "Task balancing (gradient methods: --sampler all_tasks --update-freq K)",
          "formats": "Data formats (fairseq-mtl-prepare)",
          "tokenizers": "Tokenizers (fairseq-mtl-prepare --tokenizer)",
          "pretrained": "Pretrained encoders (fairseq-mtl-prepare/fairseq-train --pretrained)"}


def render(rows: List[List[str]], header: List[str]) -> str:
    """Aligned columns, as a terminal shows them."""
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def cli_main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-list", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--no-counts", action="store_true",
                        help="archs without parameter counts (no model is built)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    _quiet_build()
    blocks = []
    for section in args.sections or SECTIONS:
        rows = (archs_rows(not args.no_counts) if section == "archs"
                else registry_rows(section))
        blocks.append(f"{TITLES[section]}\n\n{render(rows, HEADERS[section])}")
    try:
        print("\n\n".join(blocks))
        sys.stdout.flush()
    except BrokenPipeError:  # `fairseq-mtl-list | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
