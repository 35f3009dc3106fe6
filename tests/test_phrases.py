"""Phrases: gensim's counts and scores computed by hand, its greedy application, blocks, files and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec.errors import ParameterError
from wordvec.phrases import ENGLISH_CONNECTOR_WORDS, FILE_HEADER, Phrases, count_candidates

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
    # A candidate's key is (first * words + last) times the number of connector words per connector inside:
    # with 2^21 word ids of which 2^20 + 1 are connectors, one with two connectors inside no longer fits an
    # int64. Its rows are sorted and merged as rows, and must count as the keys do.
    ids = np.array([0, 2, 1, -1, 3, 2, 2, 1, -1, 0, 2, 1, -1, 0, 1, -1, 3, 2, 2, 0, -1] * 3, dtype=np.int64)
    small = np.array([False, False, True, False])
    wide = np.zeros(1 << 21, dtype=bool)
    wide[2] = True
    wide[1 << 20 :] = True
    by_keys = count_candidates([ids[:7], ids[7:]], small, 4)
    by_rows = count_candidates([ids[:7], ids[7:]], wide, 1 << 21)
    assert by_keys.candidates.keys() == by_rows.candidates.keys() == {0, 1, 2}
    assert by_rows.candidates[2].shape == (2, 4)  # counted as rows
    for inside in by_keys.candidates:
        found = sorted(zip(map(tuple, by_keys.candidates[inside].tolist()), by_keys.candidate_counts[inside].tolist()))
        assert found == sorted(zip(map(tuple, by_rows.candidates[inside].tolist()), by_rows.candidate_counts[inside].tolist()))
    np.testing.assert_array_equal(by_rows.candidates[1], [[0, 2, 1]])
    np.testing.assert_array_equal(by_rows.candidate_counts[1], [6])
    assert sorted(map(tuple, by_rows.candidates[2].tolist())) == [(3, 2, 2, 0), (3, 2, 2, 1)]


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
    # With the pass column of phrases learnt in several passes.
    (b"phrase\tcount\tscore\tpass\nnew_york\t3\t1.5\n", "line 2: expected phrase, count, score and pass separated by tabs"),
    (b"phrase\tcount\tscore\tpass\nnew_york\t3\t1.5\t0\n", "line 2: the pass must be a whole number from 1 to 10; got '0'"),
    (b"phrase\tcount\tscore\tpass\nnew_york\t3\t1.5\t2\n", "lists phrases of pass 2 but none of pass 1"),
    (b"phrase\tcount\tscore\nnew_york\t3\t1.5\nnew_york\t4\t1.5\n", "line 3: 'new_york' is listed twice"),
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
    (["--max-candidates", "0"], "Invalid value for '--max-candidates'"),
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
    # The connector words file is an input too.
    same = runner.invoke(main, ["phrases", str(corpus), "-o", str(connectors), "--connectors", str(connectors)])
    assert same.exit_code == 1 and "would destroy what this command reads" in same.output
    assert connectors.read_text(encoding="utf-8") == "of the\n"


# -- passes, the join over ids, the bound on the table ---------------------------------------------

WORDS = ["a", "b", "c", "d", "of", "the"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), max_size=10), max_size=12),
    st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from([(), ("of",), ("of", "the")]), st.sampled_from("abcd")),
             max_size=6),
)
def test_joining_ids_is_applying_to_tokens(lines, rows):
    from wordvec.phrases import join_phrases

    found = Phrases(connector_words={"of", "the"})
    found.layers = [{"_".join([first, *inside, last]): (1, 1.0) for first, inside, last in rows}]
    words = list(WORDS)
    table = found.table(0, words)
    ids = np.array([index for line in lines for index in [*map(words.index, line), -1]], dtype=np.int64)
    expected = [index for line in lines for index in [*map(words.index, found.apply(line)), -1]]
    assert join_phrases(ids, table).tolist() == expected


def reference_scores(sentences, connectors, min_count):
    """Candidates with their count and default score, counted as gensim's Phrases counts them, word by word."""
    from collections import Counter

    words, candidates = Counter(), Counter()
    for sentence in sentences:
        start, inside = None, []
        for word in sentence:
            if word in connectors:
                if start is not None:
                    inside.append(word)
                continue
            words[word] += 1
            if start is not None:
                candidates[(start, *inside, word)] += 1
            start, inside = word, []
    size = len(words) + len(candidates)
    return {"_".join(row): (count, (count - min_count) * size / (words[row[0]] * words[row[-1]]))
            for row, count in candidates.items()}


