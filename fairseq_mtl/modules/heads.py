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
    """D(s) = softmax(b + U s) over the K tasks (paper Eq. 12), behind a gradient reversal
    layer with coefficient ``scale`` (= lambda): the discriminator's own parameters learn to
    recognise the task, the encoder that produced ``s`` receives ``-lambda`` times the gradient.
    """

    def __init__(self, input_dim: int, num_tasks: int, scale: float, bias: bool = True):
        super().__init__()
        self.scale = scale
        # bias=False was tried because, with one-task batches, b alone can minimise each
        # batch's L_adv; measured on FDU-MTL (3 seeds) it changed neither the test error nor
        # the chance-level discriminator (thesis_results/fdu_mtl_lstm.md, asp_lstm_nobias)
        self.proj = nn.Linear(input_dim, num_tasks, bias=bias)

    def forward(self, shared: torch.Tensor) -> torch.Tensor:
        return self.proj(grad_reverse(shared, self.scale))  # B x K logits
