"""The experiment profiles as fairseq Hydra configs (recipes/config/, fairseq_mtl_tools/configs.py):
fairseq-hydra-train with a profile and an arch's model config must build the same fairseq
config, option for option, as fairseq-train with the options the recipes give."""
import glob
import os
import subprocess

import pytest

from conftest import BIN, ROOT, USER_DIR, plugin_archs, run_cli

CONFIG_DIR = os.path.join(ROOT, "recipes", "config")
GROUPS = ("common", "common_eval", "dataset", "optimization", "checkpoint", "task", "criterion",
          "optimizer", "lr_scheduler", "model", "distributed_training")
LSTM = plugin_archs("mtl_lstm", "mtl_baseline")
TRANSFORMER = plugin_archs("mtl_transformer")
# (recipe family, profile script, Hydra profile, archs it trains)
PROFILES = [
    ("fdu_mtl", "cpu", "fdu_mtl_cpu", LSTM), ("fdu_mtl", "paper", "fdu_mtl_paper", LSTM),
    ("fdu_mtl", "tf_cpu", "fdu_mtl_tf_cpu", TRANSFORMER),
    ("fdu_mtl", "thesis", "fdu_mtl_thesis", TRANSFORMER),
    ("fdu_mtl", "minilm_cpu", "fdu_mtl_minilm_cpu", TRANSFORMER),
    ("fdu_mtl", "minilm_gpu", "fdu_mtl_minilm_gpu", TRANSFORMER),
    ("glue", "cpu", "glue_cpu_lstm", ["st_lstm", "sp_lstm", "asp_lstm"]),
    ("glue", "cpu", "glue_cpu_transformer", TRANSFORMER),
    ("glue", "minilm_cpu", "glue_minilm_cpu", TRANSFORMER),
    ("glue", "minilm_gpu", "glue_minilm_gpu", TRANSFORMER),
]


def recipe_train_args(family, profile, arch, data):
    """TRAIN_ARGS exactly as a recipe builds them (lib.sh, then the profile script)."""
    script = (f'source recipes/lib.sh; ARCH={arch}; DATA={data}; '
              f'source recipes/{family}/profiles/{profile}.sh; printf "%s\\n" "${{TRAIN_ARGS[@]}}"')
    env = dict(os.environ, ROOT=ROOT, BIN=BIN, PRETRAINED="/models/minilm")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env=env, check=True).stdout
    return [line for line in out.split("\n") if line]


def containers(config_name, arch, data, train_args):
    from fairseq import options
    from fairseq.dataclass.initialize import add_defaults, hydra_init
    from fairseq.dataclass.utils import convert_namespace_to_omegaconf
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    import fairseq_mtl_plugin  # noqa: F401

    raw = OmegaConf.load(os.path.join(CONFIG_DIR, config_name + ".yaml"))
    overrides = [f"+model={arch}", f"task.data={data}", f"common.user_dir={USER_DIR}"]
    values = dict(zip(train_args, train_args[1:]))
    for flag, key in (("--pretrained", "model.pretrained"),
                      ("--total-num-update", "lr_scheduler.total_num_update"),
                      ("--warmup-updates", "lr_scheduler.warmup_updates")):
        group, option = key.split(".")
        node = raw.get(group)
        if node is not None and option in node.keys() and OmegaConf.is_missing(node, option):
            overrides.append(f"{key}={values[flag]}")  # a value the profile leaves to the run
    hydra_init(config_name)  # as fairseq-hydra-train does: the schema under the config's name
    # fairseq itself initialises Hydra without a version_base, i.e. 1.1 behaviour
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.1"):
        cfg = compose(config_name=config_name, overrides=overrides)
    add_defaults(cfg)
    hydra = OmegaConf.to_container(cfg, resolve=True)
    args = options.parse_args_and_arch(options.get_training_parser(),
                                       [data, "--user-dir", USER_DIR, "--arch", arch,
                                        *train_args])
    argparse_cfg = OmegaConf.to_container(convert_namespace_to_omegaconf(args), resolve=True)
    return hydra, argparse_cfg


# every profile with two of its archs (one of them adversarial where the family has one): the
# model configs themselves are checked against every arch function below
CASES = [(family, profile, name, arch) for family, profile, name, archs in PROFILES
         for arch in (archs[0], archs[-1])]
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Hydra's 1.1-compat notices


