"""Tests of wordvec.pipeline: whole builds from Python lines and files, parameters and statistics."""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import pytest

import wordvec
from wordvec.cooccur import CooccurrenceCounter
from wordvec.errors import CorpusError, ParameterError
from wordvec.pipeline import BuildParams, build, count, factorize
from wordvec.vocab import TokenSpool

# Three pairs of words used in identical contexts (king/queen, dog/cat, bread/cheese), each in its own sentence.
TWIN_LINES = [
    "the king rules the land wisely",
    "the queen rules the land wisely",
    "a dog chases the ball outside",
    "a cat chases the ball outside",
    "we eat fresh bread daily",
    "we eat fresh cheese daily",
] * 10


def small_build(lines, **params):
    return build(lines, **{"dim": 6, "min_count": 1, "window": 2, **params})


def test_words_in_identical_contexts_are_nearest():
    model = small_build(TWIN_LINES)
    assert model.most_similar("king", topn=1)[0][0] == "queen"
    assert model.most_similar("cat", topn=1)[0][0] == "dog"
    assert model.most_similar("bread", topn=1)[0][0] == "cheese"
    assert model.similarity("king", "queen") == pytest.approx(1.0, abs=1e-4)
    assert model.similarity("king", "queen") > model.similarity("king", "dog") + 0.3


def test_docstring_example():
    lines = ["the king rules the land", "the queen rules the land"] * 20
    assert wordvec.build(lines, dim=2, min_count=1, window=2).most_similar("king", topn=1)[0][0] == "queen"


@pytest.mark.parametrize("word, group", [
    ("king", "royalty"), ("queen", "royalty"), ("dog", "animals"), ("bread", "foods"), ("castle", "royal_places"),
    ("cook", "cooks"),
])
def test_topics_of_the_small_corpus_cluster(royal_lines, word_groups, word, group):
    model = build(royal_lines, dim=20, min_count=2, window=5)
    neighbours = [w for w, _ in model.most_similar(word, topn=4)]
    assert sum(w in word_groups[group] for w in neighbours) >= 3, neighbours


def test_vocabulary_and_counts(royal_lines):
    model = build(royal_lines, dim=10, min_count=1)
    expected = Counter(word for line in royal_lines for word in line.lower().split())
    assert len(model) == len(expected) > 100
    assert dict(zip(model.words, model.counts.tolist())) == dict(expected)
    ranked = [(-frequency, word) for word, frequency in expected.items()]
    assert model.words == [word for _, word in sorted(ranked)]


def test_min_count_and_max_vocab(royal_lines):
    model = build(royal_lines, dim=5, min_count=20, max_vocab=30)
    assert len(model) == 30
    assert model.counts.min() >= 20
    assert list(model.counts) == sorted(model.counts, reverse=True)


def test_vectors_are_unit_length_float32(royal_lines):
    model = build(royal_lines, dim=8, min_count=2)
    assert model.vectors.shape == (len(model), 8)
    assert model.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(model.vectors, axis=1), 1.0, rtol=1e-5)


def test_normalize_false_keeps_raw_lengths(royal_lines):
    model = build(royal_lines, dim=8, min_count=2, eig=1.0, normalize=False)
    norms = np.linalg.norm(model.vectors, axis=1)
    assert norms.max() > 1.5 * norms.min()


def test_same_seed_gives_identical_vectors(royal_lines):
    params = dict(dim=8, min_count=2, subsample=0.01, seed=3)
    first, second = build(royal_lines, **params), build(royal_lines, **params)
    assert first.words == second.words
    np.testing.assert_array_equal(first.vectors, second.vectors)


def test_subsampling_seed_changes_the_counts(royal_lines):
    first = count(royal_lines, dim=8, min_count=2, subsample=0.01, seed=1).matrix
    second = count(royal_lines, dim=8, min_count=2, subsample=0.01, seed=2).matrix
    unsampled = count(royal_lines, dim=8, min_count=2).matrix
    assert (first != second).nnz > 0
    assert first.sum() < unsampled.sum()


