"""Sentencepiece: a unigram model trained on the training text being prepared (``spm.model``,
``--spm-vocab`` pieces), carried in every checkpoint for prediction on raw text."""
import os

from fairseq_mtl.data.tokenizers import register_tokenizer
from fairseq_mtl.data.tokenizers.base import Tokenizer

SPM_MODEL = "spm.model"


@register_tokenizer("sentencepiece")
class SentencepieceTokenizer(Tokenizer):
    summary = "a unigram model trained on the training text (--spm-vocab pieces)"

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--spm-vocab", type=int, default=8000,
                            help="sentencepiece vocabulary size (default 8000)")

    def fit(self, texts, out_dir):
        import sentencepiece as spm

        corpus = os.path.join(out_dir, "spm.train.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            for text in texts:
                f.write(text.replace("\n", " ") + "\n")
        prefix = os.path.join(out_dir, SPM_MODEL[: -len(".model")])
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=self.args.spm_vocab,
            model_type="unigram", character_coverage=1.0, num_threads=os.cpu_count() or 1,
            # every training sentence is used, in file order: the model is a function of the data
            input_sentence_size=0, shuffle_input_sentence=False, hard_vocab_limit=False,
            minloglevel=2,
        )
        os.remove(corpus)
        self._processor = spm.SentencePieceProcessor(model_file=prefix + ".model")

    def __call__(self, text, tokenized=False):
        return self._processor.encode(text, out_type=str)

    def preparation(self):
        # --spm-vocab is an upper bound (hard_vocab_limit=False): a small training text yields
        # fewer pieces, and the summary reports what the model has
        return {"tokenizer": self.name, "spm_model": SPM_MODEL, "spm_vocab": self.args.spm_vocab,
                "spm_pieces": self._processor.get_piece_size(), "tokenizer_files": [SPM_MODEL]}

    @classmethod
    def for_raw_text(cls, preparation, files):
        model_bytes = files.get(preparation.get("spm_model", SPM_MODEL))
        if model_bytes is None:
            raise ValueError("the data was tokenised with sentencepiece, but its model is "
                             "neither in the checkpoint nor in the data directory")
        import sentencepiece as spm

        processor = spm.SentencePieceProcessor(model_proto=model_bytes)
        return lambda text: processor.encode(text, out_type=str)
