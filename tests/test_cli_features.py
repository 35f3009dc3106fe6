"""End-to-end tests of ``wordvec docvec`` and ``wordvec polarity``, through click's runner and as a real process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wordvec.features import DocumentVectorizer
from wordvec.storage import save_model
from wordvec.vectors import WordVectors

from conftest import assert_same_ranking
from test_cli import assert_ok, assert_user_error, cli_error, invoke, parse_table, run_wordvec

DOCUMENTS = [
    "The king rules the kingdom with wisdom",
    "",
    "a fox hides in the forest near a wolf",
    "zzzz qqqq",
    "the baker bakes sweet bread and honey cake",
]


@pytest.fixture
def documents_file(tmp_path) -> Path:
    path = tmp_path / "documents.txt"
    path.write_text("\n".join(DOCUMENTS) + "\n", encoding="utf-8")
    return path


# -- docvec ---------------------------------------------------------------------------


@pytest.mark.parametrize("weighting", ["mean", "tfidf", "sif"])
def test_docvec_writes_one_row_per_line(runner, model_path, model, documents_file, tmp_path, weighting):
    output = tmp_path / "vectors.npy"
    result = invoke(runner, ["docvec", documents_file, "-m", model_path, "-o", output, "--weighting", weighting])
    assert_ok(result)
    assert result.stdout == (
        f"wrote 5 document vectors x 8 dims ({weighting}) to {output}; 2 without a known word (zero rows)\n"
    )
    written = np.load(output, allow_pickle=False)
    expected = DocumentVectorizer(model, weighting=weighting).fit_transform(DOCUMENTS)
    assert written.dtype == np.float32 and written.shape == (5, 8)
    np.testing.assert_array_equal(written, expected)
    np.testing.assert_array_equal(written[[1, 3]], 0)
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["documents.txt", "vectors.npy"]


def test_docvec_defaults_to_sif_and_the_model_from_the_environment(runner, model_path, model, documents_file, tmp_path):
    output = tmp_path / "out.npy"
    result = invoke(runner, ["docvec", documents_file, "-o", output], env={"WORDVEC_MODEL": str(model_path)})
    assert_ok(result)
    assert "(sif)" in result.stdout
    np.testing.assert_array_equal(np.load(output), DocumentVectorizer(model).fit_transform(DOCUMENTS))


def test_docvec_reads_standard_input_and_replaces_the_output(runner, model_path, model, tmp_path):
    output = tmp_path / "out.npy"
    output.write_bytes(b"old contents")
    result = invoke(runner, ["docvec", "-", "-m", model_path, "-o", output, "--weighting", "mean"],
                    input="the king\r\nthe queen\n")
    assert_ok(result)
    expected = DocumentVectorizer(model, weighting="mean").fit_transform(["the king", "the queen"])
    np.testing.assert_array_equal(np.load(output), expected)
    assert [entry.name for entry in tmp_path.iterdir()] == ["out.npy"]


def test_docvec_errors(runner, model_path, documents_file, tmp_path):
    missing_folder = tmp_path / "missing" / "out.npy"
    line = cli_error(invoke(runner, ["docvec", documents_file, "-m", model_path, "-o", missing_folder]),
                     "Error: cannot write")
    assert "No such file or directory" in line
    assert not (tmp_path / "missing").exists()

    unknown_only = tmp_path / "unknown.txt"
    unknown_only.write_text("zzzz\nqqqq\n", encoding="utf-8")
    cli_error(invoke(runner, ["docvec", unknown_only, "-m", model_path, "-o", tmp_path / "o.npy"]),
              "Error: remove_components=1 needs at least 1 training documents with a known word; got 0")
    cli_error(invoke(runner, ["docvec", tmp_path / "nope.txt", "-m", model_path, "-o", tmp_path / "o.npy"]),
              "Error: Invalid value for 'FILE'", usage=True)
    cli_error(invoke(runner, ["docvec", documents_file, "-m", model_path]), "Missing option '-o'", usage=True)
    cli_error(invoke(runner, ["docvec", documents_file, "-m", model_path, "-o", tmp_path / "o.npy", "--weighting", "max"]),
              "Error: Invalid value for '--weighting'", usage=True)
    assert not (tmp_path / "o.npy").exists()


def test_docvec_sif_on_a_model_without_counts(runner, model, documents_file, tmp_path):
    save_model(WordVectors(model.words, np.asarray(model.vectors)), tmp_path / "no-counts")
    result = invoke(runner, ["docvec", documents_file, "-m", tmp_path / "no-counts", "-o", tmp_path / "o.npy"])
    cli_error(result, "Error: weighting='sif' needs the corpus counts of the words")
    assert_ok(invoke(runner, ["docvec", documents_file, "-m", tmp_path / "no-counts", "-o", tmp_path / "o.npy",
                              "--weighting", "mean"]))


# -- polarity -------------------------------------------------------------------------


def expected_ends(model: WordVectors, positive: list[str], negative: list[str], k: int, **options):
    scores = model.polarity(positive, negative, **options)
    ranked = sorted((item for item in scores.items() if item[0] not in {*positive, *negative}), key=lambda item: -item[1])
    return ranked[:k], ranked[::-1][:k]


def test_polarity_prints_both_ends_without_the_seeds(runner, model_path, model):
    result = invoke(runner, ["polarity", "-m", model_path, "--positive", "king,queen", "--negative", "wolf", "-k", "4"])
    assert_ok(result)
    tables = dict(parse_table(result.stdout))
    assert list(tables) == ["most positive", "most negative"]
    most_positive, most_negative = expected_ends(model, ["king", "queen"], ["wolf"], 4)
    assert [word for word, _ in tables["most positive"]] == [word for word, _ in most_positive]
    assert [word for word, _ in tables["most negative"]] == [word for word, _ in most_negative]
    assert [score for _, score in tables["most positive"]] == pytest.approx([s for _, s in most_positive], abs=5e-4)
    # the score column is aligned
    rows = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len({len(line) for line in rows[:4]}) == 1


def test_polarity_json_and_repeated_options(runner, model_path, model):
    result = invoke(runner, [
        "polarity", "-m", model_path, "--positive", "king", "--positive", "queen", "--negative", "wolf, fox",
        "-k", "3", "--method", "projection", "--json",
    ])
    assert_ok(result)
    parsed = json.loads(result.stdout)
    assert parsed["positive_seeds"] == ["king", "queen"] and parsed["negative_seeds"] == ["wolf", "fox"]
    assert parsed["method"] == "projection"
    most_positive, most_negative = expected_ends(model, ["king", "queen"], ["wolf", "fox"], 3, method="projection")
    assert_same_ranking([(e["word"], e["score"]) for e in parsed["most_positive"]], most_positive)
    assert_same_ranking([(e["word"], e["score"]) for e in parsed["most_negative"]], most_negative)


def test_polarity_errors(runner, model_path):
    cli_error(invoke(runner, ["polarity", "-m", model_path, "--positive", "kingg", "--negative", "wolf"]),
              "Error: word 'kingg' is not in the vocabulary; did you mean: king")
    cli_error(invoke(runner, ["polarity", "-m", model_path, "--positive", "king", "--negative", "king"]),
              "Error: seed words cannot be both positive and negative: king")
    cli_error(invoke(runner, ["polarity", "-m", model_path, "--positive", " , ", "--negative", "wolf"]),
              "Error: Invalid value for '--positive': give at least one word", usage=True)
    cli_error(invoke(runner, ["polarity", "-m", model_path, "--positive", "king"]), "Missing option '--negative'",
              usage=True)
    cli_error(invoke(runner, ["polarity", "-m", model_path, "--positive", "king", "--negative", "wolf", "-k", "0"]),
              "Error: Invalid value for '-k'", usage=True)


def test_help_has_an_example(runner):
    for command in ("docvec", "polarity"):
        result = invoke(runner, [command, "--help"])
        assert_ok(result)
        assert "Example:" in result.stdout and f"wordvec {command} " in result.stdout


# -- a real process -------------------------------------------------------------------


def test_subprocess_docvec_and_polarity(model_path, model, documents_file, tmp_path):
    output = tmp_path / "vectors.npy"
    docvec = run_wordvec(["docvec", documents_file, "-m", model_path, "-o", output, "--weighting", "tfidf"], tmp_path)
    assert docvec.returncode == 0, docvec.stderr
    assert docvec.stderr == ""
    assert docvec.stdout.endswith("2 without a known word (zero rows)\n")
    expected = DocumentVectorizer(model, weighting="tfidf").fit_transform(DOCUMENTS)
    np.testing.assert_array_equal(np.load(output, allow_pickle=False), expected)

    polarity = run_wordvec(["polarity", "-m", model_path, "--positive", "bread", "--negative", "wolf", "-k", "2", "--json"],
                           tmp_path)
    assert polarity.returncode == 0, polarity.stderr
    most_positive, _ = expected_ends(model, ["bread"], ["wolf"], 2)
    assert [e["word"] for e in json.loads(polarity.stdout)["most_positive"]] == [word for word, _ in most_positive]

    error = run_wordvec(["polarity", "-m", model_path, "--positive", "breadd", "--negative", "wolf"], tmp_path)
    assert_user_error(error.returncode, error.stdout, error.stderr, "Error: word 'breadd' is not in the vocabulary")