def test_a_second_pass_finds_trigrams_from_the_corpus_with_the_first_joined():
    lines = [["the", "new", "york", "times", "said", "so"], ["i", "read", "new", "york", "times"],
             ["new", "york", "is", "big"], ["times", "change", "fast"], ["said", "the", "times"]] * 4
    double = Phrases(min_count=2, threshold=0.5, passes=2).learn(lines)
    connectors = ENGLISH_CONNECTOR_WORDS
    first = {phrase: found for phrase, found in reference_scores(lines, connectors, 2).items() if found[1] > 0.5}
    assert double.layers[0].keys() == first.keys() and "new_york" in first
    for phrase, (count, score) in first.items():
        assert double.layers[0][phrase] == (count, pytest.approx(score))
    joined = [Phrases._apply_layer(double, line, first) for line in lines]
    second = {phrase: found for phrase, found in reference_scores(joined, connectors, 2).items() if found[1] > 0.5}
    assert double.layers[1].keys() == second.keys() and "new_york_times" in second
    for phrase, (count, score) in second.items():
        assert double.layers[1][phrase] == (count, pytest.approx(score))
    assert double.apply(["the", "new", "york", "times"]) == ["the", "new_york_times"]
    assert Phrases(passes=2, min_count=1, threshold=1e9).learn(lines).layers == [{}]  # nothing found: no second pass


def test_the_bound_on_candidates_drops_the_rarest_as_gensim_prunes():
    ids = np.array([0, 1, -1] * 5 + [2, 3, -1] * 2 + [1, 2, -1], dtype=np.int64)
    connectors = np.zeros(4, dtype=bool)
    exact = count_candidates([ids], connectors, 4)
    assert exact.pruned_below == 1 and exact.candidate_counts[0].tolist() == [5, 1, 2]  # 0_1, 1_2, 2_3
    bounded = count_candidates([ids[:9], ids[9:]], connectors, 4, max_candidates=2, threads=1)
    assert bounded.pruned_below == 2
    np.testing.assert_array_equal(bounded.candidates[0], [[0, 1], [2, 3]])
    assert bounded.candidate_counts[0].tolist() == [5, 2]
    with pytest.raises(ParameterError, match="max_candidates must be >= 1"):
        Phrases(max_candidates=0)


def test_phrases_of_several_passes_round_trip_with_their_pass(tmp_path):
    lines = [["the", "new", "york", "times", "said", "so"], ["i", "read", "new", "york", "times"],
             ["new", "york", "is", "big"], ["times", "change", "fast"], ["said", "the", "times"]] * 4
    found = Phrases(min_count=2, threshold=0.5, passes=2).learn(lines)
    assert len(found.layers) == 2 and found.layers[1]
    path = tmp_path / "phrases.tsv"
    found.save(path)
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == "phrase\tcount\tscore\tpass"
    loaded = Phrases.load(path)
    assert loaded.layers == found.layers and loaded.passes == 2
    assert loaded.apply(lines[0]) == found.apply(lines[0])


# -- builds with phrases ----------------------------------------------------------------------------------


def city_lines(count: int = 1500, seed: int = 3) -> list[str]:
    """Sentences about places: "new york", "los angeles" and "bank of america" always together, other words mixed."""
    import random

    rng = random.Random(seed)
    places = ["new york", "los angeles", "bank of america", "paris", "london", "berlin"]
    verbs = ["visits", "likes", "leaves", "reaches", "sees", "finds"]
    people = [f"{name}{number}" for name in ("anna", "ben", "carl", "dora", "emil") for number in range(40)]
    return [f"{rng.choice(people)} {rng.choice(verbs)} {rng.choice(places)} and {rng.choice(people)} {rng.choice(verbs)} "
            f"the {rng.choice(places)}" for _ in range(count)]


