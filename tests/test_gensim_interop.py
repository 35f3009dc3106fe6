"""Round trips with gensim itself: vectors written by wordvec read by gensim, and the other way."""

from __future__ import annotations

import numpy as np
import pytest
from gensim import models as gensim_models  # in the [test] extra: these tests run in CI

from wordvec.storage import save_vectors
from wordvec.storage import load_model
from wordvec.vectors import WordVectors

WORDS = ["the", "king", "queen", "prince", "café", "don't", "\U0001f600", "x"] + [f"w{i}" for i in range(40)]


@pytest.fixture(scope="module")
def model() -> WordVectors:
    vectors = np.random.default_rng(2).normal(size=(len(WORDS), 12)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return WordVectors(WORDS, vectors, params={"normalize": True})


def neighbours_in_gensim(keyed_vectors, word: str) -> list[str]:
    return [other for other, _ in keyed_vectors.most_similar(word, topn=5)]


def neighbours_in_wordvec(model: WordVectors, word: str) -> list[str]:
    return [other for other, _ in model.most_similar(word, topn=5)]


@pytest.mark.parametrize("name, binary", [("vectors.bin", True), ("vectors.vec", False)])
def test_gensim_reads_what_wordvec_writes(model, tmp_path, name, binary):
    save_vectors(model, tmp_path / name)
    loaded = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=binary)
    assert list(loaded.index_to_key) == model.words
    np.testing.assert_allclose(loaded.vectors, model.vectors, rtol=1e-5, atol=1e-6)
    for word in ("king", "café", "\U0001f600"):
        assert neighbours_in_gensim(loaded, word) == neighbours_in_wordvec(model, word)


def test_gensim_reads_wordvec_glove_files(model, tmp_path):
    save_vectors(model, tmp_path / "glove.txt", "glove")
    loaded = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "glove.txt"), binary=False, no_header=True)
    assert list(loaded.index_to_key) == model.words
    assert neighbours_in_gensim(loaded, "queen") == neighbours_in_wordvec(model, "queen")


@pytest.mark.parametrize("name, binary", [("gensim.bin", True), ("gensim.vec", False)])
def test_wordvec_reads_what_gensim_writes(tmp_path, name, binary):
    keyed = gensim_models.KeyedVectors(vector_size=12)
    rng = np.random.default_rng(5)
    keyed.add_vectors(WORDS, rng.normal(size=(len(WORDS), 12)).astype(np.float32))
    keyed.save_word2vec_format(str(tmp_path / name), binary=binary)
    loaded = load_model(tmp_path / name)  # as every -m option reads it
    assert loaded.words == WORDS
    np.testing.assert_allclose(loaded.vectors, keyed.vectors, rtol=1e-5, atol=1e-6)
    for word in ("the", "prince", "don't"):
        assert neighbours_in_wordvec(loaded, word) == neighbours_in_gensim(keyed, word)


def test_vectors_trained_by_gensim_answer_queries_in_wordvec(tmp_path):
    sentences = [["the", "king", "rules", "the", "land"], ["the", "queen", "rules", "the", "land"]] * 50
    trained = gensim_models.Word2Vec(sentences, vector_size=8, min_count=1, window=2, seed=1, workers=1, epochs=2)
    trained.wv.save_word2vec_format(str(tmp_path / "w2v.bin"), binary=True)
    loaded = load_model(tmp_path / "w2v.bin")
    assert set(loaded.words) == set(trained.wv.index_to_key)
    assert neighbours_in_wordvec(loaded, "king") == neighbours_in_gensim(trained.wv, "king")
