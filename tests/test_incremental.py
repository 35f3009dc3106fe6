"""Tests of wordvec.incremental: kept counts, and update(build(A), B) == build(A + B) exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wordvec.cli import main
from wordvec.errors import ModelError
from wordvec.incremental import (
    IDS_FILE,
    WORDS_FILE,
    build_keeping_counts,
    load_corpus_ids,
    load_count_matrix,
    save_with_counts,
    update,
)
from wordvec.pipeline import build, count
from wordvec.storage import load_model
from wordvec.vocab import LINE_ID

from conftest import royal_corpus_lines

#: The default options but dim (the test corpora have about a hundred words).
DEFAULTS = dict(dim=8)


@pytest.fixture(scope="module")
def parts(tmp_path_factory, write_corpus) -> dict[str, Path]:
    """Text A and text B; "quokka" is seen 3 times in A and 4 in B, so it reaches min_count=5 only with B."""
    directory = tmp_path_factory.mktemp("incremental")
    a = royal_corpus_lines(600, seed=1) + ["a quokka rests near the cow"] * 3
    b = royal_corpus_lines(400, seed=2) + ["the quokka jumps in the field", "a fox hides near a quokka"] * 2
    return {
        "a": write_corpus(directory / "a.txt", ("\n".join(a) + "\n").encode()),
        "b": write_corpus(directory / "b.txt", ("\n".join(b) + "\n").encode(), "gz"),
    }


def assert_same_model(path: Path, expected_path: Path) -> None:
    """Vocabulary (words and counts), kept counts and vectors of two saved models are identical."""
    model, expected = load_model(path), load_model(expected_path)
    assert model.words == expected.words
    assert np.array_equal(model.counts, expected.counts)
    matrix, expected_matrix = load_count_matrix(path, len(model)), load_count_matrix(expected_path, len(expected))
    assert matrix.nnz > 0
    assert (matrix != expected_matrix).nnz == 0
    assert np.array_equal(model.vectors, expected.vectors)
    for key in ("tokens", "lines", "files", "distinct_words", "corpus"):
        assert model.stats[key] == expected.stats[key], key


def test_update_equals_build_of_both_texts_with_the_default_options(parts, tmp_path):
    model, counts = build_keeping_counts([parts["a"]], **DEFAULTS)
    assert "quokka" not in model
    save_with_counts(model, counts, tmp_path / "updated")
    updated, updated_counts = update(tmp_path / "updated", [parts["b"]])
    save_with_counts(updated, updated_counts, tmp_path / "updated")
    both, both_counts = build_keeping_counts([parts["a"], parts["b"]], **DEFAULTS)
    save_with_counts(both, both_counts, tmp_path / "both")
    assert "quokka" in load_model(tmp_path / "updated")
    assert_same_model(tmp_path / "updated", tmp_path / "both")
    # And the vectors are those of a build that keeps nothing.
    assert np.array_equal(load_model(tmp_path / "updated").vectors, build([parts["a"], parts["b"]], **DEFAULTS).vectors)


def test_update_through_the_cli_with_new_text_read_in_shards(parts, tmp_path, runner, small_shards, spawned):
    more = tmp_path / "more.txt"
    more.write_text("\n".join(royal_corpus_lines(300, seed=5)) + "\n")
    options = ["--dim", "8", "--min-count", "3", "--max-vocab", "80", "--subsample", "1e-3", "-q"]
    result = runner.invoke(main, ["build", str(parts["a"]), "--keep-counts", "-o", str(tmp_path / "m"), "--workers", "1", *options])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"]), str(more), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert f"-> {tmp_path / 'm'}" in result.output
    assert spawned == ["InProcessPasses", "ShardedPasses"]  # the new text was read by worker processes
    corpus = [str(parts["a"]), str(parts["b"]), str(more)]
    result = runner.invoke(main, ["build", *corpus, "--keep-counts", "-o", str(tmp_path / "both"), "--workers", "1", *options])
    assert result.exit_code == 0, result.output
    assert_same_model(tmp_path / "m", tmp_path / "both")
    assert load_model(tmp_path / "m").params["max_vocab"] == 80


def test_update_to_another_output_leaves_the_model(parts, tmp_path, runner):
    result = runner.invoke(main, ["build", str(parts["a"]), "--keep-counts", "-o", str(tmp_path / "m"), "--dim", "8", "-q"])
    assert result.exit_code == 0, result.output
    before = load_model(tmp_path / "m").words
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"]), "-o", str(tmp_path / "new"), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert load_model(tmp_path / "m").words == before
    assert len(load_model(tmp_path / "new")) > len(before)


def test_kept_corpus_ids_are_the_corpus(tmp_path):
    lines = ["b a b", "c a", "b"]
    model, counts = build_keeping_counts(lines, dim=1, min_count=1, subsample=0)
    save_with_counts(model, counts, tmp_path / "m")
    kept = load_corpus_ids(tmp_path / "m")
    assert kept.words == ["b", "a", "c"]  # first-seen order
    assert kept.counts.tolist() == [3, 2, 1]
    assert kept.ids.tolist() == [0, 1, 0, LINE_ID, 2, 1, LINE_ID, 0, LINE_ID]
    assert load_count_matrix(tmp_path / "m", len(model)).shape == (3, 3)


def test_corpus_ids_kept_by_worker_processes_equal_one_process(parts, tmp_path, small_shards, spawned):
    plain = tmp_path / "plain.txt"
    plain.write_text("\n".join(royal_corpus_lines(500, seed=4)) + "\n")
    corpus = [plain, parts["a"], parts["b"]]
    sharded = count(corpus, keep_corpus=True, workers=2, **DEFAULTS).corpus_ids
    assert spawned == ["ShardedPasses"]
    single = count(corpus, keep_corpus=True, workers=1, **DEFAULTS).corpus_ids
    assert sharded.words == single.words
    assert np.array_equal(sharded.counts, single.counts)
    assert np.array_equal(sharded.ids, single.ids)
    assert np.count_nonzero(single.ids == LINE_ID) == 500 + 603 + 404


def test_update_of_a_model_without_counts_says_to_rebuild(parts, tmp_path, runner):
    result = runner.invoke(main, ["build", str(parts["a"]), "-o", str(tmp_path / "m"), "--dim", "8", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["update", str(tmp_path / "m"), str(parts["b"])])
    assert result.exit_code == 1
    assert "keeps no counts; rebuild it with `wordvec build CORPUS --keep-counts" in result.output
    assert "Traceback" not in result.output


def test_corrupt_kept_files_are_model_errors(parts, tmp_path):
    model, counts = build_keeping_counts([parts["a"]], **DEFAULTS)
    save_with_counts(model, counts, tmp_path / "m")
    (tmp_path / "m" / WORDS_FILE).write_text("just\ntwo\n")
    with pytest.raises(ModelError, match="inconsistent kept corpus files"):
        load_corpus_ids(tmp_path / "m")
    (tmp_path / "m" / IDS_FILE).write_bytes(b"not numpy")
    with pytest.raises(ModelError, match="corrupt corpus-ids.npy"):
        load_corpus_ids(tmp_path / "m")
    with pytest.raises(ModelError, match="inconsistent kept counts"):
        load_count_matrix(tmp_path / "m", len(model) + 1)


def test_counts_without_the_corpus_cannot_be_kept(parts):
    with pytest.raises(ValueError, match="keep_corpus=True"):
        from wordvec.incremental import kept_count_files

        kept_count_files(count([parts["a"]], **DEFAULTS))


def test_update_in_a_subprocess(parts, tmp_path):
    run = [sys.executable, "-m", "wordvec.cli"]
    subprocess.run([*run, "build", str(parts["a"]), "--keep-counts", "-o", str(tmp_path / "m"), "--dim", "8", "-q"],
                   check=True, timeout=120)
    completed = subprocess.run([*run, "update", str(tmp_path / "m"), str(parts["b"])], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "built" in completed.stdout
    assert "quokka" in load_model(tmp_path / "m")
