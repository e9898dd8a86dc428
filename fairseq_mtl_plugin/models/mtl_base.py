"""What the registered multi-task models share (registers nothing): the options of the word
embeddings, task heads and the adversary (lambda and the discriminator's schedule; gamma of the
orthogonality term is the criterion's), and the construction of a sharing scheme and its
adversary from an encoder factory. ``mtl_lstm`` and ``mtl_transformer`` add their encoder's
options and ``encoder_factory``."""

import argparse
import json
import logging
import os
import sys
from dataclasses import MISSING, dataclass, field, fields
from typing import Optional

from fairseq.dataclass import ChoiceEnum, FairseqDataclass
from fairseq.models import BaseFairseqModel
from omegaconf import II, OmegaConf, open_dict

from fairseq_mtl.adversary import OBJECTIVES, RAMPS, Adversary, AdversaryConfig, build_adversary
from fairseq_mtl.balancing import (
    BALANCING,
    CAGRAD_C,
    BalancingError,
    TaskBalancing,
    build_balancing,
)
from fairseq_mtl.modules.counts import parameter_counts
from fairseq_mtl.modules.embedding import WordEmbedding
from fairseq_mtl.sharing import build_scheme

from .defaults import ADVERSARIAL, CRITERION, FAIRSEQ_DEFAULTS, FAMILIES, TASK

logger = logging.getLogger(__name__)


@dataclass
class AdversaryOptions(FairseqDataclass):
    """The adversary's options, all of them (fairseq_mtl/adversary.py, :func:`adversary_config`):
    one group, the model's, so that a checkpoint records them with the discriminator."""
    adversarial_weight: float = field(
        default=0.0, metadata={"help": "lambda: gradient-reversal coefficient of the task "
                               "discriminator on the shared vector; 0 = no discriminator"})
    adversarial_objective: ChoiceEnum(OBJECTIVES) = field(
        default="reverse", metadata={"help": "what the shared encoder learns from the task "
                                     "discriminator: 'reverse' = maximise its loss through "
                                     "gradient reversal (paper); 'confusion' = make its output "
                                     "uniform over the tasks (Tzeng et al. 2015); 'l2' = the "
                                     "same by squared distance (MAN's L2 loss); see "
                                     "fairseq_mtl/adversary.py"})
    discriminator_standardize: bool = field(
        default=False, metadata={"help": "the discriminator reads its input standardised with "
                                 "running means and variances over the training sentences, so "
                                 "that shrinking a direction does not hide it"})
    monitor_discriminator: bool = field(
        default=False, metadata={"help": "build and train the task discriminator even with "
                                 "--adversarial-weight 0: the encoder is not pushed, and the "
                                 "logged adv_acc says how recognisable the tasks are in the "
                                 "shared vector"})
    no_discriminator_bias: bool = field(
        default=False, metadata={"help": "drop the bias b of D(s) = softmax(b + U s) (paper "
                                 "Eq. 12); see fairseq_mtl/modules/heads.py"})
    adversarial_ramp: ChoiceEnum(RAMPS) = field(
        default="none", metadata={"help": "lambda over training: 'none' (constant) or 'dann' "
                                  "(lambda * (2 / (1 + exp(-10 p)) - 1), p = progress; Ganin & "
                                  "Lempitsky 2015)"})
    discriminator_steps: int = field(
        default=0,
        metadata={"help": "how the task discriminator learns (fairseq_mtl/adversary.py): 0 = "
                  "'joint', inside each model update through the gradient reversal layer, on "
                  "the batch's one task (the paper's single objective; default, so earlier "
                  "results reproduce); K > 0 = 'critic' (MAN, Chen & Cardie 2018): K steps of "
                  "the discriminator alone, with its own Adam, on a batch mixing all tasks "
                  "before every update"})
    discriminator_lr: float = field(
        default=0.0, metadata={"help": "the critic schedule's learning rate (0: the model's "
                               "--lr, as MAN)"})
    discriminator_sentences: int = field(
        default=8, metadata={"help": "the critic schedule's sentences per task in each mixed "
                             "batch (MAN: 8), from the training text (and the unlabeled text "
                             "with --unlabeled)"})
    discriminator_burst_steps: int = field(
        default=0, metadata={"help": "critic steps instead of --discriminator-steps for the "
                             "first --discriminator-burst-start updates and every "
                             "--discriminator-burst-period-th (MAN's code, after WGAN: 100); "
                             "0 = no bursts"})
    discriminator_burst_start: int = field(
        default=25, metadata={"help": "updates at the start with burst steps (MAN: 25)"})
    discriminator_burst_period: int = field(
        default=500, metadata={"help": "every this many updates a burst (MAN: 500)"})
    discriminator_hidden_dim: int = field(
        default=0, metadata={"help": "a hidden layer of this size (batch norm, ReLU) in the "
                             "discriminator, as MAN's; 0 = the paper's linear one (needs the "
                             "critic schedule)"})
    discriminator_dropout: float = field(
        default=0.0, metadata={"help": "dropout before the discriminator's layers (MAN: 0.4; "
                               "needs the critic schedule)"})


