"""``--criterion multitask_adversarial``: the objective of paper Sec. 3.2 + 4 (Eq. 15),

    L = sum_k alpha_k L_task(k) + lambda L_adv + gamma L_diff

for one-task batches. How the pieces enter (written out because the signs are the tricky part):

* L_task: cross-entropy of the batch task's head, summed over the batch, times alpha_k.
* L_adv: cross-entropy of the task discriminator on the SHARED vectors, added with weight 1.
  The discriminator (fairseq_mtl/adversary.py, which also gives this criterion its loss) sits
  behind a gradient reversal layer with coefficient lambda (``--adversarial-weight``, an option
  of the model's adversary), so one backward pass gives the discriminator
  +dL_adv (it learns to recognise the task) and the shared encoder -lambda * dL_adv (it learns to
  fool it): lambda enters exactly once, as in Ganin & Lempitsky (2015). With
  ``--unlabeled`` the batch's unlabeled task-k sentences add their own L_adv term.
* L_diff over the batch (Eq. 14; by default on centred, row-normalised vectors, see
  fairseq_mtl/losses.py for why), times gamma (``--orthogonality-weight``, an option of this
  criterion), times the batch size: fairseq
  divides the summed loss by the number of sentences, so this keeps gamma the weight of L_diff
  per batch, as in the paper's objective.

Logged (all summable over workers, see ``logging_outputs_can_be_summed``): per task
``{task}/loss``, ``{task}/acc`` and ``{task}/n`` (the number of sentences scored; TensorBoard
groups tags by the part before "/"),
``adv_loss``, ``adv_acc`` (discriminator accuracy on the batches trained or scored),
``diff_loss`` and ``avg_acc``, the mean of the per-task accuracies (with the task's
discriminator schedules, in training also ``adv_lambda``, and for the critic schedule
``disc_acc``, its accuracy on fresh mixed-task batches, and ``disc_loss``): use
``--best-checkpoint-metric avg_acc --maximize-best-checkpoint-metric`` to select on the average
dev accuracy.

Tasks of other kinds (GLUE): a regression task (manifest type ``regression``, one output) is
trained with the summed squared error; each task's official metric (manifest ``metric``, a
:class:`fairseq_mtl.metrics.Metric`) is logged from summable counts: ``{task}/mcc`` (CoLA),
``{task}/f1`` (MRPC, QQP), ``{task}/pearson`` (STS-B), and ``avg_score``, the GLUE-style mean of
every task's score. The per-task part needs the task list, which fairseq's class-level
``reduce_metrics`` does not have: the task calls :meth:`reduce_task_metrics` after it.
"""

import math
from dataclasses import dataclass, field
from typing import Optional

import torch.nn.functional as F
from fairseq import metrics
from fairseq.criterions import FairseqCriterion, register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_mtl.adversary import unwrap
from fairseq_mtl.losses import orthogonality_loss
from fairseq_mtl.metrics import get_metric, glue_average


@dataclass
class MultitaskAdversarialConfig(FairseqDataclass):
    # lambda is a model option (the model builds the discriminator and its gradient reversal),
    # alpha_k a task option (--task-weights): nothing is declared twice
    orthogonality_weight: Optional[float] = field(
        default=None, metadata={"help": "gamma: weight of L_diff = ||S^T H||_F^2 between the "
                                "shared and the task-specific vectors (default: 0.01 with the "
                                "asp_* archs, which set it as the paper does, else 0)"})
    raw_orthogonality: bool = field(
        default=False, metadata={"help": "L_diff as printed in Eq. 14, ||S^T H||_F^2, instead of "
                                 "the default on centred, row-normalised vectors (Bousmalis et "
                                 "al. 2016's code); the raw form lets the shared vectors "
                                 "collapse to 0"})


