"""Tests of wordvec.vectorized_tokenize: the regular expression's tokens, found with numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wordvec.vectorized_tokenize as vectorized
from wordvec.tokenize import EMOJI_CLASS, RegexTokenizer, _token_pattern, normalize_text, word_character_class
from wordvec.vocab import scan_corpus

# Characters where the token rules have edges: letters, digits of two scripts, joiners, ".", ",",
# a combining mark, emoji (one also a word character), a line end, spaces, CJK and an astral letter.
ALPHABET = "ab1٣'-.,\u0301😀❶ \n日\U0001d400_é"


def expanded(text: str) -> list[str]:
    distinct, positions = vectorized.group_tokens(text, word_character_class(), EMOJI_CLASS)
    return [distinct[i] for i in positions]


@pytest.mark.parametrize("text", [
    "Don't stop: state-of-the-art NLP costs $3.50!\n",
    "3.14abc 1,000.5 1.5a-b 1.5-2a a1.5 1..5 1.5.a 1.5a6.7 a--b a'-b x.5 2-3.4,5",
    "😀😀a ❶2 日本語 e\u0301 1.5\u0301 \U0001d400x",
    "", "\n\n", "'-.,", "   ",
])
def test_the_tokens_of_the_regular_expression(text):
    normalized = normalize_text(text)
    assert expanded(normalized) == _token_pattern().findall(normalized)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_the_same_tokens_as_the_regular_expression_on_any_text(text):
    assert expanded(text) == _token_pattern().findall(text)


def test_distinct_tokens_come_in_order_of_first_appearance():
    distinct, positions = vectorized.group_tokens("b a b c a\n", word_character_class(), EMOJI_CLASS)
    assert distinct == ["b", "a", "c", "\n"]
    np.testing.assert_array_equal(positions, [0, 1, 0, 2, 1, 3])
    assert positions.dtype == np.int32


def test_a_hash_collision_falls_back_to_the_regular_expression(monkeypatch):
    monkeypatch.setattr(vectorized, "group_tokens", lambda text, word_char, emoji: None)
    distinct, positions = RegexTokenizer().tokenize_lines_grouped("B a b\n")
    assert distinct == ["b", "a", "\n"]
    np.testing.assert_array_equal(positions, [0, 1, 0, 2])


class ListTokenizer(RegexTokenizer):
    """The regex tokenizer without its grouped form, so a scan takes the token-list path."""

    tokenize_lines_grouped = None


def test_a_scan_with_grouped_tokens_equals_a_scan_of_token_lists():
    pieces = ["The king's crown, 3.14 and 1,000.\n", "the Queen-mother 😀 ruled\nthe land.\n", "", "king king\n"]
    grouped = scan_corpus(pieces, RegexTokenizer())
    listed = scan_corpus(pieces, ListTokenizer())
    assert grouped.words == listed.words
    np.testing.assert_array_equal(grouped.counts, listed.counts)
    assert (grouped.tokens, grouped.lines) == (listed.tokens, listed.lines)
    np.testing.assert_array_equal(np.concatenate([b for _, b in grouped.spool.iter_blocks()]),
                                  np.concatenate([b for _, b in listed.spool.iter_blocks()]))