SMALL = dict(dim=8, min_count=2, window=2, subsample=0, subwords=False, analogy_view=False, workers=1)


def test_a_build_adds_phrase_rows_and_leaves_the_words_as_they_were(tmp_path):
    import wordvec

    lines = city_lines()
    model = wordvec.build(lines, phrases="auto", phrase_threshold=2.0, **SMALL)
    plain = wordvec.build(lines, **SMALL)
    found = Phrases(threshold=2.0).learn([line.split() for line in lines])
    assert model.phrases.phrases == found.phrases and set(found.phrases) == {"new_york", "los_angeles", "bank_of_america"}
    # The words, their counts and vectors are the plain build's; the phrases follow, most frequent first.
    assert model.words[: len(plain)] == plain.words
    np.testing.assert_array_equal(model.vectors[: len(plain)], plain.vectors)
    np.testing.assert_array_equal(model.counts[: len(plain)], plain.counts)
    joined = [found.apply(line.split()) for line in lines]
    occurrences = {phrase: sum(line.count(phrase) for line in joined) for phrase in found.phrases}
    assert model.words[len(plain):] == sorted(occurrences, key=lambda phrase: (-occurrences[phrase], phrase))
    assert model.counts[len(plain):].tolist() == sorted(occurrences.values(), reverse=True)
    assert model.stats["phrases"]["rows"] == 3 and model.stats["phrases"]["joined_tokens"] == sum(occurrences.values())
    # A phrase is near the places it stands among, which share its contexts.
    assert {word for word, _ in model.most_similar("new_york", topn=4)} & {"paris", "london", "berlin", "los_angeles"}
    # Either spelling of a phrase asks for the same word.
    assert model.most_similar("new york", topn=3) == model.most_similar("new_york", topn=3)
    assert model.index("Los  Angeles") == model.index("los_angeles")

    model.save(tmp_path / "model")
    loaded = wordvec.load(tmp_path / "model")
    assert loaded.params["phrases"] == "auto" and loaded.phrases.layers == model.phrases.layers
    assert loaded.phrases.connector_words == model.phrases.connector_words
    assert loaded.most_similar("bank of america", topn=2) == model.most_similar("bank_of_america", topn=2)


def test_phrase_contexts_are_the_words_around_each_occurrence():
    from wordvec.phrase_join import phrase_contexts

    # Words 0-5; phrase 6 = "1 2" (ids 1 and 2). Line: 0 1 2 3 4 | line: 1 2 5 | line: 5 0
    found = Phrases(connector_words=())
    found.layers = [{"b_c": (2, 1.0)}]
    words = ["a", "b", "c", "d", "e", "f"]
    table = found.table(0, words)
    ids = np.array([0, 1, 2, 3, 4, -1, 1, 2, 5, -1, 5, 0, -1])
    phrase_row = np.array([-1] * 6 + [0])
    vocabulary_id = np.arange(6)
    contexts, occurrences = phrase_contexts([ids[:4], ids[4:]], [table], phrase_row, vocabulary_id, np.array([6, 3]))
    assert occurrences.tolist() == [2]
    # First: a at distance 1 (6), d at 1 (6), e at 2 (3); second: f at 1 (6); lines end the windows.
    assert contexts.toarray().tolist() == [[6, 0, 0, 6, 3, 6]]
    # Words out of the vocabulary are removed before the window, as the build removes them: without d,
    # e (now id 3) is at distance 1.
    contexts, _ = phrase_contexts([ids], [table], phrase_row, np.array([0, 1, 2, -2, 3, 4]), np.array([6, 3]))
    assert contexts.toarray().tolist() == [[6, 0, 0, 6, 6]]