def adversary_config(cfg) -> AdversaryConfig:
    """The library's :class:`AdversaryConfig` from the model's options (a checkpoint written
    before an option existed: its default)."""
    def get(name):
        default = next(f.default for f in fields(AdversaryOptions) if f.name == name)
        return getattr(cfg, name, default)

    return AdversaryConfig(
        weight=float(get("adversarial_weight")), objective=str(get("adversarial_objective")),
        standardize=bool(get("discriminator_standardize")),
        bias=not get("no_discriminator_bias"), monitor=bool(get("monitor_discriminator")),
        ramp=str(get("adversarial_ramp")), steps=int(get("discriminator_steps")),
        lr=float(get("discriminator_lr")), sentences=int(get("discriminator_sentences")),
        burst_steps=int(get("discriminator_burst_steps")),
        burst_start=int(get("discriminator_burst_start")),
        burst_period=int(get("discriminator_burst_period")),
        hidden_dim=int(get("discriminator_hidden_dim")),
        dropout=float(get("discriminator_dropout")))


@dataclass
class BalancingOptions(FairseqDataclass):
    """How the tasks' losses or gradients become one update (fairseq_mtl/balancing): a model
    option, so that a method's parameters (uncertainty weighting's) are saved with the model."""
    task_balancing: ChoiceEnum(BALANCING.names()) = field(
        default="equal", metadata={"help": BALANCING.help() + " (gradient methods: --sampler "
                                   "all_tasks --update-freq K)"})
    cagrad_c: float = field(
        default=CAGRAD_C, metadata={"help": "c of --task-balancing cagrad: the radius of its ball "
                               "around the mean gradient, in units of its norm"})
    balancing_lr_scale: float = field(
        default=1.0, metadata={"help": "learning-rate multiple for the balancing method's own "
                               "parameters (uncertainty's log-variances; needs --optimizer "
                               "torch_adamw). At a fine-tuning lr (5e-5) they stay near their "
                               "start: x100 lets them reach their equilibrium within an epoch"})


def balancing_for(cfg, task, adversary) -> Optional[TaskBalancing]:
    """The model's task balancing (None: equal weighting, the papers' objective), or a one-line
    error for a combination that cannot work."""
    name = str(getattr(cfg, "task_balancing", "equal"))
    lr_scale = float(getattr(cfg, "balancing_lr_scale", 1.0))
    balancing = None if name == "equal" else build_balancing(
        name, len(task.task_names), int(getattr(cfg, "seed", 1)),
        float(getattr(cfg, "cagrad_c", CAGRAD_C)))
    if lr_scale != 1.0 and (balancing is None or not list(balancing.parameters())):
        raise BalancingError(
            f"--balancing-lr-scale trains a balancing method's own parameters; --task-balancing "
            f"{name} has none (uncertainty has)")
    if not lr_scale > 0:
        raise BalancingError(f"--balancing-lr-scale must be > 0, got {lr_scale}")
    cagrad_c = float(getattr(cfg, "cagrad_c", CAGRAD_C))
    if cagrad_c != CAGRAD_C and name != "cagrad":
        raise BalancingError(f"--cagrad-c {cagrad_c:g} is c of --task-balancing cagrad; "
                             f"--task-balancing {name} has no such parameter")
    if balancing is None:
        return None
    if balancing.combines_gradients:
        sampler = getattr(getattr(task, "cfg", None), "sampler", "all_tasks")
        if sampler != "all_tasks":
            raise BalancingError(
                f"--task-balancing {name} combines every task's gradient in each update: train "
                f"with --sampler all_tasks --update-freq {len(task.task_names)} (given: "
                f"--sampler {sampler})")
        if adversary is not None:
            raise BalancingError(
                f"--task-balancing {name} and the task discriminator are not offered together "
                "(the discriminator's gradient would be combined as a shared one): drop one of "
                "them (the discriminator: --adversarial-weight 0, or the arch's sp_* form)")
    return balancing


