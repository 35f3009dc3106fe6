"""Tests of wordvec.cooccur: windowed co-occurrence counting, distance weights and subsampling."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec._spill as spill_module
import wordvec.cooccur as cooccur_module
from wordvec.cooccur import (
    CooccurrenceCounter,
    count_cooccurrences,
    distance_weights,
    position_uniforms,
    subsample_keep_probability,
)
from wordvec.errors import ParameterError
from wordvec.options import DISTANCE_WEIGHTINGS, MAX_WINDOW
from wordvec.tokenize import RegexTokenizer
from wordvec.vocab import LINE_ID, OOV_ID, prune_vocabulary, scan_corpus


def counts_of(ids, vocab_size, **kwargs) -> np.ndarray:
    return count_cooccurrences([np.array(ids, dtype=np.int32)], vocab_size, **kwargs).toarray()


# -- hand-computed matrices ---------------------------------------------------------


def test_matrix_of_a_small_text_by_hand():
    text = "a b c a\nb x c\na x c b\n"
    scan = scan_corpus([text], RegexTokenizer())
    try:
        # a, b, c occur 3 times, x twice: with min_count=3, x is out of the vocabulary.
        vocabulary, new_id_of = prune_vocabulary(scan.words, scan.counts, min_count=3)
        blocks = [new_id_of[ids] for _, ids in scan.spool.iter_blocks()]
    finally:
        scan.spool.close()
    assert vocabulary.words == ["a", "b", "c"]
    matrix = count_cooccurrences(blocks, 3, window=2, distance_weighting="harmonic")
    # window=2, harmonic: distance 1 weighs 1, distance 2 weighs 1/2; x is removed before windowing,
    # so line 2 is "b c" and line 3 is "a c b"; no window crosses a line end.
    #   a-b: line 1 a_b (1) + b_a at distance 2 (1/2); line 3 a_b at distance 2 (1/2)   = 2
    #   a-c: line 1 c_a (1) + a_c at distance 2 (1/2); line 3 a_c (1)                   = 2.5
    #   b-c: line 1 b_c (1); line 2 b_c (1); line 3 c_b (1)                             = 3
    expected = np.array([
        [0.0, 2.0, 2.5],
        [2.0, 0.0, 3.0],
        [2.5, 3.0, 0.0],
    ])
    assert sp.isspmatrix_csr(matrix)
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix.toarray(), expected)


def test_docstring_example():
    np.testing.assert_array_equal(
        counts_of([0, 1, 2], 3, window=2),
        [[0.0, 1.0, 0.5], [1.0, 0.0, 1.0], [0.5, 1.0, 0.0]],
    )


@pytest.mark.parametrize("distance_weighting, w1, w2, w3", [
    ("harmonic", 1.0, 1 / 2, 1 / 3),
    ("dynamic", 1.0, 2 / 3, 1 / 3),
    ("uniform", 1.0, 1.0, 1.0),
])
def test_distance_weightings_by_hand(distance_weighting, w1, w2, w3):
    expected = np.array([
        [0, w1, w2, w3],
        [w1, 0, w1, w2],
        [w2, w1, 0, w1],
        [w3, w2, w1, 0],
    ])
    np.testing.assert_allclose(counts_of([0, 1, 2, 3], 4, window=3, distance_weighting=distance_weighting), expected, rtol=1e-15)


def test_block_shorter_than_the_window():
    # Three tokens of word 0, window 4, harmonic: pairs (0, 1) and (1, 2) at distance 1 weigh 1 each,
    # (0, 2) at distance 2 weighs 1/2; forward sum 2.5, counted from both sides: 5.
    np.testing.assert_array_equal(count_cooccurrences([np.array([0, 0, 0])], 1, window=4).toarray(), [[5.0]])


@pytest.mark.parametrize("ids", [[], [0], [LINE_ID], [OOV_ID, OOV_ID]], ids=["empty", "one-word", "line-end", "oov"])
def test_stream_without_pairs_gives_an_empty_matrix(ids):
    matrix = count_cooccurrences([np.array(ids, dtype=np.int32)], 2, window=5)
    assert matrix.shape == (2, 2)
    assert matrix.nnz == 0


def test_one_token_blocks_give_the_matrix_of_the_whole_stream():
    ids = np.array([0, 1, 2, LINE_ID, 2, OOV_ID, 1, 0, 0, 2, 1], dtype=np.int32)
    whole = count_cooccurrences([ids], 3, window=4)
    np.testing.assert_array_equal(count_cooccurrences(np.split(ids, len(ids)), 3, window=4).toarray(), whole.toarray())
    # Empty blocks between the tokens change nothing either.
    blocks = [block for token in ids for block in (np.empty(0, dtype=np.int32), np.array([token], dtype=np.int32))]
    np.testing.assert_array_equal(count_cooccurrences(blocks, 3, window=4).toarray(), whole.toarray())


def test_words_beyond_the_window_do_not_count():
    matrix = counts_of([0, 1, 2, 3], 4, window=1, distance_weighting="uniform")
    assert matrix[0, 2] == matrix[0, 3] == matrix[1, 3] == 0
    assert matrix[0, 1] == matrix[1, 2] == matrix[2, 3] == 1


@pytest.mark.parametrize("window, distance_weighting, weights, scale", [
    (3, "harmonic", [6, 3, 2], 6),
    (4, "harmonic", [12, 6, 4, 3], 12),
    (3, "dynamic", [3, 2, 1], 3),
    (5, "dynamic", [5, 4, 3, 2, 1], 5),
    (3, "uniform", [1, 1, 1], 1),
])
def test_distance_weights_are_exact_integers(window, distance_weighting, weights, scale):
    integer_weights, integer_scale = distance_weights(window, distance_weighting)
    assert integer_weights.tolist() == weights
    assert integer_scale == scale


def test_unknown_weighting_is_rejected():
    with pytest.raises(ParameterError, match="distance_weighting must be one of harmonic, dynamic, uniform; got 'gaussian'"):
        distance_weights(3, "gaussian")


def test_window_below_one_is_rejected():
    with pytest.raises(ParameterError, match="window must be between 1 and 20; got 0"):
        CooccurrenceCounter(3, window=0)


@pytest.mark.parametrize("distance_weighting", DISTANCE_WEIGHTINGS)
@pytest.mark.parametrize("window", [MAX_WINDOW + 1, 43, 10**6])
def test_window_above_the_limit_is_a_parameter_error(window, distance_weighting):
    # lcm(1..43) passes the int64 limit: harmonic weights raised a bare OverflowError there.
    with pytest.raises(ParameterError, match=f"^window must be between 1 and {MAX_WINDOW}; got {window}$"):
        distance_weights(window, distance_weighting)


def test_weights_at_the_largest_window_are_exact():
    weights, scale = distance_weights(MAX_WINDOW, "harmonic")
    assert (weights * np.arange(1, MAX_WINDOW + 1) == scale).all()


def test_repeated_word_counts_on_the_diagonal_from_both_sides():
    # "a b a", window 2: each a sees the other at distance 2 (1/2 each) and b at distance 1.
    np.testing.assert_array_equal(counts_of([0, 1, 0], 2, window=2), [[1.0, 2.0], [2.0, 0.0]])


def test_line_end_cuts_the_window():
    np.testing.assert_array_equal(counts_of([0, LINE_ID, 1], 2, window=2), np.zeros((2, 2)))
    # "a b / b a": the pair across the line end (b, b at distance 1 and a, b at distance 2) is not counted.
    np.testing.assert_array_equal(counts_of([0, 1, LINE_ID, 1, 0], 2, window=2), [[0.0, 2.0], [2.0, 0.0]])


def test_oov_tokens_are_removed_before_windowing():
    np.testing.assert_array_equal(counts_of([0, OOV_ID, OOV_ID, 1], 2, window=1), [[0.0, 1.0], [1.0, 0.0]])


def test_counter_result_is_scaled_integers():
    counter = CooccurrenceCounter(3, window=3, distance_weighting="harmonic")
    counter.add(np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], dtype=np.int32))
    counter.add(np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], dtype=np.int32), 12)
    result = counter.result()
    assert result.dtype == np.int64
    assert counter.scale == 6
    expected = counts_of([0, 1, 2] * 8, 3, window=3, distance_weighting="harmonic")
    np.testing.assert_array_equal(result.toarray(), np.rint(expected * 6).astype(np.int64))
    np.testing.assert_allclose(result.toarray() / counter.scale, expected, rtol=1e-15)


def test_small_flush_threshold_gives_the_same_matrix(monkeypatch):
    ids = np.random.default_rng(3).integers(-2, 6, size=500).astype(np.int32)
    expected = count_cooccurrences(np.split(ids, [100, 250]), 6, window=4)
    monkeypatch.setattr(cooccur_module, "FLUSH_PAIRS", 10)
    flushed = count_cooccurrences(np.split(ids, [100, 250]), 6, window=4)
    np.testing.assert_array_equal(flushed.toarray(), expected.toarray())


# -- subsampling --------------------------------------------------------------------


def test_subsample_keep_probability_by_hand():
    counts = np.array([90, 9, 1, 0])
    keep = subsample_keep_probability(counts, 0.01)
    # frequencies 0.9, 0.09, 0.01, 0: keep sqrt(t / f), at most 1.
    np.testing.assert_allclose(keep, [np.sqrt(0.01 / 0.9), 1 / 3, 1.0, 1.0])


def test_position_uniforms_are_keyed_on_position():
    whole = position_uniforms(0, 1000, seed=5)
    np.testing.assert_array_equal(position_uniforms(300, 200, seed=5), whole[300:500])
    assert whole.min() >= 0 and whole.max() < 1
    assert 0.45 < whole.mean() < 0.55
    assert not np.array_equal(position_uniforms(0, 1000, seed=6), whole)


def test_subsampled_tokens_are_removed_before_windowing():
    # Word 0 is always dropped, so the 1s become neighbours: "1 1 1" gives 2 adjacent pairs.
    matrix = counts_of([1, 0, 1, 0, 1], 2, window=1, keep_probability=np.array([0.0, 1.0]))
    np.testing.assert_array_equal(matrix, [[0.0, 0.0], [0.0, 4.0]])


def test_keep_probability_one_changes_nothing():
    ids = np.random.default_rng(0).integers(-2, 5, size=300)
    np.testing.assert_array_equal(
        counts_of(ids, 5, window=3, keep_probability=np.ones(5)), counts_of(ids, 5, window=3)
    )


def test_subsampling_depends_on_the_seed_only():
    ids = np.random.default_rng(0).integers(0, 4, size=400)
    keep = np.full(4, 0.5)
    first = counts_of(ids, 4, window=2, keep_probability=keep, seed=1)
    assert np.array_equal(first, counts_of(ids, 4, window=2, keep_probability=keep, seed=1))
    assert not np.array_equal(first, counts_of(ids, 4, window=2, keep_probability=keep, seed=2))
    # About half the tokens are dropped, so the summed weight is about half the unsampled one.
    assert 0.2 * counts_of(ids, 4, window=2).sum() < first.sum() < 0.8 * counts_of(ids, 4, window=2).sum()


# -- properties ---------------------------------------------------------------------

VOCAB = 5


def reference_counts(ids, window, distance_weighting) -> np.ndarray:
    """Count by the definition: per line, OOV removed, every ordered pair within the window."""
    weight = {
        "harmonic": lambda d: 1 / d,
        "dynamic": lambda d: (window - d + 1) / window,
        "uniform": lambda d: 1.0,
    }[distance_weighting]
    matrix = np.zeros((VOCAB, VOCAB))
    lines = [[]]
    for token in ids:
        if token == LINE_ID:
            lines.append([])
        elif token != OOV_ID:
            lines[-1].append(token)
    for line in lines:
        for i, word in enumerate(line):
            for j, context in enumerate(line):
                if 0 < abs(i - j) <= window:
                    matrix[word, context] += weight(abs(i - j))
    return matrix


id_lists = st.lists(st.integers(min_value=OOV_ID, max_value=VOCAB - 1), max_size=80)


@settings(max_examples=150, deadline=None)
@given(ids=id_lists, window=st.integers(1, 6), distance_weighting=st.sampled_from(DISTANCE_WEIGHTINGS))
def test_counts_match_the_definition_and_are_symmetric(ids, window, distance_weighting):
    stream = np.array(ids, dtype=np.int32)
    matrix = count_cooccurrences([stream], VOCAB, window=window, distance_weighting=distance_weighting).toarray()
    np.testing.assert_allclose(matrix, reference_counts(ids, window, distance_weighting), rtol=1e-12)
    np.testing.assert_array_equal(matrix, matrix.T)


@settings(max_examples=150, deadline=None)
@given(
    ids=id_lists,
    window=st.integers(1, 6),
    distance_weighting=st.sampled_from(DISTANCE_WEIGHTINGS),
    cuts=st.lists(st.integers(0, 85), max_size=12),
    keep=st.none() | st.lists(st.floats(0, 1), min_size=VOCAB, max_size=VOCAB),
    seed=st.integers(0, 2**63 - 1),
)
def test_chunking_does_not_change_the_matrix(ids, window, distance_weighting, cuts, keep, seed):
    # Cuts anywhere, repeated or past the end, give blocks of any length: empty, shorter than the window, longer.
    stream = np.array(ids, dtype=np.int32)
    keep_probability = None if keep is None else np.array(keep)
    kwargs = dict(window=window, distance_weighting=distance_weighting, keep_probability=keep_probability, seed=seed)
    whole = count_cooccurrences([stream], VOCAB, **kwargs)
    chunked = count_cooccurrences(np.split(stream, sorted(cuts)), VOCAB, **kwargs)
    np.testing.assert_array_equal(chunked.toarray(), whole.toarray())
    np.testing.assert_array_equal(whole.toarray(), whole.toarray().T)


@settings(max_examples=150, deadline=None)
@given(
    ids=id_lists,
    window=st.integers(1, 6),
    distance_weighting=st.sampled_from(DISTANCE_WEIGHTINGS),
    keep=st.none() | st.lists(st.floats(0, 1), min_size=VOCAB, max_size=VOCAB),
    seed=st.integers(0, 2**63 - 1),
    order=st.randoms(use_true_random=False),
)
def test_parts_ending_at_line_ends_add_up_in_any_order(ids, window, distance_weighting, keep, seed, order):
    # As shards counted in worker processes: each part ends at a line end and is counted at its own offset.
    stream = np.array([*ids, LINE_ID], dtype=np.int32)
    ends = [0, *(np.flatnonzero(stream == LINE_ID) + 1).tolist()]
    parts = [(start, stream[start:end]) for start, end in zip(ends, ends[1:])]
    order.shuffle(parts)
    kwargs = dict(window=window, distance_weighting=distance_weighting, keep_probability=None if keep is None else np.array(keep), seed=seed)
    whole = CooccurrenceCounter(VOCAB, **kwargs)
    whole.add(stream)
    one_counter = CooccurrenceCounter(VOCAB, **kwargs)
    forward_parts = []
    for offset, part in parts:
        one_counter.add(part, offset)
        counter = CooccurrenceCounter(VOCAB, **kwargs)
        counter.add(part, offset)
        forward_parts.append(counter.forward_counts())
    expected = whole.result().toarray()
    np.testing.assert_array_equal(one_counter.result().toarray(), expected)
    summed = sum(forward_parts[1:], forward_parts[0])
    np.testing.assert_array_equal((summed + summed.T).toarray(), expected)  # exact integer sums
    # The merge a build uses (worker parts, rows of F + F^T a block at a time) gives the same.
    merged = cooccur_module.symmetric_weights([cooccur_module.ForwardCounts(f) for f in forward_parts], whole.scale)
    np.testing.assert_array_equal(merged.toarray(), (expected / whole.scale).astype(np.float32))


def test_forward_counts_are_the_pairs_to_the_right():
    counter = CooccurrenceCounter(3, window=2)
    counter.add(np.array([0, 1, 2], dtype=np.int32))
    # Integer counts scaled by lcm(1, 2) = 2: distance 1 weighs 2, distance 2 weighs 1.
    np.testing.assert_array_equal(counter.forward_counts().toarray(), [[0, 2, 1], [0, 0, 2], [0, 0, 0]])
    np.testing.assert_array_equal(counter.result().toarray(), [[0, 2, 1], [2, 0, 2], [1, 2, 0]])


@pytest.mark.parametrize("spilled", [False, True], ids=["result in memory", "result spilled"])
@pytest.mark.parametrize("in_files", [False, True], ids=["in memory", "in files"])
@pytest.mark.parametrize("merge_entries", [7, 400, 10**6], ids=["tiny blocks", "a few parts at a time", "all parts at once"])
@pytest.mark.parametrize("part_count", [2, 9])
def test_symmetric_weights_of_parts_equal_the_whole_counts(tmp_path, monkeypatch, in_files, merge_entries, part_count, spilled):
    # Small merge blocks: the rows are merged in many blocks, and a block's parts in batches.
    monkeypatch.setattr(cooccur_module, "MERGE_BLOCK_ENTRIES", merge_entries)
    if spilled:  # the merged arrays appended to temporary files and mapped (wordvec._spill)
        monkeypatch.setattr(spill_module, "SPILL_BYTES", 0)
    stream = np.random.default_rng(8).integers(-2, 12, size=3000).astype(np.int32)
    stream[-1] = LINE_ID
    line_ends = np.flatnonzero(stream == LINE_ID) + 1
    cuts = [0, *line_ends[np.linspace(0, len(line_ends) - 1, part_count + 1).astype(int)[1:-1]], len(stream)]
    whole = CooccurrenceCounter(12, window=3)
    whole.add(stream)
    parts = []
    for number, (offset, part) in enumerate((a, stream[a:b]) for a, b in zip(cuts[:-1], cuts[1:])):
        counter = CooccurrenceCounter(12, window=3)
        counter.add(part, offset)
        forward = cooccur_module.ForwardCounts(counter.forward_counts())
        parts.append(forward.save(str(tmp_path / f"part{number}")) if in_files else forward)
    assert len(parts) == part_count
    weights = cooccur_module.symmetric_weights(parts, whole.scale)
    assert weights.dtype == np.float32 and weights.has_canonical_format
    assert spill_module.is_spilled(weights.data) == spilled and spill_module.is_spilled(weights.indices) == spilled
    # Canonical in fact, not only by its flag: a new matrix of the same arrays checks them.
    assert sp.csr_matrix((weights.data.copy(), weights.indices.copy(), weights.indptr.copy()), shape=weights.shape).has_canonical_format
    np.testing.assert_array_equal(weights.toarray(), (whole.result().toarray() / whole.scale).astype(np.float32))
    np.testing.assert_array_equal(weights.toarray(), weights.toarray().T)


def test_saved_forward_counts_pickle_as_file_names(tmp_path):
    import pickle

    counter = CooccurrenceCounter(5, window=2)
    counter.add(np.array([0, 1, 2, 3, 4] * 50, dtype=np.int32))
    saved = cooccur_module.ForwardCounts(counter.forward_counts()).save(str(tmp_path / "counts"))
    assert len(pickle.dumps(saved)) < 2000
    assert len(list(tmp_path.iterdir())) == 6


def test_row_blocks_cover_every_row_once_within_the_entry_budget():
    row_starts = np.cumsum([0, 3, 0, 9, 1, 1, 1, 2, 0])  # row 2 alone holds more than the budget
    blocks = list(cooccur_module.row_blocks(row_starts, 4))
    assert blocks[0][0] == 0 and blocks[-1][1] == 8
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    for first, last in blocks:
        assert last > first
        assert row_starts[last] - row_starts[first] <= 4 or last == first + 1
    assert (2, 3) in blocks