def test_replacing_counts_the_corpus_with_its_phrases_joined():
    import wordvec
    from wordvec.pipeline import count_corpus

    lines = city_lines()
    model = wordvec.build(lines, phrases="auto", phrase_threshold=2.0, phrase_mode="replace", **SMALL)
    assert {"new_york", "los_angeles", "bank_of_america"} <= set(model.words)
    assert "york" not in model.words and "angeles" not in model.words  # always joined: no count left
    found = Phrases(threshold=2.0).learn([line.split() for line in lines])
    joined = [found.apply(line.split()) for line in lines]
    assert model.stats["phrases"]["joined_tokens"] == sum(token in found.phrases for line in joined for token in line)
    # The counts are those of the corpus with the phrases joined (spelled newqqyork: the tokenizer splits at "_").
    counting = dict(dim=8, min_count=2, window=2, subsample=0, workers=1)
    counted = count_corpus(lines, phrases="auto", phrase_threshold=2.0, phrase_mode="replace", **counting)
    plain = count_corpus([" ".join(line).replace("_", "qq") for line in joined], **counting)
    assert [word.replace("_", "qq") for word in counted.vocabulary.words] == plain.vocabulary.words
    np.testing.assert_array_equal(counted.vocabulary.counts, plain.vocabulary.counts)
    assert (counted.matrix != plain.matrix).nnz == 0
    assert model.most_similar("new york", topn=3) == model.most_similar("new_york", topn=3)


def test_a_build_takes_a_phrases_file_or_object(tmp_path):
    import wordvec

    lines = city_lines()
    given = Phrases(min_count=1, threshold=1e9)
    given.layers = [{"new_york": (1, 1.0)}]
    given.save(tmp_path / "phrases.tsv")
    from_file = wordvec.build(lines, phrases=tmp_path / "phrases.tsv", **SMALL)
    from_object = wordvec.build(lines, phrases=given, **SMALL)
    assert "new_york" in from_file.words and "los_angeles" not in from_file.words
    assert from_file.words == from_object.words
    np.testing.assert_array_equal(from_file.vectors, from_object.vectors)
    assert from_file.params["phrases"] == str(tmp_path / "phrases.tsv") and from_object.params["phrases"] == "<given>"


@pytest.mark.parametrize("params, message", [
    (dict(phrases="auto", phrase_passes=0), "phrase_passes must be between 1 and 10; got 0"),
    (dict(phrases="auto", phrase_scoring="npmi", phrase_threshold=1.5), "the npmi phrase_threshold must be between -1 and 1"),
    (dict(phrases="auto", phrase_min_count=0), "phrase_min_count must be >= 1"),
    (dict(phrases="missing.tsv"), "missing.tsv"),
    (dict(phrases=3), "phrases must be 'auto', a phrases file's path or a Phrases; got int"),
    (dict(phrases="auto", phrase_mode="join"), "phrase_mode must be one of add, replace; got 'join'"),
    (dict(phrases=""), "phrases must be 'auto' or the path of a phrases file; got ''"),
    (dict(phrases="auto", phrase_connectors=""), "phrase_connectors must be 'english', 'none' or a file's path; got ''"),
])
def test_bad_phrase_settings_of_a_build(params, message):
    import wordvec

    with pytest.raises(ParameterError, match=message):
        wordvec.build(city_lines(50), **{**SMALL, **params})


def test_a_damaged_phrases_file_of_a_model_is_one_line(tmp_path):
    import wordvec
    from wordvec.errors import ModelError

    wordvec.build(city_lines(), phrases="auto", phrase_threshold=2.0, **SMALL).save(tmp_path / "model")
    (tmp_path / "model" / "phrases.tsv").write_text("phrase\tcount\tscore\nnew york\t3\t1\n", encoding="utf-8")
    loaded = wordvec.load(tmp_path / "model")
    assert loaded.most_similar("new york", topn=1)  # queries need no list
    with pytest.raises(ModelError, match=r"has a damaged phrases.tsv \(.*line 2: 'new york' is not a phrase"):
        loaded.phrases


