"""Tests of wordvec.deprecation, and of every name renamed by the README's "Names": the old spelling still works, warns
once naming the new one, and gives what the new one gives."""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

import wordvec
from wordvec.cli import main
from wordvec.deprecation import renamed_attributes, renamed_keywords

LINES = ["the king rules the land", "the queen rules the land", "a dog chases a cat", "a cat chases a dog"] * 20
TINY = dict(dim=2, min_count=1, window=2, subsample=0)


def test_a_renamed_keyword_warns_at_the_callers_line_and_reaches_the_new_name():
    @renamed_keywords(n="topn")
    def suggest(word: str, topn: int = 5) -> int:
        return topn

    with pytest.warns(DeprecationWarning, match=r"suggest\(n=\.\.\.\) is now .*suggest\(topn=\.\.\.\)") as caught:
        assert suggest("kingg", n=3) == 3
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert suggest("kingg", topn=4) == 4
    with pytest.raises(TypeError, match="old and new names of one argument"):
        suggest("kingg", n=1, topn=2)


def test_a_renamed_attribute_warns_and_gives_the_new_one():
    module = type(sys)("fake_module")
    module.NEW = 7
    sys.modules["fake_module"] = module
    try:
        module.__getattr__ = renamed_attributes("fake_module", {"OLD": "NEW"})
        with pytest.warns(DeprecationWarning, match="fake_module.OLD is now fake_module.NEW"):
            assert module.__getattr__("OLD") == 7
        with pytest.raises(AttributeError, match="no attribute 'MISSING'"):
            module.__getattr__("MISSING")
    finally:
        del sys.modules["fake_module"]


def test_build_weighting_is_now_distance_weighting():
    with pytest.warns(DeprecationWarning, match=r"build\(weighting=\.\.\.\) is now build\(distance_weighting=\.\.\.\)"):
        old = wordvec.build(LINES, weighting="uniform", **TINY)
    new = wordvec.build(LINES, distance_weighting="uniform", **TINY)
    assert old.params["distance_weighting"] == "uniform" and "weighting" not in old.params
    np.testing.assert_array_equal(old.vectors, new.vectors)
    with pytest.warns(DeprecationWarning, match=r"BuildParams\(weighting=\.\.\.\) is now"):
        assert wordvec.BuildParams(weighting="dynamic") == wordvec.BuildParams(distance_weighting="dynamic")


def test_the_cooccurrence_counters_weighting_is_now_distance_weighting():
    from wordvec import cooccur

    with pytest.warns(DeprecationWarning, match="distance_weighting"):
        old = cooccur.count_cooccurrences([np.array([0, 1, 2])], 3, window=2, weighting="uniform")
    new = cooccur.count_cooccurrences([np.array([0, 1, 2])], 3, window=2, distance_weighting="uniform")
    np.testing.assert_array_equal(old.toarray(), new.toarray())
    with pytest.warns(DeprecationWarning, match="distance_weighting"):
        assert cooccur.distance_weights(3, weighting="dynamic")[1] == 3
    with pytest.warns(DeprecationWarning, match="wordvec.cooccur.WEIGHTINGS is now wordvec.cooccur.DISTANCE_WEIGHTINGS"):
        assert cooccur.WEIGHTINGS == cooccur.DISTANCE_WEIGHTINGS


def test_the_weighting_module_is_now_ppmi():
    sys.modules.pop("wordvec.weighting", None)
    with pytest.warns(DeprecationWarning, match="wordvec.weighting is now wordvec.ppmi"):
        old = importlib.import_module("wordvec.weighting")
    from wordvec.ppmi import ppmi

    assert old.ppmi is ppmi


def test_a_model_built_before_the_rename_reads_its_weighting_as_distance_weighting(tmp_path):
    import json

    model = wordvec.build(LINES, **TINY)
    model.save(tmp_path / "m")
    meta_path = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["params"]["weighting"] = meta["params"].pop("distance_weighting")
    meta_path.write_text(json.dumps(meta))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = wordvec.load(tmp_path / "m")
    assert loaded.params["distance_weighting"] == "harmonic" and "weighting" not in loaded.params


