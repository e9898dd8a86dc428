"""Write a fairseq-mtl prepared directory in the layout of fairseq's own ``sentence_prediction``
task (RoBERTa fine-tuning), all tasks' examples of a split in one binary classification set, so
that the same sentences can be trained by both:

    OUT/input0/{dict.txt,train.bin,train.idx,valid.bin,valid.idx}   tokens + </s>
    OUT/label/{dict.txt,train.bin,train.idx,...}                     label + </s>

    python benchmarks/to_sentence_prediction.py data-bin/fdu-mtl OUT
"""
import argparse
import os
import shutil

import numpy as np
import torch
from fairseq.data import Dictionary, indexed_dataset

from fairseq_mtl.data.manifest import Manifest, split_prefix


def convert(data: str, out: str, splits=("train", "valid")) -> None:
    manifest = Manifest.load(data)
    dictionary = Dictionary.load(os.path.join(data, manifest.dictionary))
    labels = sorted({label for t in manifest.tasks for label in t.labels})
    for sub in ("input0", "label"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    shutil.copy(os.path.join(data, manifest.dictionary), os.path.join(out, "input0", "dict.txt"))
    with open(os.path.join(out, "label", "dict.txt"), "w") as f:
        f.writelines(f"{label} 1\n" for label in labels)
    label_dict = Dictionary.load(os.path.join(out, "label", "dict.txt"))
    for split in splits:
        tokens = indexed_dataset.make_builder(os.path.join(out, "input0", split + ".bin"),
                                              impl="mmap", vocab_size=len(dictionary))
        targets = indexed_dataset.make_builder(os.path.join(out, "label", split + ".bin"),
                                               impl="mmap", vocab_size=len(label_dict))
        for task in manifest.tasks:
            prefix = split_prefix(data, task.name, split)
            sentences = indexed_dataset.make_dataset(prefix, impl="mmap")
            label_ids = np.load(prefix + ".label.npy")
            for i in range(len(sentences)):
                ids = sentences[i].long()
                tokens.add_item(torch.cat([ids, torch.tensor([dictionary.eos()])]).int())
                name = task.labels[int(label_ids[i])]
                targets.add_item(torch.tensor([label_dict.index(name), label_dict.eos()],
                                              dtype=torch.int32))
        tokens.finalize(os.path.join(out, "input0", split + ".idx"))
        targets.finalize(os.path.join(out, "label", split + ".idx"))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data")
    p.add_argument("out")
    a = p.parse_args()
    convert(a.data, a.out)
    print(f"wrote {a.out}")
