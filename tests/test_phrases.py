"""Phrases: gensim's counts and scores computed by hand, its greedy application, blocks, files and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.errors import ParameterError
from wordvec.phrases import FILE_HEADER, Phrases, count_candidates

LINES = [
    "new york is a big city".split(),
    "i love new york".split(),
    "the bank of america is in new york".split(),
    "bank of america and new york".split(),
    "a city of york".split(),
]


def test_counts_and_default_scores_by_hand():
    found = Phrases(min_count=1, threshold=0.0).learn(LINES)
    # Non-connector words: new 4, york 5, is 2, big 1, city 2, i 1, love 1, bank 2, america 2.
    # Candidates: new_york 4, york_is 1, is_big 1, big_city 1, i_love 1, love_new 1, bank_of_america 2,
    # america_is 1, is_new 1, america_and_new 1, city_of_york 1: 11, and 9 words: len_vocab 20.
    # (A line starting with a connector, "a city ...", counts no candidate before "city".)
    assert found.phrases["new_york"] == (4, pytest.approx((4 - 1) / (4 * 5) * 20))
    assert found.phrases["bank_of_america"] == (2, pytest.approx((2 - 1) / (2 * 2) * 20))
    # Seen once, a candidate scores (1 - min_count) ... = 0, not above a threshold of 0.
    assert "city_of_york" not in found.phrases and "america_and_new" not in found.phrases
    assert "the_bank" not in found.phrases and "a_big" not in found.phrases  # connectors never start or end one
    strict = Phrases(min_count=1, threshold=2.9).learn(LINES)
    assert set(strict.phrases) == {"new_york", "bank_of_america"}
    assert list(strict.export_phrases()) == ["bank_of_america", "new_york"]  # best first: 5.0, then 3.0


def test_npmi_by_hand():
    found = Phrases(scoring="npmi", min_count=2, threshold=-1.0).learn(LINES)
    tokens = sum(len(line) for line in LINES)  # every token, connectors too: 28
    p_ab, p_a, p_b = 4 / tokens, 4 / tokens, 5 / tokens
    assert found.phrases["new_york"][1] == pytest.approx(math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
    assert "york_is" not in found.phrases  # counted once, under min_count
    assert all(-1 <= score <= 1 for _, score in found.phrases.values())


def test_apply_is_greedy_left_to_right():
    found = Phrases(min_count=1, threshold=0.0, connector_words=())
    found.layers = [{"a_b": (1, 1.0), "b_c": (1, 1.0)}]
    assert found.apply(list("abc")) == ["a_b", "c"]
    assert found.apply(list("xbc")) == ["x", "b_c"]
    connected = Phrases(min_count=1, threshold=0.0)
    connected.layers = [{"bank_of_america": (2, 5.0)}]
    assert connected.apply("the bank of america and the bank of spain".split()) == [
        "the", "bank_of_america", "and", "the", "bank", "of", "spain"]
    assert connected.apply(["of", "the"]) == ["of", "the"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), max_size=8), max_size=25), st.integers(1, 7))
def test_counts_do_not_depend_on_how_the_stream_is_cut(lines, cut):
    ids = np.array([token for line in lines for token in [*line, -1]], dtype=np.int64)
    connectors = np.array([False, False, True, False, True, False])
    whole = count_candidates([ids], connectors, 6)
    pieces = count_candidates([ids[i : i + cut] for i in range(0, len(ids), cut)], connectors, 6)
    np.testing.assert_array_equal(whole.word_counts, pieces.word_counts)
    assert whole.tokens == pieces.tokens == int(np.count_nonzero(ids >= 0))
    assert whole.candidates.keys() == pieces.candidates.keys()
    for inside in whole.candidates:
        np.testing.assert_array_equal(whole.candidates[inside], pieces.candidates[inside])
        np.testing.assert_array_equal(whole.candidate_counts[inside], pieces.candidate_counts[inside])


def test_candidates_too_wide_for_one_key_count_the_same():
    # With 2^22 word ids, a candidate with a connector inside (three ids) no longer fits one int64 key:
    # its rows are sorted and merged as rows, and must count as the keys do.
    ids = np.array([0, 2, 1, -1, 3, 2, 2, 1, -1, 0, 2, 1, -1, 0, 1, -1] * 3, dtype=np.int64)
    small = np.array([False, False, True, False])
    wide = np.zeros(1 << 22, dtype=bool)
    wide[2] = True
    by_keys = count_candidates([ids[:7], ids[7:]], small, 4)
    by_rows = count_candidates([ids[:7], ids[7:]], wide, 1 << 22)
    assert by_keys.candidates.keys() == by_rows.candidates.keys() == {0, 1, 2}
    for inside in by_keys.candidates:
        np.testing.assert_array_equal(by_keys.candidates[inside], by_rows.candidates[inside])
        np.testing.assert_array_equal(by_keys.candidate_counts[inside], by_rows.candidate_counts[inside])
    np.testing.assert_array_equal(by_rows.candidates[1], [[0, 2, 1]])
    np.testing.assert_array_equal(by_rows.candidate_counts[1], [6])


def test_save_and_load_round_trip(tmp_path):
    found = Phrases(min_count=1, threshold=0.0).learn(LINES)
    path = tmp_path / "phrases.tsv"
    found.save(path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == FILE_HEADER
    loaded = Phrases.load(path)
    assert loaded.phrases == found.phrases
    assert loaded.apply(LINES[2]) == found.apply(LINES[2])


@pytest.mark.parametrize("content, message", [
    (b"phrase\tcount\tscore\nnew_york\t3\n", "line 2: expected phrase, count and score separated by tabs, got 2 fields"),
    (b"phrase\tcount\tscore\nyork\t3\t1.5\n", "line 2: 'york' is not a phrase of two words or more"),
    (b"phrase\tcount\tscore\nnew_york\t0\t1.5\n", "line 2: the count must be a whole number >= 1"),
    (b"phrase\tcount\tscore\nnew_york\t3\tnan\n", "line 2: the count must be a whole number >= 1 and the score a finite"),
    (b"new_york\t3\t1.5\n", "is not a phrases file: its first line must be"),
    (b"phrase\tcount\tscore\nnew_yo\xe9rk\t3\t1\n", "is not UTF-8 text (byte 25)"),
])
def test_a_bad_phrases_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "phrases.tsv"
    path.write_bytes(content)
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Phrases.load(path)


def test_bad_settings():
    with pytest.raises(ParameterError, match="scoring must be one of default, npmi"):
        Phrases(scoring="pmi")
    with pytest.raises(ParameterError, match="the npmi threshold must be between -1 and 1; got 2.0"):
        Phrases(scoring="npmi", threshold=2)
    with pytest.raises(ParameterError, match="min_count must be >= 1"):
        Phrases(min_count=0)
    with pytest.raises(ParameterError, match="finite"):
        Phrases(threshold=float("inf"))
    assert Phrases(min_count=1, threshold=1e9).learn(LINES).phrases == {}  # nothing above the threshold: empty


def test_doctests():
    import doctest

    import wordvec.phrases

    result = doctest.testmod(wordvec.phrases, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- learning from a corpus, and the command line --------------------------------------------------


def test_a_corpus_learns_what_its_token_lines_learn(tmp_path):
    import gzip
    from pathlib import Path

    from wordvec.phrases import learn_phrases
    from wordvec.tokenize import RegexTokenizer

    corpus = Path(__file__).parent.parent / "corpora" / "austen.txt.gz"
    tokenizer = RegexTokenizer()
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        sentences = [tokenizer.tokenize(line) for line in lines]
    from_lines = Phrases().learn(sentences)
    from_corpus = learn_phrases(corpus, workers=1)
    assert from_corpus.phrases == from_lines.phrases
    assert "de_bourgh" in from_corpus.phrases and len(from_corpus.phrases) > 500


def test_cli_phrases_writes_the_list(runner, tmp_path):
    from wordvec.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(line) for line in LINES) + "\n", encoding="utf-8")
    output = tmp_path / "phrases.tsv"
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(output), "--min-count", "1", "--threshold", "2.9"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"2 phrases -> {output}\n"
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == FILE_HEADER and [line.split("\t")[0] for line in lines[1:]] == ["bank_of_america", "new_york"]
    assert Phrases.load(output).phrases == Phrases(min_count=1, threshold=2.9).learn(LINES).phrases

    # Without connector words, "bank of america" is two pairs, each scored on its own.
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(output), "--min-count", "1", "--threshold", "2.9",
                                  "--connectors", "none"])
    assert result.exit_code == 0 and "bank_of_america" not in output.read_text(encoding="utf-8")
    connectors = tmp_path / "connectors.txt"
    connectors.write_text("# mine\nof\n", encoding="utf-8")
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(output), "--min-count", "1", "--threshold", "2.9",
                                  "--connectors", str(connectors)])
    assert result.exit_code == 0 and "bank_of_america" in output.read_text(encoding="utf-8")

    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(output), "--threshold", "1e9"])
    assert result.exit_code == 0 and "note: no pair of words scored above the threshold" in result.stderr
    assert output.read_text(encoding="utf-8") == FILE_HEADER + "\n"


@pytest.mark.parametrize("arguments, message", [
    (["--scoring", "npmi", "--threshold", "2"], "Error: the npmi threshold must be between -1 and 1; got 2.0"),
    (["--connectors", "CONNECTORS"], "line 1: one connector word a line, got 2"),
    (["--min-count", "0"], "Invalid value for '--min-count'"),
])
def test_cli_phrases_bad_input_is_one_line(runner, tmp_path, arguments, message):
    from wordvec.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("new york\n", encoding="utf-8")
    connectors = tmp_path / "connectors.txt"
    connectors.write_text("of the\n", encoding="utf-8")
    arguments = [str(connectors) if argument == "CONNECTORS" else argument for argument in arguments]
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(tmp_path / "out.tsv"), *arguments])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert message in result.output
    same = runner.invoke(main, ["phrases", str(corpus), "-o", str(corpus)])
    assert same.exit_code == 1 and "would destroy what this command reads" in same.output
    assert corpus.read_text(encoding="utf-8") == "new york\n"
