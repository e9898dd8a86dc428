"""``fairseq-mtl-list``: what the project offers, from its registries."""
import pytest

from conftest import plugin_archs
from fairseq_mtl_plugin import listing

pytestmark = pytest.mark.fast


def test_every_registered_thing_is_listed(capsys):
    from fairseq_mtl.data.formats import FORMATS
    from fairseq_mtl.data.samplers import SAMPLERS
    from fairseq_mtl.data.tokenizers import TOKENIZERS
    from fairseq_mtl.pretrained import PRETRAINED_FORMATS
    from fairseq_mtl.sharing import SCHEMES

    assert listing.cli_main(["--no-counts"]) == 0
    out = capsys.readouterr().out
    firsts = {line.split()[0] for line in out.splitlines() if line.strip()}
    for registry in (SCHEMES, SAMPLERS, FORMATS, TOKENIZERS, PRETRAINED_FORMATS):
        assert set(registry.names()) <= firsts
    assert set(plugin_archs()) <= firsts
    assert "ASP-MTL (paper Sec. 4, Fig. 3)" in out  # the arch function's docstring


def test_parameter_counts_are_the_models_own():
    """FS-MTL at its default size: one LSTM over 200-d vectors (4 x 100 x (200 + 100) weights,
    2 x 4 x 100 biases) and 16 two-class heads (16 x 202); ASP-MTL adds the discriminator to
    SP-MTL (100 -> 16, with bias); a single-task arch is 16 models."""
    assert listing.parameter_count("fs_lstm") == 120_800 + 16 * 202
    assert listing.parameter_count("asp_lstm") - listing.parameter_count("sp_lstm") == 1_616
    assert listing.parameter_count("st_lstm") == 16 * (120_800 + 202)
    assert listing.parameter_count("transfer_sc") is None


def test_a_section_alone_and_a_wrong_one(capsys):
    assert listing.cli_main(["samplers"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Task samplers") and "Archs" not in out
    with pytest.raises(SystemExit):
        listing.cli_main(["nonsense"])
    assert "unknown section 'nonsense'" in capsys.readouterr().err
