"""Tests of wordvec.subwords: fastText's character n-grams and their FNV-1a buckets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.errors import ParameterError
from wordvec.subwords import fnv1a_hash, ngram_hashes, ngram_matrix, ngrams


def fnv1a_by_hand(text: str) -> int:
    """FNV-1a 32 as fastText writes it: offset basis 0x811C9DC5, prime 0x01000193, each byte as a signed char."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        as_signed_char = byte if byte < 0x80 else 0xFFFFFF00 | byte
        value = ((value ^ as_signed_char) * 0x01000193) % 2**32
    return value


def test_the_published_fnv1a_test_vectors():
    # From the FNV reference (Noll): FNV-1a 32 of "", "a" and "foobar".
    assert fnv1a_hash(b"") == 0x811C9DC5
    assert fnv1a_hash(b"a") == 0xE40C292C
    assert fnv1a_hash(b"foobar") == 0xBF9CF968


def test_non_ascii_bytes_are_sign_extended_as_fasttext_does():
    # "é" is C3 A9: fastText XORs 0xFFFFFFC3 then 0xFFFFFFA9, so its hash is not plain FNV-1a's.
    step = ((0x811C9DC5 ^ 0xFFFFFFC3) * 0x01000193) % 2**32
    expected = ((step ^ 0xFFFFFFA9) * 0x01000193) % 2**32
    assert fnv1a_hash("é".encode()) == expected == 0x3CFA68C1
    plain = ((((0x811C9DC5 ^ 0xC3) * 0x01000193) % 2**32 ^ 0xA9) * 0x01000193) % 2**32
    assert expected != plain


def test_ngrams_of_a_word_in_fasttexts_order():
    assert ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert ngrams("where") == [
        "<wh", "<whe", "<wher", "<where",
        "whe", "wher", "where", "where>",
        "her", "here", "here>",
        "ere", "ere>",
        "re>",
    ]
    assert ngrams("a") == ["<a>"]
    assert ngrams("") == []
    assert ngrams("ab", 1, 2) == ["<a", "a", "ab", "b", "b>"]  # a marker alone is no n-gram


def test_bucket_ids_of_a_few_words_match_the_scheme_by_hand():
    words = ["where", "kingg", "naïve", "日本"]
    hashed = ngram_hashes(words)
    for i, word in enumerate(words):
        expected = [fnv1a_by_hand(gram) % 2_000_000 for gram in ngrams(word)]
        found = (hashed.hashes[hashed.word_starts[i]:hashed.word_starts[i + 1]] % 2_000_000).tolist()
        assert found == expected
    assert (hashed.hashes[0] % 2_000_000, hashed.hashes[hashed.word_starts[1] - 1] % 2_000_000) == (167652, 867498)


def test_the_same_buckets_as_gensims_fasttext():
    from gensim.models.fasttext import ft_ngram_hashes

    words = ["where", "unkingly", "queenly", "café", "straße", "naïveté", "x"]
    hashed = ngram_hashes(words, 3, 6)
    for i, word in enumerate(words):
        found = (hashed.hashes[hashed.word_starts[i]:hashed.word_starts[i + 1]] % 2_000_000).tolist()
        assert found == ft_ngram_hashes(word, 3, 6, 2_000_000)


words_strategy = st.lists(st.text(min_size=0, max_size=12), max_size=20)


@settings(max_examples=200, deadline=None)
@given(words=words_strategy, min_n=st.integers(1, 6), extra=st.integers(0, 4))
def test_vectorised_hashes_equal_the_reference_for_any_words(words, min_n, extra):
    hashed = ngram_hashes(words, min_n, min_n + extra)
    assert len(hashed.word_starts) == len(words) + 1
    for i, word in enumerate(words):
        found = hashed.hashes[hashed.word_starts[i]:hashed.word_starts[i + 1]].tolist()
        assert found == [fnv1a_hash(gram.encode("utf-8")) for gram in ngrams(word, min_n, min_n + extra)]


