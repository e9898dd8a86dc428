"""The yardstick for fine-tuning speed: Hugging Face ``transformers``' BertForSequenceClassification
trained by a plain PyTorch loop on the SAME batches that ``fairseq-train`` makes for S-C on a
pretrained BERT-layout encoder.

    python benchmarks/hf_bert_loop.py DATA --user-dir user_dir --arch stack_cls_transformer \\
        --pretrained pretrained/all-MiniLM-L6-v2 [fairseq-train options ...] --max-update 60

It takes fairseq-train's options: the task loads the prepared data (one task) and makes the
batches exactly as in training (length-bucketed by fairseq's ``batch_by_size``, same seed and
order); from there on only PyTorch and transformers run. Each batch becomes BERT's own input:
[CLS] + the prepared ids (``A [SEP] B [SEP]``), the attention mask, the token types. The model is
``BertForSequenceClassification`` on the checkpoint (its pooler + a new linear layer; transformers'
default ``sdpa`` attention), the optimizer the fused AdamW that ``--optimizer torch_adamw`` wraps,
with fairseq's lr, betas, eps and weight decay; dropout is the checkpoint's (0.1). Lines in the
layout of fairseq's ``train_inner`` (``wps=``, ``ups=``) every --log-interval updates. Needs
``transformers`` (a test-only dependency of this project).
"""
import ast
import sys

import torch

from fairseq_mtl.pretrained.bert import bert_model_inputs
from loop_common import IntervalLog, epoch_batches, setup


def main(argv) -> None:
    from transformers import BertForSequenceClassification

    cfg, task = setup(argv)
    if len(task.task_names) != 1:
        sys.exit("the yardstick is single-task: give --tasks ONE")
    model = BertForSequenceClassification.from_pretrained(
        cfg.model.pretrained, num_labels=task.task_entries[0].num_classes).train()
    opt = cfg.optimizer
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.optimization.lr[0], fused=True,
                                  betas=tuple(ast.literal_eval(str(opt.adam_betas))),
                                  eps=opt.adam_eps, weight_decay=opt.weight_decay)
    max_update, interval = cfg.optimization.max_update, cfg.common.log_interval
    dictionary = task.source_dictionary
    update, epoch = 0, 1
    log = IntervalLog("hf_bert_loop", interval)
    while update < max_update:
        for sample in epoch_batches(task, cfg, epoch):
            optimizer.zero_grad(set_to_none=True)
            out = model(**bert_model_inputs(sample["net_input"]["src_tokens"], dictionary),
                        labels=sample["target"])
            out.loss.backward()
            optimizer.step()
            update += 1
            n = sample["target"].numel()
            log.add(update, epoch, n, int(sample["ntokens"]), float(out.loss.detach()) * n)
            if update >= max_update:
                break
        epoch += 1
    print(f"hf_bert_loop | done training, {update} updates", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
