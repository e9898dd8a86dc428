"""The yardstick of the pretrained GLUE table: the same checkpoint fine-tuned by Hugging Face
``transformers`` (``BertForSequenceClassification``) in a plain training loop, one task at a
time, on this project's prepared data and dev sets, with a profile's hyper-parameters.

    python recipes/glue/hf_reference.py DATA --task RTE --seed 1 \\
        --model pretrained/all-MiniLM-L6-v2 --lr 5e-5 --epochs 3 --batch-size 32 \\
        --out runs/glue_hf/minilm_cpu/RTE/seed1

What it does, as Hugging Face's examples do: random batches (a shuffled order each epoch, no
length bucketing), [CLS] + the prepared ids (``A [SEP] B [SEP]``, cut as preparation cut them)
with the attention mask and token types, BERT's pooler and a new linear classifier (one output
and mean-squared error for STS-B), torch's fused AdamW with weight decay 0.01 on every weight
(``--weight-decay``), linear decay to 0 after ``--warmup`` of the updates, gradient clipping at
1.0, dropout 0.1 (the checkpoint's); the LAST model is scored on dev with the task's official
metric (fairseq_mtl/metrics.py). Writes ``eval_valid.json`` (in ``fairseq-mtl-evaluate``'s form)
and ``run.json`` (command, seed, hardware, wall time) to ``--out``. Needs ``transformers``.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

from fairseq_mtl.data.batching import pad_tokens
from fairseq_mtl.data.manifest import Manifest, split_prefix
from fairseq_mtl.data.vocabulary import load_dictionary
from fairseq_mtl.metrics import get_metric
from fairseq_mtl.pretrained.bert import bert_model_inputs


def load_split(data, task, split):
    from fairseq.data.indexed_dataset import make_dataset

    prefix = split_prefix(data, task, split)
    tokens = make_dataset(prefix, impl="mmap")
    return [tokens[i].long() for i in range(len(tokens))], np.load(prefix + ".label.npy")


def batches(examples, labels, size, dictionary, order):
    for start in range(0, len(order), size):
        idx = order[start: start + size]
        src, _ = pad_tokens([examples[i] for i in idx], dictionary.pad())
        yield bert_model_inputs(src, dictionary), torch.as_tensor(labels[idx])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data")
    p.add_argument("--task", required=True)
    p.add_argument("--model", required=True, help="a Hugging Face BERT-layout directory")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup", type=float, default=0.06, help="share of the updates")
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--profile", default="")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    from transformers import BertForSequenceClassification

    from fairseq_mtl.paths import PROJECT_ROOT
    from fairseq_mtl_tools import runinfo

    commit = runinfo.git_commit(PROJECT_ROOT)  # the code as it starts, as the recipes record it
    started = time.time()
    torch.manual_seed(args.seed)
    manifest = Manifest.load(args.data)
    entry = manifest.task(args.task)
    dictionary = load_dictionary(args.data, manifest.dictionary)
    regression = entry.type == "regression"
    train_x, train_y = load_split(args.data, args.task, "train")
    dev_x, dev_y = load_split(args.data, args.task, "valid")
    model = BertForSequenceClassification.from_pretrained(
        args.model, num_labels=1 if regression else entry.num_classes).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, fused=True,
                                  weight_decay=args.weight_decay)
    per_epoch = math.ceil(len(train_x) / args.batch_size)
    total = per_epoch * args.epochs
    warmup = int(total * args.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: step / max(1, warmup) if step < warmup
        else max(0.0, (total - step) / max(1, total - warmup)))
    rng = np.random.RandomState(args.seed)
    for epoch in range(args.epochs):
        for inputs, labels in batches(train_x, train_y, args.batch_size, dictionary,
                                      rng.permutation(len(train_x))):
            optimizer.zero_grad(set_to_none=True)
            out = model(**inputs, labels=labels.float() if regression else labels)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            schedule.step()
        print(f"{args.task} seed {args.seed}: epoch {epoch + 1} done "
              f"({time.time() - started:.0f}s)", flush=True)
    train_seconds = time.time() - started
    model.eval()
    predictions = []
    with torch.no_grad():
        for inputs, _ in batches(dev_x, dev_y, 128, dictionary, np.arange(len(dev_x))):
            logits = model(**inputs).logits
            predictions.append(logits[:, 0] if regression else logits.argmax(-1))
    predicted = torch.cat(predictions).numpy()
    metric = get_metric(entry.metric)
    counts = metric.counts(predicted, dev_y)
    scores = metric.scores(counts, values=(predicted, dev_y))
    row = {"task": args.task, "metric": metric.name, **counts, **scores}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "eval_valid.json"), "w") as f:
        json.dump({"split": "valid", "tasks": [row]}, f, indent=2)
    runinfo.main(["--out", os.path.join(args.out, "run.json"), "--arch", "hf_bert_classifier",
                  "--commit", commit,
                  "--seed", str(args.seed), "--profile", args.profile or "hf",
                  "--train-seconds", f"{train_seconds:.1f}",
                  "--command", " ".join(["python", "recipes/glue/hf_reference.py"]
                                        + list(argv if argv is not None else sys.argv[1:]))])
    print(f"{args.task} seed {args.seed}: dev {json.dumps(scores)}")


if __name__ == "__main__":
    main()