def test_cli_build_with_phrases_and_queries_in_either_spelling(runner, tmp_path):
    from wordvec.cli import main

    corpus = tmp_path / "cities.txt"
    corpus.write_text("\n".join(city_lines()) + "\n", encoding="utf-8")
    model = tmp_path / "model"
    options = ["--dim", "8", "--window", "2", "--subsample", "0", "--no-subwords", "--no-analogy-view", "--min-count", "2"]
    result = runner.invoke(main, ["build", str(corpus), "-o", str(model), "--phrases", "auto", "--phrase-passes", "2",
                                  "--phrase-threshold", "2", *options])
    assert result.exit_code == 0, result.output
    spaced = runner.invoke(main, ["nearest", "new york", "-m", str(model), "-k", "3"])
    joined = runner.invoke(main, ["nearest", "new_york", "-m", str(model), "-k", "3"])
    assert spaced.exit_code == joined.exit_code == 0
    assert spaced.stdout.splitlines()[1:] == joined.stdout.splitlines()[1:] and len(joined.stdout.splitlines()) == 4
    assert (model / "phrases.tsv").read_text(encoding="utf-8").startswith("phrase\tcount\tscore")

    # A phrases file as input is never the output; a bad one is one line.
    phrases = tmp_path / "phrases.tsv"
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(phrases), "--passes", "2", "--threshold", "2"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", str(corpus), "-o", str(model), "--phrases", str(phrases), *options])
    assert result.exit_code == 0, result.output
    phrases.write_bytes(b"phrase\tcount\tscore\nnew_york\t3\n")
    result = runner.invoke(main, ["build", str(corpus), "-o", str(model), "--phrases", str(phrases), *options])
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "line 2: expected phrase, count and score separated by tabs" in result.stderr
    result = runner.invoke(main, ["build", str(corpus), "-o", str(model), "--phrase-passes", "0", *options])
    assert result.exit_code == 2 and "Invalid value for '--phrase-passes'" in result.stderr
    result = runner.invoke(main, ["phrases", str(corpus), "-o", str(tmp_path / "out.tsv"), "--passes", "0"])
    assert result.exit_code == 2 and "Invalid value for '--passes'" in result.stderr


def test_cli_build_refuses_to_overwrite_its_phrases_file(runner, tmp_path):
    from wordvec.cli import main

    corpus = tmp_path / "cities.txt"
    corpus.write_text("\n".join(city_lines(100)) + "\n", encoding="utf-8")
    phrases = tmp_path / "phrases"
    phrases.mkdir()
    result = runner.invoke(main, ["build", str(corpus), "-o", str(phrases), "--phrases", str(phrases)])
    assert result.exit_code != 0 and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("mode", ["add", "replace"])
def test_a_model_keeping_its_corpus_joins_new_text_with_its_phrases(tmp_path, mode):
    import wordvec
    from wordvec.incremental import build_keeping_corpus, save_with_corpus, update

    lines = city_lines(1500, seed=3)
    old, new = lines[:1000], lines[1000:]
    model, counted = build_keeping_corpus(old, phrases="auto", phrase_threshold=2.0, phrase_mode=mode, **SMALL)
    # The kept corpus is the text as read (add), or as joined (replace).
    assert ("new_york" in counted.corpus_ids.words) == (mode == "replace")
    save_with_corpus(model, counted, tmp_path / "model")
    updated, _ = update(tmp_path / "model", new, workers=1)
    # As a build of the old and new text with the model's phrases (learnt from the old text).
    whole = wordvec.build(lines, phrases=model.phrases, phrase_mode=mode, **SMALL)
    assert updated.words == whole.words
    np.testing.assert_array_equal(updated.counts, whole.counts)
    np.testing.assert_allclose(updated.vectors, whole.vectors, atol=1e-5)
    assert updated.phrases.layers == model.phrases.layers


def test_documents_are_joined_as_the_corpus_was():
    import wordvec
    from wordvec.features import document_vector

    model = wordvec.build(city_lines(), phrases="auto", phrase_threshold=2.0, **SMALL)
    np.testing.assert_allclose(document_vector(model, "New York"), model["new_york"], atol=1e-6)
    both = document_vector(model, "paris and the bank of america", normalize=False)
    np.testing.assert_allclose(both, (model["paris"] + model["and"] + model["the"] + model["bank_of_america"]) / 4, atol=1e-6)


