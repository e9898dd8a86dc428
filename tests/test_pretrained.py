"""Pretrained encoders: the weights are read right (last hidden states equal Hugging Face's
``BertModel`` and fairseq's own ``RobertaModel``), preparation and prediction tokenise alike,
pairs get their segment ids, a vocabulary that does not match is refused, and every scheme
trains on top."""
import json
import os

import numpy as np
import pytest
import torch

from conftest import ROOT, run_cli, run_main, train_args, write_glue
from fairseq_mtl.data.prepare import cli_main as prepare_main
from fairseq_mtl.data.vocabulary import fixed_dictionary
from fairseq_mtl.pretrained import PRETRAINED_FORMATS, PretrainedError, load_pretrained
from fairseq_mtl.pretrained import modules as pm
from pretrained_models import bert_vocab, write_tiny_bert, write_tiny_roberta

MINILM = os.path.join(ROOT, "pretrained", "all-MiniLM-L6-v2")
SENTENCES = [("The cat sat on the mat.", None), ("A dog ran fast, it was great!", None),
             ("The film was awful.", "Not a great book, the movie is good?")]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return write_tiny_bert(str(tmp_path_factory.mktemp("bert") / "tiny-bert"))


@pytest.fixture(scope="module")
def tiny_roberta(tmp_path_factory):
    work = tmp_path_factory.mktemp("roberta")
    return write_tiny_roberta(str(work / "tiny-roberta"), str(work))


def our_states(encoder, ids, lengths):
    """Top states of the pretrained stack over ``ids`` B x T (without [CLS]; [CLS] is the
    prefix vector, as in every scheme): B x (1 + T) x d."""
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    emb = pm.token_embedding(encoder.spec, d, encoder.weights).eval()
    stack = pm.stack(encoder.spec, encoder.weights, 0.0, 0.0).eval()
    prefix = emb.prefix_vector().view(1, 1, -1).expand(ids.size(0), 1, -1)
    with torch.no_grad():
        states, _, _ = stack(emb(ids), lengths, prefix)
    return states