def test_the_build_commands_weighting_is_now_distance_weighting(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(LINES) + "\n")
    args = ["build", str(corpus), "--dim", "2", "--min-count", "1", "--subsample", "0"]
    old = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "old"), "--weighting", "uniform"])
    assert old.exit_code == 0, old.output
    assert "warning: --weighting is now --distance-weighting" in old.stderr
    assert wordvec.load(tmp_path / "old").params["distance_weighting"] == "uniform"
    quiet = CliRunner().invoke(main, [*args, "-q", "-o", str(tmp_path / "quiet"), "--weighting", "uniform"])
    assert quiet.exit_code == 0 and quiet.output == "" and quiet.stderr == ""
    both = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "both"), "--weighting", "uniform",
                                     "--distance-weighting", "dynamic"])
    assert both.exit_code == 2 and "--weighting is the old name of --distance-weighting" in both.stderr
    assert "--weighting" not in CliRunner().invoke(main, ["build", "--help"]).output.replace("--distance-weighting", "")


@pytest.fixture(scope="module")
def model():
    return wordvec.build(LINES, **TINY)


def test_suggest_n_is_now_topn(model):
    with pytest.warns(DeprecationWarning, match=r"WordVectors.suggest\(n=\.\.\.\) is now"):
        assert model.suggest("kingg", n=1) == model.suggest("kingg", topn=1) == ["king"]


def test_word_maps_vectors_and_neighbours_are_now_model_and_topn(model):
    from wordvec.plot import word_map

    with pytest.warns(DeprecationWarning) as caught:
        old = word_map(vectors=model, words=["king"], neighbours=2)
    assert {str(warning.message).split(" is now")[0] for warning in caught} == {
        "word_map(vectors=...)", "word_map(neighbours=...)"
    }
    new = word_map(model, ["king"], topn=2)
    assert old.words == new.words and np.array_equal(old.coordinates, new.coordinates)


def test_the_plot_commands_neighbours_is_now_topn(tmp_path, model):
    model.save(tmp_path / "m")
    result = CliRunner().invoke(main, ["plot", "king", "-m", str(tmp_path / "m"), "-o", str(tmp_path / "a.png"),
                                       "--neighbours", "2"])
    assert result.exit_code == 0, result.output
    assert "warning: --neighbours is now --topn" in result.stderr and "3 words" in result.stdout


def test_polarity_scores_n_neighbors_and_vectors_are_now_graph_topn_and_model(model):
    from wordvec.polarity import polarity_scores

    with pytest.warns(DeprecationWarning) as caught:
        old = polarity_scores(vectors=model, positive_seeds=["king"], negative_seeds=["dog"], n_neighbors=2)
    assert sorted(str(warning.message).split(";")[0] for warning in caught) == [
        "polarity_scores(n_neighbors=...) is now polarity_scores(graph_topn=...)",
        "polarity_scores(vectors=...) is now polarity_scores(model=...)",
    ]
    assert old == polarity_scores(model, ["king"], ["dog"], graph_topn=2)
    with pytest.warns(DeprecationWarning, match="graph_topn"):
        assert model.polarity(["king"], ["dog"], n_neighbors=2) == old


def test_the_document_features_vectors_is_now_model(model):
    from wordvec.features import DocumentVectorizer, document_vector, sif_weights

    with pytest.warns(DeprecationWarning, match=r"DocumentVectorizer\(vectors=\.\.\.\) is now"):
        old = DocumentVectorizer(vectors=model, weighting="mean")
    assert old.get_params() == DocumentVectorizer(model, weighting="mean").get_params()
    with pytest.warns(DeprecationWarning, match="DocumentVectorizer.vectors is now DocumentVectorizer.model"):
        assert old.vectors is model
    with pytest.warns(DeprecationWarning, match=r"set_params\(vectors=\.\.\.\)"):
        assert old.set_params(vectors=model).model is model
    with pytest.warns(DeprecationWarning, match=r"sif_weights\(vectors=\.\.\.\)"):
        np.testing.assert_array_equal(sif_weights(vectors=model), sif_weights(model))
    with pytest.warns(DeprecationWarning, match=r"document_vector\(vectors=\.\.\.\)"):
        np.testing.assert_array_equal(document_vector(vectors=model, text="the king"), document_vector(model, "the king"))