def test_phrase_rows_leave_every_view_of_the_words_as_it_was():
    import wordvec

    lines = city_lines()
    settings = {**SMALL, "subwords": True, "analogy_view": True, "buckets": 5000}
    plain = wordvec.build(lines, **settings)
    model = wordvec.build(lines, phrases="auto", phrase_threshold=2.0, **settings)
    words = len(plain)
    assert len(model) == words + 3 and model.words[:words] == plain.words
    for mine, theirs in ((model, plain), (model.analogy_view, plain.analogy_view),
                         (model.analogy_view.unblended, plain.analogy_view.unblended)):
        np.testing.assert_array_equal(mine.vectors[:words], theirs.vectors[:words])
    # The phrase rows are unit vectors of the view, the same before and after the n-gram blend.
    np.testing.assert_allclose(np.linalg.norm(model.vectors[words:], axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(model.analogy_view.vectors[words:], model.analogy_view.unblended.vectors[words:])
    assert model.most_similar("new york", topn=1) and "new_york" in model


def test_a_kept_corpus_with_phrase_rows_explains_and_refits_its_words(tmp_path):
    from wordvec.explain import explain
    from wordvec.incremental import build_keeping_corpus, refit_kept_counts, save_with_corpus

    model, counted = build_keeping_corpus(city_lines(), phrases="auto", phrase_threshold=2.0, **SMALL)
    save_with_corpus(model, counted, tmp_path / "model")
    words = len(counted.vocabulary)
    assert len(model) == words + 3
    assert explain(tmp_path / "model", "london", "paris").word1 == "london"
    with pytest.raises(ParameterError, match="'new_york' is a phrase the build added, with no row of its own"):
        explain(tmp_path / "model", "new york", "paris")
    refitted = refit_kept_counts(tmp_path / "model")
    assert refitted.words == model.words[:words]
    np.testing.assert_allclose(refitted.vectors, model.vectors[:words], atol=1e-5)


def test_cli_build_without_any_phrase_found_is_a_note_and_info_tells_the_phrases(runner, tmp_path):
    from wordvec.cli import main

    corpus = tmp_path / "cities.txt"
    corpus.write_text("\n".join(city_lines()) + "\n", encoding="utf-8")
    options = ["--dim", "8", "--window", "2", "--subsample", "0", "--no-subwords", "--no-analogy-view"]
    result = runner.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "none"), "--phrases", "auto",
                                  "--phrase-threshold", "1e9", *options])
    assert result.exit_code == 0
    assert result.stderr == "note: no pair of words scored above the phrase threshold: the model has no phrases\n"
    result = runner.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "some"), "--phrases", "auto",
                                  "--phrase-threshold", "2", *options])
    assert result.exit_code == 0 and result.stderr == ""
    info = runner.invoke(main, ["info", "-m", str(tmp_path / "some")])
    assert "phrases             3 in 1 pass(es), 1,506 joined in the corpus, mode add, 3 rows after the words" in info.stdout


def test_phrases_files_that_are_devices_carry_a_byte_order_mark_or_list_none(runner, tmp_path):
    from wordvec.cli import main

    corpus = tmp_path / "cities.txt"
    corpus.write_text("\n".join(city_lines()) + "\n", encoding="utf-8")
    options = ["--dim", "8", "--window", "2", "--subsample", "0", "--no-subwords", "--no-analogy-view"]
    for argument, message in ((["--phrases", "/dev/zero"], "cannot read the phrases file '/dev/zero': a character device"),
                              (["--phrases", "auto", "--phrase-connectors", "/dev/null"],
                               "cannot read the connector words file '/dev/null': a character device")):
        result = runner.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "m"), *argument, *options])
        assert result.exit_code == 1 and message in result.stderr and len(result.stderr.splitlines()) == 1
    # A byte-order mark (a file saved by a spreadsheet) is no part of the header.
    marked = tmp_path / "marked.tsv"
    marked.write_bytes(b"\xef\xbb\xbfphrase\tcount\tscore\nnew_york\t3\t1.5\n")
    assert Phrases.load(marked).phrases == {"new_york": (3, 1.5)}
    result = runner.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "m"), "--phrases", str(marked), *options])
    assert result.exit_code == 0 and result.stderr == ""
    empty = tmp_path / "empty.tsv"
    empty.write_text(FILE_HEADER + "\n", encoding="utf-8")
    result = runner.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "m"), "--phrases", str(empty), *options])
    assert result.exit_code == 0 and result.stderr == "note: the phrases file lists none: the model has no phrases\n"
