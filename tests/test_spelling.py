"""Words one edit away (wordvec.spelling), and how they pull a composed vector toward the word a typo misspells."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.spelling import MAX_EDITED_LENGTH, alphabet_of, one_edit_away, words_one_edit_away


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (insert, delete, replace, swap two neighbours), by the textbook table."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        cost = a[i - 1] != b[j - 1]
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[len(a)][len(b)]


def test_the_edits_of_a_word_by_hand():
    edits = one_edit_away("cat", "act")
    for expected in ("at", "ct", "ca", "act", "cta", "aat", "cct", "catt", "tcat", "caat"):
        assert expected in edits
    assert "cat" not in edits and "dog" not in edits and "tac" not in edits  # tac is two edits
    assert "cta" in edits and "act" in edits  # the two swaps of neighbours


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abc", max_size=5))
def test_the_edits_are_exactly_the_strings_at_distance_one(word):
    alphabet = "abc"
    edits = one_edit_away(word, alphabet)
    assert all(edit_distance(word, edit) == 1 for edit in edits)
    # Every string over the alphabet one edit away is there (an edit changes the length by at most one).
    for length in range(max(0, len(word) - 1), len(word) + 2):
        for letters in itertools.product(alphabet, repeat=length):
            other = "".join(letters)
            assert (other in edits) == (edit_distance(word, other) == 1)


def test_vocabulary_words_one_edit_away_are_found_by_row():
    rows = {"kingdom": 0, "king": 1, "kingdoms": 2, "queen": 3, "kindom": 4}
    assert words_one_edit_away("kingdmo", rows, "abcdefghijklmnopqrstuvwxyz") == [0]  # a swap
    assert words_one_edit_away("kingdo", rows, "abcdefghijklmnopqrstuvwxyz") == [0]  # a letter left out
    assert words_one_edit_away("kingdom", rows, "abcdefghijklmnopqrstuvwxyz") == [2, 4]  # not the word itself
    assert words_one_edit_away("qeen", rows, "u") == [3]  # an insertion from the alphabet
    assert words_one_edit_away("qeen", rows, "x") == []  # ... and only from the alphabet
    long_word = "k" * (MAX_EDITED_LENGTH + 1)
    assert words_one_edit_away(long_word, {long_word[1:]: 0}, "k") == []  # too long to be a misspelling


def test_the_alphabet_is_the_most_frequent_characters():
    assert alphabet_of(["aab", "ab", "c"], size=2) == "ab"
    assert alphabet_of(["aab", "ab", "c"]) == "abc"
    assert set(alphabet_of(["xyz", "éa"])) == set("xyzéa")


@pytest.fixture(scope="module")
def shipped_model():
    """A model of the shipped Austen corpus with character n-grams (about 10 s)."""
    from pathlib import Path

    import wordvec

    corpus = Path(__file__).resolve().parent.parent / "corpora" / "austen.txt.gz"
    return wordvec.build([corpus], subwords=True, dim=50, buckets=50_000)


def test_typos_of_known_words_find_their_word_among_their_nearest_neighbours(shipped_model):
    model = shipped_model
    words = [w for w in model.words[200:2000] if len(w) >= 5 and w.isalpha()][:60]
    typos = []
    for word in words:
        typo = word[0] + word[2] + word[1] + word[3:]  # the second and third letters swapped
        if typo != word and typo not in model:
            typos.append((typo, word))
    assert len(typos) >= 40
    found = [word in {w for w, _ in model.most_similar(typo, topn=10)} for typo, word in typos]
    assert np.mean(found) >= 0.8
    # n-grams alone find far fewer: the pull toward the words one edit away is what finds them.
    unit = np.asarray(model.unit_vectors)
    by_ngrams = []
    for typo, word in typos:
        ngrams = model.ngram_vector(typo)
        scores = unit @ (ngrams / np.linalg.norm(ngrams))
        by_ngrams.append(model.index(word) in np.argsort(-scores)[:10])
    assert np.mean(by_ngrams) < np.mean(found) - 0.2, (np.mean(by_ngrams), np.mean(found))