@settings(max_examples=50, deadline=None)
@given(words=words_strategy, buckets=st.integers(1, 1000))
def test_the_matrix_averages_each_words_buckets_and_is_deterministic(words, buckets):
    matrix = ngram_matrix(words, buckets)
    again = ngram_matrix(list(words), buckets)
    assert (matrix != again).nnz == 0
    assert matrix.shape == (len(words), buckets) and matrix.dtype == np.float32
    for i, word in enumerate(words):
        grams = ngrams(word)
        row = matrix.getrow(i).toarray().ravel()
        if not grams:
            assert not row.any()
            continue
        expected = np.bincount([fnv1a_hash(g.encode("utf-8")) % buckets for g in grams],
                               minlength=buckets) / len(grams)
        np.testing.assert_allclose(row, expected, rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: ngrams("word", 0, 3), "min_n must be a whole number from 1 to 32; got 0"),
    (lambda: ngrams("word", 4, 3), "max_n must be >= min_n; got min_n=4, max_n=3"),
    (lambda: ngram_hashes(["word"], 3, 33), "max_n must be a whole number from 1 to 32; got 33"),
    (lambda: ngram_hashes(["word"], 2.5, 3), "min_n must be a whole number"),
    (lambda: ngram_matrix(["word"], 0), "buckets must be a whole number from 1 to 2147483647; got 0"),
    (lambda: ngram_matrix(["word"], True), "buckets must be a whole number"),
])
def test_impossible_parameters_are_refused(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_a_ten_thousand_character_word_has_its_ngrams():
    word = "ab" * 5000
    hashed = ngram_hashes([word])
    assert hashed.counts().tolist() == [len(ngrams(word))] == [4 * 10002 - 3 - 4 - 5 - 6 + 4]


def test_a_table_composes_each_word_as_the_mean_of_its_known_ngram_rows():
    from wordvec.subwords import NgramTable

    rng = np.random.default_rng(0)
    dense = rng.standard_normal((50, 4)).astype(np.float32)
    unknown = [3, 7]  # buckets no training n-gram fell in
    known_ids = np.setdiff1d(np.arange(50), unknown)
    words = ["where", "kingg", "a", ""]
    composed = NgramTable(dense[known_ids], known_ids, 50).compose(words)
    dense[unknown] = 0
    np.testing.assert_allclose(composed.vectors, ngram_matrix(words, 50) @ dense, rtol=1e-5, atol=1e-6)
    assert composed.ngrams.tolist() == [len(ngrams(word)) for word in words]
    for i, word in enumerate(words):
        buckets = [fnv1a_hash(gram.encode()) % 50 for gram in ngrams(word)]
        assert composed.known[i] == sum(bucket not in unknown for bucket in buckets)
    assert not composed.vectors[3].any() and composed.known[3] == 0
    empty = NgramTable(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), 50).compose(words)
    assert not empty.vectors.any() and not empty.known.any()


@settings(max_examples=30, deadline=None)
@given(words=words_strategy, buckets=st.integers(1, 64))
def test_composition_is_deterministic(words, buckets):
    from wordvec.subwords import NgramTable

    table = np.arange(buckets * 3, dtype=np.float32).reshape(buckets, 3) + 1
    first = NgramTable(table, np.arange(buckets), buckets).compose(words)
    second = NgramTable(table.copy(), np.arange(buckets), buckets).compose(list(words))
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_array_equal(first.known, first.ngrams)  # every bucket has a vector


@pytest.mark.parametrize("vectors, ids, buckets, min_n, max_n, message", [
    (np.zeros((2, 3), np.float32), np.arange(3), 5, 3, 6, "one row per known bucket"),
    (np.zeros(5, np.float32), np.arange(5), 5, 3, 6, "one row per known bucket"),
    (np.zeros((2, 3), np.float32), np.array([1, 1]), 5, 3, 6, "increasing and below 5"),
    (np.zeros((2, 3), np.float32), np.array([1, 5]), 5, 3, 6, "increasing and below 5"),
    (np.zeros((2, 3), np.float32), np.array([1, 2]), 0, 3, 6, "buckets must be"),
    (np.zeros((2, 3), np.float32), np.array([1, 2]), 5, 0, 6, "min_n must be"),
    (np.zeros((2, 3), np.float32), np.array([1, 2]), 5, 4, 3, "max_n must be >= min_n"),
])
def test_a_table_of_impossible_shape_or_range_is_refused(vectors, ids, buckets, min_n, max_n, message):
    from wordvec.subwords import NgramTable

    with pytest.raises(ParameterError, match=message):
        NgramTable(vectors, ids, buckets, min_n, max_n)


