"""Words: the PTB-style tokeniser of the labeled FDU-MTL files (lower-cased), and a whitespace
split for text that is already tokenised that way. Pretrained word vectors fit its tokens."""
from fairseq_mtl.data.text import ptb_tokenize, whitespace_tokenize
from fairseq_mtl.data.tokenizers import register_tokenizer
from fairseq_mtl.data.tokenizers.base import Tokenizer


@register_tokenizer("words")
class WordTokenizer(Tokenizer):
    summary = "PTB-style words, lower-cased (word vectors fit)"
    word_level = True

    def __call__(self, text, tokenized=False):
        return whitespace_tokenize(text) if tokenized else ptb_tokenize(text)

    def preparation(self):
        return {"tokenizer": self.name}

    @classmethod
    def for_raw_text(cls, preparation, files):
        return ptb_tokenize