@pytest.mark.fast
@pytest.mark.parametrize("family,profile,name,arch", CASES,
                         ids=[f"{c[2]}-{c[3]}" for c in CASES])
def test_hydra_profile_builds_the_recipes_config(family, profile, name, arch, tmp_path):
    data = str(tmp_path / "data")  # not prepared: the pretrained profiles count 0 updates
    train = recipe_train_args(family, profile, arch, data)
    hydra, argparse_cfg = containers(name, arch, data, train)
    differences = []
    for group in GROUPS:
        h, a = hydra.get(group) or {}, argparse_cfg.get(group) or {}
        for key in sorted(set(h) | set(a)):
            if group == "model" and key == "_name":
                continue  # the registered model (mtl_lstm) vs the arch name (asp_lstm)
            if h.get(key, "<absent>") != a.get(key, "<absent>"):
                differences.append(f"{group}.{key}: hydra {h.get(key, '<absent>')!r}, "
                                   f"fairseq-train {a.get(key, '<absent>')!r}")
    assert not differences, "\n".join(differences)
    assert hydra["model"]["_name"].startswith("mtl_")


@pytest.mark.fast
def test_model_configs_are_the_arch_functions():
    from fairseq.models import ARCH_MODEL_NAME_REGISTRY

    import fairseq_mtl_plugin  # noqa: F401
    from fairseq_mtl_tools.configs import model_yaml

    archs = {a for a, m in ARCH_MODEL_NAME_REGISTRY.items() if m.startswith("mtl_") and a != m}
    files = {os.path.basename(f)[:-5] for f in glob.glob(os.path.join(CONFIG_DIR, "model",
                                                                      "*.yaml"))}
    assert files == archs
    for arch in archs:
        with open(os.path.join(CONFIG_DIR, "model", arch + ".yaml")) as f:
            assert f.read() == model_yaml(arch), f"regenerate model/{arch}.yaml"


@pytest.mark.fast
def test_flags_refuse_what_a_profile_does_not_have():
    from fairseq_mtl_tools.configs import cli_main

    with pytest.raises(SystemExit):
        cli_main(["flags"])
    assert cli_main(["flags", "fdu_mtl_cpu", "--set", "model.pretrained=x"]) == 1
    assert cli_main(["flags", "glue_minilm_cpu"]) == 1  # ??? values left unset
    assert cli_main(["flags", "no_such_profile"]) == 1


def test_fairseq_hydra_train_runs_a_profile(data_bin, tmp_path):
    """fairseq's own entry point trains with a profile and an arch's model config, and leaves
    no Hydra output directory behind (the profiles run Hydra in place, as fairseq's config)."""
    outputs = os.path.join(ROOT, "outputs")
    had_outputs = os.path.exists(outputs)
    proc = run_cli(["fairseq-hydra-train", "--config-dir", CONFIG_DIR, "--config-name",
                    "fdu_mtl_cpu", "+model=asp_lstm", f"task.data={data_bin}",
                    f"common.user_dir={USER_DIR}", f"checkpoint.save_dir={tmp_path}",
                    "optimization.max_update=2", "common.cpu=true", "dataset.num_workers=0"])
    log = proc.stdout + proc.stderr
    assert "done training" in log and os.path.isfile(tmp_path / "checkpoint_last.pt")
    assert "adv_lambda" in log  # asp_lstm's discriminator, from model/asp_lstm.yaml
    assert had_outputs or not os.path.exists(outputs)
    assert not os.path.exists(os.path.join(ROOT, ".hydra"))
    assert not os.path.exists(os.path.join(ROOT, "hydra_train.log"))


def _family(arch):
    from fairseq.models import ARCH_MODEL_NAME_REGISTRY

    return ARCH_MODEL_NAME_REGISTRY[arch][len("mtl_"):]  # mtl_lstm -> lstm


