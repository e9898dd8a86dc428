"""``--task multitask_classification``: K text-classification tasks trained as one model.

Training loop (thesis Algorithm 1 with the default ``--sampler round_robin``)::

    for epoch in 1..max_epoch:
        for each task k: shuffle its examples, bucket them by length, cut into batches
        order = sampler(batches)              # round-robin: shuffled task list, next batch of each
        for batch in order:                   # a batch holds ONE task and carries its id
            loss = alpha_k * L_task(k) + L_adv (+ unlabeled task-k sentences) + gamma * L_diff
            one optimizer step
        validate on every task's dev set; checkpoint_best = best average dev accuracy

The epoch's batch list is a deterministic function of (seed, epoch), so fairseq's mid-epoch
resume (which re-creates the epoch's batches and skips the ones already done) replays the same
order. Under data-parallel training, fairseq hands batch i of that list to worker i mod W:
workers may hold DIFFERENT tasks in the same step. That is correct because the gradients are
summed over workers (each worker's loss is a sum over its sentences) and a task's private
parameters simply receive zero from workers that did not see the task: the all-reduced gradient
is the gradient of the summed loss over the global batch. ``legacy_ddp`` zero-fills missing
gradients before its all-reduce; ``c10d`` needs ``--find-unused-parameters`` for the same reason.
"""

import logging
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
import torch
from fairseq.data import Dictionary, iterators
from fairseq.data.indexed_dataset import make_dataset
from fairseq.dataclass import ChoiceEnum, FairseqDataclass
from fairseq.tasks import FairseqTask, register_task
from omegaconf import II, OmegaConf, open_dict

from fairseq_mtl.adversary import unwrap
from fairseq_mtl.data.dataset import (
    MultiTaskDataset,
    TaskDataset,
    attach_unlabeled,
    check_partition,
)
from fairseq_mtl.data.manifest import (
    Manifest,
    check_same_dictionary,
    manifest_from_dict,
    manifest_to_dict,
    split_prefix,
)
from fairseq_mtl.data.samplers import SAMPLERS, build_sampler
from fairseq_mtl.data.tokenizers import tokenizer_file_names
from fairseq_mtl.data.vocabulary import dictionary_from_state, dictionary_state, load_dictionary
from fairseq_mtl.modules.init import component_seed

logger = logging.getLogger(__name__)

SAMPLER_CHOICES = ChoiceEnum(SAMPLERS.names())


@dataclass
class MultitaskClassificationConfig(FairseqDataclass):
    data: str = field(default="", metadata={"help": "directory written by fairseq-mtl-prepare"})
    tasks: Optional[str] = field(
        default=None,
        metadata={"help": "comma-separated subset of the manifest's tasks (default: all); "
                  "task ids follow this order"},
    )
    sampler: SAMPLER_CHOICES = field(
        default="round_robin",
        metadata={"help": "task order within an epoch: " + SAMPLERS.help()},
    )
    sampling_temperature: float = field(
        default=2.0, metadata={"help": "T of --sampler temperature: P(k) ~ n_k^(1/T)"}
    )
    task_weights: Optional[str] = field(
        default=None,
        metadata={"help": "per-task loss weights alpha_k, e.g. 'books:2,MR:0.5' "
                  "(unlisted tasks: 1)"},
    )
    unlabeled: bool = field(
        default=False,
        metadata={"help": "feed each task's unlabeled sentences to the adversarial loss only "
                  "(paper Sec. 4.2, semi-supervised)"},
    )
    random_batches: bool = field(
        default=False,
        metadata={"help": "plain random batches; default: sort each task's shuffled examples "
                  "by length before cutting batches (less padding)"},
    )
    truncate_length: Optional[int] = field(
        default=None,
        metadata={"help": "cut sentences to this many tokens (counted and logged); default: "
                  "none for LSTMs, the model's max positions for Transformers"},
    )
    verbose: bool = field(
        default=False, metadata={"help": "print fairseq's full lines: the config, the model, "
                                 "every task's values on every training and dev line "
                                 "(default: compact lines; everything in SAVE_DIR/metrics.jsonl "
                                 "and TensorBoard: fairseq_mtl_plugin/console.py)"})
    seed: int = II("common.seed")
    lr: List[float] = II("optimization.lr")
    max_update: int = II("optimization.max_update")
    max_epoch: int = II("optimization.max_epoch")
    update_freq: List[int] = II("optimization.update_freq")
    fp16: bool = II("common.fp16")
    bf16: bool = II("common.bf16")