def hf_batch(path, pairs):
    """Token ids with [CLS] (and the type ids and mask) from the model's own tokenizer."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    encs = [tok.encode(a, b) if b else tok.encode(a) for a, b in pairs]
    T = max(len(e.ids) for e in encs)
    ids = torch.zeros(len(encs), T, dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
        types[i, : len(e.ids)] = torch.tensor(e.type_ids)
        mask[i, : len(e.ids)] = 1
    return ids, types, mask


def assert_bert_equal(path, pairs, tol=1e-5):
    from transformers import BertModel

    ids, types, mask = hf_batch(path, pairs)
    reference = BertModel.from_pretrained(path, attn_implementation="eager").eval()
    with torch.no_grad():
        expected = reference(input_ids=ids, token_type_ids=types,
                             attention_mask=mask).last_hidden_state
    encoder = load_pretrained(path)
    lengths = mask.sum(1) - 1
    ours = our_states(encoder, ids[:, 1:], lengths)
    real = mask.bool()
    diff = (ours - expected).abs()[real].max().item()
    assert diff < tol, f"max |ours - transformers| = {diff:.2e}"
    # token types come from the [SEP] positions: the tokenizer's own type ids
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    from fairseq_mtl.modules.embedding import segment_ids

    ours_types = segment_ids(ids[:, 1:], d.eos())
    assert torch.equal(ours_types[mask[:, 1:].bool()], types[:, 1:][mask[:, 1:].bool()])
    return diff


@pytest.mark.fast
def test_tiny_bert_equals_transformers(tiny_bert):
    print(f"tiny BERT: max |ours - transformers| = {assert_bert_equal(tiny_bert, SENTENCES):.2e}")


def test_minilm_equals_transformers():
    """The real all-MiniLM-L6-v2 (scripts/get_pretrained.sh unpacks it; the test command runs
    that first)."""
    if not os.path.isdir(MINILM):
        pytest.fail(f"{MINILM} missing: run scripts/get_pretrained.sh (make pretrained)")
    diff = assert_bert_equal(MINILM, SENTENCES + [("x " * 300, "y " * 200)])
    print(f"all-MiniLM-L6-v2: max |ours - transformers| = {diff:.2e}")


def test_tiny_roberta_equals_fairseq(tiny_roberta):
    from fairseq import checkpoint_utils

    import fairseq_mtl_plugin  # noqa: F401 (fairseq's loader under torch's safe unpickler)

    models, _, task = checkpoint_utils.load_model_ensemble_and_task(
        [os.path.join(tiny_roberta, "model.pt")], arg_overrides={"data": tiny_roberta})
    reference = models[0].eval()
    encoder = load_pretrained(tiny_roberta)
    assert encoder.symbols == list(task.source_dictionary.symbols)
    tokenize = PRETRAINED_FORMATS["roberta"].tokenizer(encoder.tokenizer_files)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    rows = []
    for a, b in SENTENCES:
        tokens = ["<s>"] + tokenize(a) + ["</s>"] + (["</s>"] + tokenize(b) + ["</s>"] if b else [])
        rows.append([d.index(t) for t in tokens])
    T = max(map(len, rows))
    ids = torch.full((len(rows), T), d.pad())
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    lengths = torch.tensor([len(r) for r in rows])
    with torch.no_grad():
        expected, _ = reference(ids, features_only=True)  # B x T x d
    ours = our_states(encoder, ids[:, 1:], lengths - 1)
    real = ids != d.pad()
    diff = (ours - expected).abs()[real].max().item()
    assert diff < 1e-5, f"max |ours - fairseq RobertaModel| = {diff:.2e}"
    print(f"tiny RoBERTa: max |ours - fairseq RobertaModel| = {diff:.2e}")
    assert encoder.spec.position_offset == 2 and encoder.spec.layer_norm_eps == 1e-5


@pytest.mark.fast
def test_formats_refuse_what_they_cannot_read(tmp_path, tiny_bert):
    config = json.load(open(os.path.join(tiny_bert, "config.json")))
    bad = tmp_path / "distil"
    bad.mkdir()
    json.dump(dict(config, model_type="distilbert"), open(bad / "config.json", "w"))
    with pytest.raises(PretrainedError, match="model_type 'distilbert' is not accepted"):
        load_pretrained(str(bad))
    with pytest.raises(PretrainedError, match="no such pretrained model"):
        load_pretrained(str(tmp_path / "nothing"))
    (tmp_path / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(PretrainedError, match="cannot load checkpoint"):
        load_pretrained(str(tmp_path / "model.pt"))


@pytest.fixture(scope="module")
def glue_bert(tmp_path_factory, tiny_bert):
    raw = tmp_path_factory.mktemp("glue-raw")
    write_glue(raw, n=24)
    out = tmp_path_factory.mktemp("glue-bert")
    run_cli(["fairseq-mtl-prepare", "glue", "--raw-dir", raw, "--out", out, "--tasks",
             "CoLA,MRPC,STS-B", "--pretrained", tiny_bert, "--max-length", "12"])
    return str(raw), str(out)


@pytest.mark.fast
def test_prepared_ids_are_the_tokenizers(glue_bert, tiny_bert):
    """The binarised pairs are the model's tokenizer's ids without [CLS]; a long text is cut
    head+tail keeping the closing [SEP], and counted."""
    from fairseq.data.indexed_dataset import make_dataset
    from tokenizers import Tokenizer

    raw, out = glue_bert
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    assert manifest["dictionary"] == "vocabulary.json"
    assert manifest["preparation"]["pretrained"]["format"] == "bert"
    tok = Tokenizer.from_file(os.path.join(tiny_bert, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    rows = [line.split("\t") for line in
            open(os.path.join(raw, "MRPC", "train.tsv"), encoding="utf-8-sig").read()
            .splitlines()[1:]]
    data = make_dataset(os.path.join(out, "MRPC", "train"), impl="mmap")
    cut = 0
    for i, r in enumerate(rows):
        want = tok.encode(r[3], r[4]).ids[1:]
        got = data[i].tolist()
        if len(want) > 12:
            cut += 1
            assert len(got) == 12 and got[-1] == want[-1]  # closing [SEP] kept
        else:
            assert got == want
    mrpc = next(t for t in manifest["tasks"] if t["name"] == "MRPC")
    assert cut > 0 and mrpc["stats"]["cut_to_max_length"]["train"] == cut


@pytest.mark.fast
def test_head_tail_and_longest_first():
    from fairseq_mtl.data.tokenizers.base import TextLayout

    layout = TextLayout(pair_separator=["|"], end=["$"], max_length=9, head=0.25)
    tokens, cut = layout([list("abcdefghijkl")])
    assert cut and tokens == list("ab") + list("fghijkl")[-6:] + ["$"]
    tokens, cut = layout([list("abcdefg"), list("xy")])
    assert cut and tokens == list("abcde") + ["|"] + list("xy") + ["$"]
    assert layout([list("ab")]) == (["a", "b", "$"], False)


@pytest.mark.fast
def test_data_for_another_vocabulary_is_refused(tmp_path, glue_bert, tiny_bert):
    from fairseq_mtl.data.manifest import Manifest, check_prepared_for
    from fairseq_mtl.data.vocabulary import load_dictionary

    _, out = glue_bert
    vocab = bert_vocab()
    vocab[7], vocab[8] = vocab[8], vocab[7]
    other = write_tiny_bert(str(tmp_path / "other"), vocab=vocab)
    manifest = Manifest.load(out)
    d = load_dictionary(out, manifest.dictionary)
    with pytest.raises(PretrainedError, match=f"symbol 7 is {vocab[8]!r}, the model's is "
                                              f"{vocab[7]!r}"):
        check_prepared_for(manifest.preparation, load_pretrained(other), d, out)
    with pytest.raises(PretrainedError, match="prepared with the words tokenizer"):
        check_prepared_for({"tokenizer": "words"}, load_pretrained(tiny_bert), d, out)


SCHEMES = ["st_transformer", "stack_pool_transformer", "stack_cls_transformer",
           "layerwise_implicit_transformer", "layerwise_explicit_transformer", "fs_transformer",
           "asp_transformer"]


@pytest.mark.parametrize("arch", SCHEMES)
def test_every_scheme_trains_on_a_pretrained_encoder(tmp_path, glue_bert, tiny_bert, arch):
    """Two updates; then the checkpoint alone (no data directory, no pretrained files) predicts
    raw pairs exactly as evaluation scored the prepared dev set."""
    from fairseq.data.indexed_dataset import make_dataset

    from fairseq_mtl import evaluate
    from fairseq_mtl.predict import MultiTaskClassifier

    raw, out = glue_bert
    run_cli(train_args(out, tmp_path / "ck", arch, "--pretrained", tiny_bert, "--max-update",
                       "2", "--lr", "1e-3", "--optimizer", "torch_adamw",
                       "--new-params-lr-scale", "10", "--layer-lr-decay", "0.8"))
    ckpt = tmp_path / "ck" / "checkpoint_last.pt"
    run_main(evaluate.cli_main, [ckpt, "--split", "valid", "--out", tmp_path / "dev"])
    scores = {r["task"]: r for r in json.load(open(tmp_path / "dev.json"))["tasks"]}
    state = torch.load(ckpt, weights_only=False)
    state["cfg"]["task"]["data"] = str(tmp_path / "gone")
    state["cfg"]["model"]["pretrained"] = str(tmp_path / "gone-too")
    torch.save(state, tmp_path / "alone.pt")
    m = MultiTaskClassifier.from_checkpoint(str(tmp_path / "alone.pt"), device="cpu")
    rows = [line.split("\t") for line in
            open(os.path.join(raw, "MRPC", "dev.tsv"), encoding="utf-8-sig").read()
            .splitlines()[1:]]
    prepared = make_dataset(os.path.join(out, "MRPC", "valid"), impl="mmap")
    for i, r in enumerate(rows):  # prediction lays out and cuts pairs as preparation did
        assert m.encode((r[3], r[4]))[0] == prepared[i].tolist()
    predictions = m.predict("MRPC", [(r[3], r[4]) for r in rows])
    assert sum(p.label == r[0] for p, r in zip(predictions, rows)) == scores["MRPC"]["correct"]
    pair = m((rows[0][3], rows[0][4]), task="MRPC")  # the pipeline call takes a pair as a tuple
    assert pair["label"] == predictions[0].name in ("equivalent", "not_equivalent")


@pytest.mark.fast
def test_task_tokens_start_as_cls(tiny_bert, tmp_path):
    """At the start, S-C's CLS and L-I's task token (of every task) are [CLS] at [CLS]'s
    position: each reads the sentence exactly as the pretrained model's [CLS] does. L-E's T
    task tokens start as T copies of [CLS] (the words then see [CLS] T times over, so they are
    not the model's [CLS]), and read alike for every task until training moves them apart."""
    from fairseq_mtl.sharing import build_scheme

    encoder = load_pretrained(tiny_bert)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    ids, types, mask = hf_batch(tiny_bert, SENTENCES)
    words, lengths = ids[:, 1:], mask.sum(1) - 1
    expected = our_states(encoder, words, lengths)[:, 0]
    from fairseq_mtl.modules.transformer_encoder import TransformerSentenceEncoder

    outs = {}
    for scheme in ("stack_cls", "layerwise_implicit", "layerwise_explicit"):
        s = build_scheme(
            scheme, task_names=["a", "b", "c"], num_classes=[2, 3, 2],
            embed_factory=lambda n: pm.token_embedding(encoder.spec, d, encoder.weights),
            encoder_factory=lambda n: TransformerSentenceEncoder(
                pm.stack(encoder.spec, encoder.weights, 0.0, 0.0), "cls",
                pm.cls_vector(encoder.weights, d.bos())),
            init_range=0.0).eval()
        with torch.no_grad():
            outs[scheme] = [s.encode(words, lengths, t)[0] for t in range(3)]
    for scheme in ("stack_cls", "layerwise_implicit"):
        for t, got in enumerate(outs[scheme]):
            assert torch.allclose(got, expected, atol=1e-5), (scheme, t)
    explicit = outs["layerwise_explicit"]
    assert all(torch.allclose(e, explicit[0], atol=1e-5) for e in explicit)
    assert not torch.allclose(explicit[0], expected, atol=1e-3)


@pytest.mark.fast
def test_the_pooler_head_is_bert_for_sequence_classification(tiny_bert):
    """S-C with BERT's head (--pooler-head) starts as transformers' BertForSequenceClassification
    does on the same checkpoint: the same logits, given the same output layer."""
    from transformers import BertForSequenceClassification

    from fairseq_mtl.modules.transformer_encoder import TransformerSentenceEncoder
    from fairseq_mtl.sharing import build_scheme

    encoder = load_pretrained(tiny_bert)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    ids, types, mask = hf_batch(tiny_bert, SENTENCES)
    words, lengths = ids[:, 1:], mask.sum(1) - 1
    w = encoder.weights
    assert {"pooler.weight", "pooler.bias"} <= set(w)  # read with the encoder

    def head_init(head):
        with torch.no_grad():
            head.net[0].weight.copy_(w["pooler.weight"])
            head.net[0].bias.copy_(w["pooler.bias"])

    s = build_scheme(
        "stack_cls", task_names=["a"], num_classes=[3],
        embed_factory=lambda n: pm.token_embedding(encoder.spec, d, w),
        encoder_factory=lambda n: TransformerSentenceEncoder(
            pm.stack(encoder.spec, w, 0.0, 0.0), "cls", pm.cls_vector(w, d.bos())),
        init_range=0.0, head_pooler=True, head_init=head_init).eval()
    hf = BertForSequenceClassification.from_pretrained(
        tiny_bert, num_labels=3, attn_implementation="eager").eval()
    with torch.no_grad():
        hf.classifier.weight.copy_(s.heads[0].net[3].weight)
        hf.classifier.bias.copy_(s.heads[0].net[3].bias)
        want = hf(input_ids=ids, token_type_ids=types, attention_mask=mask).logits
        got = s(words, lengths, 0).logits
    assert torch.allclose(got, want, atol=1e-5), (got - want).abs().max()


@pytest.mark.fast
def test_lr_scales_make_optimizer_groups(tiny_bert):
    from torch import nn

    from fairseq_mtl_plugin.optim.torch_adamw import scale_groups

    encoder = load_pretrained(tiny_bert)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    model = nn.ModuleDict({"emb": pm.token_embedding(encoder.spec, d, encoder.weights),
                           "stack": pm.stack(encoder.spec, encoder.weights, 0.0, 0.0),
                           "head": nn.Linear(24, 2)})
    pm.assign_lr_scales(model, encoder.spec.layers, new_scale=10.0, layer_decay=0.5)
    groups = {g["lr_scale"]: g for g in scale_groups(list(model.parameters()), 1e-3)}
    assert sorted(groups) == [0.25, 0.5, 1.0, 10.0]
    assert {id(p) for p in groups[10.0]["params"]} == {id(p) for p in model["head"].parameters()}
    assert {id(p) for p in groups[1.0]["params"]} == \
        {id(p) for p in model["stack"].layers[1].parameters()}
    assert model["stack"].positions.weight.lr_scale == 0.25
    assert np.isclose(groups[0.25]["lr"], 2.5e-4)


def test_roberta_prepare_train_predict(tmp_path, raw_dir, tiny_roberta):
    """FDU-MTL-style data through fairseq's GPT-2 BPE: prepared ids = the BPE of the text laid
    out as <s> A </s>; L-E trains; the checkpoint's predictions on the raw test lines equal
    evaluation on the prepared test split."""
    from fairseq.data.indexed_dataset import make_dataset

    from fairseq_mtl import evaluate
    from fairseq_mtl.predict import MultiTaskClassifier

    out = tmp_path / "bin"
    run_cli(["fairseq-mtl-prepare", "fdu-mtl", "--raw-dir", raw_dir, "--out", out,
             "--dev-size", "8", "--pretrained", tiny_roberta])
    encoder = load_pretrained(tiny_roberta)
    tokenize = PRETRAINED_FORMATS["roberta"].tokenizer(encoder.tokenizer_files)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    lines = open(os.path.join(raw_dir, "alpha.task.test")).read().splitlines()
    data = make_dataset(str(out / "alpha" / "test"), impl="mmap")
    for i, line in enumerate(lines):
        assert data[i].tolist() == [d.index(t) for t in tokenize(line.split("\t")[1])] + [d.eos()]
    run_cli(train_args(out, tmp_path / "ck", "layerwise_explicit_transformer", "--pretrained",
                       tiny_roberta, "--max-update", "3", "--lr", "1e-3"))
    ckpt = tmp_path / "ck" / "checkpoint_last.pt"
    run_main(evaluate.cli_main, [ckpt, "--split", "test", "--out", tmp_path / "test"])
    correct = {r["task"]: r["correct"] for r in json.load(open(tmp_path / "test.json"))["tasks"]}
    m = MultiTaskClassifier.from_checkpoint(str(ckpt), device="cpu")
    for i, line in enumerate(lines):  # prediction tokenises raw text as preparation did
        assert m.encode(line.split("\t")[1])[0] == data[i].tolist()
    predictions = m.predict("alpha", [line.split("\t")[1] for line in lines])
    assert sum(p.label == line.split("\t")[0] for p, line in zip(predictions, lines)) == \
        correct["alpha"]


@pytest.mark.fast
def test_train_subsample_is_seeded_and_recorded(tmp_path, glue_bert, tiny_bert):
    raw, _ = glue_bert
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        run_main(prepare_main,
                 ["glue", "--raw-dir", raw, "--out", out, "--tasks", "CoLA,MRPC",
                  "--pretrained", tiny_bert, "--train-subsample", "MRPC:7"])
        outs.append(out)
    manifest = json.load(open(outs[0] / "manifest.json"))
    assert manifest["preparation"]["train_subsample"] == {"MRPC": {"kept": 7, "of": 24}}
    mrpc = next(t for t in manifest["tasks"] if t["name"] == "MRPC")
    assert mrpc["splits"]["train"] == 7 and mrpc["splits"]["valid"] == 12
    assert (outs[0] / "MRPC" / "train.bin").read_bytes() == \
        (outs[1] / "MRPC" / "train.bin").read_bytes()
    bad = run_main(prepare_main,
                   ["glue", "--raw-dir", raw, "--out", tmp_path / "c", "--tasks", "CoLA",
                    "--pretrained", tiny_bert, "--train-subsample", "SST-2:5"], check=False)
    assert bad.returncode == 1 and "--train-subsample: bad item 'SST-2:5'" in bad.stderr


@pytest.mark.fast
def test_freeze_embeddings_freezes_the_whole_input_block(tiny_bert):
    encoder = load_pretrained(tiny_bert)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    emb = pm.token_embedding(encoder.spec, d, encoder.weights, freeze=True)
    stack = pm.stack(encoder.spec, encoder.weights, 0.0, 0.0, freeze_embeddings=True)
    frozen = [p for p in list(emb.parameters()) + list(stack.positions.parameters())
              + list(stack.embed_norm.parameters())]
    assert frozen and not any(p.requires_grad for p in frozen)
    assert all(p.requires_grad for p in stack.layers.parameters())


@pytest.mark.fast
def test_task_token_movement_is_measured_from_cls(tiny_bert):
    from fairseq_mtl_tools.task_tokens import cls_start, movement, prefix_vectors

    start = cls_start(tiny_bert)
    encoder = load_pretrained(tiny_bert)
    d = fixed_dictionary(encoder.symbols, vars(encoder.specials))
    assert torch.equal(start, pm.cls_vector(encoder.weights, d.bos()))
    offset = torch.zeros_like(start)
    offset[0] = 0.1 * float(start.norm())
    state = {"scheme.task_embed.weight": torch.stack([start, start + offset, start - offset]),
             "scheme.other": torch.zeros(3)}
    vectors = prefix_vectors(state)
    assert list(vectors) == ["scheme.task_embed.weight"]
    m = movement(vectors["scheme.task_embed.weight"], start)
    assert [round(x, 6) for x in m["moved"]] == [0.0, 0.1, 0.1]
    assert m["cosine"][0] == pytest.approx(1.0)
    assert sorted(round(x, 6) for x in m["pairs"]) == [0.1, 0.1, 0.2]
