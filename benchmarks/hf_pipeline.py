"""The Hugging Face side of the serving benchmark (benchmarks/export_throughput.sh): a fine-tuned
S-C checkpoint on a BERT-layout encoder as ``BertForSequenceClassification``, then
``pipeline("text-classification")`` over a file of texts.

    python benchmarks/hf_pipeline.py convert CKPT PRETRAINED_DIR OUT_DIR
    python benchmarks/hf_pipeline.py predict OUT_DIR --input texts.txt --batch-size 32

``convert`` writes the checkpoint's encoder (every layer, the word, position and type vectors;
S-C's learned [CLS] vector as [CLS]'s word vector less type 0's, which the embedding adds back)
and its task head as the classifier. The pipeline's head reads BERT's pooler (dense + tanh)
first, which S-C does not have: the pooler becomes the identity to within float precision
(W = eps I, b = 0, the classifier scaled by 1 / eps), so that transformers computes the same
logits as our model (checked, the largest difference printed) at the cost of one more
d x d layer. ``predict`` writes one ``label<TAB>score`` line per text. Needs
``transformers``.
"""
import argparse
import os
import shutil
import sys
import time

POOLER_EPS = 1e-3


def convert(checkpoint: str, pretrained: str, out: str) -> None:
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from fairseq_mtl.predict import MultiTaskClassifier
    from fairseq_mtl.pretrained.bert import LAYER_NAMES

    clf = MultiTaskClassifier.from_checkpoint(checkpoint, device="cpu")
    if len(clf.tasks) != 1 or clf.is_regression(clf.tasks[0]):
        sys.exit("convert: a one-task classification checkpoint, please")
    state = {k: v.float() for k, v in clf.model.state_dict().items()}
    if "scheme.cls" not in state:
        sys.exit("convert: an S-C (stack_cls_transformer) checkpoint, please")
    labels = clf.label_names(clf.tasks[0])
    config = BertConfig.from_pretrained(pretrained, num_labels=len(labels),
                                        id2label=dict(enumerate(labels)),
                                        label2id={n: i for i, n in enumerate(labels)})
    model = BertForSequenceClassification.from_pretrained(pretrained, config=config).eval()
    d = config.hidden_size
    ours = {}
    words = state["scheme.embed.words.weight"].clone()
    cls_index = clf.dictionary.bos()
    words[cls_index] = state["scheme.cls"] - state["scheme.embed.types.weight"][0]
    ours["bert.embeddings.word_embeddings.weight"] = words
    ours["bert.embeddings.token_type_embeddings.weight"] = state["scheme.embed.types.weight"]
    positions = state["scheme.stack.positions.weight"]
    ours["bert.embeddings.position_embeddings.weight"] = positions
    ours["bert.embeddings.LayerNorm.weight"] = state["scheme.stack.embed_norm.weight"]
    ours["bert.embeddings.LayerNorm.bias"] = state["scheme.stack.embed_norm.bias"]
    for i in range(config.num_hidden_layers):
        p = f"scheme.stack.layers.{i}."
        split = {"q": slice(0, d), "k": slice(d, 2 * d), "v": slice(2 * d, 3 * d)}
        for name, theirs in LAYER_NAMES.items():
            for kind in ("weight", "bias"):
                if name in split:
                    value = state[p + "qkv." + kind][split[name]]
                else:
                    value = state[p + name + "." + kind]
                ours[f"bert.encoder.layer.{i}.{theirs}.{kind}"] = value
    # BERT's pooler, tanh(W h + b), made the identity to within float precision: W = eps I,
    # b = 0, and the classifier scaled by 1 / eps (tanh(eps x) / eps = x - eps^2 x^3 / 3 ...)
    ours["bert.pooler.dense.weight"] = POOLER_EPS * torch.eye(d)
    ours["bert.pooler.dense.bias"] = torch.zeros(d)
    ours["classifier.weight"] = state["scheme.heads.0.net.1.weight"] / POOLER_EPS
    ours["classifier.bias"] = state["scheme.heads.0.net.1.bias"]
    missing, _ = model.load_state_dict(ours, strict=False)
    if missing:
        sys.exit(f"convert: not filled: {missing}")
    # the check: transformers' encoder + our head == our model
    texts = ["it 's a charming and often affecting journey .", "unflinchingly bleak",
             "a film that is nothing but a sequence of clichés , tired and flat ."]
    ids = [clf.encode(t)[0] for t in texts]
    lengths = torch.tensor([len(x) for x in ids])
    tokens = torch.full((len(ids), int(lengths.max())), clf.dictionary.pad())
    for row, x in enumerate(ids):
        tokens[row, : len(x)] = torch.tensor(x)
    from fairseq_mtl.pretrained.bert import bert_model_inputs

    with torch.no_grad():
        want = clf.model(tokens, lengths, 0)["logits"]
        got = model(**bert_model_inputs(tokens, clf.dictionary)).logits
    print(f"check: max |transformers' logits - ours| = {(got - want).abs().max().item():.2e}")
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        if os.path.isfile(os.path.join(pretrained, name)):
            shutil.copyfile(os.path.join(pretrained, name), os.path.join(out, name))


def predict(model_dir: str, path: str, batch_size: int, output: str) -> None:
    from transformers import pipeline

    with open(path, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    classify = pipeline("text-classification", model=model_dir, device=-1, truncation=True)
    started = time.time()
    results = classify(texts, batch_size=batch_size)
    seconds = time.time() - started
    with open(output, "w", encoding="utf-8") as f:
        for r in results:
            f.write(f"{r['label']}\t{r['score']:.6f}\n")
    print(f"hf_pipeline: {len(texts)} predictions in {seconds:.1f}s", file=sys.stderr)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("checkpoint")
    c.add_argument("pretrained")
    c.add_argument("out")
    r = sub.add_parser("predict")
    r.add_argument("model_dir")
    r.add_argument("--input", required=True)
    r.add_argument("--batch-size", type=int, default=1)
    r.add_argument("--output", default=os.devnull)
    args = p.parse_args(argv)
    if args.command == "convert":
        convert(args.checkpoint, args.pretrained, args.out)
    else:
        predict(args.model_dir, args.input, args.batch_size, args.output)


if __name__ == "__main__":
    main()