@pytest.mark.parametrize("block", [50, 333])
@pytest.mark.parametrize("subsample", [0.0, 0.01])
def test_spool_block_size_does_not_change_the_result(royal_lines, monkeypatch, block, subsample):
    params = dict(dim=8, min_count=2, window=4, subsample=subsample, seed=5)
    expected = build(royal_lines, **params)

    sizes = []
    add = CooccurrenceCounter.add

    def recording_add(self, ids, offset=0):
        sizes.append(len(ids))
        return add(self, ids, offset)

    monkeypatch.setattr(TokenSpool, "iter_blocks", functools.partialmethod(TokenSpool.iter_blocks, block))
    monkeypatch.setattr(CooccurrenceCounter, "add", recording_add)
    chunked = build(royal_lines, **params)
    assert len(sizes) > 3 and max(sizes) == block
    np.testing.assert_array_equal(chunked.vectors, expected.vectors)


def test_count_then_factorize_equals_build(royal_lines):
    params = dict(dim=7, min_count=2, window=3, cds=1.0, eig=0.5)
    counts = count(royal_lines, **params)
    assert counts.matrix.shape == (len(counts.vocabulary), len(counts.vocabulary))
    np.testing.assert_array_equal(factorize(counts, **params).vectors, build(royal_lines, **params).vectors)


def test_counts_of_a_tiny_corpus_by_hand():
    counts = count(["a b c a", "b x c", "a x c b"], dim=1, min_count=3, window=2)
    assert counts.vocabulary.words == ["a", "b", "c"]
    np.testing.assert_array_equal(counts.matrix.toarray(), [[0, 2, 2.5], [2, 0, 3], [2.5, 3, 0]])


@pytest.mark.parametrize("params", [
    dict(weighting="dynamic"), dict(weighting="uniform"), dict(cds=1.0), dict(neg=5.0), dict(eig=1.0),
    dict(add_context=True), dict(power_iterations=0, oversamples=0),
])
def test_hyperparameters_change_the_vectors(royal_lines, params):
    baseline = build(royal_lines, dim=8, min_count=2)
    model = build(royal_lines, dim=8, min_count=2, **params)
    assert model.params == {**baseline.params, **params}
    assert np.isfinite(model.vectors).all()
    assert model.words == baseline.words
    assert not np.allclose(model.vectors, baseline.vectors, atol=1e-4)


def test_nltk_tokenizer_on_plain_words_gives_the_regex_result(royal_lines):
    nltk_model = build(royal_lines, dim=8, min_count=2, tokenizer="nltk")
    regex_model = build(royal_lines, dim=8, min_count=2)
    assert nltk_model.params["tokenizer"] == "nltk"
    assert nltk_model.words == regex_model.words
    np.testing.assert_array_equal(nltk_model.vectors, regex_model.vectors)


def test_build_from_a_compressed_file_and_a_directory(royal_corpus_file, royal_lines):
    from_lines = build(royal_lines, dim=8, min_count=2)
    from_file = build(royal_corpus_file, dim=8, min_count=2)
    from_directory = build(royal_corpus_file.parent, dim=8, min_count=2)
    assert from_file.words == from_lines.words
    np.testing.assert_array_equal(from_file.vectors, from_lines.vectors)
    np.testing.assert_array_equal(from_directory.vectors, from_lines.vectors)
    assert from_file.stats["files"] == 1
    assert from_file.stats["corpus"] == [str(royal_corpus_file)]


def test_stats(royal_lines):
    model = build(royal_lines, dim=8, min_count=2)
    stats = model.stats
    assert {"tokens", "lines", "vocab_size", "replaced_bytes", "seconds"} <= set(stats)
    assert stats["tokens"] == sum(len(line.split()) for line in royal_lines)
    assert stats["lines"] == len(royal_lines)
    assert stats["vocab_size"] == len(model)
    assert stats["distinct_words"] == 106
    assert stats["replaced_bytes"] == 0
    assert set(stats["seconds"]) == {"read_tokenize", "vocabulary", "count", "weight", "svd"}
    assert all(seconds >= 0 for seconds in stats["seconds"].values())
    assert stats["cooccurrence_pairs"] > stats["ppmi_nonzeros"] > 0
    assert len(stats["singular_values"]) == 8
    assert stats["singular_values"] == sorted(stats["singular_values"], reverse=True)


def test_replaced_bytes_are_reported(tmp_path, write_compressed, royal_lines):
    data = ("\n".join(royal_lines) + "\n").encode() + b"the king \xff\xfe\x80 rules\n"
    path = write_compressed(tmp_path / "bad.txt", data, "gz")
    assert build(path, dim=8, min_count=2).stats["replaced_bytes"] == 3


