"""Tests of wordvec.explain and `wordvec explain`: the shared contexts behind a similarity."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wordvec.cli import main
from wordvec.errors import ModelError, UnknownWordError
from wordvec.explain import explain
from wordvec.incremental import build_keeping_corpus, save_with_corpus

#: Counts of a made-up corpus: "a" and "b" share the contexts "x" and "y".
LINES = ["a x", "a y", "b x", "b y", "c z", "a x", "c w"]


@pytest.fixture(scope="module")
def kept_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explain") / "model"
    model, counted = build_keeping_corpus(LINES, dim=2, min_count=1, window=1, subsample=0, cds=1.0)
    save_with_corpus(model, counted, path)
    return path


def ppmi_by_hand(lines: list[str]) -> dict[tuple[str, str], float]:
    """PPMI (cds=1, neg=1) of adjacent word pairs, both directions, counted by hand from the lines."""
    pairs: dict[tuple[str, str], int] = {}
    for line in lines:
        left, right = line.split()
        pairs[left, right] = pairs.get((left, right), 0) + 1
        pairs[right, left] = pairs.get((right, left), 0) + 1
    total = sum(pairs.values())
    rows: dict[str, int] = {}
    for (word, _), number in pairs.items():
        rows[word] = rows.get(word, 0) + number
    return {
        (word, context): max(math.log(number * total / (rows[word] * rows[context])), 0.0)
        for (word, context), number in pairs.items()
    }


def test_contexts_are_the_products_of_the_ppmi_rows(kept_model):
    expected = ppmi_by_hand(LINES)
    result = explain(kept_model, "a", "b")
    assert [context for context, *_ in result.contexts] == ["y", "x"]  # y is rarer, so its PMI is larger
    for context, product, first, second in result.contexts:
        assert first == pytest.approx(expected["a", context], rel=1e-5)
        assert second == pytest.approx(expected["b", context], rel=1e-5)
        assert product == pytest.approx(first * second, rel=1e-6)
    dot = sum(expected["a", c] * expected["b", c] for c in "xy")
    norm_a = math.sqrt(sum(v * v for (w, _), v in expected.items() if w == "a"))
    norm_b = math.sqrt(sum(v * v for (w, _), v in expected.items() if w == "b"))
    assert result.ppmi_cosine == pytest.approx(dot / (norm_a * norm_b), rel=1e-5)
    assert result.share == pytest.approx(1.0)


def test_words_without_shared_contexts_have_none(kept_model):
    result = explain(kept_model, "a", "c")
    assert result.contexts == []
    assert result.ppmi_cosine == 0.0


def test_topn_limits_the_list(kept_model):
    result = explain(kept_model, "a", "b", topn=1)
    assert [context for context, *_ in result.contexts] == ["y"]
    assert 0 < result.share < 1


def test_cli_explain_table_and_json(kept_model, runner):
    result = runner.invoke(main, ["explain", "a", "b", "-m", str(kept_model)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("a ~ b: similarity ")
    assert lines[1].split() == ["context", "product", "PPMI", "a", "PPMI", "b"]
    assert [line.split()[0] for line in lines[2:]] == ["y", "x"]
    result = runner.invoke(main, ["explain", "a", "b", "-m", str(kept_model), "--json"])
    data = json.loads(result.output)
    assert [entry["context"] for entry in data["contexts"]] == ["y", "x"]
    assert data["contexts"][0]["product"] == pytest.approx(data["contexts"][0]["ppmi1"] * data["contexts"][0]["ppmi2"])


def test_unknown_word_and_model_without_counts(kept_model, model_path, runner):
    with pytest.raises(UnknownWordError):
        explain(kept_model, "a", "nosuchword")
    with pytest.raises(ModelError, match="keeps no corpus"):
        explain(model_path, "king", "queen")
    result = runner.invoke(main, ["explain", "king", "queen", "-m", str(model_path)])
    assert result.exit_code == 1
    assert "rebuild it with `wordvec build CORPUS --keep-corpus" in result.output


def test_model_on_real_text_explains_king_and_queen(tmp_path):
    corpus = Path(__file__).resolve().parents[1] / "corpora" / "austen.txt.gz"
    model, counted = build_keeping_corpus([corpus], dim=50)
    save_with_corpus(model, counted, tmp_path / "austen")
    result = explain(tmp_path / "austen", "sister", "brother", topn=5)
    assert len(result.contexts) == 5
    products = [product for _, product, *_ in result.contexts]
    assert products == sorted(products, reverse=True)
    assert np.isclose(result.similarity, model.similarity("sister", "brother"))


@pytest.mark.parametrize("file_format, name", [
    ("word2vec", "vectors.vec"), ("glove", "vectors.txt"), ("word2vec-binary", "vectors.bin"), ("npy", "vectors.npy"),
])
def test_explain_on_a_vectors_file_needs_a_model_directory(kept_model, tmp_path, runner, file_format, name):
    from wordvec.storage import save_vectors
    from wordvec.storage import load_model

    vectors = tmp_path / name
    save_vectors(load_model(kept_model), vectors, file_format)
    message = f"{str(vectors)!r} is a vectors file, not a model directory: explain needs a wordvec model built with " \
        "`wordvec build CORPUS --keep-corpus -o MODEL`"
    with pytest.raises(ModelError) as caught:
        explain(vectors, "a", "b")
    assert str(caught.value) == message
    result = runner.invoke(main, ["explain", "a", "b", "-m", str(vectors)])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_explain_in_a_process_on_column_indices_outside_the_vocabulary(kept_model, tmp_path):
    # scipy's kernels trust a CSR matrix: these indices made the process die of SIGSEGV (exit 139).
    path = tmp_path / "model"
    shutil.copytree(kept_model, path)
    indices = np.load(path / "counts-indices.npy")
    indices[:] = 10**9
    np.save(path / "counts-indices.npy", indices)
    completed = subprocess.run(
        [sys.executable, "-m", "wordvec.cli", "explain", "a", "b", "-m", str(path)], capture_output=True, text=True,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == (
        f"Error: {str(path)!r} has a corrupt counts-indices.npy (column 1000000000 of row 0 is outside the vocabulary "
        f"of 7 words); rebuild the model with `wordvec build CORPUS --keep-corpus -o {path}`\n"
    )
    assert completed.stdout == ""


def test_explain_takes_a_loaded_model_or_its_directory(kept_model):
    import wordvec

    model = wordvec.load(kept_model)
    assert model.path == kept_model
    from_model = explain(model, "a", "b", topn=3)
    assert from_model == explain(kept_model, "a", "b", topn=3)
    with pytest.warns(DeprecationWarning, match=r"explain\(model_path=\.\.\.\) is now explain\(model=\.\.\.\)"):
        assert explain(model_path=kept_model, word1="a", word2="b", topn=3) == from_model


def test_explain_of_vectors_not_loaded_from_a_directory_says_what_it_needs(kept_model):
    import wordvec

    model = wordvec.load(kept_model)
    detached = wordvec.WordVectors(model.words, np.asarray(model.vectors))
    with pytest.raises(ModelError, match=r"explain needs the kept corpus beside the vectors: pass a model loaded from its directory"):
        explain(detached, "a", "b")
