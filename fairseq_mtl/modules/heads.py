"""Output layers: one per task (paper Eq. 5: softmax(W h + b)) and the task discriminator."""
from __future__ import annotations

import torch
from torch import nn

from fairseq_mtl.modules.grad_reverse import grad_reverse


class ClassificationHead(nn.Module):
    """One task's output layer: logits = W h + b (``num_classes`` outputs; 1 for regression).
    ``hidden_dim`` > 0 inserts one hidden layer (the thesis' S-P task MLP: ReLU; MT-DNN's
    task-specific layer: tanh)."""

    ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}

    def __init__(self, input_dim: int, num_classes: int, dropout: float = 0.0,
                 hidden_dim: int = 0, activation: str = "relu"):
        super().__init__()
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"head activation must be one of {sorted(self.ACTIVATIONS)}")
        if hidden_dim > 0:
            self.net = nn.Sequential(
                nn.Dropout(dropout), nn.Linear(input_dim, hidden_dim),
                self.ACTIVATIONS[activation](),
                nn.Dropout(dropout), nn.Linear(hidden_dim, num_classes),
            )
        else:
            self.net = nn.Sequential(nn.Dropout(dropout), nn.Linear(input_dim, num_classes))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features)  # B x C


class TaskDiscriminator(nn.Module):
    """D(s) = softmax(b + U s) over the K tasks (paper Eq. 12) and what the encoder that made
    ``s`` learns from it, with coefficient ``scale`` (= lambda):

    * ``objective="reverse"`` (paper, Ganin & Lempitsky 2015): D sits behind a gradient reversal
      layer; D's parameters learn to recognise the task, the encoder receives ``-lambda`` times
      the same gradient (it maximises D's loss).
    * ``objective="confusion"`` (Tzeng et al., ICCV 2015): D learns from ``s`` detached; the
      encoder minimises ``lambda`` times the cross-entropy between D's output and the UNIFORM
      distribution over tasks (:meth:`confusion_loss`, D's parameters held fixed there).
      Maximising D's loss can be won by moving each task's vectors to where D expects ANOTHER
      task (a relabelling the next D steps undo); making D unsure can only be won by vectors D
      cannot tell apart.
    """

    OBJECTIVES = ("reverse", "confusion")

    def __init__(self, input_dim: int, num_tasks: int, scale: float, bias: bool = True,
                 objective: str = "reverse", standardize: bool = False):
        super().__init__()
        if objective not in self.OBJECTIVES:
            raise ValueError(f"adversarial objective must be one of {self.OBJECTIVES}, got "
                             f"{objective!r}")
        self.scale = scale
        self.objective = objective
        # bias=False was tried because, with one-task batches, b alone can minimise each
        # batch's L_adv; measured on FDU-MTL (3 seeds) it changed neither the test error nor
        # the chance-level discriminator (thesis_results/fdu_mtl_lstm.md, asp_lstm_nobias)
        self.proj = nn.Linear(input_dim, num_tasks, bias=bias)
        # standardize: D reads (s - mean) / std with running statistics over the training
        # sentences of all tasks (constants for the gradient), so that the encoder cannot hide
        # the task by shrinking the directions that carry it
        self.standardize = standardize
        self.statistics_from_batches = True  # the critic schedule uses its mixed batches only
        if standardize:
            self.register_buffer("running_mean", torch.zeros(input_dim))
            self.register_buffer("running_var", torch.ones(input_dim))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the critic schedule's Adam moments (fairseq_mtl/adversary.py, CriticState) mean
        # nothing to a model built without that schedule (e.g. to evaluate or transfer)
        if not hasattr(self, "critic"):
            state_dict.pop(prefix + "critic._extra_state", None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @torch.no_grad()
    def update_statistics(self, shared: torch.Tensor, momentum: float = 0.1) -> None:
        """Fold a batch's feature means and variances into the running statistics."""
        if self.standardize and shared.size(0) > 1:
            x = shared.detach().float()
            self.running_mean.lerp_(x.mean(0), momentum)
            self.running_var.lerp_(x.var(0), momentum)

    def normalized(self, shared: torch.Tensor) -> torch.Tensor:
        if not self.standardize:
            return shared
        return (shared - self.running_mean) / (self.running_var + 1e-5).sqrt()

    def logits(self, shared: torch.Tensor) -> torch.Tensor:
        """D's logits, no reversal (the critic's own steps)."""
        return self.proj(self.normalized(shared))

    def forward(self, shared: torch.Tensor) -> torch.Tensor:
        """B x K logits for D's own loss (the encoder's part: see the class docstring)."""
        if self.training and self.statistics_from_batches:
            self.update_statistics(shared)
        if self.objective == "confusion":
            return self.logits(shared.detach())
        return self.logits(grad_reverse(shared, self.scale))

    def confusion_loss(self, shared: torch.Tensor) -> torch.Tensor:
        """lambda * sum over the batch of CE(D(s), uniform), with D's parameters fixed; its
        minimum is lambda * B * log K (D at chance). Zero under the reverse objective."""
        if self.objective != "confusion" or self.scale == 0:
            return shared.new_zeros(())
        bias = self.proj.bias.detach() if self.proj.bias is not None else None
        logits = torch.nn.functional.linear(self.normalized(shared), self.proj.weight.detach(),
                                            bias)
        return -self.scale * torch.log_softmax(logits.float(), dim=-1).mean(-1).sum()
