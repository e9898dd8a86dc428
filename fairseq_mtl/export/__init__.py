"""``fairseq-mtl-export``: a trained model as a self-contained directory for serving.

    fairseq-mtl-export checkpoints/checkpoint_best.pt exported/ --format onnx
    python exported/serve.py --task books < reviews.txt          # no fairseq, no torch
    python -c 'import sys; sys.path.insert(0, "exported"); from serve import load; \\
               print(load("exported")("a gripping read", task="books"))'

The directory holds everything prediction needs and nothing of fairseq's:

* ``model/taskNN.onnx``: one graph per task, ``(tokens B x T int64, lengths B int64) -> logits
  B x C`` (the task's head on its sentence vector; C = 1 for a regression task). The graphs
  share one weights file, ``model/weights.bin``, in which every tensor is stored once: a
  16-task model on a pretrained encoder is the size of one model, not sixteen;
* ``export.json``: the tasks (labels, label names, pair or not, regression or not), the
  tokenizer, the pair layout, the cut, the padding and unknown ids; ``vocab.json``: the
  dictionary's symbols in id order; the tokenizer's own files (``tokenizer.json``,
  ``spm.model``);
* ``serve.py`` (the loader and a command line; onnxruntime and numpy) and, beside it, the
  project's own text and layout code (``mtl_text.py``, ``mtl_layout.py``), so that raw text gets
  exactly the tokens of training.

Each graph is checked when it is written: onnxruntime's logits and the PyTorch model's on a
batch of another size and length than the tracing batch must agree to 1e-4, or nothing is kept.
The tests check the whole path against ``fairseq-mtl-predict`` on every scheme family, pairs
included (tests/test_export.py).

Not offered: TorchScript (``torch.jit`` is deprecated upstream, and a torch-free runtime is what
serving wants); RoBERTa checkpoints (their GPT-2 BPE is fairseq's code: the export refuses in one
line).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch

FORMAT_VERSION = 1
OPSET = 17
INLINE_BYTES = 1024  # tensors below this stay inside the graph file
WEIGHTS = "weights.bin"
TOLERANCE = 1e-4


class ExportError(ValueError):
    """What cannot be exported, said in one line."""


def tokenizer_spec(preparation: dict) -> dict:
    """How ``serve.py`` rebuilds the tokenizer of the manifest's ``preparation``."""
    name = preparation.get("tokenizer", "ptb")
    if name in ("ptb", "words"):
        return {"name": "words", "files": []}
    if name == "sentencepiece":
        return {"name": "sentencepiece", "files": [preparation.get("spm_model", "spm.model")]}
    if name == "pretrained":
        fmt = preparation["pretrained"]["format"]
        if fmt == "bert":
            return {"name": "wordpiece", "files": ["tokenizer.json"]}
        raise ExportError(f"a {fmt} model's tokenizer needs fairseq (GPT-2 BPE); export supports "
                          "the words, sentencepiece and BERT-family (tokenizer.json) tokenizers")
    raise ExportError(f"unknown tokenizer {name!r} in the checkpoint's manifest")


class TaskGraph(torch.nn.Module):
    """What one task's ONNX graph computes: the scheme's logits for ``task_id``."""

    def __init__(self, model, task_id: int):
        super().__init__()
        self.scheme = model.scheme
        self.task_id = task_id

    def forward(self, tokens, lengths):
        return self.scheme(tokens, lengths, self.task_id).logits.float()