def test_the_ridge_fit_converges_to_the_normal_equations_solution():
    from wordvec.subwords import fit_ngram_table

    words = ["where", "there", "here", "hers", "other", "others", "the", "then", "hen", "her"]
    incidence = ngram_matrix(words, 64)
    targets = np.random.default_rng(1).standard_normal((len(words), 5)).astype(np.float32)
    exact = np.linalg.solve((incidence.T @ incidence).toarray() + 0.3 * np.eye(64), incidence.T @ targets)
    used = np.flatnonzero(np.asarray(incidence.sum(axis=0)).ravel())
    assert len(used) < 64  # some buckets are unused: exactly zero in the exact solution, left out of the table
    np.testing.assert_array_equal(exact[np.setdiff1d(np.arange(64), used)], 0)
    for threads in (1, 2):
        ids, fitted = fit_ngram_table(incidence, targets, ridge=0.3, iterations=100, threads=threads)
        np.testing.assert_array_equal(ids, used)
        np.testing.assert_allclose(fitted, exact[used], atol=1e-4)
    # Five iterations already fit most of what the exact solution fits.
    ids, fitted = fit_ngram_table(incidence, targets)
    five = np.zeros((64, 5), np.float32)
    five[ids] = fitted
    exact_error = np.linalg.norm(incidence @ exact - targets)
    assert np.linalg.norm(incidence @ five - targets) < 1.1 * exact_error < np.linalg.norm(targets)


def test_the_fit_sums_up_each_words_composition_as_the_table_composes_it():
    from wordvec.subwords import fit_ngram_table

    words = ["where", "there", "here", "hers", "other", "others", "the", "then", "hen", "her"]
    incidence = ngram_matrix(words, 64)
    targets = np.random.default_rng(3).standard_normal((len(words), 37)).astype(np.float32)
    order = np.argsort(words)
    for threads, locality_order in ((1, None), (2, order)):
        composed = np.full((len(words), 37), np.nan, np.float32)
        ids, fitted = fit_ngram_table(incidence, targets, threads=threads, locality_order=locality_order, composed=composed)
        table = np.zeros((64, 37), np.float32)
        table[ids] = fitted
        # G E from the solver's own products: the table's compositions, to rounding, in the words' order.
        np.testing.assert_allclose(composed, incidence @ table, rtol=1e-5, atol=1e-6)
        plain_ids, plain = fit_ngram_table(incidence, targets, threads=threads, locality_order=locality_order)
        np.testing.assert_array_equal(plain_ids, ids)
        np.testing.assert_array_equal(plain, fitted)  # the sums change nothing in the fit
    with pytest.raises(ParameterError, match=r"composed must have the targets' shape \(10, 37\)"):
        fit_ngram_table(incidence, targets, composed=np.zeros((37, len(words)), np.float32))


def test_a_blend_with_the_fits_compositions_is_the_blend_that_composes_again():
    from wordvec.subwords import NgramTable, blend_with_ngrams, fit_ngram_table, map_table

    words = ["where", "there", "here", "hers", "other", "others", "the", "then", "hen", "her"]
    incidence = ngram_matrix(words, 64)
    rng = np.random.default_rng(4)
    source, target = (rng.standard_normal((len(words), 6)).astype(np.float32) for _ in range(2))
    composed = np.empty((len(words), 6), np.float32)
    ids, fitted = fit_ngram_table(incidence, source / np.linalg.norm(source, axis=1, keepdims=True), composed=composed)
    table = NgramTable(fitted, ids, 64, 3, 6)
    for view, view_table in ((source, table), (target, map_table(table, source, target))):  # mapped or not
        again, reused = view.copy(), view.copy()
        blend_with_ngrams(again, incidence, 0.7, min_n=3, max_n=6, table=view_table)
        blend_with_ngrams(reused, incidence, 0.7, min_n=3, max_n=6, table=view_table, composed=composed)
        np.testing.assert_allclose(reused, again, rtol=1e-5, atol=1e-6)
        assert not np.allclose(reused, view, atol=1e-3)  # the blend did something
    with pytest.raises(ParameterError, match="composed must have a row per word and a column per table dimension"):
        blend_with_ngrams(source.copy(), incidence, 0.7, min_n=3, max_n=6, table=table, composed=composed.T.copy())


@pytest.mark.parametrize("options, message", [
    (dict(ridge=0), "ridge must be a positive number; got 0"),
    (dict(ridge=float("nan")), "ridge must be a positive number"),
    (dict(iterations=0), "iterations must be a positive whole number; got 0"),
])
def test_impossible_fit_options_are_refused(options, message):
    from wordvec.subwords import fit_ngram_table

    with pytest.raises(ParameterError, match=message):
        fit_ngram_table(ngram_matrix(["word"], 8), np.ones((1, 2), np.float32), **options)


