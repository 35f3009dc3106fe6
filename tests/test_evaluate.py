"""Tests of wordvec.evaluate: word-pair correlation and analogy accuracy on hand-made models and datasets."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from wordvec import evaluate
from wordvec.errors import ParameterError, UnknownWordError, WordvecError
from wordvec.evaluate import (
    AnalogyResult,
    PairsResult,
    evaluate_analogy_methods,
    evaluate_model,
    evaluate_word_analogies,
    evaluate_word_pairs,
    read_analogies,
    read_word_pairs,
    shipped_dataset,
)
from wordvec.vectors import WordVectors


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def unit(degrees: float, length: float = 1.0) -> list[float]:
    return [length * math.cos(math.radians(degrees)), length * math.sin(math.radians(degrees))]


def angle_model(angles: dict[str, float], lengths: dict[str, float] | None = None) -> WordVectors:
    """2-d vectors at the given angles (degrees), so every cosine is cos(angle difference); lengths vary on purpose."""
    lengths = lengths or {}
    vectors = np.array([unit(angle, lengths.get(word, 1.0)) for word, angle in angles.items()])
    return WordVectors(list(angles), vectors)


# -- word pairs: reading --------------------------------------------------------------

EXPECTED_PAIRS = [("old", "new", 1.58), ("smart", "intelligent", 9.2), ("hard", "difficult", 8.77)]


@pytest.mark.parametrize("text", [
    "old\tnew\t1.58\nsmart\tintelligent\t9.2\nhard\tdifficult\t8.77\n",
    "old,new,1.58\nsmart,intelligent,9.2\nhard,difficult,8.77",
    "old new   1.58\n  smart  intelligent 9.2  \nhard \t difficult\t 8.77\n",
    "old, new, 1.58\nsmart, intelligent, 9.2\nhard, difficult, 8.77\n",
    "word1\tword2\tscore\nold\tnew\t1.58\nsmart\tintelligent\t9.2\nhard\tdifficult\t8.77\n",
    "Word 1,Word 2,Human (mean)\nold,new,1.58\nsmart,intelligent,9.2\nhard,difficult,8.77\n",
    "# a comment\n\n# Word 1\tWord 2\tHuman (mean)\nold\tnew\t1.58\n\n   \nsmart\tintelligent\t9.2\n# more\nhard\tdifficult\t8.77\n\n",
    "\ufeffword1,word2,sim\r\nold,new,1.58\r\nsmart,intelligent,9.2\r\nhard,difficult,8.77\r\n",
], ids=["tab", "comma", "spaces", "comma-space", "header", "csv-header", "comments-blank-lines", "bom-crlf"])
def test_read_word_pairs_formats(tmp_path, text):
    assert read_word_pairs(write(tmp_path, "pairs.txt", text)) == EXPECTED_PAIRS


@pytest.mark.parametrize("text, message", [
    ("a\tb\t1\nc\td\tmany\n", "line 2: expected 'word1 word2 score'"),
    ("a\tb\t1\n\n# note\nc\td\n", "line 4: expected 'word1 word2 score'"),
    ("a\tb\t1\nc\td\t2\te\n", "line 2: expected 'word1 word2 score'"),
    ("a\tb\t1\nc\td\tnan\n", "line 2: expected 'word1 word2 score'"),
    ("a\tb\t1\nc\td\t-inf\n", "line 2: expected 'word1 word2 score'"),
    ("", "no 'word1 word2 score' lines"),
    ("# only a comment\n\n", "no 'word1 word2 score' lines"),
    ("word1,word2,score\n", "no 'word1 word2 score' lines"),
])
def test_read_word_pairs_rejects_malformed_files(tmp_path, text, message):
    path = write(tmp_path, "pairs.txt", text)
    with pytest.raises(WordvecError, match=re.escape(message)) as error:
        read_word_pairs(path)
    assert str(path) in str(error.value)


def test_read_word_pairs_first_line_that_is_not_a_pair_is_a_header(tmp_path):
    # A header is allowed once, before the pairs; the same line later is an error (tested above).
    assert read_word_pairs(write(tmp_path, "p.txt", "x y\na b 3\n")) == [("a", "b", 3.0)]


def test_read_word_pairs_rejects_non_utf8_and_missing_files(tmp_path):
    binary = tmp_path / "pairs.bin"
    binary.write_bytes(b"a\tb\t1\n\xff\xfe\x00\x81 c d 2\n")
    with pytest.raises(WordvecError, match="is not UTF-8 text"):
        read_word_pairs(binary)
    with pytest.raises(WordvecError, match="cannot read .*missing.txt"):
        read_word_pairs(tmp_path / "missing.txt")
    with pytest.raises(WordvecError, match="cannot read"):
        read_word_pairs(tmp_path)


# -- word pairs: scores ---------------------------------------------------------------


def pair_model_and_file(tmp_path, count: int = 200, seed: int = 0, dim: int = 16):
    """``count`` pairs (xI, yI) whose cosine is exactly ``score / 5 - 1``: a linear, perfectly ranked model."""
    rng = np.random.default_rng(seed)
    scores = rng.permutation(np.round(np.linspace(0.0, 10.0, count), 2))
    words, vectors = [], []
    for number, score in enumerate(scores):
        target = score / 5 - 1
        x, other = rng.standard_normal((2, dim))
        x /= np.linalg.norm(x)
        other -= (other @ x) * x
        other /= np.linalg.norm(other)
        words += [f"x{number}", f"y{number}"]
        vectors += [x, target * x + math.sqrt(1 - target**2) * other]
    text = "".join(f"x{number}\ty{number}\t{score:.2f}\n" for number, score in enumerate(scores))
    return WordVectors(words, np.array(vectors)), write(tmp_path, "pairs.tsv", text)


def test_perfect_model_has_correlation_one(tmp_path):
    model, path = pair_model_and_file(tmp_path)
    result = evaluate_word_pairs(model, path)
    assert result.spearman == pytest.approx(1.0, abs=1e-12)
    assert result.pearson == pytest.approx(1.0, abs=1e-6)
    assert (result.pairs, result.scored, result.skipped, result.oov_ratio) == (200, 200, 0, 0.0)


def test_shuffled_and_random_models_have_correlation_near_zero(tmp_path):
    model, path = pair_model_and_file(tmp_path)
    rng = np.random.default_rng(1)
    shuffled = WordVectors(model.words, model.vectors[rng.permutation(len(model))])
    random_model = WordVectors(model.words, rng.standard_normal(model.vectors.shape))
    for other in (shuffled, random_model):
        result = evaluate_word_pairs(other, path)
        assert result.scored == 200
        assert abs(result.spearman) < 0.3 and abs(result.pearson) < 0.3, (result.spearman, result.pearson)


# Four pairs (pI, qI) whose cosines are 0.1, 0.2, 0.3, 0.7, with human scores 1, 2, 2, 3 (a tie).
TIE_COSINES = [0.1, 0.2, 0.3, 0.7]
TIE_PAIRS = "p0\tq0\t1\np1\tq1\t2\np2\tq2\t2\np3\tq3\t3\n"
# By hand: ranks of the human scores 1, 2.5, 2.5, 4 against 1, 2, 3, 4 give rho = 4.5 / sqrt(4.5 * 5);
# Pearson of the cosines with 1, 2, 2, 3 is 0.6 / sqrt(0.2075 * 2).
TIE_SPEARMAN = math.sqrt(0.9)
TIE_PEARSON = 0.6 / math.sqrt(0.415)


@pytest.fixture
def tie_model() -> WordVectors:
    angles = {}
    for number, cosine in enumerate(TIE_COSINES):
        angles[f"p{number}"] = 0.0
        angles[f"q{number}"] = math.degrees(math.acos(cosine))
    return angle_model(angles, lengths={"q1": 3.0, "p2": 0.2})


def test_spearman_and_pearson_by_hand_with_tied_scores(tmp_path, tie_model):
    result = evaluate_word_pairs(tie_model, write(tmp_path, "ties.tsv", TIE_PAIRS))
    assert result.spearman == pytest.approx(TIE_SPEARMAN, abs=1e-9)
    assert result.pearson == pytest.approx(TIE_PEARSON, abs=1e-6)


def test_unknown_words_are_skipped_and_counted_not_scored_as_zero(tmp_path, tie_model):
    # Scored as a cosine of 0, the unknown pairs would sit between the known ones and change both correlations.
    text = "P0\tQ0\t1\nghost\tq1\t0\np1\tq1\t2\np2\tspook\t1.5\nP2\tq2\t2\np3\tq3\t3\nghost\tspook\t2.5\n"
    path = write(tmp_path, "unknown.tsv", text)
    result = evaluate_word_pairs(tie_model, path)
    assert (result.pairs, result.scored, result.skipped) == (7, 4, 3)
    assert result.oov_ratio == pytest.approx(300 / 7, abs=1e-12)
    assert result.spearman == pytest.approx(TIE_SPEARMAN, abs=1e-9)
    assert result.pearson == pytest.approx(TIE_PEARSON, abs=1e-6)
    pearson, spearman, oov = tie_model.evaluate_word_pairs(path)
    assert (pearson, spearman, oov) == pytest.approx((TIE_PEARSON, TIE_SPEARMAN, 300 / 7), abs=1e-6)


def test_too_few_known_pairs_give_nan_not_a_number_made_up(tmp_path, tie_model):
    none_known = evaluate_word_pairs(tie_model, write(tmp_path, "a.tsv", "x\ty\t1\nz\tw\t2\n"))
    assert (none_known.scored, none_known.oov_ratio) == (0, 100.0)
    assert math.isnan(none_known.spearman) and math.isnan(none_known.pearson)
    one_known = evaluate_word_pairs(tie_model, write(tmp_path, "b.tsv", "p0\tq0\t1\nz\tw\t2\n"))
    assert (one_known.scored, one_known.oov_ratio) == (1, 50.0)
    assert math.isnan(one_known.spearman) and math.isnan(one_known.pearson)
    constant = evaluate_word_pairs(tie_model, write(tmp_path, "c.tsv", "p0\tq0\t5\np1\tq1\t5\np3\tq3\t5\n"))
    assert constant.scored == 3 and math.isnan(constant.spearman) and math.isnan(constant.pearson)


def test_word_pairs_restrict_vocab_makes_rarer_words_unknown(tmp_path, tie_model):
    # Vocabulary order: p0 q0 p1 q1 p2 q2 p3 q3; the 4 most frequent words cover pairs 0 and 1.
    result = evaluate_word_pairs(tie_model, write(tmp_path, "ties.tsv", TIE_PAIRS), restrict_vocab=4)
    assert (result.scored, result.oov_ratio) == (2, 50.0)
    assert result.spearman == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="restrict_vocab must be >= 1"):
        evaluate_word_pairs(tie_model, write(tmp_path, "ties.tsv", TIE_PAIRS), restrict_vocab=0)


# -- analogies: reading ---------------------------------------------------------------


def test_read_analogies_format(tmp_path):
    text = (
        "athens greece baghdad iraq\n"        # before any section
        "# a comment\n"
        ": capital-common-countries\n"
        "Athens Greece Bangkok Thailand\n"
        "\n"
        "Athens Greece Beijing\n"              # 3 fields: ignored
        "Athens Greece Berlin Germany extra\n"  # 5 fields: ignored
        "  ATHENS  GREECE   CAIRO EGYPT  \n"
        ":family\n"
        "boy girl brother sister\n"
        ": empty\n"
    )
    assert read_analogies(write(tmp_path, "q.txt", text)) == [
        ("questions", [("athens", "greece", "baghdad", "iraq")]),
        ("capital-common-countries", [("Athens", "Greece", "Bangkok", "Thailand"), ("ATHENS", "GREECE", "CAIRO", "EGYPT")]),
        ("family", [("boy", "girl", "brother", "sister")]),
        ("empty", []),
    ]


@pytest.mark.parametrize("text", ["", ": capital\n: family\n", "a b c\n# x\na b c d e\n"])
def test_read_analogies_without_questions_is_an_error(tmp_path, text):
    with pytest.raises(WordvecError, match="no analogy questions"):
        read_analogies(write(tmp_path, "q.txt", text))


def test_read_analogies_rejects_non_utf8(tmp_path):
    path = tmp_path / "q.bin"
    path.write_bytes(b": s\na b c d\n\x89PNG\x00\xff\n")
    with pytest.raises(WordvecError, match="is not UTF-8 text"):
        read_analogies(path)


# -- analogies: answers ---------------------------------------------------------------

CAPITALS = [("athens", "greece"), ("paris", "france"), ("rome", "italy"), ("berlin", "germany")]
GENDER = [("king", "queen"), ("man", "woman"), ("boy", "girl")]


def relation_model(groups: list[list[tuple[str, str]]], fillers: int = 0, seed: int = 0) -> WordVectors:
    """Every pair (left, right) shares a concept axis; lefts of a group share one relation axis, rights another.

    So ``right_i - left_i + left_j`` is exactly ``right_j``, and for any question of a group 3CosAdd
    scores ``right_j`` 1, another right 1/2 and anything else at most 0 (3CosMul: 1.12, 0.75, <= 0.5).
    Filler words are random in axes of their own (cosine 0 with the others).
    """
    pairs = [pair for group in groups for pair in group]
    axes = len(pairs) + 2 * len(groups)
    filler_dims = 8 if fillers else 0
    words, vectors = [], []
    concept = 0
    for number, group in enumerate(groups):
        for left, right in group:
            for word, relation in ((left, len(pairs) + 2 * number), (right, len(pairs) + 2 * number + 1)):
                vector = np.zeros(axes + filler_dims)
                vector[[concept, relation]] = 1.0
                words.append(word)
                vectors.append(vector)
            concept += 1
    rng = np.random.default_rng(seed)
    for number in range(fillers):
        vector = np.zeros(axes + filler_dims)
        vector[axes:] = rng.standard_normal(filler_dims)
        words.append(f"filler{number}")
        vectors.append(vector)
    return WordVectors(words, np.array(vectors))


def questions_text(sections: dict[str, list[tuple[str, str]]], upper: bool = False) -> str:
    lines = []
    for name, pairs in sections.items():
        lines.append(f": {name}")
        for (a, b), (c, d) in ((p, q) for p in pairs for q in pairs if p != q):
            line = f"{a} {b} {c} {d}"
            lines.append(line.title() if upper else line)
    return "\n".join(lines) + "\n"


@pytest.fixture
def perfect(tmp_path):
    model = relation_model([CAPITALS, GENDER])
    path = write(tmp_path, "questions.txt", questions_text({"capitals": CAPITALS, "gender": GENDER}, upper=True))
    return model, path


@pytest.mark.parametrize("method", ["add", "mul"])
def test_perfect_model_answers_every_analogy(perfect, method):
    model, path = perfect
    result = evaluate_word_analogies(model, path, method=method)
    assert (result.accuracy, result.correct, result.answered, result.skipped) == (1.0, 18, 18, 0)
    assert [(s.name, len(s.correct), s.answered, s.accuracy) for s in result.sections] == [
        ("capitals", 12, 12, 1.0), ("gender", 6, 6, 1.0),
    ]


def test_analogies_on_a_shuffled_model_score_near_zero(tmp_path):
    pairs = [(f"left{i}", f"right{i}") for i in range(30)]
    model = relation_model([pairs], fillers=200)
    path = write(tmp_path, "q.txt", questions_text({"pairs": pairs}))
    both = evaluate_analogy_methods(model, path)
    assert [both[m].accuracy for m in ("add", "mul")] == [1.0, 1.0]
    shuffled = WordVectors(model.words, model.vectors[np.random.default_rng(3).permutation(len(model))])
    for method, result in evaluate_analogy_methods(shuffled, path).items():
        assert result.answered == 870
        assert result.accuracy < 0.05, (method, result.accuracy)


def test_unknown_words_skip_questions_and_are_counted(perfect, tmp_path):
    model, _ = perfect
    text = (
        ": capitals\n"
        "athens greece paris france\n"
        "atlantis greece paris france\n"   # unknown a
        "athens narnia paris france\n"     # unknown b
        "athens greece gondor france\n"    # unknown c
        "athens greece paris mordor\n"     # unknown d
        "rome italy berlin germany\n"
        ": gender\n"
        "king queen elf elfess\n"
    )
    result = evaluate_word_analogies(model, write(tmp_path, "q.txt", text))
    assert (result.correct, result.answered, result.skipped, result.accuracy) == (2, 2, 5, 1.0)
    capitals, gender = result.sections
    assert (capitals.answered, len(capitals.skipped)) == (2, 4)
    assert capitals.skipped[0] == ("atlantis", "greece", "paris", "france")
    assert (gender.answered, len(gender.skipped)) == (0, 1)
    assert math.isnan(gender.accuracy)


def test_restrict_vocab_excludes_rarer_candidates_and_skips_their_questions(tmp_path):
    # Angles: man 0, king 90, woman 180, queen 120, apple 270 and, rarest, decoy 150.
    # 3CosAdd: decoy cos60 + cos30 - cos150 = 2.232 beats queen cos30 + cos60 - cos120 = 1.866.
    # 3CosMul: decoy 0.75 * 0.933 / (0.067 + 0.001) = 10.29 beats queen 0.933 * 0.75 / (0.25 + 0.001) = 2.79.
    model = angle_model({"man": 0, "king": 90, "woman": 180, "queen": 120, "apple": 270, "decoy": 150})
    path = write(tmp_path, "q.txt", ": s\nman king woman queen\nman king woman decoy\n")
    for method in ("add", "mul"):
        everything = evaluate_word_analogies(model, path, method=method)
        assert everything.sections[0].correct == [("man", "king", "woman", "decoy")]
        assert everything.sections[0].incorrect == [("man", "king", "woman", "queen")]
        top5 = evaluate_word_analogies(model, path, method=method, restrict_vocab=5)
        assert top5.sections[0].correct == [("man", "king", "woman", "queen")]
        assert top5.sections[0].skipped == [("man", "king", "woman", "decoy")]
        assert (top5.answered, top5.skipped, top5.accuracy) == (1, 1, 1.0)


# The classic case where the methods disagree (Levy & Goldberg 2014): a 0, b 90, c 180 degrees;
# x at 120 is close to b and c at once, y at 210 is nearly opposite a.
COSMUL_ANGLES = {"a": 0, "b": 90, "c": 180, "x": 120, "y": 210, "far": 300}


def shifted_cos(degrees: float) -> float:
    return (1 + math.cos(math.radians(degrees))) / 2


def test_most_similar_cosmul_by_hand():
    model = angle_model(COSMUL_ANGLES, lengths={"a": 3.0, "x": 0.5, "y": 2.0})
    # 3CosMul of d: s(d, b) s(d, c) / (s(d, a) + 0.001), s the cosine shifted to [0, 1].
    expected = {
        word: shifted_cos(angle - 90) * shifted_cos(angle - 180) / (shifted_cos(angle) + 1e-3)
        for word, angle in COSMUL_ANGLES.items() if word in ("x", "y", "far")
    }
    assert expected["y"] == pytest.approx(3.4308, abs=1e-4) and expected["x"] == pytest.approx(2.7879, abs=1e-4)
    result = model.most_similar_cosmul(positive=["b", "c"], negative=["a"])
    assert [word for word, _ in result] == ["y", "x", "far"]
    np.testing.assert_allclose([score for _, score in result], [expected[w] for w in ("y", "x", "far")], rtol=1e-5)
    # 3CosAdd ranks them the other way: x scores cos30 + cos60 - cos120 = 1.87, y cos120 + cos30 - cos210 = 1.23.
    assert [word for word, _ in model.most_similar(positive=["b", "c"], negative=["a"], topn=2)] == ["x", "y"]
    assert model.analogy("a", "b", "c", topn=1, method="mul")[0][0] == "y"
    assert model.analogy("a", "b", "c", topn=1)[0][0] == "x"


def test_most_similar_cosmul_options():
    model = angle_model(COSMUL_ANGLES)
    # One positive word and no negative: s(d, b) over an empty product (1) plus 0.001.
    [(word, score)] = model.most_similar_cosmul("b", topn=1)
    assert word == "x" and score == pytest.approx(shifted_cos(30) / 1.001, rel=1e-6)
    # a and c are both 90 degrees from b: the tie goes to the more frequent word.
    assert [w for w, _ in model.most_similar_cosmul("B", topn=10)] == ["x", "a", "c", "y", "far"]
    assert [w for w, _ in model.most_similar_cosmul(["b", "c"], ["a"], restrict_vocab=4)] == ["x"]
    with pytest.raises(ParameterError, match="at least one positive word"):
        model.most_similar_cosmul(negative=["a"])
    with pytest.raises(ParameterError, match="topn must be >= 1"):
        model.most_similar_cosmul("b", topn=0)
    with pytest.raises(UnknownWordError):
        model.most_similar_cosmul(["b", "nope"])
    with pytest.raises(ParameterError, match="method must be 'add' or 'mul'"):
        model.analogy("a", "b", "c", method="both")


def test_evaluation_methods_disagree_as_computed_by_hand(tmp_path):
    model = angle_model(COSMUL_ANGLES)
    path = write(tmp_path, "q.txt", ": s\na b c x\na b c y\n")
    add = evaluate_word_analogies(model, path, method="add")
    mul = evaluate_word_analogies(model, path, method="mul")
    assert add.sections[0].correct == [("a", "b", "c", "x")] and add.sections[0].incorrect == [("a", "b", "c", "y")]
    assert mul.sections[0].correct == [("a", "b", "c", "y")] and mul.sections[0].incorrect == [("a", "b", "c", "x")]


def test_case_variants_count_as_the_same_word(tmp_path):
    # "Woman" (a rarer spelling of the question word woman) points where 3CosAdd is best (153.4 degrees),
    # so it would win if only the question's own rows were excluded; "Queen" sits there too and is the
    # expected word in another spelling.
    optimum = math.degrees(math.atan2(1, -2))  # direction of king - man + woman = (0, 1) - (1, 0) + (-1, 0)
    model = angle_model({"man": 0, "king": 90, "woman": 180, "queen": 120, "apple": 270, "Woman": optimum})
    path = write(tmp_path, "q.txt", "MAN KING WOMAN QUEEN\n")
    for method in ("add", "mul"):
        assert evaluate_word_analogies(model, path, method=method).correct == 1
    with_variant_answer = angle_model({"man": 0, "king": 90, "woman": 180, "queen": 240, "Queen": optimum})
    assert evaluate_word_analogies(with_variant_answer, path).correct == 1
    assert with_variant_answer.analogy("man", "king", "woman", topn=1)[0][0] == "Queen"


def reference_answers(vectors: np.ndarray, questions: np.ndarray, method: str) -> np.ndarray:
    """The best row for each question, one question at a time in float64: the definition, spelled out."""
    unit_rows = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    answers = []
    for a, b, c in questions:
        cos_a, cos_b, cos_c = (unit_rows @ unit_rows[row] for row in (a, b, c))
        if method == "add":
            scores = cos_b - cos_a + cos_c
        else:
            scores = (1 + cos_b) / 2 * (1 + cos_c) / 2 / ((1 + cos_a) / 2 + 1e-3)
        scores[[a, b, c]] = -np.inf
        answers.append(int(np.argmax(scores)))
    return np.array(answers)


@pytest.mark.parametrize("small_blocks", [False, True], ids=["default-blocks", "small-blocks"])
def test_vectorised_answers_match_one_question_at_a_time(tmp_path, monkeypatch, small_blocks):
    if small_blocks:
        # Candidate blocks of 256 words and batches of 7 questions: many blocks, batches and block edges.
        monkeypatch.setattr(evaluate, "_COSINE_BLOCK_FLOATS", 1)
        monkeypatch.setattr(evaluate, "_SCORE_BLOCK_FLOATS", 256 * 7)
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((1000, 12)) * rng.uniform(0.5, 2.0, (1000, 1))
    words = [f"w{i}" for i in range(1000)]
    questions = rng.integers(0, 1000, (300, 3))
    questions[:10, 2] = questions[:10, 0]  # a repeated word
    model = WordVectors(words, vectors)
    for method in ("add", "mul"):
        expected = reference_answers(vectors, questions, method)
        # Every other question's d is the reference answer, the rest a random word: exactly those are correct.
        d = np.where(np.arange(300) % 2 == 0, expected, rng.integers(0, 1000, 300))
        should_be_correct = d == expected
        text = ": s\n" + "".join(f"w{a} w{b} w{c} w{x}\n" for (a, b, c), x in zip(questions, d))
        result = evaluate_word_analogies(model, write(tmp_path, "q.txt", text), method=method)
        outcome = [question in result.sections[0].correct for question in read_analogies(tmp_path / "q.txt")[0][1]]
        assert outcome == should_be_correct.tolist()
        assert result.answered == 300


def test_analogies_in_gensim_format(perfect, tmp_path):
    model, _ = perfect
    text = ": capitals\nathens greece paris france\nathens greece paris nowhere\n: gender\nKing Queen Man Woman\n"
    score, sections = model.evaluate_word_analogies(write(tmp_path, "q.txt", text), method="mul")
    assert score == 1.0
    assert sections == [
        {"section": "capitals", "correct": [("athens", "greece", "paris", "france")], "incorrect": [],
         "skipped": [("athens", "greece", "paris", "nowhere")]},
        {"section": "gender", "correct": [("King", "Queen", "Man", "Woman")], "incorrect": [], "skipped": []},
        {"section": "Total accuracy", "correct": [("athens", "greece", "paris", "france"), ("King", "Queen", "Man", "Woman")],
         "incorrect": [], "skipped": [("athens", "greece", "paris", "nowhere")]},
    ]


def test_the_method_and_the_function_of_one_name_return_one_type_that_unpacks_as_gensims(perfect, tie_model, tmp_path):
    model, path = perfect
    method_result = model.evaluate_word_analogies(path, method="mul")
    function_result = evaluate_word_analogies(model, path, method="mul")
    assert type(method_result) is type(function_result) is AnalogyResult and method_result == function_result
    score, sections = method_result
    assert (score, sections) == function_result.as_gensim() and method_result[0] == score and len(method_result) == 2
    pairs_path = write(tmp_path, "ties.tsv", TIE_PAIRS)
    pairs = tie_model.evaluate_word_pairs(pairs_path)
    assert type(pairs) is PairsResult and pairs == evaluate_word_pairs(tie_model, pairs_path)
    assert tuple(pairs) == (pairs.pearson, pairs.spearman, pairs.oov_ratio) == (pairs[0], pairs[1], pairs[2])
    assert len(pairs) == 3 and pairs.pairs == 4 + pairs.skipped


def test_analogy_parameter_errors(perfect):
    model, path = perfect
    with pytest.raises(ParameterError, match="method must be 'add' or 'mul'; got 'cos'"):
        evaluate_word_analogies(model, path, method="cos")
    with pytest.raises(ParameterError, match="restrict_vocab must be >= 1; got 0"):
        evaluate_word_analogies(model, path, restrict_vocab=0)
    with pytest.raises(ParameterError, match="at least one analogy method"):
        evaluate_analogy_methods(model, path, methods=[])


# -- shipped datasets and the whole evaluation ----------------------------------------


def test_shipped_datasets_are_package_data():
    with shipped_dataset("wordsim353.tsv") as path:
        assert path.parent.name == "data" and path.parent.parent.name == "wordvec"
        pairs = read_word_pairs(path)
        assert len(pairs) == 353 and pairs[0] == ("love", "sex", 6.77)
    with shipped_dataset("simlex999.txt") as path:
        assert len(read_word_pairs(path)) == 999
    with shipped_dataset("questions-words.txt") as path:
        sections = read_analogies(path)
    assert len(sections) == 14 and sum(len(q) for _, q in sections) == 19544
    assert sections[0][0] == "capital-common-countries" and sections[-1][0] == "gram9-plural-verbs"
    assert "Apache" in (path.parent / "SOURCES.md").read_text(encoding="utf-8")
    with pytest.raises(ParameterError, match="no shipped dataset 'men.txt'"):
        with shipped_dataset("men.txt"):
            pass


def test_evaluate_model_on_given_files(tmp_path, perfect, tie_model):
    model, questions = perfect
    pairs = write(tmp_path, "pairs.tsv", "athens\tgreece\t5\nathens\tathens\t10\nking\tparis\t0\nelf\tking\t3\n")
    evaluation = evaluate_model(model, pairs=[pairs], analogies=[questions], methods=["mul"])
    report = evaluation.as_dict()
    # Cosines: athens-greece 1/2, athens-athens 1, king-paris 0: the same order as the scores.
    assert report["word_pairs"] == [{
        "dataset": str(pairs), "spearman": pytest.approx(1.0), "pearson": pytest.approx(1.0), "pairs": 4, "scored": 3,
        "skipped": 1, "oov_ratio": 25.0,
    }]
    [analogies] = report["analogies"]
    assert (analogies["dataset"], analogies["questions"], analogies["answered"], analogies["skipped"]) == (
        str(questions), 18, 18, 0)
    assert analogies["mul"] == {"accuracy": 1.0, "correct": 18} and "add" not in analogies
    assert [s["section"] for s in analogies["sections"]] == ["capitals", "gender"]
    assert analogies["sections"][1] == {"section": "gender", "questions": 6, "answered": 6, "skipped": 0,
                                        "mul": {"accuracy": 1.0, "correct": 6}}
    only_pairs = evaluate_model(tie_model, pairs=[pairs]).as_dict()
    assert only_pairs["analogies"] == [] and only_pairs["word_pairs"][0]["scored"] == 0
    assert only_pairs["word_pairs"][0]["spearman"] is None  # NaN becomes JSON null


# -- words outside the vocabulary, composed from character n-grams ----------------------

SUBWORD_LINES = ["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
                 "a kingly queen and a queenly king", "the land of the kings"] * 30


@pytest.fixture(scope="module")
def subword_model():
    import wordvec

    return wordvec.build(SUBWORD_LINES, dim=3, min_count=1, window=2, subsample=0, subwords=True, analogy_view=True,
                         buckets=5000)


def test_oov_compose_answers_the_pairs_skip_leaves_out(subword_model, tmp_path):
    path = write(tmp_path, "pairs.tsv", "king\tqueen\t8\nkingz\tqueen\t7\nland\tkingz\t2\nking\tland\t1\nxyz\tking\t5\n")
    skipped = evaluate_word_pairs(subword_model, path)
    composed = evaluate_word_pairs(subword_model, path, oov="compose")
    assert (skipped.scored, composed.scored, composed.pairs) == (2, 4, 5)  # xyz has no known n-gram: still skipped
    unit = subword_model.query_vectors(["king", "queen", "kingz", "land"])[0].astype(np.float64)
    cosines = [unit[0] @ unit[1], unit[2] @ unit[1], unit[3] @ unit[2], unit[0] @ unit[3]]
    assert composed.pearson == pytest.approx(np.corrcoef(cosines, [8, 7, 2, 1])[0, 1], abs=1e-5)


def test_oov_compose_makes_unseen_question_words_askable_and_answerable(subword_model, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nking kings queen queens\nking kings queen queenz\nkingz kings queen queens\n")
    skipped = evaluate_word_analogies(subword_model, path)
    composed = evaluate_word_analogies(subword_model, path, oov="compose")
    assert (skipped.answered, skipped.skipped) == (1, 2)
    assert (composed.answered, composed.skipped) == (3, 0)
    both = evaluate_model(subword_model, pairs=[], analogies=[path], oov="compose")
    assert both.analogies[0]["add"].answered == 3


def test_oov_compose_needs_a_model_with_ngrams_and_a_known_policy(perfect, subword_model, tmp_path):
    model, path = perfect
    with pytest.raises(ParameterError, match="oov='compose' needs a model with character n-grams: rebuild it without --no-subwords"):
        evaluate_word_analogies(model, path, oov="compose")
    with pytest.raises(ParameterError, match="oov must be one of 'skip', 'compose'; got 'guess'"):
        evaluate_word_pairs(subword_model, write(tmp_path, "p.tsv", "king\tqueen\t1\n"), oov="guess")


def test_analogies_are_evaluated_in_the_analogy_view(subword_model, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nking kings queen queens\nqueen queens king kings\n")
    result = evaluate_word_analogies(subword_model, path)
    expected = [subword_model.analogy(*question[:3], topn=1)[0][0] == question[3]
                for question in [("king", "kings", "queen", "queens"), ("queen", "queens", "king", "kings")]]
    assert [q in result.sections[0].correct for q in read_analogies(path)[0][1]] == expected


def test_questions_not_spelled_alike_are_answered_before_the_ngram_blend(subword_model, tmp_path):
    # king : queen share no n-gram (the unblended analogy view answers); king : kings do (the blended one).
    view = subword_model.analogy_view
    assert view.unblended is not None
    assert subword_model.analogy_view_for("king", "queen") is view.unblended
    assert subword_model.analogy_view_for("King", "KINGS") is view
    assert subword_model.analogy("king", "queen", "kings", topn=2) == view.unblended.most_similar(
        positive=["queen", "kings"], negative=["king"], topn=2)
    assert subword_model.analogy("king", "kings", "queen", topn=2, method="mul") == view.most_similar_cosmul(
        positive=["kings", "queen"], negative=["king"], topn=2)
    assert not np.array_equal(view.vectors, view.unblended.vectors)
    # The evaluation routes each question as the queries do.
    questions = [("king", "queen", "kings", "queens"), ("king", "kings", "queen", "queens"),
                 ("land", "lands", "queen", "queens"), ("queen", "land", "king", "lands"), ("kings", "rule", "queens", "rules")]
    path = write(tmp_path, "q.txt", ": s\n" + "".join(" ".join(q) + "\n" for q in questions))
    for method in ("add", "mul"):
        result = evaluate_word_analogies(subword_model, path, method=method)
        expected = [subword_model.analogy(*q[:3], topn=1, method=method)[0][0] == q[3] for q in questions]
        assert [q in result.sections[0].correct for q in questions] == expected
