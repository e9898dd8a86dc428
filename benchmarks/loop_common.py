"""What the benchmark loops (plain_loop.py, hf_bert_loop.py) share: fairseq-train's options read
into the task and its training data, the batches exactly as fairseq-train makes them, and
throughput lines in the layout of fairseq's ``train_inner`` lines (``loss=``, ``wps=``, ``ups=``,
``bsz=``, ``num_updates=``), so that one parser (``throughput_table.py``) reads both."""
import time

import torch
from fairseq import options, tasks
from fairseq.dataclass.utils import convert_namespace_to_omegaconf


def setup(argv):
    """fairseq-train's command line -> (cfg, task with the training split loaded)."""
    parser = options.get_training_parser()
    args = options.parse_args_and_arch(parser, input_args=argv)
    cfg = convert_namespace_to_omegaconf(args)
    torch.manual_seed(cfg.common.seed)
    task = tasks.setup_task(cfg.task)
    task.load_dataset("train", combine=False, epoch=1)
    return cfg, task


def epoch_batches(task, cfg, epoch: int):
    """One epoch's batches, in fairseq-train's order for that epoch."""
    return task.get_batch_iterator(
        task.dataset("train"), max_tokens=cfg.dataset.max_tokens,
        max_sentences=cfg.dataset.batch_size, seed=cfg.common.seed, epoch=epoch,
        required_batch_size_multiple=cfg.dataset.required_batch_size_multiple,
        disable_iterator_cache=True,
    ).next_epoch_itr(shuffle=True)


class IntervalLog:
    """Sums sentences, tokens and loss over ``interval`` updates, then prints one line."""

    def __init__(self, name: str, interval: int, sync=lambda: None):
        self.name, self.interval, self.sync = name, interval, sync
        self._reset()

    def _reset(self):
        self.sentences, self.tokens, self.loss = 0, 0, 0.0
        self.start = time.perf_counter()

    def add(self, update: int, epoch: int, sentences: int, tokens: int, loss: float) -> None:
        """Count one update (``loss``: summed over its sentences)."""
        self.sentences += sentences
        self.tokens += tokens
        self.loss += loss
        if update % self.interval:  # whole intervals only, as fairseq logs them
            return
        self.sync()
        took = time.perf_counter() - self.start
        print(f"{self.name} | epoch {epoch:03d} | loss={self.loss / self.sentences:.3f}, "
              f"wps={self.tokens / took:.1f}, ups={self.interval / took:.2f}, "
              f"bsz={self.sentences / self.interval:.1f}, num_updates={update}", flush=True)
        self._reset()
