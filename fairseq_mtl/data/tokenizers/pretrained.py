"""A pretrained model's own tokenizer and vocabulary (``--pretrained PATH``): WordPiece from a
Hugging Face ``tokenizer.json``, or fairseq's GPT-2 BPE for a RoBERTa checkpoint. The data's ids
are then the model's ids, and a pair is laid out as the model was pretrained (see
:class:`fairseq_mtl.data.tokenizers.base.TextLayout`)."""
import os

from fairseq_mtl.data.tokenizers import register_tokenizer
from fairseq_mtl.data.tokenizers.base import TextLayout, Tokenizer

TRUNCATION = {"head_tail": 128 / 510, "head": 1.0, "tail": 0.0}


@register_tokenizer("pretrained")
class PretrainedTokenizer(Tokenizer):
    summary = "the tokenizer and vocabulary of the model given with --pretrained"

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument(
            "--pretrained", metavar="PATH",
            help="prepare for this pretrained encoder: a Hugging Face BERT-layout directory or a "
            "fairseq RoBERTa model.pt; its tokenizer and vocabulary are used (implies "
            "--tokenizer pretrained)")
        parser.add_argument(
            "--max-length", type=int, default=None,
            help="with --pretrained: cut each example to this many tokens, separators included "
            "(default: all the model reads, 511 for BERT and RoBERTa); cut examples are counted")
        parser.add_argument(
            "--truncation", choices=sorted(TRUNCATION), default="head_tail",
            help="with --pretrained, how a long single text is cut: head_tail keeps its first "
            "quarter (128 of 510) and the rest from its end (default); a pair is always cut "
            "longest-first")

    def __init__(self, args):
        super().__init__(args)
        from fairseq_mtl.pretrained import PRETRAINED_FORMATS, load_pretrained

        if not getattr(args, "pretrained", None):
            raise ValueError("--tokenizer pretrained needs --pretrained PATH")
        self.model = load_pretrained(args.pretrained, weights=False)
        self._tokenize = PRETRAINED_FORMATS[self.model.format].tokenizer(
            self.model.tokenizer_files)
        limit = self.model.spec.max_words
        self.max_length = args.max_length or limit
        if self.max_length > limit:
            raise ValueError(f"--max-length {self.max_length}, but {args.pretrained} reads at "
                             f"most {limit} tokens after [CLS]")

    def fit(self, texts, out_dir):
        for name, data in self.model.tokenizer_files.items():  # carried into checkpoints
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(data)

    def __call__(self, text, tokenized=False):
        return self._tokenize(text)

    def layout(self, pair_separator):
        s = self.model.specials
        return TextLayout(pair_separator=list(s.pair_sep), end=[s.sep],
                          max_length=self.max_length, head=TRUNCATION[self.args.truncation])

    def dictionary(self):
        from fairseq_mtl.data.vocabulary import fixed_dictionary

        return fixed_dictionary(self.model.symbols, vars(self.model.specials))

    def preparation(self):
        return {"tokenizer": self.name, "pretrained": self.model.description(),
                "tokenizer_files": sorted(self.model.tokenizer_files),
                "truncation": self.args.truncation}

    @classmethod
    def for_raw_text(cls, preparation, files):
        from fairseq_mtl.pretrained import PRETRAINED_FORMATS

        fmt = preparation["pretrained"]["format"]
        missing = [n for n in preparation["tokenizer_files"] if n not in files]
        if missing:
            raise ValueError(f"the {fmt} tokenizer's files {missing} are neither in the "
                             "checkpoint nor in the data directory")
        return PRETRAINED_FORMATS[fmt].tokenizer(files)