@register_task("multitask_classification", dataclass=MultitaskClassificationConfig)
class MultitaskClassificationTask(FairseqTask):
    cfg: MultitaskClassificationConfig

    def __init__(self, cfg: MultitaskClassificationConfig, dictionary: Dictionary,
                 manifest: Manifest):
        super().__init__(cfg)
        self.dictionary = dictionary
        self.manifest = manifest
        #: the prepared data directory the splits are read from (None: a task rebuilt from a
        #: checkpoint alone, which can predict but has no splits)
        self.data_dir: Optional[str] = cfg.data
        names = cfg.tasks.split(",") if cfg.tasks else manifest.task_names
        self.task_entries = [manifest.task(n) for n in names]  # KeyError lists known tasks
        self.task_names = [t.name for t in self.task_entries]
        self._model_max_words: Optional[int] = None  # set by build_model
        self._building_from_checkpoint = False  # see word_vectors
        self._told_batch_size = False
        self._updates_per_epoch = None  # of the training data: progress for --adversarial-ramp
        self.task_weights = self._parse_task_weights(cfg.task_weights)
        self.sampler = build_sampler(
            cfg.sampler,
            task_sizes=[t.splits.get("train", 0) for t in self.task_entries],
            temperature=cfg.sampling_temperature,
        )

    def _parse_task_weights(self, spec: Optional[str]) -> List[float]:
        weights = {name: 1.0 for name in self.task_names}
        for item in (spec or "").split(","):
            if not item.strip():
                continue
            name, sep, value = item.partition(":")
            if not sep or name not in weights:
                raise ValueError(
                    f"--task-weights: bad item {item!r}; expected TASK:WEIGHT with TASK in "
                    f"{self.task_names}"
                )
            weights[name] = float(value)
        return [weights[n] for n in self.task_names]

    @classmethod
    def setup_task(cls, cfg: MultitaskClassificationConfig, **kwargs):
        data = cfg.data
        if not data:
            raise ValueError("give the prepared data directory: fairseq-train DATA ...")
        manifest = Manifest.load(data)
        dictionary = load_dictionary(data, manifest.dictionary)
        task = cls(cfg, dictionary, manifest)
        logger.info(
            f"{len(task.task_names)} tasks: {', '.join(task.task_names)}; dictionary "
            f"{len(dictionary)} symbols; sampler {cfg.sampler}"
        )
        return task

    # --- data ---------------------------------------------------------------------------------
    @property
    def num_tasks(self) -> int:
        return len(self.task_names)

    def split_dataset(self, name: str, split: str, labeled: bool = True
                      ) -> Optional[TaskDataset]:
        """One task's split (cut to the length the model reads, as in training); None when
        the task has no such split."""
        if self.data_dir is None:
            return None
        prefix = split_prefix(self.data_dir, name, split)
        if not os.path.exists(prefix + ".idx"):
            return None
        tokens = make_dataset(prefix, impl="mmap")
        labels = np.load(prefix + ".label.npy") if labeled else None
        end = len(self.manifest.preparation.get("layout", {}).get("end", []))
        return TaskDataset(tokens, labels, truncate=self.truncate_length, end=end)

    @property
    def truncate_length(self) -> Optional[int]:
        return self.cfg.truncate_length or self._model_max_words

    @property
    def building_from_checkpoint(self) -> bool:
        """True while :meth:`build_model` builds a model that a checkpoint's weights will fill
        (fairseq passes ``from_checkpoint`` to the task's build_model, not to the model's)."""
        return self._building_from_checkpoint

    def word_vectors(self):
        """``(vectors V x E, found V)`` aligned with the dictionary, as fairseq-mtl-prepare
        wrote them; ``(None, None)`` when there are none, or when the model being built is about
        to receive a checkpoint's weights (then neither the vectors nor the data directory that
        holds them are needed)."""
        emb = self.manifest.embeddings
        if not emb or self._building_from_checkpoint:
            return None, None
        return (np.load(os.path.join(self.cfg.data, emb["file"])),
                np.load(os.path.join(self.cfg.data, emb["found_file"])))

    def build_model(self, cfg, from_checkpoint=False):
        """Build the model, then cut sentences to what it can read (a Transformer's learned
        positions) in the datasets fairseq loaded before the model."""
        self._building_from_checkpoint = from_checkpoint
        try:
            model = super().build_model(cfg, from_checkpoint)
        finally:
            self._building_from_checkpoint = False
        derived = model.derived_config() if hasattr(model, "derived_config") else {}
        if derived:  # fairseq built the model from a copy of cfg; the saved one is this one
            if OmegaConf.is_config(cfg):
                with open_dict(cfg):
                    for key, value in derived.items():
                        cfg[key] = value
            else:
                for key, value in derived.items():
                    setattr(cfg, key, value)
        if not from_checkpoint:
            self._check_balancing_setup(model)
            self._setup_adversary(model)
        limit = model.max_positions()
        if limit is not None:
            if self.cfg.truncate_length and self.cfg.truncate_length > limit:
                raise ValueError(
                    f"--truncate-length {self.cfg.truncate_length} but the model reads at most "
                    f"{limit} words (--max-positions minus its CLS/task tokens)"
                )
            if self._model_max_words != limit:
                self._model_max_words = limit
                for split, dataset in self.datasets.items():
                    self._log_truncated(split, dataset.set_truncation(self.truncate_length))
        return model

    def _setup_adversary(self, model) -> None:
        """The adversary's training set-up (fairseq_mtl/adversary.py), before fairseq loads a
        checkpoint into the model (the critic's moments need their optimizer)."""
        if getattr(model, "adversary", None) is None:
            return
        logger.info(model.adversary.start_training(
            lr=float(self.cfg.lr[0]), mixed_precision=self.cfg.fp16 or self.cfg.bf16,
            pad=self.dictionary.pad(), seed=self.cfg.seed))

    def total_updates(self) -> Optional[int]:
        """The length of training in updates (--max-update, else --max-epoch times the
        updates of an epoch once the training data is batched); None while unknown."""
        if self.cfg.max_update:
            return self.cfg.max_update
        if self.cfg.max_epoch and self._updates_per_epoch:
            return self.cfg.max_epoch * self._updates_per_epoch
        return None

    def load_dataset(self, split: str, epoch: int = 1, combine: bool = False, **kwargs):
        labeled = []
        for name in self.task_names:
            ds = self.split_dataset(name, split, labeled=True)
            if ds is None:
                raise FileNotFoundError(
                    f"{split_prefix(self.cfg.data, name, split)}.idx: no {split!r} split for "
                    f"task {name!r} (splits: {self.manifest.task(name).splits})"
                )
            labeled.append(ds)
        unlabeled = None
        if split == "train" and self.cfg.unlabeled:
            unlabeled = [self.split_dataset(n, "unlabel", labeled=False) for n in self.task_names]
            missing = [n for n, u in zip(self.task_names, unlabeled) if u is None]
            if missing:
                logger.warning(f"--unlabeled: no unlabeled split for {missing}")
        self.datasets[split] = MultiTaskDataset(
            self.task_names, labeled, self.dictionary.pad(), unlabeled
        )
        self._log_truncated(split, {n: d.n_truncated for n, d in zip(self.task_names, labeled)
                                    if d.n_truncated})
        return self.datasets[split]

    def _log_truncated(self, split: str, truncated: Dict[str, int]) -> None:
        if truncated:
            logger.info(
                f"{split}: {sum(truncated.values())} sentences cut to {self.truncate_length} "
                f"tokens (" + ", ".join(f"{n} {c}" for n, c in truncated.items()) + "); every "
                "sentence is kept")

    def filter_indices_by_size(self, indices, dataset, max_positions=None,
                               ignore_invalid_inputs=False):
        # Never drop an example (a dev or test example above all): over-long sentences are
        # truncated by the dataset (--truncate-length), and counted there.
        return indices

    def epoch_batches(self, dataset: MultiTaskDataset, epoch: int, max_tokens, max_sentences,
                      required_batch_size_multiple: int, seed: int, training: bool):
        """The epoch's ordered list of one-task batches; deterministic in (seed, epoch).

        Every labeled example is in exactly one of the tasks' batches (checked, in one place
        for all tasks); evaluation and the samplers that use every batch once (round-robin)
        therefore see every example exactly once per epoch, which is checked too.
        """
        per_task = []
        for k, name in enumerate(self.task_names):
            # each task's shuffle depends only on (seed, epoch, task name), not on which other
            # tasks are trained next to it
            rng = (np.random.RandomState(component_seed(seed, f"{name}/epoch{epoch}"))
                   if training else None)
            per_task.append(dataset.task_batches(
                k, rng, max_tokens, max_sentences, required_batch_size_multiple,
                bucketed=not self.cfg.random_batches,
            ))
        labeled = np.arange(dataset.offsets[len(self.task_names)])
        flat = [b for batches in per_task for b in batches]
        check_partition(flat, labeled, f"epoch {epoch}, the tasks' batches")
        if not training:
            return flat
        rng = np.random.RandomState(component_seed(seed, f"order/epoch{epoch}"))
        ordered = self.sampler.order(per_task, rng)
        if not getattr(self, "_sampler_noted", False):  # once per process, at its first epoch
            self._sampler_noted = True
            note = self.sampler.epoch_note(per_task)
            if note:
                logger.info(note)
        if self.sampler.uses_every_batch_once:
            check_partition(ordered, labeled, f"epoch {epoch}, the {self.sampler.name} order")
        if dataset.unlabeled is not None:
            ordered = attach_unlabeled(dataset, ordered, rng)
        return ordered

    def get_batch_iterator(self, dataset, max_tokens=None, max_sentences=None,
                           max_positions=None, ignore_invalid_inputs=False,
                           required_batch_size_multiple=1, seed=1, num_shards=1, shard_id=0,
                           num_workers=0, epoch=1, data_buffer_size=0,
                           disable_iterator_cache=False, skip_remainder_batch=False,
                           grouped_shuffling=False, update_epoch_batch_itr=False):
        """fairseq's epoch iterator over :meth:`epoch_batches`. Nothing is filtered by size
        (``max_positions`` and ``--skip-invalid-size-inputs-valid-test`` have nothing to do:
        sentences are truncated, and counted, by the dataset) and nothing is dropped:

        * ``--skip-remainder-batch`` (fairseq drops each worker's last batch of the epoch, and
          the last incomplete ``--update-freq`` group) is refused.
        * With W data-parallel workers, fairseq deals batch i to worker i mod W and pads the
          workers that get one batch fewer with an empty batch. The trainer replaces an empty
          batch by a copy of an earlier one with its loss and logged values multiplied by zero
          (a "dummy batch"): the worker takes part in the all-reduce and counts nothing.
          ``fairseq-validate`` has no trainer: :meth:`valid_step` returns an empty logging
          output for an empty batch. A worker whose FIRST batch is empty has nothing to copy,
          so an epoch with fewer batches than workers is refused.
        """
        if not disable_iterator_cache and dataset in self.dataset_to_epoch_iter:
            return self.dataset_to_epoch_iter[dataset]
        training = dataset is self.datasets.get("train")
        if skip_remainder_batch:
            raise ValueError(
                "--skip-remainder-batch drops the last batch of every epoch on every worker; "
                "multitask_classification trains on every example: remove the flag")
        if required_batch_size_multiple > 1 and max_sentences and \
                max_sentences % required_batch_size_multiple and not self._told_batch_size:
            self._told_batch_size = True
            logger.info(
                f"--batch-size {max_sentences} with --required-batch-size-multiple "
                f"{required_batch_size_multiple}: fairseq cuts full batches to "
                f"{max_sentences - max_sentences % required_batch_size_multiple} sentences "
                f"(each task's last batch may be smaller; no sentence is dropped)")
        dataset.set_epoch(epoch)

        def batch_sampler(ds, ep):
            batches = self.epoch_batches(ds, ep, max_tokens, max_sentences,
                                         required_batch_size_multiple, seed, training)
            if len(batches) < num_shards:
                raise ValueError(
                    f"{len(batches)} batches for {num_shards} data-parallel workers: a worker "
                    f"would start with an empty batch; use a smaller --batch-size/--max-tokens "
                    f"or fewer workers")
            if training:
                per_worker = -(-len(batches) // num_shards)
                self._updates_per_epoch = -(-per_worker // max(self.cfg.update_freq[0], 1))
            return batches

        epoch_iter = iterators.EpochBatchIterator(
            dataset=dataset,
            collate_fn=dataset.collater,
            # a callable: re-evaluated every epoch (and on mid-epoch resume) from (seed, epoch)
            batch_sampler=batch_sampler,
            seed=seed,
            num_shards=num_shards,
            shard_id=shard_id,
            num_workers=num_workers,
            epoch=epoch,
            buffer_size=data_buffer_size,
            # the order IS the sampler's; fairseq must not reshuffle the batch list
            disable_shuffling=True,
        )
        if not disable_iterator_cache:
            self.dataset_to_epoch_iter[dataset] = epoch_iter
        return epoch_iter

    def reduce_metrics(self, logging_outputs, criterion):
        super().reduce_metrics(logging_outputs, criterion)  # wpb, bsz, the criterion's loss
        if hasattr(criterion, "reduce_task_metrics"):
            criterion.reduce_task_metrics(logging_outputs)

    def valid_step(self, sample, model, criterion):
        if not sample:  # fairseq-validate's padding batch under data parallelism (see above)
            return torch.zeros(()), 0, {}
        return super().valid_step(sample, model, criterion)

    # --- training step -----------------------------------------------------------------------
    def train_step(self, sample, model, criterion, optimizer, update_num, ignore_grad=False):
        inner = unwrap(model)
        adversary = {}
        if getattr(inner, "adversary", None) is not None:
            adversary = inner.adversary.before_update(inner.scheme, self.datasets["train"],
                                                      update_num, self.total_updates())
        balancing = getattr(inner, "balancing", None)
        if balancing is not None:
            balancing.update_num = update_num  # (random weights draw from seed and update)
            self._check_balancing_lr_scale(balancing, optimizer)
            if balancing.combines_gradients:
                self._check_gradient_combination(balancing, optimizer)
        loss, sample_size, logging_output = super().train_step(
            sample, model, criterion, optimizer, update_num, ignore_grad
        )
        if adversary:
            # per micro-batch; the critic's counts only on the update's first (summed over
            # workers and batches by the criterion's reduce_metrics)
            logging_output.update(adversary)
        if balancing is not None and balancing.combines_gradients and sample:
            params = [p for p in inner.parameters() if p.requires_grad]
            logging_output.update(self._gradients.after_batch(
                params, sample["task_id"], int(sample_size), update_num))
        # Checked after the backward pass is queued, so the device sync costs no idle time (the
        # trainer syncs on the gradient norm right after). fairseq would stop with "gradients
        # are Nan/Inf" and no word of where; this names the task and the update, and is raised
        # before the optimizer step, so no weight has changed (fairseq also writes crash.pt).
        if sample and not torch.isfinite(loss):
            raise FloatingPointError(
                f"non-finite training loss ({float(loss)}) on task {sample.get('task')!r} at "
                f"update {update_num + 1}: stopping before the weights change "
                f"(the last checkpoint written holds the last good weights; lower --lr or add "
                f"--clip-norm)"
            )
        return loss, sample_size, logging_output

    def _check_balancing_setup(self, model) -> None:
        """At the start of training, before any data is batched: what gradient combination
        cannot run with, as far as the options tell (one-line errors; the model refuses what its
        own options rule out, ``balancing_for``, and the arch a --balancing-lr-scale without
        torch_adamw). The first update checks again what only the batches show
        (:meth:`_check_gradient_combination`)."""
        balancing = getattr(model, "balancing", None)
        if balancing is None or not balancing.combines_gradients:
            return
        from fairseq_mtl.balancing import BalancingError

        name = balancing.name
        k = self.num_tasks
        freq = list(self.cfg.update_freq or [1])
        if any(int(f) != k for f in freq):
            raise BalancingError(
                f"--task-balancing {name} combines one batch of each of the {k} tasks per update: "
                f"train with --sampler all_tasks --update-freq {k} (given: --update-freq "
                f"{','.join(str(f) for f in freq)})")
        if self.cfg.fp16 or self.cfg.bf16:
            raise BalancingError(
                f"--task-balancing {name} is not offered with --fp16/--bf16 (the loss scale "
                "enters the combined gradients): train in fp32")
        self._check_single_process(name)

    @staticmethod
    def _check_single_process(name: str) -> None:
        import torch.distributed as dist

        from fairseq_mtl.balancing import BalancingError

        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            raise BalancingError(
                f"--task-balancing {name} combines the tasks' gradients of one process; it is "
                "not offered under data-parallel training (use one process, or a loss-weighting "
                "method: equal, uncertainty, random_weights)")

    def _check_balancing_lr_scale(self, balancing, optimizer) -> None:
        """Once: --balancing-lr-scale is carried out by an optimizer that reads ``lr_scale``
        (one parameter group per scale, torch_adamw's), else it would be ignored silently."""
        if getattr(self, "_balancing_lr_checked", False):
            return
        self._balancing_lr_checked = True
        scaled = any(getattr(p, "lr_scale", 1.0) != 1.0 for p in balancing.parameters())
        if scaled and not all("lr_scale" in g for g in optimizer.param_groups):
            from fairseq_mtl.balancing import BalancingError

            raise BalancingError(
                "--balancing-lr-scale needs --optimizer torch_adamw (the optimizer in use gives "
                "every parameter one learning rate)")

    def _check_gradient_combination(self, balancing, optimizer) -> None:
        """Once, at the first update: the tasks' gradients' bookkeeping (what the options
        rule out was refused at the start, :meth:`_check_balancing_setup`; data parallelism is
        checked again here, for a task whose model was built elsewhere)."""
        if getattr(self, "_gradients", None) is not None:
            return
        from fairseq_mtl.balancing.gradients import GradientSplitter

        self._check_single_process(balancing.name)
        self._gradients = GradientSplitter(balancing, self.task_names)

    # --- what a checkpoint carries ------------------------------------------------------------
    def state_dict(self) -> Dict:
        """Saved in every checkpoint (fairseq's ``task_state``): the dictionary and the manifest,
        so that a checkpoint predicts on raw text without the prepared data directory, and a
        data directory with another dictionary is recognised as such."""
        state = {
            "dictionary": dictionary_state(self.dictionary),
            "manifest": manifest_to_dict(self.manifest),
            "tokenizer_files": dict(self.tokenizer_files),
        }
        return state  # the critic's Adam moments are in the model's (fairseq_mtl/adversary.py)

    @property
    def tokenizer_files(self) -> Dict[str, bytes]:
        """The files raw text is tokenised with (a sentencepiece model, a pretrained model's
        tokenizer.json or GPT-2 BPE files): from the checkpoint, or the data directory."""
        if getattr(self, "_tokenizer_files", None) is None:
            files = {}
            for name in tokenizer_file_names(self.manifest.preparation):
                path = os.path.join(self.cfg.data or "", name)
                if os.path.isfile(path):
                    with open(path, "rb") as f:
                        files[name] = f.read()
            self._tokenizer_files = files
        return self._tokenizer_files

    def load_state_dict(self, state_dict: Dict) -> None:
        saved = (state_dict or {}).get("dictionary")
        if saved is not None:
            check_same_dictionary(saved["symbols"], self.dictionary.symbols,
                                  os.path.join(self.cfg.data, self.manifest.dictionary))

    @classmethod
    def from_state(cls, cfg: MultitaskClassificationConfig, state_dict: Dict):
        """The task of a checkpoint, rebuilt from its ``task_state`` alone (no data directory):
        enough to build the model and predict, not to load datasets."""
        if not state_dict or "dictionary" not in state_dict:
            raise ValueError("the checkpoint carries no dictionary (it was written before "
                             "fairseq-mtl saved one): give the prepared data directory")
        dictionary = dictionary_from_state(state_dict["dictionary"])
        manifest = manifest_from_dict(state_dict["manifest"])
        task = cls(cfg, dictionary, manifest)
        task.data_dir = None  # no splits to load: evaluation refuses (fairseq_mtl/evaluate.py)
        files = dict(state_dict.get("tokenizer_files") or {})
        if state_dict.get("spm_model_proto") is not None:  # checkpoints before tokenizer_files
            files[manifest.preparation.get("spm_model", "spm.model")] = \
                state_dict["spm_model_proto"]
        task._tokenizer_files = files
        return task

    # --- fairseq plumbing ---------------------------------------------------------------------
    @property
    def source_dictionary(self):
        return self.dictionary

    @property
    def target_dictionary(self):
        return None

    def max_positions(self):
        return None
