"""Tests of wordvec.tokenize: the regex tokenizer, text normalisation and the nltk tokenizer."""

from __future__ import annotations

import socket
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.errors import ParameterError
from wordvec.tokenize import LINE_END, NltkTokenizer, RegexTokenizer, get_tokenizer, normalize_text


@pytest.fixture(scope="module")
def tokenizer() -> RegexTokenizer:
    return RegexTokenizer()


def test_lowercases(tokenizer):
    assert tokenizer.tokenize("The KING and Queen") == ["the", "king", "and", "queen"]


def test_keeps_internal_apostrophes_and_hyphens(tokenizer):
    assert tokenizer.tokenize("Don't say state-of-the-art o'clock") == ["don't", "say", "state-of-the-art", "o'clock"]


def test_drops_leading_and_trailing_apostrophes_and_hyphens(tokenizer):
    assert tokenizer.tokenize("'quoted' --dashed-- rock-") == ["quoted", "dashed", "rock"]


def test_keeps_numbers_with_internal_dots_and_commas(tokenizer):
    assert tokenizer.tokenize("pi is 3.14, about 1,000 people paid $3.50.") == [
        "pi", "is", "3.14", "about", "1,000", "people", "paid", "3.50",
    ]


def test_dots_and_commas_between_letters_split_words(tokenizer):
    assert tokenizer.tokenize("end.start one,two") == ["end", "start", "one", "two"]


def test_drops_punctuation_and_symbols(tokenizer):
    assert tokenizer.tokenize('Hello, World... (yes)! "no"; a+b=c? #tag @user & | / \\') == [
        "hello", "world", "yes", "no", "a", "b", "c", "tag", "user",
    ]


def test_splits_at_underscores(tokenizer):
    assert tokenizer.tokenize("snake_case_name __init__") == ["snake", "case", "name", "init"]


def test_normalises_typographic_apostrophe(tokenizer):
    assert tokenizer.tokenize("Don\u2019t") == ["don't"]
    assert tokenizer.tokenize("don\u2019t") == tokenizer.tokenize("don't")


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_removes_zero_width_characters(tokenizer, invisible):
    assert tokenizer.tokenize(f"zero{invisible}width king") == ["zerowidth", "king"]


def test_composed_and_decomposed_accents_give_the_same_token(tokenizer):
    composed = unicodedata.normalize("NFC", "Café naïve Ångström")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert tokenizer.tokenize(decomposed) == tokenizer.tokenize(composed) == ["café", "naïve", "ångström"]


def test_devanagari_word_with_combining_marks_is_one_token(tokenizer):
    # नमस्ते: न म स ् त े; the virama (U+094D) and vowel sign (U+0947) are combining marks.
    word = "\u0928\u092e\u0938\u094d\u0924\u0947"
    hindi = "\u0939\u093f\u0928\u094d\u0926\u0940"
    assert any(unicodedata.category(ch).startswith("M") for ch in word)
    assert tokenizer.tokenize(f"{word} {hindi}") == [word, hindi]


def test_emoji_are_one_token_each(tokenizer):
    assert tokenizer.tokenize("I love \U0001f600\U0001f600 pizza\U0001f355") == [
        "i", "love", "\U0001f600", "\U0001f600", "pizza", "\U0001f355",
    ]


def test_skin_tone_modifier_does_not_become_a_token(tokenizer):
    assert tokenizer.tokenize("\U0001f44d\U0001f3fd ok") == ["\U0001f44d", "ok"]


def test_tokenize_lines_marks_each_line_end(tokenizer):
    assert tokenizer.tokenize_lines("The king\nthe Queen\n") == ["the", "king", LINE_END, "the", "queen", LINE_END]


def test_tokenize_lines_leaves_an_unfinished_final_line_open(tokenizer):
    # The corpus reader cuts very long lines at whitespace; the next piece continues the line.
    assert tokenizer.tokenize_lines("a b\nc") == ["a", "b", LINE_END, "c"]
    assert tokenizer.tokenize_lines("a b\nc") + tokenizer.tokenize_lines(" d\n") == tokenizer.tokenize_lines("a b\nc d\n")