@dataclass
class MtlModelConfig(AdversaryOptions, BalancingOptions):
    embed_dim: int = field(
        default=0, metadata={"help": "word embedding size; 0 = the prepared vectors' size "
                             "(50 for glove-6b-50d), 200 without vectors"})
    no_pretrained_embeddings: bool = field(
        default=False, metadata={"help": "random word vectors; default: initialise from the "
                                 "vectors fairseq-mtl-prepare aligned with the dictionary"})
    freeze_embeddings: bool = field(default=False, metadata={"help": "do not train embeddings"})
    embed_lr_scale: float = field(
        default=1.0, metadata={"help": "train the word vectors this many times slower than the "
                               "rest under Adam (thesis: 0.1, i.e. lr 5e-5 vs 5e-4)"})
    embed_dropout: float = field(default=0.0, metadata={"help": "dropout on word embeddings"})
    head_dropout: float = field(default=0.0, metadata={"help": "dropout before each task head"})
    head_hidden_dim: int = field(
        default=0, metadata={"help": "one ReLU hidden layer of this size in every task head; "
                             "0 = linear heads (S-P always has one, of size d by default)"})
    head_activation: ChoiceEnum(["relu", "tanh"]) = field(
        default="relu", metadata={"help": "activation of the task heads' hidden layer"})
    pooler_head: bool = field(
        default=False, metadata={"help": "BERT's classification head: tanh(P v + c), dropout, "
                                 "the output layer, on the scheme's sentence vector (read it at "
                                 "[CLS]: --pooling cls, S-C, L-I); with --pretrained P and c "
                                 "start from the checkpoint's pooler"})
    init_range: float = field(
        default=0.1, metadata={"help": "non-embedding weights ~ U[-r, r] (paper: 0.1); 0 = "
                               "each module's own initialisation"})
    seed: int = II("common.seed")


