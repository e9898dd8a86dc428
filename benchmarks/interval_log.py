"""Throughput lines of the benchmark loops, in the layout of fairseq's ``train_inner`` lines
(``loss=``, ``wps=``, ``ups=``, ``bsz=``, ``num_updates=``), so that one parser
(``throughput_table.py``) reads fairseq-train's logs and the loops' alike."""
import time


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
