import re

import pytest
import torch

from fairseq_mtl.adversary import AdversaryConfig, build_adversary
from fairseq_mtl.modules.embedding import WordEmbedding
from fairseq_mtl.modules.lstm_encoder import build_lstm_encoder
from fairseq_mtl.sharing import SCHEMES, build_scheme

pytestmark = pytest.mark.fast

TASKS = ["alpha", "beta", "gamma"]


CLASSES = {"alpha": 2, "beta": 3, "gamma": 2}


def make(scheme, tasks=TASKS, seed=1):
    return build_scheme(
        scheme, task_names=tasks, num_classes=[CLASSES[t] for t in tasks],
        embed_factory=lambda name: WordEmbedding(20, 6, padding_idx=1),
        encoder_factory=lambda name: build_lstm_encoder("lstm", 6, 5),
        seed=seed,
    )


def adversary(model, weight=0.05):
    return build_adversary(model, len(model.task_names), AdversaryConfig(weight=weight))


def batch(task_id):
    # ids reveal the task: task 0 uses even ids, task 1 odd ids
    tokens = torch.tensor([[4, 6, 8], [10, 12, 1]]) + task_id
    tokens[1, 2] = 1  # padding
    return tokens, torch.tensor([3, 2]), task_id


#: every registered scheme that works with any sentence encoder (here an LSTM)
ANY_ENCODER = SCHEMES.names(lambda cls: {"lstm", "baseline"} & set(cls.offered_with))


def test_the_registry_offers_what_the_models_need():
    assert ANY_ENCODER == ["fs", "se", "single", "sp"]


@pytest.mark.parametrize("scheme", ANY_ENCODER)
def test_batch_of_task_a_leaves_task_b_private_parameters_without_gradient(scheme):
    model = make(scheme)
    disc = adversary(model) if SCHEMES[scheme].has_shared_vector else None
    out = model(*batch(0))
    assert out.logits.shape == (2, 2)
    loss = out.logits.sum() + (disc(out.shared).sum() if disc is not None else 0)
    loss.backward()
    for name, p in model.named_parameters():
        match = re.match(r"(heads|private_encoders|encoders|embeddings)\.(\d+)\.", name)
        if match is None:
            continue  # shared: embeddings of fs/sp, shared encoder, discriminator
        if int(match.group(2)) == 0:
            assert p.grad is not None and p.grad.abs().sum() > 0, name
        else:
            assert p.grad is None, f"{name} got a gradient from a task-0 batch"


def test_shared_private_output_shapes():
    model = make("sp")
    out = model(*batch(1))
    assert out.logits.shape == (2, 3)
    assert out.shared.shape == (2, 5) and out.private.shape == (2, 5)
    assert adversary(model)(out.shared).shape == (2, 3)


def test_adversarial_needs_a_shared_vector():
    with pytest.raises(ValueError, match="shared sentence vector"):
        adversary(make("single"))


def test_task_parameters_do_not_depend_on_the_other_tasks():
    """Task beta's initial parameters are the same whether it is trained alone or with others:
    the basis of 'one command = separate single-task trainings'."""
    together = make("single", tasks=TASKS)
    alone = make("single", tasks=["beta"])
    assert torch.equal(together.encoders[1].lstm.weight_ih_l0, alone.encoders[0].lstm.weight_ih_l0)
    assert torch.equal(together.heads[1].net[1].weight, alone.heads[0].net[1].weight)
    assert torch.equal(together.embeddings[1].weight, alone.embeddings[0].weight)


def test_init_is_uniform_in_range():
    model = make("sp")
    for name, p in model.named_parameters():
        if "embed" in name:
            continue
        assert p.abs().max() <= 0.1 + 1e-6, name