def test_the_blend_takes_one_weight_for_all_words_or_one_each():
    from wordvec.subwords import blend_with_ngrams

    words = ["where", "there", "here", "hers", "other", "others", "the", "then", "hen", "her"]
    incidence = ngram_matrix(words, 64)
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((len(words), 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scalar, each, none = vectors.copy(), vectors.copy(), vectors.copy()
    blend_with_ngrams(scalar, incidence, 0.5, min_n=3, max_n=6)
    blend_with_ngrams(each, incidence, np.full(len(words), 0.5), min_n=3, max_n=6)
    np.testing.assert_array_equal(scalar, each)
    weights = np.zeros(len(words))
    weights[0] = 1.0
    blend_with_ngrams(none, incidence, weights, min_n=3, max_n=6)
    np.testing.assert_allclose(none[1:], vectors[1:], atol=1e-6)  # weight 0: the word keeps its vector
    assert not np.allclose(none[0], vectors[0]) and np.linalg.norm(none[0]) == pytest.approx(1, abs=1e-6)


def test_words_share_ngrams_when_some_character_ngram_is_common():
    from wordvec.subwords import shares_ngrams

    assert shares_ngrams("walk", "walked") and shares_ngrams("possible", "impossible")
    assert not shares_ngrams("man", "king") and not shares_ngrams("paris", "france")
    assert shares_ngrams("ab", "abc", 1, 2) and not shares_ngrams("ab", "cd", 3, 6)
    assert shares_ngrams("man", "woman")  # "man>": spelling alone cannot tell this pair from walk : walked


def test_the_largest_bucket_count_builds_without_a_table_of_every_bucket():
    # With 2**31 - 1 buckets, a lookup array of every bucket would take 16 GB; the build must not make one.
    import resource

    import wordvec
    from wordvec.options import MAX_BUCKETS

    lines = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands"] * 30
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    huge = wordvec.build(lines, dim=3, min_count=1, window=2, subsample=0, buckets=MAX_BUCKETS)
    small = wordvec.build(lines, dim=3, min_count=1, window=2, subsample=0, buckets=5000)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KiB: far below 16 GB
    assert huge.subwords.buckets == MAX_BUCKETS and len(huge.subwords.bucket_ids) > 0
    assert huge.most_similar("kingz", topn=3) and np.isfinite(huge.vectors).all()
    # The same words, hashed into other buckets: as many known n-grams for a word as with few buckets, bar collisions.
    assert huge.known_ngrams("kingz") >= small.known_ngrams("kingz") - 2


@settings(max_examples=100, deadline=None)
@given(indices=st.lists(st.integers(0, 30), max_size=60), step=st.integers(1, 8))
def test_first_uses_are_numpys_unique_with_the_first_places_either_way(indices, step):
    from wordvec import subwords

    array = np.array(indices, dtype=np.int32)
    expected_used, expected_first = np.unique(array, return_index=True)
    default_step = subwords._ENTRIES_PER_STEP
    subwords._ENTRIES_PER_STEP = step  # both carry what they found across steps
    try:
        results = subwords._first_uses(array), subwords._first_uses_in_table(array, 31)
    finally:
        subwords._ENTRIES_PER_STEP = default_step
    for used, first in results:
        np.testing.assert_array_equal(used, expected_used)
        np.testing.assert_array_equal(first, expected_first)
        assert used.dtype == array.dtype


def test_a_fit_is_the_same_with_or_without_a_table_of_the_buckets(monkeypatch):
    from wordvec import subwords

    words = ["king", "kings", "queen", "queens", "kingdom", "prince", "princess", "throne"]
    incidence = ngram_matrix(words, 50_000, 3, 5)  # more buckets than twice the n-grams
    targets = np.random.default_rng(0).standard_normal((len(words), 4)).astype(np.float32)
    with_table = subwords.fit_ngram_table(incidence, targets, threads=1)
    monkeypatch.setattr(subwords, "_TABLE_BUCKETS", 10)  # now a sort and a search instead
    without = subwords.fit_ngram_table(incidence, targets, threads=1)
    np.testing.assert_array_equal(with_table[0], without[0])
    np.testing.assert_array_equal(with_table[1], without[1])
    assert len(with_table[0]) < 50_000 / 2
