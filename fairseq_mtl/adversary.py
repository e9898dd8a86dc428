"""The adversary of ASP-MTL: the task discriminator, lambda, and how the discriminator learns.

One owner: :class:`Adversary` is built from one :class:`AdversaryConfig` (the model's
``--adversarial-*`` / ``--discriminator-*`` options) and holds the discriminator, the lambda of
the current update (the ramp), the critic and its optimizer state (saved in every checkpoint).
The task calls :meth:`Adversary.before_update` once per update; the model calls it on the
shared vectors; the criterion asks it for its loss (:meth:`Adversary.loss`).

The schedules, and what they are for:

``joint`` (``--discriminator-steps 0``, the default): the paper's objective as one backward
pass. The discriminator sits behind a gradient reversal layer on the batch's shared vectors; it
learns from the same one-task batch and the same optimizer step as everything else. Measured
here (thesis_results/adversary_synthetic.md, docs/adversary.md): its dev accuracy ends at
chance, and a task probe finds the task in the ASP-MTL shared layer MORE easily than in
SP-MTL's (maximising the discriminator's loss is won by moving each task to where the
discriminator expects another one). It stays the default so that the earlier results and
recipes reproduce, because it is what the paper describes, and because no other schedule
measurably did better.

``critic`` (``--discriminator-steps K`` > 0), after MAN (Chen & Cardie, NAACL 2018, their
released ``train_man_exp3.py``): before every model update the discriminator alone takes K
steps with its OWN Adam optimizer (``--discriminator-lr``) on a batch that mixes all tasks
(``--discriminator-sentences`` per task, drawn at random from the training sentences, and from
the unlabeled ones too with ``--unlabeled``, as MAN and paper Sec. 4.2 do), the encoder frozen.
The model update then trains the encoder against the fixed discriminator through the gradient
reversal layer (-lambda times the discriminator loss), and the discriminator's weights are out
of the model optimizer. MAN: K = 5, lambda 0.05, Adam 1e-4 for both, 8 sentences per domain, a
fresh batch for each of the K steps (here one batch per update is encoded once and the K steps
reuse it: the encoder pass is what costs), and 100 steps for the first 25 iterations and every
500th (WGAN's schedule, which MAN's code switches on by default: ``--discriminator-burst-steps
100``). MAN's discriminator is an MLP (dropout 0.4, a hidden layer with batch norm and ReLU:
``--discriminator-hidden-dim``, ``--discriminator-dropout``); the paper's is linear (default).

``--adversarial-ramp dann`` (either schedule): lambda_p = lambda * (2 / (1 + exp(-10 p)) - 1)
over training progress p in [0, 1] (Ganin & Lempitsky, ICML 2015, Sec. 5.1): no reversal at
the start, when the discriminator knows nothing, the full lambda at the end.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fairseq_mtl.data.batching import length_sorted_chunks, pad_tokens
from fairseq_mtl.losses import adversarial_loss
from fairseq_mtl.modules.grad_reverse import grad_reverse
from fairseq_mtl.modules.heads import TaskDiscriminator
from fairseq_mtl.modules.init import component_seed

RAMPS = ("none", "dann")
OBJECTIVES = ("reverse", "confusion", "l2")


def ramp_factor(kind: str, progress: float) -> float:
    """The multiplier of lambda at training progress ``progress`` (clipped to [0, 1])."""
    if kind == "none":
        return 1.0
    if kind == "dann":
        p = min(max(progress, 0.0), 1.0)
        return 2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0
    raise ValueError(f"--adversarial-ramp must be one of {RAMPS}, got {kind!r}")


@dataclass(frozen=True)
class AdversaryConfig:
    """Everything about the adversary, in one place (the command-line names in brackets)."""
    weight: float = 0.0  #: lambda (--adversarial-weight); 0 = no push on the encoder
    objective: str = "reverse"  #: what the encoder learns (--adversarial-objective)
    standardize: bool = False  #: D reads standardised vectors (--discriminator-standardize)
    bias: bool = True  #: D's bias b of Eq. 12 (--no-discriminator-bias turns it off)
    monitor: bool = False  #: build and train D even at lambda 0 (--monitor-discriminator)
    ramp: str = "none"  #: lambda over training (--adversarial-ramp)
    steps: int = 0  #: critic steps before every update; 0 = joint (--discriminator-steps)
    lr: float = 0.0  #: the critic's Adam lr; 0 = the model's --lr (--discriminator-lr)
    sentences: int = 8  #: per task in each critic batch (--discriminator-sentences)
    #: critic steps instead of ``steps`` for the first ``burst_start`` updates and every
    #: ``burst_period``-th (--discriminator-burst-steps; 0 = no bursts)
    burst_steps: int = 0
    burst_start: int = 25
    burst_period: int = 500
    hidden_dim: int = 0  #: D's hidden layer (batch norm, ReLU); 0 = linear (paper Eq. 12)
    dropout: float = 0.0  #: dropout before D's layers (--discriminator-dropout)

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"--adversarial-objective must be one of {OBJECTIVES}, got "
                             f"{self.objective!r}")
        if self.ramp not in RAMPS:
            raise ValueError(f"--adversarial-ramp must be one of {RAMPS}, got {self.ramp!r}")
        if self.weight < 0 or self.steps < 0 or self.lr < 0:
            raise ValueError("--adversarial-weight, --discriminator-steps and "
                             "--discriminator-lr cannot be negative")
        if self.sentences < 1:
            raise ValueError("--discriminator-sentences must be at least 1")
        if self.burst_steps < 0 or self.burst_start < 0 or self.burst_period < 1:
            raise ValueError("--discriminator-burst-steps and -start cannot be negative, "
                             "--discriminator-burst-period must be at least 1")
        if self.burst_steps and not self.steps:
            raise ValueError("--discriminator-burst-steps are critic steps: give "
                             "--discriminator-steps K too")
        if self.hidden_dim < 0 or not 0.0 <= self.dropout < 1.0:
            raise ValueError("--discriminator-hidden-dim cannot be negative and "
                             "--discriminator-dropout must be in [0, 1)")
        if (self.hidden_dim or self.dropout) and not self.steps:
            raise ValueError("--discriminator-hidden-dim/--discriminator-dropout (MAN's "
                             "discriminator: batch norm, dropout) learn from the critic's "
                             "mixed-task batches: give --discriminator-steps K too")
        if not self.wanted and (self.steps > 0 or self.ramp != "none"):
            raise ValueError("--discriminator-steps/--adversarial-ramp need a task "
                             "discriminator: give --adversarial-weight > 0 (the asp_* archs set "
                             "0.05) or --monitor-discriminator")

    @property
    def wanted(self) -> bool:
        """Whether the model has a task discriminator at all."""
        return self.weight > 0 or self.monitor

    @property
    def schedule(self) -> str:
        return "critic" if self.steps > 0 else "joint"

    def critic_steps(self, update_num: int) -> int:
        """The critic's steps before update ``update_num`` (0-based): a burst in the first
        ``burst_start`` updates and every ``burst_period``-th, else ``steps``."""
        if self.burst_steps and (update_num < self.burst_start
                                 or update_num % self.burst_period == 0):
            return self.burst_steps
        return self.steps


def build_adversary(scheme, num_tasks: int, config: AdversaryConfig) -> Optional["Adversary"]:
    """The adversary of ``scheme`` (None when ``config`` asks for none). Its discriminator is
    one of the scheme's seeded components, so its initial weights depend on the seed alone."""
    if not config.wanted:
        return None
    if not scheme.has_shared_vector:
        raise ValueError(f"--adversarial-weight/--monitor-discriminator need a shared sentence "
                         f"vector; the {scheme.name!r} scheme has none")
    discriminator = scheme.component(
        "discriminator",
        lambda: TaskDiscriminator(scheme.shared_dim(), num_tasks, config.bias,
                                  config.standardize, config.hidden_dim, config.dropout))
    return Adversary(config, discriminator)


