"""Output layers: one per task (paper Eq. 5: softmax(W h + b)) and the task discriminator."""
from __future__ import annotations

import torch
from torch import nn


class ClassificationHead(nn.Module):
    """One task's output layer: logits = W h + b (``num_classes`` outputs; 1 for regression).
    ``hidden_dim`` > 0 inserts one hidden layer (the thesis' S-P task MLP: ReLU; MT-DNN's
    task-specific layer: tanh). ``pooler``: BERT's head, tanh(P h + c) then dropout then the
    output layer (``BertForSequenceClassification``: its pooler, read at [CLS])."""

    ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}

    def __init__(self, input_dim: int, num_classes: int, dropout: float = 0.0,
                 hidden_dim: int = 0, activation: str = "relu", pooler: bool = False):
        super().__init__()
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"head activation must be one of {sorted(self.ACTIVATIONS)}")
        if pooler:  # BERT's pooler and classifier: tanh(W h + b), dropout, the output layer
            if hidden_dim > 0:
                raise ValueError("a pooler head has its own hidden layer (the input's size): "
                                 "give no head hidden size with it")
            self.net = nn.Sequential(
                nn.Linear(input_dim, input_dim), nn.Tanh(), nn.Dropout(dropout),
                nn.Linear(input_dim, num_classes),
            )
        elif hidden_dim > 0:
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
    """D(s) = softmax(b + U s) over the K tasks (paper Eq. 12): D alone. What the encoder that
    made ``s`` learns from it (gradient reversal or confusion), lambda, and D's training
    schedule belong to its owner, :class:`fairseq_mtl.adversary.Adversary`."""

    def __init__(self, input_dim: int, num_tasks: int, bias: bool = True,
                 standardize: bool = False, hidden_dim: int = 0, dropout: float = 0.0):
        super().__init__()
        self.num_tasks = num_tasks
        self.hidden_dim, self.dropout = hidden_dim, dropout
        # MAN's discriminator (Chen & Cardie 2018): dropout, a hidden layer with batch norm and
        # ReLU, then the softmax layer; the paper's (hidden_dim 0) is the softmax layer alone
        self.layers = None
        if hidden_dim > 0 or dropout > 0:
            parts = [nn.Dropout(dropout)] if dropout > 0 else []
            if hidden_dim > 0:
                parts += [nn.Linear(input_dim, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU()]
            self.layers = nn.Sequential(*parts)
        # bias=False was tried because, with one-task batches, b alone can minimise each
        # batch's L_adv; measured on FDU-MTL (3 seeds) it changed neither the test error nor
        # the chance-level discriminator (thesis_results/fdu_mtl_lstm.md, asp_lstm_nobias)
        self.proj = nn.Linear(hidden_dim or input_dim, num_tasks, bias=bias)
        # standardize: D reads (s - mean) / std with running statistics over the training
        # sentences of all tasks (constants for the gradient), so that the encoder cannot hide
        # the task by shrinking the directions that carry it
        self.standardize = standardize
        if standardize:
            self.register_buffer("running_mean", torch.zeros(input_dim))
            self.register_buffer("running_var", torch.ones(input_dim))

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

    @property
    def has_layers(self) -> bool:
        """Whether D has layers before its softmax layer (dropout, batch norm: train/eval)."""
        return self.layers is not None

    def describe(self) -> str:
        if not self.has_layers:
            return "linear discriminator (paper Eq. 12)"
        return (f"discriminator: dropout {self.dropout}, hidden layer {self.hidden_dim} with "
                f"batch norm and ReLU (MAN)")

    def logits(self, shared: torch.Tensor, detach_weights: bool = False) -> torch.Tensor:
        """B x K logits; ``detach_weights``: D's parameters held fixed (the gradient reaches
        ``shared`` only)."""
        if self.has_layers:
            if detach_weights:
                params = {n: p.detach() for n, p in self.named_parameters()}
                return torch.func.functional_call(self, params, (shared,))
            return self.proj(self.layers(self.normalized(shared)))
        if not detach_weights:
            return self.proj(self.normalized(shared))
        bias = self.proj.bias.detach() if self.proj.bias is not None else None
        return nn.functional.linear(self.normalized(shared), self.proj.weight.detach(), bias)

    forward = logits