@register_criterion("multitask_adversarial", dataclass=MultitaskAdversarialConfig)
class MultitaskAdversarialCriterion(FairseqCriterion):
    def __init__(self, task, orthogonality_weight=0.0, raw_orthogonality=False):
        super().__init__(task)
        self.gamma = orthogonality_weight or 0.0
        self.normalize_orthogonality = not raw_orthogonality
        self.task_names = list(task.task_names)
        self.task_weights = list(task.task_weights)
        entries = getattr(task, "task_entries", None) or []
        names = [getattr(e, "metric", "accuracy") for e in entries] or ["accuracy"] * len(
            self.task_names)
        self.metrics = [get_metric(name) for name in names]  # one per task, in task-id order

    def forward(self, model, sample, reduce=True):
        task_id = sample["task_id"]
        metric = self.metrics[task_id]
        out = model(**sample["net_input"])
        logits = out["logits"]  # B x C (a regression task: B x 1)
        target = sample["target"]  # B
        nsentences = target.numel()

        if metric.regression:
            prediction = logits.squeeze(-1).float()  # B
            task_loss = F.mse_loss(prediction, target.float(), reduction="sum")
        else:
            prediction = logits.argmax(-1)  # B
            task_loss = F.cross_entropy(logits.float(), target, reduction="sum")
        loss = self.task_weights[task_id] * task_loss
        balancing = getattr(unwrap(model), "balancing", None)
        if balancing is not None and model.training:  # (dev losses stay unweighted)
            loss = balancing.task_loss(loss, task_id, nsentences)

        adv = logits.new_zeros(())
        adv_correct = adv_n = 0
        adversary = getattr(unwrap(model), "adversary", None)
        if adversary is not None:  # its loss: L_adv, and the confusion objective's term
            adv_loss, adv, adv_correct = adversary.loss(out["task_logits"], out["shared"],
                                                        task_id)
            adv_n += nsentences
            if "unlabeled" in sample:
                u_logits, u_shared = model.discriminate(**sample["unlabeled"])
                u_loss, u_adv, u_correct = adversary.loss(u_logits, u_shared, task_id)
                adv_loss, adv = adv_loss + u_loss, adv + u_adv
                adv_correct += u_correct
                adv_n += u_logits.size(0)
            loss = loss + adv_loss

        diff = logits.new_zeros(())
        if self.gamma > 0:
            if "private" not in out:
                from fairseq_mtl.sharing import SCHEMES

                raise ValueError(
                    f"--orthogonality-weight needs a task-specific vector beside the shared "
                    f"one; the {model.scheme.name!r} scheme has none (schemes with one: "
                    f"{SCHEMES.names(lambda c: c.has_private_vector)})")
            diff = orthogonality_loss(out["shared"].float(), out["private"].float(),
                                      normalize=self.normalize_orthogonality)
            loss = loss + self.gamma * diff * nsentences

        logging_output = {
            "loss": loss.data,
            "ntokens": sample["ntokens"],
            "nsentences": nsentences,
            "sample_size": nsentences,
            "adv_loss": adv.data,
            "adv_correct": adv_correct,
            "adv_n": adv_n,
            "diff_loss": diff.data,
            "n_batches": 1,
        }
        # Fixed keys for every task (zeros for the others), so that logging outputs of workers
        # holding different tasks can be summed with one all-reduce. Each key must also have
        # the SAME type on every worker: fairseq's all_reduce_dict packs tensors and Python
        # numbers into separate buffers, so a tensor on one worker and a float on another would
        # be summed against the wrong key (Metric.zero gives each count's type).
        counts = metric.counts(prediction.detach().cpu().numpy(), target.cpu().numpy())
        zero = task_loss.new_zeros(())
        weights = (balancing.weights() if balancing is not None and model.training
                   and not balancing.combines_gradients else None)
        for k, name in enumerate(self.task_names):
            mine = k == task_id
            logging_output[f"_loss:{name}"] = task_loss.data if mine else zero
            if weights is not None:  # the task's weight in this batch's update
                logging_output[f"_w:{name}"] = weights[k] if mine else 0.0
                logging_output[f"_wn:{name}"] = 1 if mine else 0
            for key, value in self.metrics[k].zero.items():
                logging_output[f"_{key}:{name}"] = counts[key] if mine else value
        return loss, nsentences, logging_output

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
        """What needs no task list: the loss and the adversarial and orthogonality terms (the
        per-task metrics: :meth:`reduce_task_metrics`, called by the task)."""
        def total(key):
            return sum(float(log.get(key, 0)) for log in logging_outputs)

        nsentences = total("nsentences")
        metrics.log_scalar("loss", total("loss") / max(nsentences, 1) / math.log(2),
                           nsentences, round=3)
        adv_n = total("adv_n")
        if adv_n > 0:
            metrics.log_scalar("adv_loss", total("adv_loss") / adv_n, adv_n, round=3)
            metrics.log_scalar_sum("_adv_correct", total("adv_correct"))
            metrics.log_scalar_sum("_adv_n", adv_n)
            metrics.log_derived("adv_acc", lambda m: _ratio(m, "_adv_correct", "_adv_n"))
        # the discriminator's schedule (the task adds these in training, fairseq_mtl/adversary.py)
        disc_n = total("disc_n")
        if disc_n > 0:  # the critic's accuracy on fresh mixed-task batches, before its steps
            metrics.log_scalar_sum("_disc_correct", total("disc_correct"))
            metrics.log_scalar_sum("_disc_n", disc_n)
            metrics.log_derived("disc_acc", lambda m: _ratio(m, "_disc_correct", "_disc_n"))
            n_updates = total("n_updates")
            metrics.log_scalar("disc_loss", total("disc_loss") / max(n_updates, 1), n_updates,
                               round=3)
        n_batches = total("n_batches")
        if n_batches > 0 and any("adv_lambda" in log for log in logging_outputs):
            metrics.log_scalar("adv_lambda", total("adv_lambda") / n_batches, n_batches,
                               round=4)
        if n_batches > 0 and any("diff_loss" in log for log in logging_outputs):
            metrics.log_scalar("diff_loss", total("diff_loss") / n_batches, n_batches, round=3)

    def reduce_task_metrics(self, logging_outputs) -> None:
        """Per task: ``{task}/loss``, ``{task}/n`` and the task's metric (``{task}/acc``,
        ``/mcc``, ``/f1``, ``/pearson``), derived from the summed counts; then ``avg_acc`` and
        ``avg_score`` (GLUE-style; equal to avg_acc when every task is scored by accuracy)."""
        def total(key):
            return sum(float(log.get(key, 0)) for log in logging_outputs)

        for name, metric in zip(self.task_names, self.metrics):
            n = total(f"_n:{name}")
            if n == 0:
                continue
            metrics.log_scalar(f"{name}/loss", total(f"_loss:{name}") / n / math.log(2), n,
                               round=3)
            # visible: how many sentences of the task this interval / epoch / dev pass scored
            metrics.log_scalar_sum(f"{name}/n", int(n))
            for key in metric.zero:
                metrics.log_scalar_sum(f"_{key}:{name}", total(f"_{key}:{name}"))
            for score in metric.logged:
                metrics.log_derived(
                    f"{name}/{'acc' if score == 'accuracy' else score}",
                    lambda m, name=name, metric=metric, score=score:
                        _task_scores(m, name, metric).get(score, float("nan")))
        for name in self.task_names:  # task balancing (fairseq_mtl/balancing), in training
            batches = total(f"_wn:{name}")
            if batches > 0:
                metrics.log_scalar(f"{name}/weight", total(f"_w:{name}") / batches, batches,
                                   round=4)
            cos_n = sum(1 for log in logging_outputs if f"_gcos:{name}" in log)
            if cos_n > 0:
                metrics.log_scalar(f"{name}/grad_cos", total(f"_gcos:{name}") / cos_n, cos_n,
                                   round=3)
        updates = total("bal_updates")
        if updates > 0:
            for key in ("grad_cos_min", "grad_cos_mean"):
                metrics.log_scalar(key, total(key) / updates, updates, round=3)
        metrics.log_derived("avg_acc", self._average_accuracy)
        # always, so that one selection metric serves every GLUE subset (the GLUE profiles);
        # with accuracy-only tasks it equals avg_acc
        metrics.log_derived("avg_score", self._average_score)

    def _scored_tasks(self, meters):
        return [(name, metric) for name, metric in zip(self.task_names, self.metrics)
                if f"_n:{name}" in meters and meters[f"_n:{name}"].sum > 0]

    def _average_accuracy(self, meters) -> float:
        accuracies = [_task_scores(meters, name, metric, None)["accuracy"]
                      for name, metric in self._scored_tasks(meters) if not metric.regression]
        return round(sum(accuracies) / len(accuracies), 2) if accuracies else float("nan")

    def _average_score(self, meters) -> float:
        """GLUE-style: each task's score (accuracy; MCC; mean of F1 and accuracy; Pearson),
        then the mean over tasks."""
        return glue_average({name: _task_scores(meters, name, metric, None)["score"]
                             for name, metric in self._scored_tasks(meters)})


def _task_scores(meters, name, metric, digits=2):
    return metric.scores({key: meters[f"_{key}:{name}"].sum for key in metric.zero},
                         digits=digits)


def _ratio(meters, num: str, den: str) -> float:
    if num not in meters or den not in meters or meters[den].sum == 0:
        return float("nan")
    return round(100.0 * meters[num].sum / meters[den].sum, 2)