class Adversary(nn.Module):
    """The task discriminator D, lambda, and D's training (see the module docstring).

    State dict: ``discriminator.*`` (D's weights and running statistics) and, while the critic
    schedule trains, ``critic._extra_state`` (its Adam moments), so that a resumed critic run
    continues exactly; a model built without the critic (to evaluate, predict or transfer)
    ignores the moments."""

    def __init__(self, config: AdversaryConfig, discriminator: TaskDiscriminator):
        super().__init__()
        self.config = config
        self.discriminator = discriminator
        #: lambda of the current update: the configured weight times the ramp's factor
        self.weight = config.weight
        self.trainer: Optional[Critic] = None
        self._critic_update = -1

    # --- the model's forward ------------------------------------------------------------------
    def forward(self, shared: torch.Tensor) -> torch.Tensor:
        """B x K logits of D for its own loss; what reaches the encoder depends on the objective:

        * ``reverse`` (paper, Ganin & Lempitsky 2015): D behind a gradient reversal layer; D
          learns to recognise the task, the encoder receives ``-lambda`` times the same
          gradient (it maximises D's loss).
        * ``confusion`` (Tzeng et al., ICCV 2015): D learns from ``shared`` detached; the encoder
          minimises lambda times the cross-entropy between D's output and the UNIFORM
          distribution (:meth:`confusion_loss`). Maximising D's loss can be won by moving each
          task's vectors to where D expects ANOTHER task (a relabelling the next D steps undo);
          making D unsure can only be won by vectors D cannot tell apart.
        * ``l2`` (MAN's L2 loss): as ``confusion``, with the squared distance between D's output
          distribution and the uniform one in place of the cross-entropy (D itself still learns
          by cross-entropy here; MAN's by squared error to the one-hot task).
        """
        if self.training and self.trainer is None:  # the critic: its mixed batches only
            self.discriminator.update_statistics(shared)
        with _predicting(self.discriminator):
            if self.config.objective != "reverse":
                return self.discriminator.logits(shared.detach())
            return self.discriminator.logits(grad_reverse(shared, self.weight))

    def confusion_loss(self, shared: torch.Tensor) -> torch.Tensor:
        """The encoder's term, with D's parameters fixed: lambda * sum over the batch of
        CE(D(s), uniform) (``confusion``; minimum lambda * B * log K, D at chance) or of
        ||softmax(D(s)) - uniform||^2 (``l2``; minimum 0). Zero under the reverse objective."""
        objective = self.config.objective
        if objective == "reverse" or self.weight == 0:
            return shared.new_zeros(())
        with _predicting(self.discriminator):
            logits = self.discriminator.logits(shared, detach_weights=True).float()
        if objective == "l2":
            uniform = 1.0 / logits.size(-1)
            return self.weight * (torch.softmax(logits, dim=-1) - uniform).pow(2).sum()
        return -self.weight * torch.log_softmax(logits, dim=-1).mean(-1).sum()

    def loss(self, task_logits: torch.Tensor, shared: torch.Tensor, task_id: int):
        """The criterion's part for sentences of task ``task_id``: -> (what to add to the loss,
        L_adv alone for the log, how many sentences D recognised)."""
        adv = adversarial_loss(task_logits.float(), task_id)
        correct = int((task_logits.argmax(-1) == task_id).sum())
        return adv + self.confusion_loss(shared), adv.detach(), correct

    # --- training -----------------------------------------------------------------------------
    def start_training(self, lr: float, mixed_precision: bool, pad: int, seed: int) -> str:
        """Before the first update (and before a checkpoint is loaded, so that the critic's
        moments have an optimizer to go to). ``lr``: the model's, the critic's unless
        --discriminator-lr. -> a line for the log."""
        c = self.config
        self.trainer = None
        if "critic" in self._modules:
            del self._modules["critic"]
        if c.steps > 0:
            if mixed_precision:
                raise ValueError("--discriminator-steps trains the discriminator with its own "
                                 "fp32 Adam: use --amp instead of --fp16/--bf16")
            self.trainer = Critic(self.discriminator, c.steps, c.lr or lr, c.sentences, pad,
                                  seed)
            self.critic = CriticState(self.trainer)  # its moments travel in the state dict
            bursts = (f" ({c.burst_steps} for the first {c.burst_start} updates and every "
                      f"{c.burst_period}th)" if c.burst_steps else "")
            return (f"task discriminator: critic schedule, {c.steps} steps per update{bursts}, "
                    f"Adam lr {c.lr or lr}, {c.sentences} sentences per task "
                    f"({self.discriminator.num_tasks} tasks) per update; lambda {c.weight}, "
                    f"ramp {c.ramp}, objective {c.objective}; {self.discriminator.describe()}")
        return (f"task discriminator: joint schedule; lambda {c.weight}, ramp {c.ramp}, "
                f"objective {c.objective}; {self.discriminator.describe()}")

    def before_update(self, scheme, dataset, update_num: int,
                      total_updates: Optional[int]) -> Dict[str, float]:
        """Called by the task before every micro-batch: lambda for this update (the ramp), then
        the critic's steps (once per update, not per --update-freq micro-batch). -> values to
        log."""
        c = self.config
        if c.ramp == "none":
            progress = 1.0
        elif not total_updates:
            raise ValueError("--adversarial-ramp needs the length of training: give "
                             "--max-epoch or --max-update")
        else:
            progress = update_num / total_updates
        self.weight = c.weight * ramp_factor(c.ramp, progress)
        out = {"adv_lambda": self.weight, "n_updates": 0}
        if self.trainer is not None:
            out.update(disc_correct=0, disc_n=0, disc_loss=0.0)
            if update_num != self._critic_update:
                self._critic_update = update_num
                result = self.trainer.step(scheme, dataset, update_num,
                                           steps=c.critic_steps(update_num))
                out.update(disc_correct=result["correct"], disc_n=result["n"],
                           disc_loss=result["loss"], n_updates=1)
        return out

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the critic's moments mean nothing to a model built without that schedule
        if self.trainer is None:
            state_dict.pop(prefix + "critic._extra_state", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


@contextmanager
def _predicting(discriminator: TaskDiscriminator):
    """D's dropout off and batch norm on its running statistics (from the critic's mixed
    batches) while the model's update reads it; its own steps (the critic) train it."""
    if not discriminator.has_layers or not discriminator.training:
        yield
        return
    discriminator.eval()
    try:
        yield
    finally:
        discriminator.train()


class Critic:
    """The ``critic`` schedule: K steps of the discriminator alone on mixed-task batches.

    The discriminator's parameters are frozen for the model optimizer (``requires_grad`` False,
    set by :meth:`freeze`); here they are unfrozen for the duration of the steps. Each update's
    batch is drawn with its own seed (the run's seed, the update, the worker), so a resumed run
    draws what an uninterrupted one would."""

    def __init__(self, discriminator: TaskDiscriminator, steps: int, lr: float,
                 sentences_per_task: int, pad: int = 1, seed: int = 1, chunk: int = 64):
        if steps < 1 or sentences_per_task < 1:
            raise ValueError("the critic schedule needs --discriminator-steps >= 1 and "
                             "--discriminator-sentences >= 1")
        self.discriminator = discriminator
        self.steps = steps
        self.sentences_per_task = sentences_per_task
        self.pad = pad
        self.seed = seed
        self.chunk = chunk
        self.params = list(discriminator.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=lr)
        self._pools, self._pools_of = None, None
        self.freeze()

    def freeze(self) -> None:
        for p in self.params:
            p.requires_grad_(False)

    def pools(self, dataset) -> List[np.ndarray]:
        """Per task, the training indices (and unlabeled ones) the critic draws from; built
        once per training dataset, not at every update."""
        if self._pools_of is not dataset:
            self._pools = [np.concatenate([dataset.task_indices(k)] + (
                [dataset.unlabeled_indices(k)] if dataset.unlabeled_indices(k) is not None
                else [])) for k in range(self.discriminator.num_tasks)]
            self._pools_of = dataset
        return self._pools

    def draw(self, pools: Sequence[np.ndarray], rng: np.random.RandomState) -> List[np.ndarray]:
        """``sentences_per_task`` indices of every task (with replacement only where a task
        has fewer)."""
        return [pool[rng.choice(len(pool), self.sentences_per_task,
                                replace=len(pool) < self.sentences_per_task)]
                for pool in pools]

    @torch.no_grad()
    def shared_vectors(self, scheme, dataset, drawn: Sequence[np.ndarray]):
        """-> (shared vectors N x D, task ids N) of the drawn sentences, encoder frozen (no
        gradient), length-sorted chunks; one chunk per task where the shared vector reads the
        task (task tokens), mixed chunks where it does not."""
        items = [(k, int(i)) for k, idx in enumerate(drawn) for i in idx]
        tokens = [dataset[i]["source"] for _, i in items]
        groups = ([list(range(len(items)))] if not scheme.shared_reads_task else
                  [[j for j, (k, _) in enumerate(items) if k == t] for t in range(len(drawn))])
        device = next(self.discriminator.parameters()).device
        vectors = [None] * len(items)
        for group in groups:
            for chunk in length_sorted_chunks([len(tokens[j]) for j in group], self.chunk):
                rows = [group[c] for c in chunk]
                src, lengths = pad_tokens([tokens[j] for j in rows], self.pad)
                shared = scheme.encode_shared(src.to(device), lengths.to(device),
                                              items[rows[0]][0])
                for r, j in enumerate(rows):
                    vectors[j] = shared[r]
        targets = torch.tensor([k for k, _ in items], dtype=torch.long, device=device)
        return torch.stack(vectors).float(), targets

    def step(self, scheme, dataset, update_num: int,
             rng: Optional[np.random.RandomState] = None,
             steps: Optional[int] = None) -> Dict[str, float]:
        """Encode one mixed batch, then ``steps`` (default K) optimizer steps of the
        discriminator on it. Returns the discriminator's accuracy on the batch BEFORE its steps
        (how well it recognises the tasks in vectors it has not trained on; with dropout and
        batch norm, in eval mode) and its mean loss over the steps."""
        steps = steps or self.steps
        if rng is None:
            rng = np.random.RandomState(component_seed(
                self.seed, f"discriminator/update{update_num}/rank{global_rank()}"))
        vectors, targets = self.shared_vectors(scheme, dataset,
                                               self.draw(self.pools(dataset), rng))
        self.discriminator.update_statistics(vectors)
        was_training = self.discriminator.training
        if self.discriminator.has_layers:  # dropout, batch norm: measure as it predicts
            self.discriminator.eval()
            with torch.no_grad():
                correct = int((self.discriminator.logits(vectors).argmax(-1) == targets).sum())
            self.discriminator.train()
        total_loss = 0.0
        for p in self.params:
            p.requires_grad_(True)
        try:
            with torch.enable_grad():
                for s in range(steps):
                    self.optimizer.zero_grad(set_to_none=True)
                    logits = self.discriminator.logits(vectors)  # behind no reversal: D only
                    loss = F.cross_entropy(logits, targets)
                    if s == 0 and not self.discriminator.has_layers:
                        correct = int((logits.argmax(-1) == targets).sum())
                    loss.backward()
                    all_reduce_mean([p.grad for p in self.params])
                    self.optimizer.step()
                    total_loss += float(loss.detach())
        finally:
            self.optimizer.zero_grad(set_to_none=True)
            self.freeze()
            self.discriminator.train(was_training)
        return {"correct": correct, "n": int(targets.numel()), "loss": total_loss / steps}


class CriticState(nn.Module):
    """The critic's optimizer state as a module's extra state (no parameters of its own)."""

    def __init__(self, trainer: Critic):
        super().__init__()
        self.trainer = trainer  # a plain attribute: the trainer is not a module

    def get_extra_state(self) -> Dict:
        return self.trainer.optimizer.state_dict()

    def set_extra_state(self, state: Optional[Dict]) -> None:
        if state:
            self.trainer.optimizer.load_state_dict(state)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a checkpoint from before the moments were saved: they start from zero
        state_dict.setdefault(prefix + "_extra_state", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def unwrap(model):
    """The model under fairseq's data-parallel wrappers (ModuleProxyWrapper around
    DistributedDataParallel around the model: each holds the next as ``.module``)."""
    while hasattr(model, "module") and not hasattr(model, "scheme"):
        model = model.module
    return model


def _distributed() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def global_rank() -> int:
    import torch.distributed as dist

    return dist.get_rank() if _distributed() else 0


def all_reduce_mean(grads: List[Optional[torch.Tensor]]) -> None:
    """Average the discriminator's gradients over data-parallel workers (each worker drew its
    own mixed batch), so every worker takes the same step; no-op in a single process."""
    import torch.distributed as dist

    if not _distributed():
        return
    for g in grads:
        if g is not None:
            dist.all_reduce(g)
            g.div_(dist.get_world_size())
