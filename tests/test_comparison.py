"""Comparing two models: Procrustes alignment, the change scores, the split-half noise baseline and its cache."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wordvec import WordVectors
from wordvec.comparison import (
    adjusted_scores,
    align,
    change_scores,
    compare,
    explain_changes,
    read_anchors,
    split_half_models,
)
from wordvec.errors import ModelError, ParameterError, UnknownWordError
from wordvec.incremental import split_corpus_ids
from wordvec.vocab import LINE_ID, CorpusIds

DIM = 8
WORDS = [f"w{i}" for i in range(60)]


def _random_orthogonal(dim: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))


def _model(vectors: np.ndarray, words: list[str] = WORDS, counts: np.ndarray | None = None) -> WordVectors:
    counts = np.full(len(words), 100, dtype=np.int64) if counts is None else counts
    return WordVectors(words, vectors.astype(np.float32), counts)


@pytest.fixture(scope="module")
def base_vectors() -> np.ndarray:
    vectors = np.random.default_rng(0).standard_normal((len(WORDS), DIM))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_align_undoes_a_rotation(base_vectors):
    rotation = _random_orthogonal(DIM, 1)
    a, b = _model(base_vectors), _model(base_vectors @ rotation)
    aligned = align(a, b)
    np.testing.assert_allclose(aligned.vectors, base_vectors, atol=1e-5)
    np.testing.assert_allclose(aligned.rotation @ aligned.rotation.T, np.eye(DIM), atol=1e-5)
    np.testing.assert_allclose(aligned.rotation, rotation.T, atol=1e-5)
    assert aligned.words == WORDS and aligned.stats["alignment"] == {"anchors": len(WORDS), "skipped_anchors": 0}
    # A rotation keeps B's own neighbours.
    assert [w for w, _ in aligned.most_similar("w3", topn=5)] == [w for w, _ in b.most_similar("w3", topn=5)]


def test_align_maps_between_vocabularies_with_anchor_pairs(base_vectors, tmp_path):
    rotation = _random_orthogonal(DIM, 2)
    other_words = [word.upper() + "_b" for word in WORDS]
    a, b = _model(base_vectors), _model(base_vectors @ rotation, other_words)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("# a dictionary\n\n" + "".join(f"{w} {o}\n" for w, o in zip(WORDS[:40], other_words[:40]))
                       + "unknown W1_B\nw2 nothere\n", encoding="utf-8")
    aligned = align(a, b, anchors)
    assert aligned.stats["alignment"] == {"anchors": 40, "skipped_anchors": 2}
    # Words that were not anchors land on their translations too.
    assert aligned.similar_by_vector(a.vectors[a.index("w55")], topn=1)[0][0] == "W55_b"


def test_align_refuses_what_cannot_be_aligned(base_vectors):
    a = _model(base_vectors)
    with pytest.raises(ParameterError, match="different dimensions"):
        align(a, _model(base_vectors[:, :4]))
    with pytest.raises(ParameterError, match="share no word"):
        align(a, _model(base_vectors, [w + "x" for w in WORDS]))
    with pytest.raises(ParameterError, match="fewer than the 8 dimensions"):
        align(a, b=_model(base_vectors[:5], WORDS[:5]))
    with pytest.raises(ParameterError, match="fewer than the 8 dimensions"):
        align(a, a, [("w1", "w1"), ("w2", "w2")])


def test_read_anchors_reports_bad_lines(tmp_path):
    path = tmp_path / "anchors.txt"
    path.write_text("king roi\nqueen\nthree fields here\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="line 3: expected 'WORD' or 'WORD_IN_A WORD_IN_B', got 3 fields"):
        read_anchors(path)
    path.write_text("king roi\nqueen\n", encoding="utf-8")
    assert read_anchors(path) == [("king", "roi"), ("queen", "queen")]
    path.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="has no anchor words"):
        read_anchors(path)
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(ParameterError, match="not UTF-8"):
        read_anchors(path)
    with pytest.raises(ParameterError, match="cannot read"):
        read_anchors(tmp_path / "missing.txt")


@pytest.mark.parametrize("measure", ["procrustes", "profile", "neighbours", "combined"])
def test_a_moved_word_tops_the_ranking(base_vectors, measure):
    moved = base_vectors @ _random_orthogonal(DIM, 3)
    moved[7] = moved[30]  # w7 now means what w30 means
    a, b = _model(base_vectors), _model(moved)
    scores = change_scores(a, b, measure=measure, neighbourhood=5)
    assert max(scores, key=scores.get) == "w7"
    others = [score for word, score in scores.items() if word not in ("w7", "w30")]
    assert scores["w7"] > 0.3 and max(others) < scores["w7"]
    if measure == "procrustes":
        assert scores["w7"] == pytest.approx(1 - base_vectors[7] @ base_vectors[30], abs=0.1)
    result = compare(a, b, skip_frequent=0, measure=measure, neighbourhood=5, topn=3)
    assert result[0].word == "w7" and not result.noise_adjusted and not result.identical
    assert result.adjustment == "none" and result.compared == len(WORDS)
    record = result.to_dicts()[0]
    assert record["word"] == "w7" and record["count_a"] == record["count_b"] == 100 and record["adjusted"] is None
    assert len(record["neighbours_a"]) == 3 and record["neighbours_b"][0] == "w30"


def test_the_same_model_twice_scores_zero(base_vectors):
    a = _model(base_vectors)
    for measure in ("procrustes", "profile", "neighbours", "combined"):
        result = compare(a, a, skip_frequent=0, measure=measure, topn=None)
        assert result.identical and len(result) == len(WORDS)
        assert all(change.score == pytest.approx(0, abs=1e-5) for change in result)


def test_the_frequency_floor_leaves_rare_words_out(base_vectors):
    counts = np.arange(len(WORDS), dtype=np.int64) * 10
    a, b = _model(base_vectors, counts=counts), _model(base_vectors @ _random_orthogonal(DIM, 4), counts=counts)
    result = compare(a, b, skip_frequent=0, topn=None, min_count=200)
    assert {change.word for change in result} == {w for w, c in zip(WORDS, counts) if c >= 200}
    with pytest.raises(ParameterError, match="no shared word occurs 10000 times"):
        compare(a, b, skip_frequent=0, min_count=10_000)


def test_noise_needs_a_kept_corpus(base_vectors):
    a = _model(base_vectors)
    with pytest.raises(ModelError, match="model A keeps no corpus"):
        compare(a, a, skip_frequent=0, adjustment="ratio")
    with pytest.raises(ParameterError, match="measure must be one of"):
        compare(a, a, skip_frequent=0, measure="euclid")
    with pytest.raises(ParameterError, match="adjustment must be one of"):
        compare(a, a, skip_frequent=0, adjustment="sigma")


def test_adjusted_scores_by_hand():
    scores = np.array([0.5, 0.4, 0.9])
    noise = np.array([0.25, np.nan, 0.3])
    frequency = np.array([10, 20, 30])
    np.testing.assert_allclose(adjusted_scores(scores, noise, frequency, "ratio"), [2.0, 0.4 / 0.275, 3.0])
    np.testing.assert_allclose(adjusted_scores(scores, noise, frequency, "difference"), [0.25, 0.4 - 0.275, 0.6])
    # All three words are within one window: the noise's mean is 0.275, its spread 0.025.
    np.testing.assert_allclose(adjusted_scores(scores, noise, frequency, "zscore"), (scores - 0.275) / 0.025)
    np.testing.assert_array_equal(adjusted_scores(scores, noise, frequency, "none"), scores)


def test_explain_changes_lists_lost_and_gained_neighbours(base_vectors):
    moved = base_vectors.copy()
    moved[7] = moved[30]
    a, b = _model(base_vectors), _model(moved)
    (difference,) = explain_changes(a, b, ["W7"], topn=5, measure="procrustes")
    assert difference.change.word == "w7" and difference.change.score > 0.3
    assert difference.neighbours_b[0][0] == "w30"
    assert set(difference.lost) == {w for w, _ in difference.neighbours_a} - {w for w, _ in difference.neighbours_b}
    assert set(difference.gained) == {w for w, _ in difference.neighbours_b} - {w for w, _ in difference.neighbours_a}
    record = difference.to_dict()
    assert record["word"] == "w7" and record["neighbours_b"][0][0] == "w30" and record["lost"] == difference.lost
    with pytest.raises(UnknownWordError, match="of model B"):
        explain_changes(a, _model(base_vectors[:-1], WORDS[:-1]), [WORDS[-1]])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=0, max_size=30), st.integers(0, 5), st.booleans())
def test_split_halves_deal_every_line_once(lines, seed, last_line_open):
    ids = [token for line in lines for token in [*line, LINE_ID]]
    if last_line_open and ids:
        ids = ids[:-1]
    kept = CorpusIds([f"w{i}" for i in range(10)], np.bincount([i for i in ids if i >= 0], minlength=10), np.array(ids, dtype=np.int32))
    first, second = split_corpus_ids(kept, seed=seed)

    def lines_of(array: np.ndarray) -> list[tuple[int, ...]]:
        text = list(array.tolist())
        cut, current = [], []
        for token in text:
            if token == LINE_ID:
                cut.append(tuple(current))
                current = []
            else:
                current.append(token)
        if current or (text and text[-1] != LINE_ID):
            cut.append(tuple(current))
        return cut

    assert sorted(lines_of(first.ids) + lines_of(second.ids)) == sorted(lines_of(kept.ids))
    assert abs(len(lines_of(first.ids)) - len(lines_of(second.ids))) <= 1
    np.testing.assert_array_equal(first.counts + second.counts, kept.counts)
    again, _ = split_corpus_ids(kept, seed=seed)
    np.testing.assert_array_equal(again.ids, first.ids)


@pytest.fixture(scope="module")
def kept_model_path(tmp_path_factory, royal_corpus_file):
    from click.testing import CliRunner

    from conftest import BUILD_OPTIONS
    from wordvec.cli import main

    path = tmp_path_factory.mktemp("compare") / "kept"
    result = CliRunner().invoke(main, ["build", str(royal_corpus_file), "-o", str(path), "-q", "--keep-corpus",
                                       *BUILD_OPTIONS, "--min-count", "1"])
    assert result.exit_code == 0, result.output
    return path


def test_comparison_fits_are_built_once_and_cached(kept_model_path, tmp_path, monkeypatch):
    import wordvec
    import wordvec.incremental
    from wordvec.comparison import COMPARISON_FIT, comparison_fit

    model = wordvec.load(kept_model_path)
    first, second = split_half_models(model, cache_dir=tmp_path)
    assert first.stats["tokens"] + second.stats["tokens"] == model.stats["tokens"]
    assert first.params["dim"] == model.params["dim"] and first.params["window"] == model.params["window"]
    assert first.params["eig"] == COMPARISON_FIT["eig"] and first.params["add_context"] is False
    whole = comparison_fit(model, cache_dir=tmp_path)
    assert whole.words == model.words and whole.params["eig"] == COMPARISON_FIT["eig"]
    (entry,) = list((tmp_path / "compare").iterdir())
    assert {p.name for p in entry.iterdir()} == {"first", "second", "whole"}

    def no_build(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(wordvec.incremental, "build_split_halves", no_build)
    monkeypatch.setattr(wordvec.incremental, "refit_kept_counts", no_build)
    again, _ = split_half_models(model, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    np.testing.assert_array_equal(comparison_fit(model, cache_dir=tmp_path).vectors, whole.vectors)
    # A damaged cache entry is built again.
    (entry / "first" / "vectors.npy").write_bytes(b"damaged")
    monkeypatch.undo()
    rebuilt, _ = split_half_models(model, cache_dir=tmp_path)
    np.testing.assert_array_equal(rebuilt.vectors, first.vectors)


def test_refit_refuses_counting_parameters(kept_model_path):
    from wordvec.incremental import refit_kept_counts

    with pytest.raises(ParameterError, match="cannot change how the corpus was counted: window"):
        refit_kept_counts(kept_model_path, window=3)


def test_kept_models_get_a_noise_adjusted_ranking(kept_model_path, tmp_path):
    import wordvec

    model = wordvec.load(kept_model_path)
    result = compare(model, model, skip_frequent=0, topn=5, min_count=20, cache_dir=tmp_path)
    assert result.noise_adjusted and result.adjustment == "ratio" and result.refitted
    assert result.identical
    assert all(change.noise is not None and change.noise > 0 for change in result)
    # Nothing changed: every word moved 0 times its noise.
    assert all(abs(change.adjusted) < 1e-4 for change in result)
    with pytest.raises(ModelError, match="--keep-corpus"):
        split_half_models(WordVectors(["a"], np.ones((1, 2))), cache_dir=tmp_path)


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def changed_model_path(tmp_path_factory, royal_lines):
    """The royal corpus with every ``cat`` written ``cheese``: cheese takes on the meaning of an animal."""
    from click.testing import CliRunner

    from conftest import BUILD_OPTIONS
    from wordvec.cli import main

    directory = tmp_path_factory.mktemp("changed")
    corpus = directory / "changed.txt"
    corpus.write_text("\n".join(re.sub(r"\bcat\b", "cheese", line) for line in royal_lines) + "\n", encoding="utf-8")
    path = directory / "model"
    result = CliRunner().invoke(main, ["build", str(corpus), "-o", str(path), "-q", "--keep-corpus", *BUILD_OPTIONS,
                                       "--min-count", "1"])
    assert result.exit_code == 0, result.output
    return path


def test_cli_compare_lists_the_changed_word(runner, kept_model_path, changed_model_path, tmp_path, monkeypatch):
    from wordvec.cli import main

    monkeypatch.setenv("WORDVEC_CACHE_DIR", str(tmp_path))
    result = runner.invoke(main, ["compare", "--skip-frequent", "0", str(kept_model_path), str(changed_model_path), "-k", "3", "--min-count", "20"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("3 of ") and "by combined, ratio against split-half noise" in lines[0]
    assert lines[1].split()[:7] == ["word", "count", "A", "count", "B", "score", "ratio"]
    # On a corpus this small, words at the floor have halves too thin for a steady noise: cheese is among the first.
    ranked = [line.split()[0] for line in lines[2:]]
    assert "cheese" in ranked
    cheese = lines[2 + ranked.index("cheese")].split()
    assert cheese[1:3] == ["22", "36"] and float(cheese[3]) > 0.01
    assert len(list((tmp_path / "compare").iterdir())) == 2  # each model's fits, cached

    raw = runner.invoke(main, ["compare", "--skip-frequent", "0", str(kept_model_path), str(changed_model_path), "-k", "1",
                               "--min-count", "20", "--adjust", "none"])
    assert raw.exit_code == 0 and raw.output.splitlines()[2].split()[0] == "cheese"

    result = runner.invoke(main, ["compare", "--skip-frequent", "0", str(kept_model_path), str(changed_model_path), "-k", "2", "--min-count", "20",
                                  "--json", "--adjust", "none", "--measure", "neighbours"])
    assert result.exit_code == 0, result.output
    import json

    records = json.loads(result.output)
    assert len(records) == 2 and records[0]["word"] == "cheese"
    assert set(records[0]) >= {"word", "score", "adjusted", "noise", "count_a", "count_b", "neighbours_a", "neighbours_b"}
    assert records[0]["adjusted"] is None and records[0]["count_a"] > 0 and records[0]["count_b"] > records[0]["count_a"]


def test_cli_compare_explains_words(runner, kept_model_path, changed_model_path):
    from wordvec.cli import main

    result = runner.invoke(main, ["compare", str(kept_model_path), str(changed_model_path), "--word", "cheese",
                                  "--word", "Dog", "--min-count", "5"])
    assert result.exit_code == 0, result.output
    cheese, dog = (block.splitlines() for block in result.output.split("\n\n"))
    assert cheese[0].startswith("cheese: combined score ") and dog[0].startswith("dog: combined score ")
    assert [line.split(":")[0].strip() for line in cheese[1:]] == ["in A", "in B", "lost", "gained"]
    assert float(cheese[0].split()[3].rstrip(",")) > 2 * float(dog[0].split()[3].rstrip(","))
    assert "count A 22, B 36" in cheese[0]
    in_a, in_b = ([entry.split()[0] for entry in line.split(":", 1)[1].split(",")] for line in cheese[1:3])
    lost, gained = (line.split(":", 1)[1].strip().split(", ") for line in cheese[3:5])
    assert lost == [word for word in in_a if word not in in_b] and gained == [word for word in in_b if word not in in_a]


def test_cli_compare_bad_input(runner, kept_model_path, changed_model_path, model_path, tmp_path, royal_corpus_file):
    from conftest import BUILD_OPTIONS
    from wordvec.cli import main

    def error_of(*arguments: str) -> str:
        result = runner.invoke(main, ["compare", "--skip-frequent", "0", *arguments])
        assert result.exit_code != 0 and "Traceback" not in result.output
        return result.output.strip().splitlines()[-1]

    assert "is not in the vocabulary of model A" in error_of(str(kept_model_path), str(changed_model_path), "--word", "zebra")
    wide = tmp_path / "wide"
    assert runner.invoke(main, ["build", str(royal_corpus_file), "-o", str(wide), "-q", *BUILD_OPTIONS, "--dim", "12"]).exit_code == 0
    assert "different dimensions (8 and 12)" in error_of(str(model_path), str(wide))
    nearest_in = runner.invoke(main, ["nearest", "king", "-m", str(model_path), "--in", str(wide)])
    assert nearest_in.exit_code == 1 and "Traceback" not in nearest_in.output
    assert nearest_in.output.strip().splitlines()[-1] == (
        "Error: the models have different dimensions (8 and 12): build them with the same --dim to compare them")
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("king queen\na b c\n", encoding="utf-8")
    assert "line 2: expected 'WORD' or 'WORD_IN_A WORD_IN_B', got 3 fields" in error_of(str(model_path), str(model_path), "--anchors", str(anchors))
    anchors.write_text("king\nqueen\n", encoding="utf-8")
    assert "2 anchor words are in both vocabularies, fewer than the 8 dimensions" in error_of(
        str(model_path), str(model_path), "--anchors", str(anchors))
    assert "model A keeps no corpus" in error_of(str(model_path), str(model_path), "--adjust", "zscore")
    assert "no shared word occurs" in error_of(str(model_path), str(model_path), "--min-count", "100000")
    assert "neither a wordvec model directory nor" in error_of(str(model_path), str(anchors))
    assert "no model at" in error_of(str(model_path), str(tmp_path / "missing"))


def test_cli_compare_says_when_models_are_identical_or_not_noise_adjusted(runner, model_path):
    from wordvec.cli import main

    result = runner.invoke(main, ["compare", "--skip-frequent", "0", str(model_path), str(model_path), "-k", "2", "--min-count", "5"])
    assert result.exit_code == 0, result.output
    assert "note: the models give every compared word the same vector: every score is 0" in result.stderr
    assert "note: ranked by the raw score, not against sampling noise" in result.stderr
    quiet = runner.invoke(main, ["compare", "--skip-frequent", "0", str(model_path), str(model_path), "-k", "2", "--min-count", "5", "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_cli_nearest_in_another_model(runner, kept_model_path, changed_model_path):
    from conftest import ANIMAL_VERBS, ANIMALS
    from wordvec.cli import main

    result = runner.invoke(main, ["nearest", "cat", "dog", "-m", str(kept_model_path), "--in", str(changed_model_path),
                                  "-k", "5", "--json"])
    assert result.exit_code == 0, result.output
    import json

    cat, dog = json.loads(result.output)
    assert cat["word"] == "cat" and cat["in_other"] is False and dog["in_other"] is True
    # After the alignment, dog finds itself among B's words, and cat (gone from B) the animals.
    assert "dog" in [neighbour["word"] for neighbour in dog["neighbours"]]
    assert {neighbour["word"] for neighbour in cat["neighbours"]} <= set(ANIMALS + ANIMAL_VERBS)
    text = runner.invoke(main, ["nearest", "cat", "-m", str(kept_model_path), "--in", str(changed_model_path), "-k", "2"])
    assert text.output.splitlines()[0] == f"cat, among the words of {changed_model_path}"


def test_compare_in_a_real_process(kept_model_path, changed_model_path, tmp_path):
    import os
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "wordvec", "compare", "--skip-frequent", "0", str(kept_model_path), str(changed_model_path), "-k", "1",
         "--min-count", "20", "--adjust", "none"],
        capture_output=True, text=True, env={**os.environ, "WORDVEC_CACHE_DIR": str(tmp_path)}, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[2].split()[0] == "cheese"


def test_doctests():
    import doctest

    import wordvec.comparison

    result = doctest.testmod(wordvec.comparison, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- planted changes: benchmarks/compare.py, small --------------------------------------------------

PLANTED = [("whale", "house"), ("river", "money"), ("sword", "letter"), ("church", "city"), ("horse", "mind")]


@pytest.fixture(scope="module")
def planted_models(tmp_path_factory):
    """The shipped corpora dealt by line into two halves; in the second, each donor of PLANTED is written as its target."""
    import gzip
    import random
    from pathlib import Path

    from click.testing import CliRunner

    from wordvec.cli import main

    directory = tmp_path_factory.mktemp("planted")
    chooser = random.Random(0)
    halves = [directory / "a.txt", directory / "b.txt"]
    patterns = [(re.compile(rf"\b{donor}\b"), target) for target, donor in PLANTED]
    with open(halves[0], "w", encoding="utf-8") as first, open(halves[1], "w", encoding="utf-8") as second:
        for corpus in sorted((Path(__file__).parent.parent / "corpora").glob("*.txt.gz")):
            with gzip.open(corpus, "rt", encoding="utf-8") as lines:
                for line in lines:
                    if chooser.random() < 0.5:
                        first.write(line)
                    else:
                        for pattern, target in patterns:
                            line = pattern.sub(target, line)
                        second.write(line)
    models = []
    for half in halves:
        path = directory / half.stem
        result = CliRunner().invoke(main, ["build", str(half), "-o", str(path), "-q", "--keep-corpus", "--dim", "100",
                                           "--no-subwords", "--no-analogy-view"])
        assert result.exit_code == 0, result.output
        models.append(path)
    return models, directory / "cache"


def test_planted_changes_top_the_noise_adjusted_ranking(planted_models):
    import wordvec

    (path_a, path_b), cache = planted_models
    a, b = wordvec.load(path_a), wordvec.load(path_b)
    targets = {target for target, _ in PLANTED}
    assert all(b.counts[b.index(t)] > 1.5 * a.counts[a.index(t)] for t in targets)
    ranked = compare(a, b, topn=20, cache_dir=cache)
    assert ranked.noise_adjusted and ranked.refitted and ranked.measure == "combined"
    found = targets & {change.word for change in ranked}
    assert found == targets, [change.word for change in ranked]
    # Without the comparison fits and the noise baseline, the same scores find fewer of them.
    raw = compare(wordvec.WordVectors(a.words, a.vectors, a.counts), wordvec.WordVectors(b.words, b.vectors, b.counts),
                  topn=20, measure="procrustes")
    assert not raw.noise_adjusted and len(targets & {change.word for change in raw}) < len(targets)


def test_the_cache_is_where_the_environment_says(monkeypatch, tmp_path):
    from pathlib import Path

    from wordvec.comparison import default_cache_dir

    monkeypatch.setenv("WORDVEC_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("WORDVEC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "wordvec"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "wordvec"
