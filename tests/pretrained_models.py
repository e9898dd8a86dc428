"""Tiny pretrained models made by the tests, in the layouts of the real ones (no download):

* a BERT saved by Hugging Face ``transformers`` (random weights, ``save_pretrained``: config.json
  + model.safetensors) with a WordPiece ``tokenizer.json`` built with ``tokenizers``;
* a RoBERTa trained for a few updates by ``fairseq-train --task masked_lm --arch roberta`` on
  GPT-2 BPE ids, with a byte-level ``encoder.json``/``vocab.bpe`` made here (all 256 byte symbols
  and a few merges).

Sizes are distinct (d=24, 3 heads, FFN 40, 2 layers) so that a transposed tensor fails.
"""
import json
import os
import string

from conftest import BIN, run_cli

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ("the cat sat on a mat dog ran fast slow good bad film movie it was is not great "
         "awful book").split()


def bert_vocab(extra=()):
    chars = list(string.ascii_lowercase + string.digits)
    tokens = SPECIALS + WORDS + list(extra) + chars + ["##" + c for c in chars] + list(",.?!'")
    return list(dict.fromkeys(tokens))


def write_tiny_bert(path, seed=0, vocab=None, max_positions=64):
    """A random BERT in Hugging Face's layout at ``path``; returns the path."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel

    vocab = vocab or bert_vocab()
    os.makedirs(path, exist_ok=True)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=24, num_hidden_layers=2,
                        num_attention_heads=3, intermediate_size=40,
                        max_position_embeddings=max_positions, type_vocab_size=2,
                        initializer_range=0.2, pad_token_id=0)
    BertModel(config).save_pretrained(path, safe_serialization=True)
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))])
    tok.enable_padding(pad_id=0, pad_token="[PAD]", length=16)  # as real files carry them:
    tok.enable_truncation(max_length=16)  # the project must switch both off
    tok.save(os.path.join(path, "tokenizer.json"))
    return path


def gpt2_bpe_files(path, merges=(("t", "h"), ("th", "e"), ("Ġ", "c"), ("Ġc", "a"),
                                  ("Ġca", "t"), ("a", "t"))):
    """encoder.json (every byte symbol, then each merge's result) and vocab.bpe."""
    from fairseq.data.encoders.gpt2_bpe_utils import bytes_to_unicode

    symbols = list(bytes_to_unicode().values())
    symbols += ["".join(m) for m in merges]
    with open(os.path.join(path, "encoder.json"), "w") as f:
        json.dump({s: i for i, s in enumerate(symbols)}, f)
    with open(os.path.join(path, "vocab.bpe"), "w") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))


def write_tiny_roberta(path, work):
    """Train a 2-layer RoBERTa for 4 updates with fairseq itself; ``path`` gets model.pt,
    dict.txt, encoder.json and vocab.bpe (fairseq's roberta.base layout)."""
    from fairseq.data.encoders.gpt2_bpe_utils import get_encoder

    os.makedirs(path, exist_ok=True)
    gpt2_bpe_files(path)
    bpe = get_encoder(os.path.join(path, "encoder.json"), os.path.join(path, "vocab.bpe"))
    corpus = os.path.join(work, "train.bpe")
    with open(corpus, "w") as f:
        for i in range(64):
            text = " ".join(WORDS[(i * 5 + k * 3) % len(WORDS)] for k in range(3 + i % 7))
            f.write(" ".join(map(str, bpe.encode(text.capitalize() + "."))) + "\n")
    data = os.path.join(work, "mlm-bin")
    run_cli(["fairseq-preprocess", "--only-source", "--trainpref", corpus, "--validpref", corpus,
             "--destdir", data, "--workers", "1"])
    save = os.path.join(work, "mlm-ckpt")
    run_cli(["fairseq-train", data, "--task", "masked_lm", "--arch", "roberta",
             "--encoder-layers", "2", "--encoder-embed-dim", "24", "--encoder-ffn-embed-dim",
             "40", "--encoder-attention-heads", "3", "--tokens-per-sample", "128",
             "--max-positions", "128", "--batch-size", "8", "--max-update", "4",
             "--optimizer", "adam", "--lr", "0.01", "--save-dir", save, "--cpu",
             "--no-epoch-checkpoints", "--no-progress-bar", "--seed", "2", "--num-workers", "0"],
            env={"OMP_NUM_THREADS": "1"})
    os.replace(os.path.join(save, "checkpoint_last.pt"), os.path.join(path, "model.pt"))
    with open(os.path.join(data, "dict.txt")) as src, \
            open(os.path.join(path, "dict.txt"), "w") as dst:
        dst.write(src.read())
    return path


def bin_path(name):
    return os.path.join(BIN, name)
