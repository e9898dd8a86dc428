"""Experiment profiles as fairseq Hydra configs, defined once (``recipes/config/``).

A profile (``recipes/config/fdu_mtl_cpu.yaml`` ...) holds the training options of one row of
the results tables, in fairseq's config groups (common, dataset, optimization, checkpoint,
task, criterion, optimizer, lr_scheduler, model). Two ways to run it, with the same options:

* ``fairseq-hydra-train --config-dir recipes/config --config-name fdu_mtl_cpu +model=asp_lstm
  task.data=$PWD/data-bin/fdu-mtl common.user_dir=$PWD/user_dir`` (fairseq's own way;
  ``recipes/config/model/ARCH.yaml`` is each arch's model config, written from the arch
  function by ``python -m fairseq_mtl_tools.configs model-yaml ARCH``);
* the recipes, which turn the profile into ``fairseq-train`` flags
  (``python -m fairseq_mtl_tools.configs flags PROFILE.yaml [--set group.key=value ...]``) and give
  the arch as ``--arch``.

tests/test_configs.py checks that both give the same fairseq config, option for option.
Values only known at run time are ``???`` in the YAML (fairseq/OmegaConf's "missing"): the
pretrained profiles' ``lr_scheduler.total_num_update`` and ``model.pretrained``, which the
recipes compute and a Hydra user gives as overrides.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Sequence

#: groups whose ``_name`` is a fairseq-train option of its own
NAMED = {"task": "--task", "criterion": "--criterion", "optimizer": "--optimizer",
         "lr_scheduler": "--lr-scheduler", "model": None}
PLAIN = ("common", "common_eval", "distributed_training", "dataset", "optimization",
         "checkpoint", "bmuf", "ema")
#: where a run reads and writes, not how it trains: given by the recipes on their own command
#: line (``fairseq-train DATA --user-dir ... --save-dir ...``), ``???`` in the profiles
RUNTIME = ("task.data", "common.user_dir", "checkpoint.save_dir")
#: the profiles: ``recipes/config`` of the checkout this file is in, or FAIRSEQ_MTL_CONFIG_DIR
#: (an installed copy of the tools has no checkout beside it)
CONFIG_DIR = os.environ.get("FAIRSEQ_MTL_CONFIG_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes", "config")


def load(path: str, overrides: Sequence[str] = ()) -> Dict[str, Any]:
    """A profile YAML as a plain dict, with ``group.key=value`` overrides applied (values
    parsed as YAML). Missing values (``???``) left unset raise, naming them."""
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(path)
    for item in overrides:
        key, sep, value = item.partition("=")
        group, _, name = key.partition(".")
        if not sep or not name:
            raise ValueError(f"--set {item!r}: expected group.key=value")
        if group not in cfg or name not in list(cfg[group].keys()):
            raise ValueError(f"--set {item!r}: {path} has no {key} (a profile's options are "
                             f"changed here, not added: edit the profile)")
        cfg[group][name] = OmegaConf.create({"v": value})["v"] if value else value
    missing = sorted(set(OmegaConf.missing_keys(cfg)) - set(RUNTIME))
    if missing:
        raise ValueError(f"{path}: give a value for {', '.join(missing)} (--set KEY=VALUE; "
                         f"with fairseq-hydra-train: KEY=VALUE)")
    for key in RUNTIME:
        group, name = key.split(".")
        if group in cfg and name in list(cfg[group].keys()):
            del cfg[group][name]
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("defaults", None)
    data.pop("hydra", None)
    return data


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _value(value) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def to_flags(profile: Dict[str, Any]) -> List[str]:
    """fairseq-train options equal to the profile: each group's keys as ``--key-with-dashes``
    (True: the bare flag; False and None: left out, which is fairseq's default for every
    boolean option), a named group's ``_name`` as ``--task``/``--optimizer``/... (the model's
    as nothing: the arch is given with ``--arch``)."""
    flags: List[str] = []
    for group, options in profile.items():
        if group not in NAMED and group not in PLAIN:
            raise ValueError(f"unknown config group {group!r} (groups: "
                             f"{', '.join(PLAIN + tuple(NAMED))})")
        for key, value in (options or {}).items():
            if key == "_name":
                if NAMED.get(group):
                    flags += [NAMED[group], str(value)]
                continue
            if value is None or value is False:
                continue
            if value is True:
                flags.append(_flag(key))
            else:
                flags += [_flag(key), _value(value)]
    return flags


def arch_model_config(arch: str) -> Dict[str, Dict[str, Any]]:
    """What ``--arch ARCH`` sets beyond the model dataclass' defaults, as config groups: the
    model's ``_name`` (the registered model) and fields, and the criterion's
    orthogonality weight for the asp_* archs. Derived by running the arch function."""
    from fairseq.models import (
        ARCH_CONFIG_REGISTRY,
        ARCH_MODEL_NAME_REGISTRY,
        MODEL_DATACLASS_REGISTRY,
    )

    import fairseq_mtl_plugin  # noqa: F401  (registers the archs)
    from fairseq_mtl_plugin.models.defaults import FAIRSEQ_DEFAULTS

    if arch not in ARCH_MODEL_NAME_REGISTRY:
        raise ValueError(f"unknown arch {arch!r}")
    model = ARCH_MODEL_NAME_REGISTRY[arch]
    dataclass = MODEL_DATACLASS_REGISTRY[model]
    args = argparse.Namespace(arch=arch, **FAIRSEQ_DEFAULTS, optimizer=None, batch_size=None,
                              max_tokens=None, data="")
    before = set(vars(args))
    ARCH_CONFIG_REGISTRY[arch](args)
    defaults = dataclass()
    fields = {f for f in dataclass.__dataclass_fields__}
    out = {"model": {"_name": model}}
    for key in sorted(set(vars(args)) - before):
        value = getattr(args, key)
        if key in fields and value != getattr(defaults, key):
            out["model"][key] = value
        elif key == "orthogonality_weight":
            out.setdefault("criterion", {})[key] = value
    return out


def model_yaml(arch: str) -> str:
    from omegaconf import OmegaConf

    text = OmegaConf.to_yaml(OmegaConf.create(arch_model_config(arch)))
    return (f"# @package _global_\n# --arch {arch} as a Hydra model config; written by "
            f"`python -m fairseq_mtl_tools.configs model-yaml {arch}` from the arch function "
            f"(do not edit: tests/test_configs.py compares)\n" + text)


def cli_main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fairseq_mtl_tools.configs",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("flags", help="a profile's fairseq-train options, one per line")
    p.add_argument("profile", help="YAML file, or NAME under recipes/config (fdu_mtl_cpu; "
                   "another directory: FAIRSEQ_MTL_CONFIG_DIR)")
    p.add_argument("--set", action="append", default=[], metavar="GROUP.KEY=VALUE")
    p = sub.add_parser("get", help="one value of a profile (GROUP.KEY; a list's first item)")
    p.add_argument("profile")
    p.add_argument("key")
    p = sub.add_parser("model-yaml", help="an arch's Hydra model config (stdout)")
    p.add_argument("arch")
    args = parser.parse_args(argv)
    try:
        if args.command in ("flags", "get"):
            path = args.profile if os.path.isfile(args.profile) else os.path.join(
                CONFIG_DIR, args.profile + ".yaml")
            if not os.path.isfile(path):
                raise ValueError(f"{args.profile}: no such profile file (nor {path})")
        if args.command == "flags":
            print("\n".join(to_flags(load(path, args.set))))
        elif args.command == "get":
            from omegaconf import OmegaConf

            value = OmegaConf.select(OmegaConf.load(path), args.key, throw_on_missing=True)
            if value is None:
                raise ValueError(f"{path} has no {args.key}")
            print(value[0] if OmegaConf.is_list(value) else value)
        else:
            print(model_yaml(args.arch), end="")
    except ValueError as e:
        print(f"fairseq_mtl_tools.configs: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