class MtlModel(BaseFairseqModel):
    """A sharing scheme (fairseq_mtl/sharing) behind fairseq's model interface."""

    def __init__(self, cfg, scheme, adversary: Optional[Adversary] = None,
                 balancing: Optional[TaskBalancing] = None):
        super().__init__()
        self.cfg = cfg
        self.scheme = scheme
        #: the task discriminator and its schedule (None: no adversarial term, no monitor)
        self.adversary = adversary
        #: how the tasks' losses or gradients are combined (None: equal weighting)
        self.balancing = balancing

    @classmethod
    def encoder_factory(cls, cfg, embed_dim: int, task):
        """-> callable(name) building one sentence encoder over ``embed_dim``-sized vectors."""
        raise NotImplementedError

    @classmethod
    def scheme_kwargs(cls, cfg, embed_dim: int, task) -> dict:
        """Extra constructor arguments of the model's sharing scheme."""
        return {}

    def derived_config(self) -> dict:
        """Options the model worked out while being built that a checkpoint must record to
        rebuild it (the task writes them into the saved config)."""
        return {}

    @classmethod
    def build_parts(cls, cfg, task):
        """-> (embed_factory, encoder_factory, scheme kwargs): word embeddings over the task's
        dictionary (initialised from the prepared vectors unless --no-pretrained-embeddings),
        the family's encoders over them, and the family's extra scheme arguments."""
        emb = task.manifest.embeddings if not cfg.no_pretrained_embeddings else None
        pretrained, found = task.word_vectors() if emb else (None, None)
        embed_dim = cfg.embed_dim or (int(emb["dim"]) if emb else 200)
        if pretrained is not None and pretrained.shape[1] != embed_dim:
            raise ValueError(
                f"--embed-dim {embed_dim} but the prepared vectors have {pretrained.shape[1]} "
                "dimensions; drop --embed-dim or --no-pretrained-embeddings"
            )
        dictionary = task.source_dictionary

        def embed_factory(name):
            return WordEmbedding(len(dictionary), embed_dim, dictionary.pad(), pretrained,
                                 found, cfg.embed_dropout, cfg.freeze_embeddings,
                                 cfg.embed_lr_scale)

        return (embed_factory, cls.encoder_factory(cfg, embed_dim, task),
                cls.scheme_kwargs(cfg, embed_dim, task))

    @classmethod
    def build_model(cls, cfg, task):
        cfg = upgrade_config(cfg, getattr(cls, "__dataclass"))
        embed_factory, encoder_factory, scheme_kwargs = cls.build_parts(cfg, task)
        scheme = build_scheme(
            cfg.sharing,
            task_names=task.task_names,
            num_classes=[t.num_classes for t in task.task_entries],
            embed_factory=embed_factory,
            encoder_factory=encoder_factory,
            seed=getattr(cfg, "seed", 1),
            init_range=cfg.init_range,
            head_dropout=cfg.head_dropout,
            head_hidden_dim=cfg.head_hidden_dim,
            head_activation=cfg.head_activation,
            head_pooler=bool(getattr(cfg, "pooler_head", False)),
            **scheme_kwargs,
        )
        adversary = build_adversary(scheme, len(task.task_names), adversary_config(cfg))
        model = cls(cfg, scheme, adversary, balancing_for(cfg, task, adversary))
        model.after_build()
        if model.balancing is not None:
            logger.info(f"task balancing: {model.balancing.name} (" + (
                "gradient combination" if model.balancing.combines_gradients
                else "loss weighting") + ")")
        lr_scale = float(getattr(cfg, "balancing_lr_scale", 1.0))
        if model.balancing is not None and lr_scale != 1.0:
            for p in model.balancing.parameters():  # (read by --optimizer torch_adamw)
                p.lr_scale = lr_scale
            logger.info(f"task balancing's own parameters ({model.balancing.name}): x{lr_scale:g} "
                        "the learning rate")
        log_parameter_counts(model)
        return model

    def after_build(self) -> None:
        """What a family does once its scheme is built (learning-rate scales, freezing)."""

    def forward(self, src_tokens, src_lengths, task_id: int):
        out = self.scheme(src_tokens, src_lengths, task_id).as_dict()
        if self.adversary is not None:
            out["task_logits"] = self.adversary(out["shared"])  # B x K
        return out

    def discriminate(self, src_tokens, src_lengths, task_id: int):
        """-> (the discriminator's logits, shared vectors) for sentences without labels
        (semi-supervised L_adv)."""
        shared = self.scheme.encode_shared(src_tokens, src_lengths, task_id)
        return self.adversary(shared), shared

    def upgrade_state_dict_named(self, state_dict, name):
        """Checkpoints written before the adversary had one owner kept the discriminator (and
        the critic's moments) under the scheme: ``scheme.discriminator.*``."""
        old = f"{name}." if name else ""
        for key in [k for k in state_dict if k.startswith(old + "scheme.discriminator.")]:
            rest = key[len(old + "scheme.discriminator."):]
            new = rest if rest == "critic._extra_state" else "discriminator." + rest
            state_dict[old + "adversary." + new] = state_dict.pop(key)
        super().upgrade_state_dict_named(state_dict, name)

    def max_positions(self):
        return None


