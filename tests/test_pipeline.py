"""Tests of wordvec.pipeline: whole builds from Python lines and files, parameters and statistics."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec
from wordvec.arrays import unit_rows
import wordvec.corpus as corpus_module
import wordvec.vocab as vocab_module
from wordvec.cooccur import CooccurrenceCounter
from wordvec.errors import CorpusError, ParameterError
from conftest import ROYAL_MANNERS, ROYAL_VERBS
from wordvec.options import MAX_CDS, MAX_EIG, MAX_NEG
from wordvec.pipeline import (
    PARALLEL_ERROR_SHARE, PARALLEL_WARNING_SHARE, BuildParams, CountedCorpus, build, count_corpus, factorize,
    main_direction_share,
)
from wordvec.storage import load_model, save_model

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
    """A tiny model from its contexts alone (n-grams would pull words of like spelling together)."""
    return build(lines, **{"dim": 6, "min_count": 1, "window": 2, "subsample": 0.0, "subwords": False, **params})


def test_words_in_identical_contexts_are_nearest():
    model = small_build(TWIN_LINES)
    assert model.most_similar("king", topn=1)[0][0] == "queen"
    assert model.most_similar("cat", topn=1)[0][0] == "dog"
    assert model.most_similar("bread", topn=1)[0][0] == "cheese"
    assert model.similarity("king", "queen") == pytest.approx(1.0, abs=1e-4)
    assert model.similarity("king", "queen") > model.similarity("king", "dog") + 0.3


def test_docstring_example():
    lines = ["the king rules the land", "the queen rules the land"] * 20
    assert wordvec.build(lines, dim=2, min_count=1, window=2, subsample=0).most_similar("king", topn=1)[0][0] == "queen"


@pytest.mark.parametrize("word, group", [
    ("king", "royalty"), ("queen", "royalty"), ("dog", "animals"), ("bread", "foods"), ("castle", "royal_places"),
    ("cook", "cooks"),
])
def test_topics_of_the_small_corpus_cluster(royal_lines, word_groups, word, group):
    # Without w+c the vectors reflect substitutability only, which is what the groups encode.
    model = build(royal_lines, dim=20, min_count=2, window=5, add_context=False, subsample=0.0)
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
    # Without subsampling: on a corpus this small it can leave a frequent word no context (a zero row).
    model = build(royal_lines, dim=8, min_count=2, subsample=0.0)
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
    first = count_corpus(royal_lines, dim=8, min_count=2, subsample=0.01, seed=1).matrix
    second = count_corpus(royal_lines, dim=8, min_count=2, subsample=0.01, seed=2).matrix
    unsampled = count_corpus(royal_lines, dim=8, min_count=2, subsample=0.0).matrix
    assert (first != second).nnz > 0
    assert first.sum() < unsampled.sum()


@pytest.mark.parametrize("block", [1, 3, 50, 333])
@pytest.mark.parametrize("subsample", [0.0, 0.01])
def test_spool_block_size_does_not_change_the_result(royal_lines, monkeypatch, block, subsample):
    params = dict(dim=8, min_count=2, window=4, subsample=subsample, seed=5)
    expected = build(royal_lines, **params)

    sizes = []
    add = CooccurrenceCounter.add

    def recording_add(self, ids, offset=0):
        sizes.append(len(ids))
        return add(self, ids, offset)

    monkeypatch.setattr(vocab_module, "SPOOL_BLOCK", block)
    monkeypatch.setattr(CooccurrenceCounter, "add", recording_add)
    chunked = build(royal_lines, **params)
    # The spool is read in blocks of the patched size: the module constant is read when the build runs.
    assert len(sizes) > 3 and max(sizes) == block
    assert sum(sizes) == sum(len(line.split()) + 1 for line in royal_lines)
    assert chunked.words == expected.words
    np.testing.assert_array_equal(chunked.vectors, expected.vectors)


def test_count_then_factorize_equals_build(royal_lines):
    params = dict(dim=7, min_count=2, window=3, cds=1.0, eig=0.5)
    counted = count_corpus(royal_lines, **params)
    assert counted.matrix.shape == (len(counted.vocabulary), len(counted.vocabulary))
    np.testing.assert_array_equal(factorize(counted, **params).vectors, build(royal_lines, **params).vectors)


def test_the_old_names_of_count_corpus_and_counted_corpus_warn_and_still_work(royal_lines):
    import wordvec.pipeline as pipeline

    params = dict(dim=7, min_count=2, window=3)
    with pytest.warns(DeprecationWarning, match="wordvec.pipeline.count is now wordvec.pipeline.count_corpus"):
        from wordvec.pipeline import count
    with pytest.warns(DeprecationWarning, match="wordvec.pipeline.Counts is now wordvec.pipeline.CountedCorpus"):
        assert pipeline.Counts is CountedCorpus
    assert count is count_corpus
    counted, expected = count(royal_lines, **params), count_corpus(royal_lines, **params)
    assert counted.vocabulary.words == expected.vocabulary.words
    assert (counted.matrix != expected.matrix).nnz == 0
    with pytest.warns(DeprecationWarning, match=r"factorize\(counts=\.\.\.\) is now factorize\(counted=\.\.\.\)"):
        old_keyword = factorize(counts=counted, **params)
    np.testing.assert_array_equal(old_keyword.vectors, factorize(counted, **params).vectors)
    with pytest.raises(TypeError, match="counted"):
        factorize(**params)
    with pytest.raises(AttributeError):
        pipeline.no_such_name  # noqa: B018


def test_lines_shorter_than_the_window():
    # Each line "a b c" with window 5: a-b and b-c at distance 1 (weight 1), a-c at distance 2 (1/2); three lines.
    counted = count_corpus(["a b c"] * 3, dim=1, min_count=1, subsample=0.0)
    assert counted.vocabulary.words == ["a", "b", "c"]
    np.testing.assert_array_equal(counted.matrix.toarray(), [[0, 3, 1.5], [3, 0, 3], [1.5, 3, 0]])
    model = wordvec.build(["a b c"] * 3, dim=1, min_count=1, subsample=0.0)
    assert model.words == ["a", "b", "c"]
    assert model.vectors.shape == (3, 1)
    assert np.isfinite(model.vectors).all()


def test_corpus_shorter_than_the_window():
    counted = count_corpus(["a b"], dim=1, min_count=1, window=20, subsample=0.0)
    np.testing.assert_array_equal(counted.matrix.toarray(), [[0, 1], [1, 0]])


def test_counts_of_a_tiny_corpus_by_hand():
    counted = count_corpus(["a b c a", "b x c", "a x c b"], dim=1, min_count=3, window=2, subsample=0.0)
    assert counted.vocabulary.words == ["a", "b", "c"]
    np.testing.assert_array_equal(counted.matrix.toarray(), [[0, 2, 2.5], [2, 0, 3], [2.5, 3, 0]])


@pytest.mark.parametrize("params", [
    dict(distance_weighting="dynamic"), dict(distance_weighting="uniform"), dict(cds=1.0), dict(neg=5.0), dict(eig=1.0),
    dict(add_context=False), dict(power_iterations=0, oversamples=0),
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


def test_build_from_a_file_and_a_directory(royal_corpus_file, royal_lines):
    from_lines = build(royal_lines, dim=8, min_count=2)
    from_file = build(royal_corpus_file, dim=8, min_count=2)
    from_directory = build(royal_corpus_file.parent, dim=8, min_count=2)
    assert from_file.words == from_lines.words
    np.testing.assert_array_equal(from_file.vectors, from_lines.vectors)
    np.testing.assert_array_equal(from_directory.vectors, from_lines.vectors)
    assert from_file.stats["files"] == 1
    assert from_file.stats["corpus"] == [str(royal_corpus_file)]


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_compressed_file_builds_the_vectors_of_the_plain_file(tmp_path, royal_corpus_file, write_corpus, compression):
    compressed = write_corpus(tmp_path / "royal.txt", royal_corpus_file.read_bytes(), compression)
    from_plain = build(royal_corpus_file, dim=8, min_count=2)
    from_compressed = build(compressed, dim=8, min_count=2)
    assert from_compressed.words == from_plain.words
    np.testing.assert_array_equal(from_compressed.vectors, from_plain.vectors)
    assert from_compressed.stats["tokens"] == from_plain.stats["tokens"]
    assert from_compressed.stats["lines"] == from_plain.stats["lines"]


def test_directory_mixing_plain_and_compressed_files(tmp_path, royal_lines, write_corpus):
    # The corpus in three consecutive parts, one plain and two compressed, named in reading order.
    parts = [royal_lines[:100], royal_lines[100:250], royal_lines[250:]]
    for name, part, compression in zip(["1.txt", "2.txt", "3.txt"], parts, [None, "gz", "xz"]):
        write_corpus(tmp_path / name, "\n".join(part).encode("utf-8"), compression)
    from_directory = build(tmp_path, dim=8, min_count=2)
    from_lines = build(royal_lines, dim=8, min_count=2)
    assert from_directory.stats["files"] == 3
    assert from_directory.stats["lines"] == len(royal_lines)
    assert from_directory.words == from_lines.words
    np.testing.assert_array_equal(from_directory.vectors, from_lines.vectors)


@pytest.mark.parametrize("make_source", [
    lambda path: (p for p in [path]),
    lambda path: {path},
    lambda path: [path],
], ids=["generator", "set", "list"])
def test_build_from_a_collection_of_paths(royal_corpus_file, royal_lines, make_source):
    model = build(make_source(royal_corpus_file), dim=8, min_count=2)
    assert model.stats["corpus"] == [str(royal_corpus_file)]
    np.testing.assert_array_equal(model.vectors, build(royal_lines, dim=8, min_count=2).vectors)


def test_build_from_a_generator_of_lines(royal_lines):
    model = build((line for line in royal_lines), dim=8, min_count=2)
    assert model.stats["corpus"] == ["<python iterable>"]
    np.testing.assert_array_equal(model.vectors, build(royal_lines, dim=8, min_count=2).vectors)


def test_build_from_standard_input(royal_lines, fake_stdin):
    buffer = fake_stdin(("\n".join(royal_lines) + "\n").encode("utf-8"))
    from_stdin = build("-", dim=8, min_count=2)
    from_lines = build(royal_lines, dim=8, min_count=2)
    assert not buffer.closed
    assert from_stdin.stats["corpus"] == ["-"]
    assert from_stdin.stats["lines"] == len(royal_lines)
    assert from_stdin.words == from_lines.words
    np.testing.assert_array_equal(from_stdin.vectors, from_lines.vectors)


@pytest.mark.parametrize("tokenizer", ["regex", "nltk"])
def test_long_lines_are_not_broken(tmp_path, monkeypatch, royal_lines, tokenizer):
    # One line of the whole corpus, and a short line; read in tiny pieces, the long line is cut at
    # whitespace many times, and no cut may end a line (windows would stop at it).
    path = tmp_path / "long.txt"
    path.write_text(" ".join(royal_lines) + "\nthe king and the queen\n", encoding="utf-8")
    params = dict(dim=8, min_count=2, window=5, tokenizer=tokenizer)
    expected_counted = count_corpus(path, **params)
    expected_model = build(path, **params)

    monkeypatch.setattr(corpus_module, "MAX_PENDING_CHARS", 50)
    monkeypatch.setattr(corpus_module, "SNIFF_BYTES", 32)
    monkeypatch.setattr(corpus_module, "READ_BYTES", 40)
    assert max(len(piece) for piece in corpus_module.Corpus(path).iter_text()) <= 90
    counted = count_corpus(path, **params)
    assert counted.stats["lines"] == expected_counted.stats["lines"] == 2
    assert counted.stats["tokens"] == expected_counted.stats["tokens"] == sum(map(len, map(str.split, royal_lines))) + 5
    assert counted.vocabulary.words == expected_counted.vocabulary.words
    np.testing.assert_array_equal(counted.matrix.toarray(), expected_counted.matrix.toarray())
    np.testing.assert_array_equal(build(path, **params).vectors, expected_model.vectors)


def test_stats(royal_lines):
    model = build(royal_lines, dim=8, min_count=2, subsample=0.0)
    stats = model.stats
    assert {"tokens", "lines", "vocab_size", "replaced_bytes", "seconds"} <= set(stats)
    assert stats["tokens"] == sum(len(line.split()) for line in royal_lines)
    assert stats["lines"] == len(royal_lines)
    assert stats["vocab_size"] == len(model)
    assert stats["distinct_words"] == 106
    assert stats["replaced_bytes"] == 0
    assert set(stats["seconds"]) == {"read_tokenize", "vocabulary", "count", "weight", "svd", "subwords"}
    assert all(seconds >= 0 for seconds in stats["seconds"].values())
    assert stats["cooccurrence_pairs"] > stats["ppmi_nonzeros"] > 0
    assert len(stats["singular_values"]) == 8
    assert stats["singular_values"] == sorted(stats["singular_values"], reverse=True)


def test_replaced_bytes_are_reported(tmp_path, write_corpus, royal_lines):
    data = ("\n".join(royal_lines) + "\n").encode() + b"the king \xff\xfe\x80 rules\n"
    path = write_corpus(tmp_path / "bad.txt", data)
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


@pytest.mark.parametrize("lines, min_count, expected", [
    (["hello"], 1, r"the vocabulary has 1 word \(of 1 distinct, min_count=1\), too few for word vectors"),
    (["hello world"] * 3, 4, r"the vocabulary has 0 words \(of 2 distinct, min_count=4\), too few for word vectors"),
])
def test_fewer_than_two_words_is_no_vocabulary_whatever_the_dim(lines, min_count, expected):
    with pytest.raises(CorpusError, match=expected):
        build(lines, dim=1, min_count=min_count)


@pytest.mark.parametrize("corpus", [[], [""], ["", "  ...  ", "!!"]], ids=["no-lines", "empty-line", "punctuation"])
def test_empty_corpus(corpus):
    with pytest.raises(CorpusError, match=r"the corpus has no words \(<python iterable>\); give it some text"):
        build(corpus, dim=2, min_count=1)


@pytest.mark.parametrize("compression", [None, "gz"], ids=["plain", "gz"])
def test_empty_file(tmp_path, write_corpus, compression):
    path = write_corpus(tmp_path / "empty.txt", b"", compression)
    with pytest.raises(CorpusError, match=f"the corpus has no words \\({path}\\)"):
        build(path, dim=2, min_count=1)


def test_corrupt_file_in_a_directory(tmp_path, royal_corpus_file):
    (tmp_path / "good.txt").write_bytes(royal_corpus_file.read_bytes())
    (tmp_path / "broken.txt.bz2").write_bytes(b"BZh9" + b"\x00" * 64)
    with pytest.raises(CorpusError, match=f"cannot read '{tmp_path / 'broken.txt.bz2'}'"):
        build(tmp_path, dim=8, min_count=2)


def test_missing_corpus_file(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        build(tmp_path / "missing.txt", dim=2)


@pytest.mark.parametrize("params, message", [
    (dict(dim=0), "dim must be >= 1; got 0"),
    (dict(window=0), "window must be between 1 and 20; got 0"),
    (dict(window=21), "window must be between 1 and 20; got 21"),
    (dict(min_count=0), "min_count must be >= 1; got 0"),
    (dict(max_vocab=1), "max_vocab must be >= 2; got 1"),
    (dict(distance_weighting="gaussian"), "distance_weighting must be one of harmonic, dynamic, uniform; got 'gaussian'"),
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
    (dict(workers=0), "workers must be between 1 and 256; got 0"),
    (dict(workers=257), "workers must be between 1 and 256; got 257"),
])
def test_bad_parameters(params, message):
    with pytest.raises(ParameterError, match=message):
        build(TWIN_LINES, **{"dim": 2, "min_count": 1, **params})


def unreadable_corpus():
    raise AssertionError("the corpus was read")
    yield


def test_bad_parameters_are_rejected_before_reading_the_corpus():
    with pytest.raises(ParameterError, match="window"):
        build(unreadable_corpus(), dim=2, window=0)


@pytest.mark.parametrize("params, message", [
    (dict(window=2.5), "window must be an integer; got 2.5"),
    (dict(min_count=1.5), "min_count must be an integer; got 1.5"),
    (dict(dim=True), "dim must be an integer; got True"),
    (dict(dim="8"), "dim must be an integer; got '8'"),
    (dict(max_vocab=10.0), "max_vocab must be an integer; got 10.0"),
    (dict(seed=np.float64(1)), "seed must be an integer; got "),
    (dict(cds="x"), "cds must be a number; got 'x'"),
    (dict(subsample=None), "subsample must be a number; got None"),
    (dict(neg=True), "neg must be a number; got True"),
    (dict(distance_weighting=1), "distance_weighting must be a string; got 1"),
    (dict(normalize=1), "normalize must be True or False; got 1"),
    (dict(add_context="yes"), "add_context must be True or False; got 'yes'"),
    (dict(workers=2.0), "workers must be an integer; got 2.0"),
    (dict(workers=True), "workers must be an integer; got True"),
])
def test_parameters_of_the_wrong_type(params, message):
    # Checked before the corpus is read, so a mistyped option fails at once and not after the counting.
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}"):
        build(unreadable_corpus(), **{"dim": 2, "min_count": 1, **params})


def test_numpy_integers_are_accepted(tmp_path):
    # No subsampling: on 360 tokens it drops every pair (a refused build).
    params = dict(dim=np.int64(4), window=np.int32(2), min_count=np.int64(1), seed=np.uint8(3), subsample=0.0)
    model = build(TWIN_LINES, **params)
    assert model.dim == 4
    assert (model.params["window"], model.params["min_count"], model.params["seed"]) == (2, 1, 3)
    save_model(model, tmp_path / "model")
    assert load_model(tmp_path / "model").params["dim"] == 4
    np.testing.assert_array_equal(model.vectors, build(TWIN_LINES, dim=4, window=2, min_count=1, seed=3, subsample=0.0).vectors)


def test_unknown_keyword():
    with pytest.raises(ParameterError, match=r"^build\(\) got an unexpected keyword argument 'dimension'$"):
        build(TWIN_LINES, dimension=5)


def test_parameter_error_is_a_value_error():
    with pytest.raises(ValueError):
        build(TWIN_LINES, dim=-1)


# -- options at the ends of their ranges: working vectors or a one-line refusal, never silent zeros --------

SMALL = dict(dim=8, min_count=2, window=4, subsample=0.0)


def assert_usable(model, word_groups) -> None:
    """Finite vectors, none zero, and topical neighbours."""
    assert np.isfinite(model.vectors).all()
    assert model.vectors.any(axis=1).all()
    assert model.stats["zero_vectors"] == 0 and "warnings" not in model.stats
    royal_topic = {*word_groups["royalty"], *word_groups["royal_places"], *ROYAL_VERBS, *ROYAL_MANNERS}
    neighbours = [word for word, _ in model.most_similar("king", topn=4)]
    assert sum(word in royal_topic for word in neighbours) >= 3, neighbours


@pytest.mark.parametrize("params", [
    dict(eig=8.0), dict(eig=10.0), dict(eig=-10.0), dict(eig=10.0, add_context=False), dict(eig=-10.0, dim=60),
    dict(cds=1e-300), dict(cds=10.0), dict(neg=1e-300), dict(subsample=0.999), dict(window=20),
    dict(window=20, distance_weighting="dynamic"), dict(window=1),
], ids=str)
def test_options_at_their_extremes_give_usable_vectors(royal_lines, word_groups, params):
    assert_usable(build(royal_lines, **{**SMALL, **params}), word_groups)


def test_eig_on_a_zero_singular_value_gives_finite_vectors(royal_lines):
    # neg=5 leaves a PPMI matrix of rank 80: 90 dimensions hold zero singular values, whose 0 ** -10 was infinite.
    model = build(royal_lines, **{**SMALL, "neg": 5.0, "dim": 90, "eig": -10.0})
    assert np.isfinite(model.vectors).all()
    np.testing.assert_allclose(np.linalg.norm(model.vectors, axis=1), 1.0, rtol=1e-5)


def test_words_without_context_get_zero_vectors_and_a_warning(royal_lines):
    model = build(royal_lines, **{**SMALL, "neg": 8.0, "subwords": False})
    zero = ~model.vectors.any(axis=1)
    assert 0 < zero.sum() <= len(model) / 2 and model.stats["zero_vectors"] == zero.sum()
    assert model.stats["warnings"] == [
        "29 of 106 words get a zero vector ('the', 'and', 'with', ...): "
        "29 have no positive PPMI left after the shift of neg=8: lower --neg"
    ]
    # With n-grams, a word without context takes its n-grams' vector, and the warning counts the words left at zero.
    with_ngrams = build(royal_lines, **{**SMALL, "neg": 8.0})
    still_zero = ~with_ngrams.vectors.any(axis=1)
    assert still_zero.sum() < zero.sum() and not (still_zero & ~zero).any()
    filled = np.flatnonzero(zero & ~still_zero)
    composed = with_ngrams.subwords.compose([with_ngrams.words[row] for row in filled])
    assert (composed.known > 0).all()
    np.testing.assert_allclose(with_ngrams.vectors[filled], unit_rows(composed.vectors), rtol=1e-5, atol=1e-6)
    remaining = int(still_zero.sum())
    assert with_ngrams.stats["zero_vectors"] == remaining
    assert with_ngrams.stats["warnings"][0].startswith(f"{remaining} of 106 words get a zero vector")


@pytest.mark.parametrize("params, message", [
    (dict(neg=1e6), "every word would get a zero vector ('the', 'a', 'and', ...): "
                    "all have no positive PPMI left after the shift of neg=1e6: lower --neg"),
    (dict(neg=100.0), "every word would get a zero vector ('the', 'a', 'and', ...): "
                      "all have no positive PPMI left after the shift of neg=100: lower --neg"),
    (dict(subsample=1e-300), "every word would get a zero vector ('the', 'a', 'and', ...): "
                             "all lost every pair to subsample=1e-300: raise --subsample or set it to 0"),
    (dict(subsample=1e-5), "88 of 106 words would get a zero vector ('dinner', 'near', 'wisdom', ...): "
                           "88 lost every pair to subsample=1e-05: raise --subsample or set it to 0"),
], ids=str)
def test_options_that_zero_most_vectors_are_refused_naming_the_option(royal_lines, params, message):
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        build(royal_lines, **{**SMALL, **params})


def test_unnormalised_vectors_too_long_for_float32_are_refused():
    # A vocabulary of 3,000 words: the largest singular value is about 330, and 330 ** 10 squared passes float32.
    rng = np.random.default_rng(0)
    frequencies = 1 / np.arange(1, 3001)
    lines = [" ".join(f"w{i}" for i in rng.choice(3000, 15, p=frequencies / frequencies.sum())) for _ in range(20000)]
    with pytest.raises(ParameterError, match=r"^eig=10 with normalize=False gives 'w0' a vector of length 2.9\de\+24, "
                       r"beyond float32: bring eig nearer 0 or set normalize=True$"):
        build(lines, dim=50, subsample=0.0, eig=10, normalize=False)
    # Normalised, the same eig gives finite vectors, but all along one line: refused, not built silently.
    with pytest.raises(ParameterError, match=r"^the vectors are all but parallel \(100\.0% of their length lies along "
                       r"one direction\), so every cosine is near 1 or -1: bring --eig nearer 0 \(it is 10; 0 to 1 is usual\)$"):
        build(lines, dim=50, subsample=0.0, eig=10)


@pytest.mark.parametrize("eig, outcome", [(0.5, "quiet"), (2, "warning"), (3, "error")])
def test_a_large_eig_that_makes_the_vectors_parallel_is_said(eig, outcome):
    # Austen's text, whose PPMI has one dominant direction: (s/s0)**eig leaves little else with eig 2 or more.
    import gzip
    from pathlib import Path

    with gzip.open(Path(__file__).parents[1] / "corpora" / "austen.txt.gz", "rt") as text:
        lines = [next(text) for _ in range(6000)]
    if outcome == "error":
        with pytest.raises(ParameterError, match=r"the vectors are all but parallel .* \(it is 3; 0 to 1 is usual\)$"):
            build(lines, dim=50, eig=eig)
        return
    model = build(lines, dim=50, eig=eig)
    warnings = model.stats.get("warnings", [])
    parallel = [warning for warning in warnings if "nearly parallel" in warning]
    share = main_direction_share(model.vectors)
    if outcome == "warning":
        assert PARALLEL_WARNING_SHARE < share <= PARALLEL_ERROR_SHARE
        assert parallel == [f"the vectors are nearly parallel ({share:.0%} of their length lies along one direction), so most "
                            "cosines are near 1 or -1: bring --eig nearer 0 (it is 2; 0 to 1 is usual)"]
    else:
        assert share < 0.5 and parallel == []


@settings(max_examples=12, deadline=None)
@given(
    eig=st.floats(-MAX_EIG, MAX_EIG),
    cds=st.floats(0, MAX_CDS, exclude_min=True),
    neg=st.floats(0, MAX_NEG, exclude_min=True),
    subsample=st.one_of(st.just(0.0), st.floats(0, 1, exclude_min=True, exclude_max=True)),
)
def test_any_accepted_weighting_gives_mostly_nonzero_finite_vectors_or_a_parameter_error(eig, cds, neg, subsample):
    try:
        model = build(TWIN_LINES, dim=4, min_count=1, window=2, eig=eig, cds=cds, neg=neg, subsample=subsample)
    except ParameterError as error:
        assert "\n" not in str(error) and ("--neg" in str(error) or "--subsample" in str(error)), error
        return
    assert np.isfinite(model.vectors).all()
    zero = ~model.vectors.any(axis=1)
    assert zero.sum() <= len(model) / 2 and model.stats["zero_vectors"] == zero.sum()
    np.testing.assert_allclose(np.linalg.norm(model.vectors[~zero], axis=1), 1.0, rtol=1e-4)
    assert ("warnings" in model.stats) == bool(zero.any())