def test_params_are_recorded(royal_lines):
    model = build(royal_lines, dim=8, min_count=2, window=3, cds=1.0)
    assert model.params == {**BuildParams().__dict__, "dim": 8, "min_count": 2, "window": 3, "cds": 1.0}


def test_progress_is_reported_by_stage(royal_corpus_file):
    calls = []
    build(royal_corpus_file, dim=8, min_count=2, progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = [stage for stage, _, _ in calls]
    assert stages.index("read") < stages.index("count") < stages.index("weight") < stages.index("svd")
    read = [(done, total) for stage, done, total in calls if stage == "read"]
    assert read[-1] == (royal_corpus_file.stat().st_size, royal_corpus_file.stat().st_size)


def test_dim_not_below_the_vocabulary_size():
    with pytest.raises(ParameterError, match=r"dim must be smaller than the vocabulary size; got dim=18 >= 18 words"):
        small_build(TWIN_LINES, dim=18)
    # With min_count=20 the twelve words seen 20 or more times remain (the six twins are seen 10 times).
    with pytest.raises(ParameterError, match=r"got dim=12 >= 12 words \(of 18 distinct, min_count=20\)"):
        small_build(TWIN_LINES, dim=12, min_count=20)
    assert len(small_build(TWIN_LINES, dim=11, min_count=20)) == 12


@pytest.mark.parametrize("corpus", [[], [""], ["", "  ...  ", "!!"]], ids=["no-lines", "empty-line", "punctuation"])
def test_empty_corpus(corpus):
    with pytest.raises(CorpusError, match=r"the corpus has no words \(<python iterable>\); give it some text"):
        build(corpus, dim=2, min_count=1)


def test_empty_compressed_file(tmp_path, write_compressed):
    path = write_compressed(tmp_path / "empty.txt", b"", "gz")
    with pytest.raises(CorpusError, match=f"the corpus has no words \\({path}\\)"):
        build(path, dim=2, min_count=1)


def test_missing_corpus_file(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        build(tmp_path / "missing.txt", dim=2)


@pytest.mark.parametrize("params, message", [
    (dict(dim=0), "dim must be >= 1; got 0"),
    (dict(window=0), "window must be between 1 and 20; got 0"),
    (dict(window=21), "window must be between 1 and 20; got 21"),
    (dict(min_count=0), "min_count must be >= 1; got 0"),
    (dict(max_vocab=1), "max_vocab must be >= 2; got 1"),
    (dict(weighting="gaussian"), "weighting must be one of harmonic, dynamic, uniform; got 'gaussian'"),
    (dict(subsample=-0.1), r"subsample must be in \[0, 1\); got -0.1"),
    (dict(subsample=1.0), r"subsample must be in \[0, 1\); got 1.0"),
    (dict(cds=0), r"cds must be in \(0, 10\]; got 0"),
    (dict(cds=float("nan")), r"cds must be in \(0, 10\]; got nan"),
    (dict(neg=0), r"neg must be in \(0, 1e6\]; got 0"),
    (dict(eig=11), r"eig must be in \[-10, 10\]; got 11"),
    (dict(tokenizer="spacy"), "tokenizer must be one of regex, nltk; got 'spacy'"),
    (dict(power_iterations=51), r"power_iterations must be in \[0, 50\]; got 51"),
    (dict(oversamples=-1), r"oversamples must be in \[0, 1000\]; got -1"),
    (dict(seed=-1), r"seed must be in \[0, 2\*\*63\); got -1"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ParameterError, match=message):
        build(TWIN_LINES, **{"dim": 2, "min_count": 1, **params})


def test_bad_parameters_are_rejected_before_reading_the_corpus():
    def corpus():
        raise AssertionError("the corpus was read")
        yield

    with pytest.raises(ParameterError, match="window"):
        build(corpus(), dim=2, window=0)


def test_unknown_keyword():
    with pytest.raises(ParameterError, match=r"^build\(\) got an unexpected keyword argument 'dimension'$"):
        build(TWIN_LINES, dimension=5)


def test_parameter_error_is_a_value_error():
    with pytest.raises(ValueError):
        build(TWIN_LINES, dim=-1)
