"""Tests of wordvec.vocab: the scanning pass, the token-id spool and vocabulary pruning."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.errors import ParameterError
from wordvec.tokenize import RegexTokenizer
from wordvec.vocab import LINE_ID, OOV_ID, Vocabulary, id_map_keeping_line_ends, prune_vocabulary, scan_corpus


def scan(pieces):
    return scan_corpus(pieces, RegexTokenizer())


def test_scan_counts_words_in_first_seen_order():
    result = scan(["the cat saw the dog\nthe dog ran\n"])
    try:
        assert result.words == ["the", "cat", "saw", "dog", "ran"]
        assert result.counts.tolist() == [3, 1, 1, 2, 1]
        assert result.counts.dtype == np.int64
        assert result.tokens == 8
        assert result.lines == 2
    finally:
        result.spool.close()


def test_scan_spools_ids_with_line_markers():
    result = scan(["b a b\n", "c a\n"])
    try:
        stream = np.concatenate([ids for _, ids in result.spool.iter_blocks()])
        # b=0, a=1, c=2 in first-seen order; LINE_ID at each line end.
        assert stream.tolist() == [0, 1, 0, LINE_ID, 2, 1, LINE_ID]
        assert result.spool.length == 7
    finally:
        result.spool.close()


@pytest.mark.parametrize("block", [1, 2, 3, 7, 100])
def test_spool_blocks_cover_the_stream_with_offsets(block):
    result = scan(["one two three\nfour five\nsix\n"])
    try:
        blocks = list(result.spool.iter_blocks(block))
        assert [offset for offset, _ in blocks] == list(range(0, result.spool.length, block))
        assert all(len(ids) == min(block, result.spool.length - offset) for offset, ids in blocks)
        assert np.concatenate([ids for _, ids in blocks]).tolist() == [0, 1, 2, -1, 3, 4, -1, 5, -1]
    finally:
        result.spool.close()


def test_spool_can_be_read_twice():
    result = scan(["a b\n"])
    try:
        first = [ids.tolist() for _, ids in result.spool.iter_blocks(2)]
        second = [ids.tolist() for _, ids in result.spool.iter_blocks(2)]
        assert first == second == [[0, 1], [-1]]
    finally:
        result.spool.close()


def test_scan_counts_many_distinct_words_beyond_initial_capacity():
    words = [f"w{i}" for i in range(3000)]
    result = scan([" ".join(words) + "\n", " ".join(words[:10]) + "\n"])
    try:
        assert result.words == words
        assert result.counts.tolist() == [2] * 10 + [1] * 2990
        assert result.tokens == 3010
    finally:
        result.spool.close()


def test_scan_reports_progress_per_piece():
    seen = []
    result = scan_corpus(["a b c\n", "d\n", "\n"], RegexTokenizer(), progress=seen.append)
    result.spool.close()
    assert seen == [3, 1, 0]


def test_scan_of_no_text():
    result = scan([])
    try:
        assert result.words == []
        assert result.tokens == result.lines == result.spool.length == 0
        assert list(result.spool.iter_blocks()) == []
    finally:
        result.spool.close()


def test_prune_orders_by_frequency_with_alphabetical_ties():
    words = ["pear", "apple", "fig", "kiwi", "banana"]
    counts = np.array([3, 5, 3, 1, 5], dtype=np.int64)
    vocabulary, new_id_of = prune_vocabulary(words, counts, min_count=1)
    assert vocabulary.words == ["apple", "banana", "fig", "pear", "kiwi"]
    assert vocabulary.counts.tolist() == [5, 5, 3, 3, 1]
    # provisional id -> final row: pear 3, apple 0, fig 2, kiwi 4, banana 1; last slot maps LINE_ID.
    assert new_id_of.tolist() == [3, 0, 2, 4, 1, LINE_ID]


@settings(max_examples=60, deadline=None)
@given(
    entries=st.dictionaries(st.text(min_size=1, max_size=6), st.integers(1, 8), max_size=40),
    min_count=st.integers(1, 4),
)
def test_prune_ranks_as_one_sort_by_count_then_word(entries, min_count):
    words, counts = list(entries), np.array(list(entries.values()), dtype=np.int64)
    vocabulary, _ = prune_vocabulary(words, counts, min_count=min_count)
    expected = sorted((word for word in words if entries[word] >= min_count), key=lambda word: (-entries[word], word))
    assert vocabulary.words == expected
    assert vocabulary.counts.tolist() == [entries[word] for word in expected]


def test_prune_min_count_drops_rare_words_to_oov():
    words = ["pear", "apple", "fig", "kiwi"]
    counts = np.array([3, 5, 2, 1], dtype=np.int64)
    vocabulary, new_id_of = prune_vocabulary(words, counts, min_count=3)
    assert vocabulary.words == ["apple", "pear"]
    assert vocabulary.counts.tolist() == [5, 3]
    assert new_id_of.tolist() == [1, 0, OOV_ID, OOV_ID, LINE_ID]


def test_prune_max_vocab_keeps_the_most_frequent():
    words = ["c", "b", "a", "d"]
    counts = np.array([4, 4, 4, 9], dtype=np.int64)
    vocabulary, new_id_of = prune_vocabulary(words, counts, min_count=1, max_vocab=3)
    assert vocabulary.words == ["d", "a", "b"]
    assert vocabulary.counts.tolist() == [9, 4, 4]
    assert new_id_of.tolist() == [OOV_ID, 2, 1, 0, LINE_ID]


def test_prune_maps_a_spooled_stream():
    words = ["x", "y", "z"]
    counts = np.array([1, 2, 2], dtype=np.int64)
    _, new_id_of = prune_vocabulary(words, counts, min_count=2)
    stream = np.array([0, 1, LINE_ID, 2, 0, LINE_ID], dtype=np.int32)
    assert new_id_of[stream].tolist() == [OOV_ID, 0, LINE_ID, 1, OOV_ID, LINE_ID]


def test_prune_everything_gives_an_empty_vocabulary():
    vocabulary, new_id_of = prune_vocabulary(["a", "b"], np.array([1, 1]), min_count=2)
    assert len(vocabulary) == 0
    assert new_id_of.tolist() == [OOV_ID, OOV_ID, LINE_ID]


@pytest.mark.parametrize("kwargs, message", [
    ({"min_count": 0}, "min_count must be >= 1; got 0"),
    ({"max_vocab": 0}, "max_vocab must be >= 2; got 0"),
])
def test_prune_rejects_bad_limits(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        prune_vocabulary(["a"], np.array([1]), **kwargs)


def test_vocabulary_len_and_index():
    vocabulary = Vocabulary(["the", "king", "queen"], np.array([9, 4, 2]))
    assert len(vocabulary) == 3
    assert vocabulary.index == {"the": 0, "king": 1, "queen": 2}


def test_scan_and_prune_on_text():
    result = scan(["the king and the queen\nthe king rules\n"])
    try:
        vocabulary, _ = prune_vocabulary(result.words, result.counts, min_count=2)
    finally:
        result.spool.close()
    assert vocabulary.words == ["the", "king"]
    assert vocabulary.counts.tolist() == [3, 2]


def test_scan_spools_into_a_given_file_and_leaves_it_open(tmp_path):
    path = tmp_path / "ids.bin"
    with open(path, "wb") as spool:
        result = scan_corpus(["the king\nthe queen\n"], RegexTokenizer(), spool=spool)
        assert result.spool.file is spool and not spool.closed
    np.testing.assert_array_equal(np.fromfile(path, dtype=np.int32), [0, 1, LINE_ID, 0, 2, LINE_ID])
    assert result.spool.length == 6


def test_scan_leaves_a_given_spool_open_on_error(tmp_path):
    def pieces():
        yield "the king\n"
        raise KeyboardInterrupt

    with open(tmp_path / "ids.bin", "wb") as spool:
        with pytest.raises(KeyboardInterrupt):
            scan_corpus(pieces(), RegexTokenizer(), spool=spool)
        assert not spool.closed


def test_an_id_map_keeps_line_ends_in_its_last_slot():
    mapped = id_map_keeping_line_ends(np.array([2, OOV_ID, 0], dtype=np.int64))
    assert mapped.dtype == np.int32
    np.testing.assert_array_equal(mapped[np.array([0, LINE_ID, 1, 2, LINE_ID])], [2, LINE_ID, OOV_ID, 0, LINE_ID])