def training_defaults(args, family: str) -> None:
    """Make ``fairseq-train DATA --user-dir user_dir --arch ARCH`` train well by itself.

    fairseq's own defaults are a translation task, a token cross-entropy criterion, no
    optimizer, lr 0.25 and selection on the dev loss. Where an option still has that default
    (the user did not give it), the arch fills its family's row of the defaults table
    (``defaults.FAMILIES``): the task and criterion, the optimizer at the family's lr (with an
    inverse-sqrt schedule after its warm-up for Transformers), its batch size and selection on
    the dev average (``avg_score`` when a task's metric is not accuracy). What was filled is
    logged in one line; a task or criterion that cannot work with these models stops the run at
    once, saying what to give instead. Arch functions run before fairseq sets up the task, so
    this is the place to do it. (fairseq also runs arch functions on the model's own config, which
    holds no training options: nothing to do there.)"""
    if not isinstance(args, argparse.Namespace):
        return
    row = FAMILIES[family]
    filled = list(getattr(args, "fairseq_mtl_filled", []))  # task, criterion (plugin patches)

    def fill(name, value, shown=None):
        setattr(args, name, value)
        filled.append(f"--{name.replace('_', '-')} {shown if shown is not None else value}")

    for name, wanted in (("task", TASK), ("criterion", CRITERION)):
        given = getattr(args, name, None)
        if given == FAIRSEQ_DEFAULTS[name]:
            fill(name, wanted)
        elif given != wanted:
            sys.exit(f"fairseq-train: error: --arch {args.arch} needs --{name} {wanted} "
                     f"(got --{name} {given})")
    if getattr(args, "optimizer", None) is None:
        fill("optimizer", row.optimizer)
    if getattr(args, "lr", None) == FAIRSEQ_DEFAULTS["lr"]:
        fill("lr", [row.lr], row.lr)
        if row.warmup_updates and getattr(args, "lr_scheduler", None) == "fixed":
            fill("lr_scheduler", "inverse_sqrt")
            fill("warmup_updates", row.warmup_updates)
    if getattr(args, "batch_size", None) is None and getattr(args, "max_tokens", None) is None:
        fill("batch_size", row.batch_size)
    if getattr(args, "best_checkpoint_metric", None) == FAIRSEQ_DEFAULTS["best_checkpoint_metric"]:
        fill("best_checkpoint_metric", _selection_metric(getattr(args, "data", ""),
                                                         getattr(args, "tasks", None)))
        args.maximize_best_checkpoint_metric = True
        filled.append("--maximize-best-checkpoint-metric")
    if filled:
        logger.info(f"--arch {args.arch}: fairseq's defaults are for translation; using "
                    f"{' '.join(filled)} (give any of them to override)")
    balancing_lr_needs_torch_adamw(args)


def balancing_lr_needs_torch_adamw(args) -> None:
    """--balancing-lr-scale is carried out by an optimizer that reads ``lr_scale`` (one
    parameter group per scale, torch_adamw's): with another it would be ignored silently. Here,
    where the command line still holds the optimizer's name (the model's config will not)."""
    name = str(getattr(args, "task_balancing", "equal"))
    if float(getattr(args, "balancing_lr_scale", 1.0)) == 1.0 or name not in BALANCING or \
            getattr(args, "optimizer", None) == "torch_adamw":
        return
    if list(build_balancing(name, 2).parameters()):  # (else balancing_for's error says so)
        raise BalancingError(
            f"--balancing-lr-scale needs --optimizer torch_adamw (the optimizer in use, "
            f"{args.optimizer}, gives every parameter one learning rate)")


def _selection_metric(data: str, names: str = None) -> str:
    """avg_score when a task trained (all prepared ones, or ``--tasks``) has a metric other
    than accuracy (GLUE), else avg_acc."""
    path = os.path.join(data or "", "manifest.json")
    if os.path.isfile(path):
        with open(path) as f:
            tasks = json.load(f).get("tasks", [])
        chosen = set(names.split(",")) if names else None
        if any(t.get("metric", "accuracy") != "accuracy" for t in tasks
               if chosen is None or t["name"] in chosen):
            return "avg_score"
    return "avg_acc"


def adversarial_defaults(args) -> None:
    """What makes an arch ASP-MTL (``defaults.ADVERSARIAL``): lambda and gamma, unless given.
    gamma is an option of the criterion, which leaves it unset (None) for the arch."""
    args.adversarial_weight = getattr(args, "adversarial_weight",
                                      ADVERSARIAL["adversarial_weight"])
    if getattr(args, "orthogonality_weight", None) is None:
        args.orthogonality_weight = ADVERSARIAL["orthogonality_weight"]


def upgrade_config(cfg, dataclass_type):
    """Add the options a checkpoint written before they existed lacks, with their defaults (and
    carry the renamed ``pretrained_embeddings`` over), so that old checkpoints still load."""
    if not OmegaConf.is_config(cfg):
        return cfg
    with open_dict(cfg):
        if "pretrained_embeddings" in cfg and "no_pretrained_embeddings" not in cfg:
            cfg.no_pretrained_embeddings = not cfg.pretrained_embeddings
        for f in fields(dataclass_type):
            if f.name not in cfg and f.default is not MISSING:
                cfg[f.name] = f.default
    return cfg


def log_parameter_counts(model) -> None:
    c = parameter_counts(model)
    logger.info(
        f"parameters: {c['total']:,} in all; {c['rest']:,} without word embeddings "
        f"({c['embeddings']:,}) and learned positions ({c['positions']:,})"
    )
