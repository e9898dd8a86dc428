"""``--criterion multitask_adversarial``: the objective of paper Sec. 3.2 + 4 (Eq. 15),

    L = sum_k alpha_k L_task(k) + lambda L_adv + gamma L_diff

for one-task batches. How the pieces enter (written out because the signs are the tricky part):

* L_task: cross-entropy of the batch task's head, summed over the batch, times alpha_k.
* L_adv: cross-entropy of the task discriminator on the SHARED vectors, added with weight 1.
  The discriminator sits behind a gradient reversal layer with coefficient lambda
  (``--adversarial-weight``, a model option), so one backward pass gives the discriminator
  +dL_adv (it learns to recognise the task) and the shared encoder -lambda * dL_adv (it learns to
  fool it): lambda enters exactly once, as in Ganin & Lempitsky (2015). With
  ``--unlabeled`` the batch's unlabeled task-k sentences add their own L_adv term.
* L_diff over the batch (Eq. 14; by default on centred, row-normalised vectors, see
  fairseq_mtl/losses.py for why), times gamma, times the batch size: fairseq
  divides the summed loss by the number of sentences, so this keeps gamma the weight of L_diff
  per batch, as in the paper's objective.

Logged (all summable over workers, see ``logging_outputs_can_be_summed``): per task
``{task}/loss``, ``{task}/acc`` and ``{task}/n`` (the number of sentences scored) (TensorBoard groups tags by the part before "/"),
``adv_loss``, ``adv_acc`` (discriminator accuracy), ``diff_loss`` and ``avg_acc``, the mean of
the per-task accuracies: use ``--best-checkpoint-metric avg_acc
--maximize-best-checkpoint-metric`` to select on the average dev accuracy.

Tasks of other kinds (GLUE): a regression task (manifest type ``regression``, one output) is
trained with the summed squared error; each task's official metric (manifest ``metric``, see
fairseq_mtl/metrics.py) is logged from summable counts: ``{task}/mcc`` (CoLA), ``{task}/f1``
(MRPC, QQP), ``{task}/pearson`` (STS-B), and ``avg_score``, the GLUE-style mean of every task's
score (for accuracy-only benchmarks it equals ``avg_acc``).
"""

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from fairseq import metrics
from fairseq.criterions import FairseqCriterion, register_criterion
from fairseq.dataclass import FairseqDataclass

from fairseq_mtl.losses import adversarial_loss, orthogonality_loss
from fairseq_mtl.metrics import CONFUSION, REGRESSION_SUMS, f1, matthews, pearson_from_sums

_EXTRA_KEY = re.compile(r"^_(mcc|f1_acc|pearson_spearman)\.(\w+):(.+)$")


@dataclass
class MultitaskAdversarialConfig(FairseqDataclass):
    pass  # lambda and gamma are model options (the model builds the discriminator), alpha_k
    # is a task option (--task-weights): nothing is declared twice