def test_tokenize_lines_keeps_empty_lines_as_line_ends(tokenizer):
    assert tokenizer.tokenize_lines("a\n\n...\nb\n") == ["a", LINE_END, LINE_END, LINE_END, "b", LINE_END]


def test_tokenize_lines_of_empty_text_is_empty(tokenizer):
    assert tokenizer.tokenize_lines("") == []


def test_tokenize_lines_treats_crlf_as_line_end(tokenizer):
    assert tokenizer.tokenize_lines("a b\r\nc\r\n") == ["a", "b", LINE_END, "c", LINE_END]


def test_tokenize_ignores_line_ends(tokenizer):
    assert tokenizer.tokenize("a b\nc\n") == ["a", "b", "c"]


def test_normalize_text():
    assert normalize_text("The\u200b KING\u2019s snake_case Cafe\u0301") == "the king snake case café"


def test_clitic_s_is_dropped_but_other_apostrophes_stay():
    tokens = RegexTokenizer().tokenize("The King's men; it's James\u2019s. 'sorry' don't rock'n'roll")
    assert tokens == ["the", "king", "men", "it", "james", "sorry", "don't", "rock'n'roll"]


def test_get_tokenizer_by_name():
    assert isinstance(get_tokenizer("regex"), RegexTokenizer)
    assert isinstance(get_tokenizer("nltk"), NltkTokenizer)


def test_get_tokenizer_unknown_name():
    with pytest.raises(ParameterError, match="unknown tokenizer 'spacy'; choose one of: regex, nltk"):
        get_tokenizer("spacy")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, no nltk data directory, and nltk.download refuses to run."""
    import nltk

    def refuse(*args, **kwargs):
        raise AssertionError("the tokenizer tried to use the network or download nltk data")

    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_nltk_tokenizer_works_offline(offline):
    tokenizer = NltkTokenizer()
    assert tokenizer.tokenize("Don't stop, King! The queen's crown.") == [
        "do", "n't", "stop", "king", "the", "queen", "crown",
    ]


def test_nltk_tokenize_lines_marks_line_ends(offline):
    tokenizer = NltkTokenizer()
    tokens = tokenizer.tokenize_lines("The king.\nA queen, too\n")
    assert tokens == ["the", "king", LINE_END, "a", "queen", "too", LINE_END]
    # An unfinished last line stays open for the next piece.
    assert tokenizer.tokenize_lines("The king.\nA queen") == ["the", "king", LINE_END, "a", "queen"]


def test_nltk_tokenizer_normalises_like_the_regex_tokenizer(offline):
    assert NltkTokenizer().tokenize("Cafe\u0301 zero\u200bwidth") == ["café", "zerowidth"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_tokenizer_never_raises_and_tokens_have_no_whitespace(text):
    tokenizer = RegexTokenizer()
    tokens = tokenizer.tokenize(text)
    assert all(token and not any(ch.isspace() for ch in token) for token in tokens)
    lines = tokenizer.tokenize_lines(text)
    assert [token for token in lines if token != LINE_END] == tokens
    assert lines.count(LINE_END) == text.count("\n")


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_nltk_tokenizer_never_raises_and_tokens_have_no_whitespace(text):
    tokens = NltkTokenizer().tokenize(text)
    assert all(token and not any(ch.isspace() for ch in token) for token in tokens)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.sampled_from([" ", "\t"]))
def test_text_cut_after_whitespace_tokenizes_as_a_whole(head, tail, space):
    # The corpus reader cuts a very long line after a space or tab; the two pieces must give the tokens of the
    # uncut text, with no line end at the cut.
    tokenizer = RegexTokenizer()
    first = head + space
    assert tokenizer.tokenize_lines(first) + tokenizer.tokenize_lines(tail) == tokenizer.tokenize_lines(first + tail)


def test_nltk_text_cut_after_whitespace_tokenizes_as_a_whole(offline):
    tokenizer = NltkTokenizer()
    text = "the king rules\nthe queen rules the land with grace and power\n"
    whole = tokenizer.tokenize_lines(text)
    for cut in [i + 1 for i, ch in enumerate(text) if ch == " "]:
        assert tokenizer.tokenize_lines(text[:cut]) + tokenizer.tokenize_lines(text[cut:]) == whole