@pytest.mark.fast
@pytest.mark.parametrize("arch", plugin_archs())
def test_every_arch_fills_its_row_of_the_defaults_table(arch):
    import argparse

    from fairseq.models import ARCH_CONFIG_REGISTRY

    from fairseq_mtl_plugin.models.defaults import (
        ADVERSARIAL,
        CRITERION,
        FAIRSEQ_DEFAULTS,
        FAMILIES,
        TASK,
    )

    for pretrained in ("", "/models/minilm") if arch.endswith("transformer") else ("",):
        args = argparse.Namespace(arch=arch, **FAIRSEQ_DEFAULTS, optimizer=None,
                                  batch_size=None, max_tokens=None, data="",
                                  pretrained=pretrained)
        ARCH_CONFIG_REGISTRY[arch](args)
        row = FAMILIES["pretrained" if pretrained else _family(arch)]
        assert (args.task, args.criterion, args.optimizer, args.lr, args.batch_size) == (
            TASK, CRITERION, row.optimizer, [row.lr], row.batch_size)
        assert getattr(args, "warmup_updates", 0) == row.warmup_updates
        adversarial = arch.startswith("asp_")
        assert (getattr(args, "adversarial_weight", None) == ADVERSARIAL["adversarial_weight"]
                ) == adversarial


@pytest.mark.fast
@pytest.mark.parametrize("family", ["lstm", "baseline", "transfer", "transformer",
                                    "pretrained"])
def test_the_defaults_table_is_the_profile_it_names(family):
    from omegaconf import OmegaConf

    from fairseq_mtl_plugin.models.defaults import FAMILIES

    row = FAMILIES[family]
    profile = OmegaConf.load(os.path.join(CONFIG_DIR, row.profile + ".yaml"))
    assert profile.optimization.lr[0] == row.lr
    assert profile.dataset.batch_size == row.batch_size
    assert profile.optimizer._name == row.optimizer
    if row.warmup_updates:
        assert profile.lr_scheduler._name == "inverse_sqrt"
        assert profile.lr_scheduler.warmup_updates == row.warmup_updates


def _notes():
    """(profile script, its PROFILE_NOTE, the Hydra profiles it reads) of every recipe."""
    import re

    for path in sorted(glob.glob(os.path.join(ROOT, "recipes", "*", "profiles", "*.sh"))):
        text = open(path).read()
        note = re.search(r'^PROFILE_NOTE="(.*)"$', text, re.M)
        names = re.findall(r"(?:profile_flags|pretrained_train_args) (\w+)", text)
        if note and names:
            yield os.path.relpath(path, ROOT), note.group(1), names


@pytest.mark.fast
@pytest.mark.parametrize("script,note,names", list(_notes()), ids=lambda x: str(x)[:40])
def test_profile_notes_say_what_the_profiles_hold(script, note, names):
    """The one-line note a recipe writes into every run record (and the tables) names the
    learning rate and batch size of the Hydra profile it trains with, not other ones."""
    import re

    from omegaconf import OmegaConf

    said_lr = re.findall(r"(?:lr|Adam|AdamW) (\d[\d.e-]*)", note)
    said_batch = re.findall(r"batch (\d+)", note)
    for name in names:
        profile = OmegaConf.load(os.path.join(CONFIG_DIR, name + ".yaml"))
        assert [float(x) for x in said_lr[:1]] in ([], [profile.optimization.lr[0]]), name
        assert [int(x) for x in said_batch] in ([], [profile.dataset.batch_size]), name
    assert said_lr or said_batch, f"{script}: the note names neither lr nor batch size"


def test_the_quiet_hydra_entry_point_prints_fairseq_train_lines(data_bin, tmp_path):
    """fairseq-mtl-hydra-train: the same arguments; every line time-stamped as fairseq-train's,
    no Hydra warning or DEBUG line."""
    import re

    proc = run_cli(["fairseq-mtl-hydra-train", "--config-dir", CONFIG_DIR, "--config-name",
                    "fdu_mtl_cpu", "+model=asp_lstm", f"task.data={data_bin}",
                    f"common.user_dir={USER_DIR}", f"checkpoint.save_dir={tmp_path}",
                    "optimization.max_update=2", "common.cpu=true", "dataset.num_workers=0"],
                   env={"PYTHONWARNINGS": ""})  # Python's own default filters
    lines = (proc.stdout + proc.stderr).splitlines()
    assert any("done training" in line for line in lines)
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| (INFO|WARNING) \| ")
    assert all(stamp.match(line) for line in lines), [x for x in lines if not stamp.match(x)]