@register_criterion("multitask_adversarial", dataclass=MultitaskAdversarialConfig)
class MultitaskAdversarialCriterion(FairseqCriterion):
    def __init__(self, task):
        super().__init__(task)
        self.task_names = list(task.task_names)
        self.task_weights = list(task.task_weights)
        entries = getattr(task, "task_entries", None) or []
        self.regression = [e.type == "regression" for e in entries] or [False] * len(
            self.task_names)
        self.task_metric = [getattr(e, "metric", "accuracy") for e in entries] or [
            "accuracy"] * len(self.task_names)

    def forward(self, model, sample, reduce=True):
        task_id = sample["task_id"]
        task = self.task_names[task_id]
        out = model(**sample["net_input"])
        logits = out["logits"]  # B x C
        target = sample["target"]  # B
        nsentences = target.numel()

        regression = self.regression[task_id]
        if regression:
            prediction = logits.squeeze(-1).float()
            task_loss = F.mse_loss(prediction, target.float(), reduction="sum")
        else:
            task_loss = F.cross_entropy(logits.float(), target, reduction="sum")
        loss = self.task_weights[task_id] * task_loss

        adv = logits.new_zeros(())
        adv_correct = adv_n = 0
        if "task_logits" in out:
            adv = adversarial_loss(out["task_logits"].float(), task_id)
            adv_correct += int((out["task_logits"].argmax(-1) == task_id).sum())
            adv_n += nsentences
            if "unlabeled" in sample:
                u_logits = model.discriminate(**sample["unlabeled"]).float()
                adv = adv + adversarial_loss(u_logits, task_id)
                adv_correct += int((u_logits.argmax(-1) == task_id).sum())
                adv_n += u_logits.size(0)
            loss = loss + adv

        diff = logits.new_zeros(())
        gamma = getattr(model.cfg, "orthogonality_weight", 0.0)
        if gamma > 0 and "private" in out:
            diff = orthogonality_loss(out["shared"].float(), out["private"].float(),
                                      normalize=not getattr(model.cfg, "raw_orthogonality",
                                                            False))
            loss = loss + gamma * diff * nsentences

        extra = {}
        metric = self.task_metric[task_id]
        if regression:
            correct = 0
            p, t = prediction.detach().double(), target.double()
            extra = {"sx": float(p.sum()), "sy": float(t.sum()), "sxx": float((p * p).sum()),
                     "syy": float((t * t).sum()), "sxy": float((p * t).sum())}
        else:
            predicted = logits.argmax(-1)
            correct = int((predicted == target).sum())
            if metric in ("mcc", "f1_acc"):
                pos, true = predicted == 1, target == 1
                extra = {"tp": int((pos & true).sum()), "fp": int((pos & ~true).sum()),
                         "fn": int((~pos & true).sum()), "tn": int((~pos & ~true).sum())}
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
        # be summed against the wrong key.
        zero = task_loss.new_zeros(())
        for k, name in enumerate(self.task_names):
            mine = k == task_id
            logging_output[f"_loss:{name}"] = task_loss.data if mine else zero
            if not self.regression[k]:
                logging_output[f"_correct:{name}"] = correct if mine else 0
            logging_output[f"_n:{name}"] = nsentences if mine else 0
            task_metric = self.task_metric[k]
            keys = (REGRESSION_SUMS if task_metric == "pearson_spearman"
                    else CONFUSION if task_metric in ("mcc", "f1_acc") else ())
            for key in keys:
                zero_value = 0.0 if task_metric == "pearson_spearman" else 0
                logging_output[f"_{task_metric}.{key}:{name}"] = (
                    extra[key] if mine else zero_value)
        return loss, nsentences, logging_output

    @staticmethod
    def logging_outputs_can_be_summed() -> bool:
        return True

    @classmethod
    def reduce_metrics(cls, logging_outputs) -> None:
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
        n_batches = total("n_batches")
        if n_batches > 0 and any("diff_loss" in log for log in logging_outputs):
            metrics.log_scalar("diff_loss", total("diff_loss") / n_batches, n_batches, round=3)

        names = sorted({k.split(":", 1)[1] for log in logging_outputs for k in log
                        if k.startswith("_n:")})
        for name in names:
            n = total(f"_n:{name}")
            if n == 0:
                continue
            metrics.log_scalar(f"{name}/loss", total(f"_loss:{name}") / n / math.log(2), n,
                               round=3)
            metrics.log_scalar_sum(f"_n:{name}", n)
            # visible: how many sentences of the task this interval / epoch / dev pass scored
            metrics.log_scalar_sum(f"{name}/n", int(n))
            if any(f"_correct:{name}" in log for log in logging_outputs):
                metrics.log_scalar_sum(f"_correct:{name}", total(f"_correct:{name}"))
                metrics.log_derived(
                    f"{name}/acc",
                    lambda m, name=name: _ratio(m, f"_correct:{name}", f"_n:{name}"))
        extra = {}
        # every log's keys: an empty logging output (a padding batch) may come first
        for key in sorted({key for log in logging_outputs for key in log}):
            match = _EXTRA_KEY.match(key)
            if match:
                extra.setdefault(match.group(3), match.group(1))
                metrics.log_scalar_sum(key, total(key))
        for name, metric in extra.items():
            if total(f"_n:{name}") == 0:
                continue
            if metric == "mcc":
                metrics.log_derived(f"{name}/mcc", lambda m, name=name: _confusion_metric(
                    m, name, "mcc"))
            elif metric == "f1_acc":
                metrics.log_derived(f"{name}/f1", lambda m, name=name: _confusion_metric(
                    m, name, "f1_acc"))
            else:
                metrics.log_derived(f"{name}/pearson", lambda m, name=name: _pearson(m, name))
        metrics.log_derived("avg_acc", lambda m: _average_accuracy(m))
        if extra:
            metrics.log_derived("avg_score", lambda m: _average_score(m, extra))


def _ratio(meters, num: str, den: str) -> float:
    if num not in meters or den not in meters or meters[den].sum == 0:
        return float("nan")
    return round(100.0 * meters[num].sum / meters[den].sum, 2)


def _average_accuracy(meters) -> float:
    accs = [
        100.0 * meters[k].sum / meters["_n:" + k.split(":", 1)[1]].sum
        for k in meters
        if k.startswith("_correct:") and meters.get("_n:" + k.split(":", 1)[1]) is not None
        and meters["_n:" + k.split(":", 1)[1]].sum > 0
    ]
    return round(sum(accs) / len(accs), 2) if accs else float("nan")


def _confusion_metric(meters, name: str, metric: str) -> float:
    counts = {k: meters[f"_{metric}.{k}:{name}"].sum for k in CONFUSION
              if f"_{metric}.{k}:{name}" in meters}
    if len(counts) < 4 or sum(counts.values()) == 0:
        return float("nan")
    value = (matthews(*(counts[k] for k in CONFUSION)) if metric == "mcc"
             else f1(counts["tp"], counts["fp"], counts["fn"]))
    return round(100.0 * value, 2)


def _pearson(meters, name: str) -> float:
    keys = [f"_pearson_spearman.{k}:{name}" for k in REGRESSION_SUMS]
    if any(k not in meters for k in keys) or f"_n:{name}" not in meters:
        return float("nan")
    n = meters[f"_n:{name}"].sum
    return round(100.0 * pearson_from_sums(n, *(meters[k].sum for k in keys)), 2)


def _average_score(meters, extra) -> float:
    """GLUE-style: each task's score (accuracy; MCC; mean of F1 and accuracy; Pearson), then
    the mean over tasks."""
    scores = []
    names = {k.split(":", 1)[1] for k in meters if k.startswith("_n:")}
    for name in names:
        if meters[f"_n:{name}"].sum == 0:
            continue
        metric = extra.get(name, "accuracy")
        if metric == "pearson_spearman":
            scores.append(_pearson(meters, name))
            continue
        acc = _ratio(meters, f"_correct:{name}", f"_n:{name}")
        if metric == "mcc":
            scores.append(_confusion_metric(meters, name, "mcc"))
        elif metric == "f1_acc":
            scores.append((_confusion_metric(meters, name, "f1_acc") + acc) / 2)
        else:
            scores.append(acc)
    return round(sum(scores) / len(scores), 2) if scores else float("nan")