def example_batch(pad: int, low: int, high: int, batch: int, length: int, seed: int):
    """Random ids (``low`` <= id < ``high``), right-padded, lengths from ``length`` down."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([max(1, length - 3 * i) for i in range(batch)])
    tokens = torch.randint(low, high, (batch, length), generator=g)
    for row, n in enumerate(lengths.tolist()):
        tokens[row, n:] = pad
    return tokens, lengths


def trace(graph, tokens, lengths):
    """The ONNX model (a ModelProto) of ``graph``, batch and length dynamic."""
    import warnings

    import onnx

    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on Python ints and deprecations
        torch.onnx.export(
            graph, (tokens, lengths), buffer, input_names=["tokens", "lengths"],
            output_names=["logits"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"tokens": {0: "batch", 1: "length"}, "lengths": {0: "batch"},
                          "logits": {0: "batch"}})
    return onnx.load_from_string(buffer.getvalue())


class WeightStore:
    """One file of tensors that several graphs refer to; each distinct tensor once."""

    def __init__(self, path: str):
        self.path = path
        self.file = open(path, "wb")
        self.offsets: Dict[str, int] = {}
        self.size = 0

    def externalize(self, model) -> None:
        from onnx import TensorProto, numpy_helper

        for tensor in model.graph.initializer:
            array = numpy_helper.to_array(tensor)
            data = np.ascontiguousarray(array).tobytes()
            if len(data) < INLINE_BYTES:
                continue
            key = hashlib.sha256(data + str(array.dtype).encode() + str(array.shape).encode()
                                 ).hexdigest()
            if key not in self.offsets:
                self.file.write(b"\0" * ((-self.size) % 64))  # aligned, as onnx writes them
                self.size += (-self.size) % 64
                self.offsets[key] = self.size
                self.file.write(data)
                self.size += len(data)
            tensor.ClearField("raw_data")
            for field in ("float_data", "int32_data", "int64_data", "double_data"):
                tensor.ClearField(field)
            tensor.data_location = TensorProto.EXTERNAL
            del tensor.external_data[:]
            for k, v in (("location", os.path.basename(self.path)),
                         ("offset", str(self.offsets[key])), ("length", str(len(data)))):
                entry = tensor.external_data.add()
                entry.key, entry.value = k, v

    def close(self) -> None:
        self.file.close()


def max_difference(path: str, graph, tokens, lengths) -> float:
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"tokens": tokens.numpy(), "lengths": lengths.numpy()})[0]
    with torch.no_grad():
        want = graph(tokens, lengths).numpy()
    if got.shape != want.shape:
        return float("inf")
    return float(np.abs(got.astype(np.float64) - want).max())


def export(checkpoint: str, out: str, data: Optional[str] = None,
           user_dir: Optional[str] = None, overwrite: bool = False, log=print) -> dict:
    """Write the export directory ``out`` for ``checkpoint``; returns its ``export.json``."""
    from fairseq_mtl.checkpoint import load_checkpoint
    from fairseq_mtl.data.tokenizers import raw_text_layout

    if os.path.exists(out) and os.listdir(out):
        if not overwrite:
            raise ExportError(f"{out} exists and is not empty (give --overwrite to replace an "
                              "earlier export there)")
        if not os.path.isfile(os.path.join(out, "export.json")):
            raise ExportError(f"{out} holds files and no export.json: --overwrite replaces an "
                              "earlier export only, never other files; choose another directory")
    model, task, cfg = load_checkpoint(checkpoint, data, user_dir, "cpu")
    model = model.float().eval()
    preparation = task.manifest.preparation
    spec = tokenizer_spec(preparation)
    missing = [n for n in spec["files"] if n not in task.tokenizer_files]
    if missing:
        raise ExportError(f"{checkpoint}: the tokenizer's files {missing} are neither in the "
                          "checkpoint nor in its data directory")
    dictionary = task.source_dictionary
    max_words = task.truncate_length
    length = min(12, max_words) if max_words else 12
    tokens, lengths = example_batch(dictionary.pad(), dictionary.nspecial, len(dictionary),
                                    3, length, seed=0)
    check_tokens, check_lengths = example_batch(dictionary.pad(), dictionary.nspecial,
                                                len(dictionary), 5,
                                                min(length + 7, max_words or length + 7), seed=1)

    partial = out.rstrip("/") + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(os.path.join(partial, "model"))
    store = WeightStore(os.path.join(partial, "model", WEIGHTS))
    tasks: List[dict] = []
    worst = 0.0
    started = time.time()
    try:
        for task_id, entry in enumerate(task.task_entries):
            graph = TaskGraph(model, task_id).eval()
            proto = trace(graph, tokens, lengths)
            store.externalize(proto)
            store.file.flush()
            name = f"task{task_id:02d}.onnx"
            path = os.path.join(partial, "model", name)
            with open(path, "wb") as f:
                f.write(proto.SerializeToString())
            diff = max_difference(path, graph, check_tokens, check_lengths)
            if not diff <= TOLERANCE:
                raise ExportError(f"task {entry.name}: onnxruntime and PyTorch differ by {diff:.3g}"
                                  f" (> {TOLERANCE}) on a check batch; nothing was written")
            worst = max(worst, diff)
            tasks.append({
                "name": entry.name, "type": entry.type, "pair": entry.pair,
                "labels": list(entry.labels),
                "label_names": [entry.label_name(label) for label in entry.labels],
                "model": f"model/{name}"})
            log(f"{entry.name}: model/{name} (max |onnxruntime - torch| {diff:.1e})")
    finally:
        store.close()

    with open(os.path.join(partial, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(list(dictionary.symbols), f, ensure_ascii=False)
    for name in spec["files"]:
        with open(os.path.join(partial, name), "wb") as f:
            f.write(task.tokenizer_files[name])
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for source, target in (("export/serve.py", "serve.py"), ("data/text.py", "mtl_text.py"),
                           ("data/tokenizers/base.py", "mtl_layout.py")):
        shutil.copyfile(os.path.join(package, source), os.path.join(partial, target))
    meta = {
        "format": "fairseq-mtl-export", "version": FORMAT_VERSION, "runtime": "onnx",
        "opset": OPSET, "checkpoint": os.path.abspath(checkpoint),
        "arch": getattr(cfg.model, "_name", None) or getattr(cfg.model, "arch", None),
        "tasks": tasks, "tokenizer": spec,
        "layout": raw_text_layout(preparation).to_dict(), "max_words": max_words,
        "vocabulary": "vocab.json", "pad": dictionary.pad(), "unk": dictionary.unk(),
        "checked": {"max_abs_difference": worst, "tolerance": TOLERANCE},
    }
    with open(os.path.join(partial, "export.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.replace(partial, out)
    megabytes = store.size / 2**20
    log(f"wrote {out}: {len(tasks)} task graph(s), weights {megabytes:.1f} MB, "
        f"{time.time() - started:.1f}s")
    return meta


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairseq-mtl-export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint written by fairseq-train")
    parser.add_argument("out", help="the directory to write (refused if it holds files, "
                        "unless --overwrite)")
    parser.add_argument("--format", choices=["onnx"], default="onnx",
                        help="onnx: one graph per task for onnxruntime (the only format)")
    parser.add_argument("--data", help="prepared data directory (default: the checkpoint's "
                        "own dictionary and manifest)")
    parser.add_argument("--user-dir", help="fairseq-mtl's user_dir (default: the project's)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier export in OUT (a directory with other files is "
                        "never replaced)")
    return parser


def cli_main(argv: Optional[List[str]] = None) -> int:
    from fairseq_mtl.logs import configure_command_line

    args = get_parser().parse_args(argv)
    configure_command_line()
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as e:
        print(f"fairseq-mtl-export: error: {e.name} is not installed (pip install onnx "
              "onnxruntime)", file=sys.stderr)
        return 1
    try:
        export(args.checkpoint, args.out, args.data, args.user_dir, args.overwrite,
               log=lambda line: print(f"fairseq-mtl-export: {line}", file=sys.stderr))
    except (ValueError, FileNotFoundError, RuntimeError, KeyError) as e:
        print(f"fairseq-mtl-export: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_main())
