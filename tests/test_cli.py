"""End-to-end tests of the ``wordvec`` command line, through click's runner and as a real process."""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wordvec import __version__
from wordvec.cli import main
from wordvec.evaluate import evaluate_word_pairs, shipped_dataset
from wordvec.formats import load_word2vec_format
from wordvec.storage import load_model

from conftest import BUILD_OPTIONS, UNCOMPOSABLE, assert_same_ranking
from test_evaluate import CAPITALS, COSMUL_ANGLES, GENDER, angle_model, questions_text, relation_model



def invoke(runner: CliRunner, args: list[str], **kwargs):
    result = runner.invoke(main, [str(arg) for arg in args], **kwargs)
    # Only SystemExit (a normal or error exit) may escape a command, never a crash.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_ok(result) -> None:
    assert result.exit_code == 0, result.output


def assert_user_error(exit_code: int, stdout: str, stderr: str, expected: str, *, usage: bool = False) -> str:
    """A user error: one ``Error:`` line on stderr, no traceback, and click's exit code. Returns that line.

    click exits with 2 for a usage error (a bad option value or argument, caught before the command
    runs) and with 1 for a ``ClickException`` (a library error the command turned into one line).
    """
    assert exit_code == (2 if usage else 1), (exit_code, stderr)
    assert "Traceback" not in stdout + stderr
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    if usage:
        # click's usage errors put "Usage: ..." and "Try ... for help." before the one-line error.
        assert "Usage:" in stderr
        assert lines[-1] == errors[0] and lines[0].startswith("Usage:")
    else:
        assert lines == errors, stderr
    assert expected in errors[0], errors[0]
    return errors[0]


def cli_error(result, expected: str, *, usage: bool = False) -> str:
    return assert_user_error(result.exit_code, result.stdout, result.stderr, expected, usage=usage)


def parse_table(text: str) -> list[tuple[str, list[tuple[str, float]]]]:
    """Parse the neighbour tables of ``nearest``/``analogy``: a title line, then rank, word, score rows."""
    tables = []
    for block in text.strip().split("\n\n"):
        title, *rows = block.splitlines()
        parsed = []
        for rank, row in enumerate(rows, start=1):
            match = re.fullmatch(r"\s+(\d+)  (\S+)\s+(-?\d+\.\d{3})", row)
            assert match, row
            assert int(match[1]) == rank
            parsed.append((match[2], float(match[3])))
        tables.append((title, parsed))
    return tables


# -- build --------------------------------------------------------------------------


def test_build_writes_a_model_and_reports_it(runner, royal_corpus_file, royal_lines, tmp_path):
    output = tmp_path / "built"
    result = invoke(runner, ["build", royal_corpus_file, "-o", output, *BUILD_OPTIONS])
    assert_ok(result)
    tokens = sum(len(line.split()) for line in royal_lines)
    expected = (
        rf"built 106 words x 8 dims from {tokens:,} tokens \({len(royal_lines)} lines\) "
        rf"in \d+\.\d s -> {re.escape(str(output))}\n"
    )
    assert re.fullmatch(expected, result.stdout), result.stdout
    loaded = load_model(output)
    assert len(loaded) == 106 and loaded.dim == 8
    assert loaded.params["window"] == 4 and loaded.params["min_count"] == 2


def test_build_verbose_prints_the_seconds_of_every_stage(runner, royal_corpus_file, tmp_path):
    result = invoke(runner, ["build", royal_corpus_file, "-o", tmp_path / "m", *BUILD_OPTIONS, "--quiet", "--verbose"])
    assert_ok(result)
    assert result.stdout == ""
    line = result.stderr.strip()
    stages = re.findall(r"(\w+) (\d+\.\d)", line)
    assert line.startswith("seconds: ")
    assert [stage for stage, _ in stages] == ["read_tokenize", "vocabulary", "count", "weight", "svd", "subwords", "write"]


def test_build_options_reach_the_model(runner, royal_corpus_file, tmp_path):
    output = tmp_path / "tuned"
    result = invoke(runner, [
        "build", royal_corpus_file, "-o", output, "--dim", "5", "--min-count", "3", "--max-vocab", "50",
        "--window", "2", "--distance-weighting", "uniform", "--subsample", "0.001", "--cds", "1", "--neg", "2",
        "--eig", "0.5", "--w+c", "--seed", "7", "--tokenizer", "nltk", "-q",
    ])
    assert_ok(result)
    assert result.stdout == ""
    params = load_model(output).params
    assert {key: params[key] for key in ("dim", "min_count", "max_vocab", "window", "distance_weighting", "subsample")} == {
        "dim": 5, "min_count": 3, "max_vocab": 50, "window": 2, "distance_weighting": "uniform", "subsample": 0.001,
    }
    assert {key: params[key] for key in ("cds", "neg", "eig", "add_context", "seed", "tokenizer")} == {
        "cds": 1.0, "neg": 2.0, "eig": 0.5, "add_context": True, "seed": 7, "tokenizer": "nltk",
    }
    assert len(load_model(output)) == 50


def test_build_replaces_an_existing_model(runner, royal_corpus_file, tmp_path):
    output = tmp_path / "again"
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", output, "-q", "--dim", "4", "--min-count", "2"]))
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", output, "-q", "--dim", "6", "--min-count", "2"]))
    assert load_model(output).dim == 6
    assert [entry.name for entry in tmp_path.iterdir()] == ["again"]


def assert_same_model(path: Path, reference: Path) -> None:
    built, expected = load_model(path), load_model(reference)
    assert built.words == expected.words
    np.testing.assert_array_equal(built.counts, expected.counts)
    np.testing.assert_array_equal(built.vectors, expected.vectors)
    assert built.params == expected.params
    assert (built.stats["tokens"], built.stats["lines"]) == (expected.stats["tokens"], expected.stats["lines"])


def test_build_reads_standard_input(runner, royal_corpus_file, model_path, tmp_path):
    output = tmp_path / "from-stdin"
    result = invoke(runner, ["build", "-", "-o", output, *BUILD_OPTIONS], input=royal_corpus_file.read_bytes())
    assert_ok(result)
    assert result.stdout.startswith("built 106 words x 8 dims from ")
    assert_same_model(output, model_path)
    assert load_model(output).stats["corpus"] == ["-"]


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_build_from_a_compressed_file_gives_the_model_of_the_plain_file(
    runner, royal_corpus_file, model_path, tmp_path, write_corpus, compression
):
    corpus = write_corpus(tmp_path / "royal.txt", royal_corpus_file.read_bytes(), compression)
    assert_ok(invoke(runner, ["build", corpus, "-o", tmp_path / "m", "-q", *BUILD_OPTIONS]))
    assert_same_model(tmp_path / "m", model_path)


def test_default_model_path_is_in_the_working_directory(runner, royal_corpus_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORDVEC_MODEL", raising=False)
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-q", *BUILD_OPTIONS]))
    assert load_model(tmp_path / "wordvec-model").dim == 8
    result = invoke(runner, ["nearest", "king", "-k", "1"])
    assert_ok(result)
    assert result.stdout.startswith("king\n")


def test_model_path_from_environment(runner, royal_corpus_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"WORDVEC_MODEL": str(tmp_path / "from-env")}
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-q", *BUILD_OPTIONS], env=env))
    assert (tmp_path / "from-env" / "meta.json").is_file()
    assert not (tmp_path / "wordvec-model").exists()
    for args in (["nearest", "queen", "-k", "2"], ["similarity", "king", "queen"], ["info"]):
        assert_ok(invoke(runner, args, env=env))
    result = invoke(runner, ["info", "--json"], env=env)
    assert json.loads(result.stdout)["dim"] == 8


# -- queries ------------------------------------------------------------------------


def test_nearest_table(runner, model_path, model):
    result = invoke(runner, ["nearest", "king", "-m", model_path, "-k", "5"])
    assert_ok(result)
    [(title, rows)] = parse_table(result.stdout)
    assert title == "king"
    expected = model.most_similar("king", topn=5)
    assert [word for word, _ in rows] == [word for word, _ in expected]
    np.testing.assert_allclose([score for _, score in rows], [score for _, score in expected], atol=5e-4)


def test_nearest_several_words(runner, model_path, model):
    result = invoke(runner, ["nearest", "king", "Bread", "-m", model_path, "-k", "3"])
    assert_ok(result)
    tables = parse_table(result.stdout)
    assert [title for title, _ in tables] == ["king", "Bread"]
    assert [word for word, _ in tables[1][1]] == [word for word, _ in model.most_similar("bread", topn=3)]


def test_nearest_json(runner, model_path, model):
    result = invoke(runner, ["nearest", "dog", "queen", "-m", model_path, "-k", "4", "--json"])
    assert_ok(result)
    parsed = json.loads(result.stdout)
    assert [entry["word"] for entry in parsed] == ["dog", "queen"]
    for entry in parsed:
        expected = model.most_similar(entry["word"], topn=4)
        assert_same_ranking([(n["word"], n["similarity"]) for n in entry["neighbours"]], expected)


def test_nearest_reads_words_from_stdin(runner, model_path, model):
    result = invoke(runner, ["nearest", "-m", model_path, "-k", "2"], input="king\n\n  cat  \n")
    assert_ok(result)
    tables = parse_table(result.stdout)
    assert [title for title, _ in tables] == ["king", "cat"]
    assert [word for word, _ in tables[1][1]] == [word for word, _ in model.most_similar("cat", topn=2)]


def test_nearest_default_topn_is_ten(runner, model_path):
    [(_, rows)] = parse_table(invoke(runner, ["nearest", "king", "-m", model_path]).stdout)
    assert len(rows) == 10


def test_similarity(runner, model_path, model):
    result = invoke(runner, ["similarity", "king", "Queen", "-m", model_path])
    assert_ok(result)
    assert result.stdout == f"{model.similarity('king', 'queen'):.4f}\n"


def test_similarity_json(runner, model_path, model):
    result = invoke(runner, ["similarity", "dog", "bread", "-m", model_path, "--json"])
    assert_ok(result)
    parsed = json.loads(result.stdout)
    assert parsed == {"word1": "dog", "word2": "bread", "similarity": pytest.approx(model.similarity("dog", "bread"))}


def test_analogy(runner, model_path, model):
    result = invoke(runner, ["analogy", "king", "queen", "prince", "-m", model_path, "-k", "3"])
    assert_ok(result)
    [(title, rows)] = parse_table(result.stdout)
    assert title == "king : queen :: prince : ?"
    assert [word for word, _ in rows] == [word for word, _ in model.analogy("king", "queen", "prince", topn=3)]


def test_analogy_json(runner, model_path, model):
    result = invoke(runner, ["analogy", "dog", "cat", "bread", "-m", model_path, "-k", "2", "--json"])
    assert_ok(result)
    parsed = json.loads(result.stdout)
    assert (parsed["a"], parsed["b"], parsed["c"]) == ("dog", "cat", "bread")
    expected = model.analogy("dog", "cat", "bread", topn=2)
    assert_same_ranking([(a["word"], a["similarity"]) for a in parsed["answers"]], expected)


def test_info(runner, model_path, royal_lines):
    result = invoke(runner, ["info", "-m", model_path])
    assert_ok(result)
    lines = result.stdout.splitlines()
    rows = dict(re.match(r"(\S+(?: \S+)*)  +(.*)$", line).groups() for line in lines)
    assert rows["model"] == str(model_path)
    assert rows["vocabulary"] == "106 words x 8 dims"
    assert "dim=8" in rows["parameters"] and "window=4" in rows["parameters"]
    tokens = sum(len(line.split()) for line in royal_lines)
    assert rows["tokens"] == f"{tokens:,}"
    assert rows["lines"] == str(len(royal_lines))
    assert rows["distinct words"] == "106"
    assert rows["replaced bytes"] == "0"
    # Labels and values line up in one column.
    assert len({len(line) - len(line[len(line.split("  ")[0]):].lstrip()) for line in lines}) == 1
    timed = set(re.findall(r"([a-z_]+) \d+\.\d\d", rows["seconds"]))
    assert timed == {"read_tokenize", "vocabulary", "count", "weight", "svd", "subwords"}


def test_info_json(runner, model_path, royal_lines):
    result = invoke(runner, ["info", "-m", model_path, "--json"])
    assert_ok(result)
    meta = json.loads(result.stdout)
    assert meta["format"] == "wordvec-model"
    assert (meta["vocab_size"], meta["dim"]) == (106, 8)
    assert meta["params"]["min_count"] == 2
    assert meta["stats"]["lines"] == len(royal_lines)


@pytest.mark.parametrize("file_format, binary", [("word2vec", False), ("word2vec-binary", True)])
def test_export(runner, model_path, model, tmp_path, file_format, binary):
    output = tmp_path / f"vectors.{file_format}"
    result = invoke(runner, ["export", "-m", model_path, "--format", file_format, "-o", output])
    assert_ok(result)
    assert result.stdout == f"wrote 106 vectors ({file_format}) to {output}\n"
    exported = load_word2vec_format(output)
    assert exported.words == model.words
    if binary:
        np.testing.assert_array_equal(exported.vectors, model.vectors)
    else:
        np.testing.assert_allclose(exported.vectors, model.vectors, rtol=1e-5, atol=1e-6)


def test_export_default_format_is_word2vec_text(runner, model_path, tmp_path):
    output = tmp_path / "vectors.txt"
    assert_ok(invoke(runner, ["export", "-m", model_path, "-o", output]))
    assert output.read_text(encoding="utf-8").startswith("106 8\n")


def test_version_and_help(runner):
    assert invoke(runner, ["--version"]).stdout == f"wordvec, version {__version__}\n"
    for command in ("build", "nearest", "similarity", "analogy", "info", "export"):
        result = invoke(runner, [command, "-h"])
        assert_ok(result)
        assert "Example:" in result.stdout


# -- user errors --------------------------------------------------------------------


def test_error_export_to_unwritable_path(runner, model_path, tmp_path):
    result = invoke(runner, ["export", "-m", model_path, "-o", tmp_path / "no" / "such" / "dir" / "v.txt"])
    cli_error(result, "Error: cannot write")


@pytest.mark.parametrize("args, option", [
    (["build", "CORPUS", "-o", "OUT", "--window", "21"], "--window"),
    (["build", "CORPUS", "-o", "OUT", "--subsample", "1"], "--subsample"),
    (["build", "CORPUS", "-o", "OUT", "--distance-weighting", "gaussian"], "--distance-weighting"),
    (["build", "CORPUS", "-o", "OUT", "--workers", "257"], "--workers"),
    (["build", "CORPUS", "-o", "OUT", "--subwords", "--min-n", "0"], "--min-n"),
    (["build", "CORPUS", "-o", "OUT", "--subwords", "--max-n", "33"], "--max-n"),
    (["build", "CORPUS", "-o", "OUT", "--subwords", "--buckets", "0"], "--buckets"),
    (["analogy", "a", "b", "c", "-m", "MODEL", "-k", "-3"], "-k"),
    (["export", "-m", "MODEL", "--format", "fasttext", "-o", "OUT"], "--format"),
])
def test_error_bad_option_value(runner, royal_corpus_file, model_path, tmp_path, args, option):
    placeholders = {"CORPUS": royal_corpus_file, "MODEL": model_path, "OUT": tmp_path / "out"}
    result = invoke(runner, [placeholders.get(arg, arg) for arg in args])
    line = cli_error(result, "Error: Invalid value for", usage=True)
    assert option in line
    assert not (tmp_path / "out").exists()


def test_a_longest_ngram_shorter_than_the_shortest_is_one_line(runner, royal_corpus_file, tmp_path):
    result = invoke(runner, ["build", royal_corpus_file, "-o", tmp_path / "out", "--subwords", "--min-n", "4", "--max-n", "3"])
    assert cli_error(result, "Error: max_n must be between min_n (4) and 32; got 3")
    assert not (tmp_path / "out").exists()


def test_error_missing_argument(runner):
    cli_error(invoke(runner, ["build"]), "Missing argument 'CORPUS...'", usage=True)


# -- a real process -----------------------------------------------------------------


def run_wordvec(args: list, cwd: Path, env: dict | None = None, executable: list | None = None, stdin: str = ""):
    """Run the command line as a process with ``stdin`` piped in; WORDVEC_MODEL is only set if ``env`` sets it."""
    environment = {key: value for key, value in os.environ.items() if key != "WORDVEC_MODEL"}
    environment.update(env or {})
    return subprocess.run(
        [*(executable or [sys.executable, "-m", "wordvec.cli"]), *[str(arg) for arg in args]],
        cwd=cwd, env=environment, input=stdin, capture_output=True, text=True, timeout=120,
    )


def test_subprocess_end_to_end(royal_corpus_file, tmp_path):
    model = tmp_path / "model"
    built = run_wordvec(["build", royal_corpus_file, "-o", model, *BUILD_OPTIONS], tmp_path)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built 106 words x 8 dims from ")
    assert built.stderr == ""

    nearest = run_wordvec(["nearest", "king", "-m", model, "-k", "3", "--json"], tmp_path)
    assert nearest.returncode == 0, nearest.stderr
    parsed = json.loads(nearest.stdout)
    expected = load_model(model).most_similar("king", topn=3)
    assert_same_ranking([(n["word"], n["similarity"]) for n in parsed[0]["neighbours"]], expected)

    table = run_wordvec(["nearest", "king", "-m", model, "-k", "3"], tmp_path)
    assert [word for word, _ in parse_table(table.stdout)[0][1]] == [word for word, _ in expected]

    exported = run_wordvec(["export", "-m", model, "--format", "word2vec-binary", "-o", tmp_path / "v.bin"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    np.testing.assert_array_equal(load_word2vec_format(tmp_path / "v.bin").vectors, load_model(model).vectors)


def test_subprocess_console_script_and_environment(royal_corpus_file, tmp_path):
    script = shutil.which("wordvec")
    assert script, "the wordvec console script is not installed"
    env = {"WORDVEC_MODEL": str(tmp_path / "env-model")}
    built = run_wordvec(["build", royal_corpus_file, "-q", *BUILD_OPTIONS], tmp_path, env=env, executable=[script])
    assert built.returncode == 0, built.stderr
    assert built.stdout == ""
    info = run_wordvec(["info", "--json"], tmp_path, env=env, executable=[script])
    assert json.loads(info.stdout)["vocab_size"] == 106
    similarity = run_wordvec(["similarity", "king", "queen"], tmp_path, env=env, executable=[script])
    assert re.fullmatch(r"-?\d\.\d{4}\n", similarity.stdout)
    assert not (tmp_path / "wordvec-model").exists()


@pytest.mark.parametrize("args, code", [(["--version"], 0), (["nearest", "king", "-k", "0"], 2)], ids=["success", "usage-error"])
def test_the_program_freezes_its_objects_out_of_the_last_collection_however_it_ends(args, code, tmp_path):
    # The console script's run() (not main(), which tests and libraries call) freezes the
    # objects when the command ends, so that the interpreter's exit skips walking them.
    probe = (
        "import gc, sys\n"
        f"sys.argv = ['wordvec', *{args!r}]\n"
        "from wordvec.cli import run\n"
        "try:\n    run()\nexcept SystemExit as end:\n    print('exit', end.code, 'frozen', gc.get_freeze_count() > 1000, file=sys.stderr)\n"
    )
    ended = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ended.stderr.splitlines()[-1] == f"exit {code} frozen True"
    script = shutil.which("wordvec")
    assert script and "from wordvec.cli import run" in Path(script).read_text()


# -- evaluate and analogy --method ----------------------------------------------------


def parse_evaluation(text: str) -> dict[str, list[str]]:
    """The rows of `evaluate`'s tables by their first cell (header rows included); cells are 2+ spaces apart."""
    rows = {}
    for line in text.splitlines():
        if line.strip():
            first, *cells = re.split(r"\s{2,}", line.strip())
            rows[first] = cells
    return rows


# Counted independently of wordvec (awk over the model's vocab.txt): of the shipped datasets only 4
# WordSim-353 pairs, 11 SimLex-999 pairs and 2 Google questions (both in "family") have known words.
def test_evaluate_runs_the_shipped_datasets_by_default(runner, model_path, model):
    result = invoke(runner, ["evaluate", "-m", model_path])
    assert_ok(result)
    rows = parse_evaluation(result.stdout)
    assert rows["word pairs"] == ["Spearman", "Pearson", "scored", "skipped"]
    assert rows["wordsim353.tsv"][2:] == ["4 / 353", "349"]
    assert rows["simlex999.txt"][2:] == ["11 / 999", "988"]
    with shipped_dataset("wordsim353.tsv") as path:
        expected = evaluate_word_pairs(model, path)
    assert rows["wordsim353.tsv"][:2] == [f"{expected.spearman:.3f}", f"{expected.pearson:.3f}"]
    assert rows["analogies"] == ["3CosAdd", "3CosMul", "answered", "skipped"]
    assert rows["questions-words.txt"][2:] == ["2 / 19,544", "19,542"]
    assert rows["family"][2:] == ["2 / 506", "504"]
    assert rows["capital-world"] == ["n/a", "n/a", "0 / 4,524", "4,524"]
    section_lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(section_lines) == 14
    assert result.stdout.split("\n\n")[0].count("\n") == 2  # the pairs table: a header and two rows


def test_evaluate_json_default(runner, model_path):
    result = invoke(runner, ["evaluate", "-m", model_path, "--json"])
    assert_ok(result)
    report = json.loads(result.stdout)
    assert (report["model"], report["vocabulary"], report["restrict_vocab"]) == (str(model_path), 106, 300000)
    assert report["methods"] == ["add", "mul"]
    assert [(p["dataset"], p["scored"], p["pairs"], p["skipped"]) for p in report["word_pairs"]] == [
        ("wordsim353.tsv", 4, 353, 349), ("simlex999.txt", 11, 999, 988),
    ]
    assert report["word_pairs"][0]["oov_ratio"] == pytest.approx(100 * 349 / 353)
    [google] = report["analogies"]
    assert (google["dataset"], google["questions"], google["answered"], google["skipped"]) == (
        "questions-words.txt", 19544, 2, 19542)
    assert len(google["sections"]) == 14
    capitals = google["sections"][0]
    assert capitals == {"section": "capital-common-countries", "questions": 506, "answered": 0, "skipped": 506,
                        "add": {"accuracy": None, "correct": 0}, "mul": {"accuracy": None, "correct": 0}}


@pytest.fixture
def perfect_model_path(tmp_path) -> Path:
    path = tmp_path / "perfect"
    relation_model([CAPITALS, GENDER]).save(path)
    return path


def test_evaluate_own_files_json(runner, perfect_model_path, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(questions_text({"capitals": CAPITALS, "gender": GENDER}) + "king queen elf elfess\n")
    pairs = tmp_path / "pairs.csv"
    # Cosines 1/2, 1, 0 and one unknown word: ranked as the scores, so rho = 1 over 3 of 4 pairs.
    pairs.write_text("word1,word2,score\nathens,greece,5\nathens,athens,10\nking,paris,0\nelf,king,3\n")
    result = invoke(runner, [
        "evaluate", "-m", perfect_model_path, "--pairs", pairs, "--analogies", questions, "--json",
    ])
    assert_ok(result)
    report = json.loads(result.stdout)
    [pair_result] = report["word_pairs"]
    assert pair_result["dataset"] == str(pairs)
    assert (pair_result["scored"], pair_result["skipped"], pair_result["oov_ratio"]) == (3, 1, 25.0)
    assert pair_result["spearman"] == pytest.approx(1.0)
    [analogies] = report["analogies"]
    assert (analogies["questions"], analogies["answered"], analogies["skipped"]) == (19, 18, 1)
    assert analogies["add"] == analogies["mul"] == {"accuracy": 1.0, "correct": 18}
    assert [(s["section"], s["answered"], s["skipped"]) for s in analogies["sections"]] == [
        ("capitals", 12, 0), ("gender", 6, 1),
    ]
    only_pairs = json.loads(invoke(runner, ["evaluate", "-m", perfect_model_path, "--pairs", pairs, "--json"]).stdout)
    assert only_pairs["analogies"] == [] and len(only_pairs["word_pairs"]) == 1


def test_evaluate_method_and_restrict_vocab(runner, tmp_path):
    # a 0, b 90, c 180, x 120, y 210, far 300 degrees: 3CosAdd answers x, 3CosMul y (see test_evaluate.py).
    model_dir = tmp_path / "angles"
    angle_model(COSMUL_ANGLES).save(model_dir)
    questions = tmp_path / "q.txt"
    questions.write_text(": s\na b c x\n")
    for method, header, accuracy in (("add", "3CosAdd", "1.000"), ("mul", "3CosMul", "0.000")):
        result = invoke(runner, ["evaluate", "-m", model_dir, "--analogies", questions, "--method", method])
        assert_ok(result)
        rows = parse_evaluation(result.stdout)
        assert rows["analogies"] == [header, "answered", "skipped"]
        assert rows[str(questions)] == [accuracy, "1 / 1", "0"]
        assert rows["s"] == [accuracy, "1 / 1", "0"]
    as_json = json.loads(invoke(runner, [
        "evaluate", "-m", model_dir, "--analogies", questions, "--method", "mul", "--json",
    ]).stdout)
    assert as_json["analogies"][0]["mul"] == {"accuracy": 0.0, "correct": 0} and "add" not in as_json["analogies"][0]
    # The 4 most frequent words are a, b, c, x: y and far leave the candidates, and their questions are skipped.
    questions.write_text(": s\na b c x\na b c y\na b c far\n")
    restricted = json.loads(invoke(runner, [
        "evaluate", "-m", model_dir, "--analogies", questions, "--restrict-vocab", "4", "--json",
    ]).stdout)
    [report] = restricted["analogies"]
    assert (report["answered"], report["skipped"]) == (1, 2)
    assert report["add"]["correct"] == report["mul"]["correct"] == 1  # x is the only candidate left


def test_analogy_method_mul(runner, tmp_path):
    model_dir = tmp_path / "angles"
    angle_model(COSMUL_ANGLES).save(model_dir)
    [(title, mul_rows)] = parse_table(invoke(runner, ["analogy", "a", "b", "c", "-m", model_dir, "--method", "mul"]).stdout)
    assert title == "a : b :: c : ?"
    assert [word for word, _ in mul_rows] == ["y", "x", "far"]
    assert mul_rows[0][1] == pytest.approx(3.431, abs=1e-3)  # by hand in test_evaluate.py
    [(_, add_rows)] = parse_table(invoke(runner, ["analogy", "a", "b", "c", "-m", model_dir]).stdout)
    assert [word for word, _ in add_rows] == ["x", "y", "far"]
    parsed = json.loads(invoke(runner, ["analogy", "a", "b", "c", "-m", model_dir, "--method", "mul", "-k", "1", "--json"]).stdout)
    assert parsed["method"] == "mul" and parsed["answers"][0]["word"] == "y"


@pytest.mark.parametrize("option, text, expected", [
    ("--pairs", "a\tb\t1\nc\td\tmany\n", "line 2: expected 'word1 word2 score'"),
    ("--pairs", "# nothing\n", "no 'word1 word2 score' lines"),
    ("--analogies", ": section\na b c\n", "no analogy questions"),
])
def test_evaluate_malformed_dataset_is_a_one_line_error(runner, model_path, tmp_path, option, text, expected):
    dataset = tmp_path / "dataset.txt"
    dataset.write_text(text)
    line = cli_error(invoke(runner, ["evaluate", "-m", model_path, option, dataset]), expected)
    assert str(dataset) in line


@pytest.mark.parametrize("args, option", [
    (["--restrict-vocab", "0"], "--restrict-vocab"),
    (["--method", "cos"], "--method"),
    (["--pairs", "MISSING"], "--pairs"),
    (["--analogies", "DIRECTORY"], "--analogies"),
])
def test_evaluate_bad_option_value(runner, model_path, tmp_path, args, option):
    placeholders = {"MISSING": tmp_path / "missing.tsv", "DIRECTORY": tmp_path}
    result = invoke(runner, ["evaluate", "-m", model_path, *[placeholders.get(arg, arg) for arg in args]])
    assert option in cli_error(result, "Error: Invalid value for", usage=True)


def test_evaluate_and_analogy_help_have_examples(runner):
    for command, example in (("evaluate", "wordvec evaluate -m my-model"), ("analogy", "--method mul")):
        result = invoke(runner, [command, "-h"])
        assert_ok(result)
        assert "Example:" in result.stdout and example in result.stdout


def test_subprocess_evaluate_finds_the_shipped_datasets(model_path, tmp_path):
    result = run_wordvec(["evaluate", "-m", model_path, "--json", "--method", "add"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [p["pairs"] for p in report["word_pairs"]] == [353, 999]
    assert report["analogies"][0]["questions"] == 19544


def test_build_progress_names_each_stage_and_shows_rates(capsys, monkeypatch):
    from wordvec.cli import BUILD_BARS, _Progress

    progress = _Progress(True, BUILD_BARS)
    for call in [("read", 0, 4_000_000), ("read", 2_000_000, 4_000_000), ("read", 4_000_000, 4_000_000),
                 ("vocabulary", 0, None), ("count", 0, 3_000_000), ("count", 3_000_000, 3_000_000), ("svd", 0, None)]:
        progress(*call)
    progress.close()
    err = capsys.readouterr().err
    for text in ("reading corpus", "vocabulary...", "counting pairs", "svd..."):
        assert text in err
    assert err.index("reading corpus") < err.index("vocabulary...") < err.index("counting pairs") < err.index("svd...")
    progress.stage, progress.started = "count", time.perf_counter() - 2.0
    assert re.fullmatch(r"1\.\d M tokens/s", progress.rate(3_000_000))
    assert progress.rate(None) is None


def test_build_progress_is_silent_when_disabled(capsys):
    from wordvec.cli import BUILD_BARS, _Progress

    progress = _Progress(False, BUILD_BARS)
    progress("read", 0, 10)
    progress("svd", 0, None)
    assert capsys.readouterr().err == ""


def test_evaluate_progress_starts_a_bar_per_analogy_file(capsys, model):
    from wordvec.cli import EVALUATE_BARS, _Progress
    from wordvec.evaluate import evaluate_model

    calls = []
    progress = _Progress(True, EVALUATE_BARS)

    def record(stage, done, total):
        calls.append((stage, done, total))
        progress(stage, done, total)

    with shipped_dataset("questions-words.txt") as questions:
        evaluate_model(model, analogies=[questions, questions], methods=("add",), progress=record)
    progress.close()
    assert {stage for stage, _, _ in calls} == {"analogies"}
    assert {total for _, _, total in calls} == {len(model)}
    starts = [index for index, (_, done, _) in enumerate(calls) if done == 0]
    assert len(starts) == 2 and starts[0] == 0  # each file's scan starts at zero...
    for scan in (calls[: starts[1]], calls[starts[1] :]):
        assert all(a[1] < b[1] for a, b in zip(scan, scan[1:])) and scan[-1][1] == len(model)  # ...and ends at all words
    assert capsys.readouterr().err.count("answering analogies") >= 2


def test_every_command_has_help_with_an_example(runner):
    for name in main.commands:
        result = invoke(runner, [name, "--help"])
        assert_ok(result)
        example = result.stdout.split("Example:", 1)
        assert len(example) == 2, f"`wordvec {name} --help` has no example"
        assert f"wordvec {name}" in example[1], f"`wordvec {name} --help`'s example does not run `wordvec {name}`"


def test_subprocess_shell_completion(tmp_path):
    script = shutil.which("wordvec")
    assert script, "the wordvec console script is not installed"
    source = run_wordvec([], tmp_path, env={"_WORDVEC_COMPLETE": "bash_source"}, executable=[script])
    assert source.returncode == 0 and "complete -o nosort -F _wordvec_completion wordvec" in source.stdout
    words = {"COMP_WORDS": "wordvec ne", "COMP_CWORD": "1", "_WORDVEC_COMPLETE": "bash_complete"}
    commands = run_wordvec([], tmp_path, env=words, executable=[script])
    assert commands.stdout.split() == ["plain,nearest"]
    words = {"COMP_WORDS": "wordvec build --dis", "COMP_CWORD": "2", "_WORDVEC_COMPLETE": "bash_complete"}
    options = run_wordvec([], tmp_path, env=words, executable=[script])
    assert options.stdout.split() == ["plain,--distance-weighting"]


# -- standard streams that are full or closed ---------------------------------------


def run_shell(command: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``wordvec`` (as ``python -m wordvec.cli``) in a shell command line, for redirections such as ``<&-``."""
    wordvec = f"{shlex.quote(sys.executable)} -m wordvec.cli"
    return subprocess.run(["bash", "-c", command.replace("wordvec", wordvec)], cwd=cwd, capture_output=True,
                          timeout=timeout)


def assert_one_line_error(ended: subprocess.CompletedProcess, expected: str) -> None:
    stderr = ended.stderr.decode()
    assert "Exception ignored" not in stderr, stderr
    assert_user_error(ended.returncode, ended.stdout.decode(errors="replace"), stderr, expected)


@pytest.mark.parametrize("command", [
    "wordvec nearest king -m MODEL", "wordvec info -m MODEL", "wordvec info --json -m MODEL",
    "wordvec similarity king queen -m MODEL", "wordvec --help", "wordvec docvec CORPUS -m MODEL -o -",
], ids=["nearest", "info", "info-json", "similarity", "help", "docvec-stdout"])
def test_output_to_a_full_disk_is_one_line(command, model_path, royal_corpus_file, tmp_path):
    command = command.replace("MODEL", str(model_path)).replace("CORPUS", str(royal_corpus_file))
    ended = run_shell(f"{command} > /dev/full", tmp_path)
    assert_one_line_error(ended, "Error: cannot write to standard output: No space left on device")


@pytest.mark.parametrize("command", [
    "wordvec nearest -m MODEL", "wordvec build - -o OUT", "wordvec docvec - -m MODEL -o OUT",
], ids=["nearest", "build", "docvec"])
def test_closed_standard_input_is_one_line(command, model_path, tmp_path):
    command = command.replace("MODEL", str(model_path)).replace("OUT", str(tmp_path / "out"))
    ended = run_shell(f"{command} <&-", tmp_path)
    assert_one_line_error(ended, "Error: standard input is closed; give wordvec one (a file, a pipe or /dev/null)")
    assert not (tmp_path / "out").exists()


def test_closed_standard_output_is_one_line_for_a_command_that_prints(model_path, royal_corpus_file, tmp_path):
    ended = run_shell(f"wordvec info -m {model_path} >&-", tmp_path)
    assert_one_line_error(ended, "Error: standard output is closed; give wordvec one (a file, a pipe or /dev/null)")
    quiet = run_shell(f"wordvec build {royal_corpus_file} -o {tmp_path / 'model'} -q {' '.join(BUILD_OPTIONS)} >&-",
                      tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b""
    assert load_model(tmp_path / "model").dim == 8


def test_a_full_or_closed_standard_error_ends_quietly_with_status_1(model_path, tmp_path):
    for redirection in ("2>/dev/full", "2>&-"):
        ended = run_shell(f"wordvec nearest {UNCOMPOSABLE} -m {model_path} {redirection}", tmp_path)
        assert (ended.returncode, ended.stdout) == (1, b""), redirection
    # With standard error closed, what it would say is dropped; the answer still comes.
    answered = run_shell(f"wordvec nearest king -m {model_path} 2>&-", tmp_path)
    assert answered.returncode == 0 and answered.stdout.startswith(b"king\n")


def test_a_broken_pipe_stays_quiet(model_path, tmp_path):
    ended = run_shell(f"wordvec nearest king -m {model_path} -k 50 | head -c 1; echo \" ${{PIPESTATUS[0]}}\"", tmp_path)
    assert ended.stdout == b"k 0\n" and ended.stderr == b""


# -- corpus folders with things that are not files ----------------------------------


def test_build_skips_what_is_not_a_regular_file_and_says_so(royal_corpus_file, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(royal_corpus_file, folder / "royal.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "broken.txt").symlink_to("nowhere.txt")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "again").symlink_to(".")
    args = f"build {folder} -o {tmp_path / 'model'} {' '.join(BUILD_OPTIONS)}"
    built = run_shell(f"wordvec {args}", tmp_path, timeout=60)  # a read of the pipe would block: timeout
    assert built.returncode == 0, built.stderr
    assert built.stderr.decode().splitlines() == [
        f"warning: skipped '{folder}/again': a link to a folder that is already read (a loop of links, or a second way in)",
        f"warning: skipped '{folder}/broken.txt': a broken symbolic link (its target does not exist)",
        f"warning: skipped '{folder}/loop.txt': a loop of symbolic links",
        f"warning: skipped '{folder}/pipe.txt': a named pipe (FIFO), not a regular file",
    ]
    assert built.stdout.decode().startswith("built 106 words x 8 dims")
    quiet = run_shell(f"wordvec {args} -q", tmp_path, timeout=60)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, b"", b"")


def test_build_reads_process_substitution(royal_corpus_file, model_path, tmp_path):
    built = run_shell(f"wordvec build <(gzip -c {royal_corpus_file} | zcat) -o {tmp_path / 'model'} -q "
                      f"{' '.join(BUILD_OPTIONS)}", tmp_path)
    assert built.returncode == 0, built.stderr
    assert_same_model(tmp_path / "model", model_path)


@pytest.mark.parametrize("make, expected", [
    (lambda path: path.symlink_to("nowhere.txt"), "is a broken symbolic link (its target does not exist)"),
    (lambda path: path.symlink_to(path.name), "is a loop of symbolic links"),
], ids=["broken-link", "loop"])
def test_build_from_a_broken_path_is_one_line(runner, tmp_path, make, expected):
    make(tmp_path / "corpus.txt")
    cli_error(invoke(runner, ["build", tmp_path / "corpus.txt", "-o", tmp_path / "model"]),
              f"Error: corpus path '{tmp_path / 'corpus.txt'}' {expected}; name a file or folder of text")


# -- long output names --------------------------------------------------------------


def long_name(length: int, suffix: str = "") -> str:
    """A file name of ``length`` UTF-8 bytes of two-byte letters (plus one ASCII letter if odd)."""
    body = length - len(suffix)
    return "é" * (body // 2) + "x" * (body % 2) + suffix


@pytest.mark.parametrize("length", [236, 240, 254, 255])
def test_output_names_up_to_the_longest_file_name_work(runner, royal_corpus_file, model_path, tmp_path, length):
    model = tmp_path / long_name(length)
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", model, "-q", *BUILD_OPTIONS]))
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", model, "-q", *BUILD_OPTIONS]))  # a replace too
    assert_same_model(model, model_path)
    exported = tmp_path / long_name(length, ".vec")
    assert_ok(invoke(runner, ["export", "-m", model, "-o", exported]))
    assert_ok(invoke(runner, ["export", "-m", model, "-o", exported]))
    assert load_word2vec_format(exported).words == load_model(model_path).words
    assert sorted(entry.name for entry in tmp_path.iterdir()) == sorted([model.name, exported.name])


def test_a_killed_save_to_a_long_name_is_cleaned_up_and_only_it(royal_corpus_file, model_path, tmp_path):
    def killed_save(target: Path) -> str:
        """The temporary that a save to ``target`` killed halfway leaves behind."""
        before = set(os.listdir(tmp_path))
        killed = subprocess.run([sys.executable, "-c", (
            "import os, signal, sys\n"
            "from wordvec.storage import load_model, save_model\n"
            "save_model(load_model(sys.argv[1]), sys.argv[2],"
            " extra_files={'x': lambda f: os.kill(os.getpid(), signal.SIGKILL)})\n"
        ), str(model_path), str(target)], capture_output=True, timeout=60)
        assert killed.returncode == -9, killed.stderr
        (temporary,) = set(os.listdir(tmp_path)) - before
        return temporary

    model, neighbour = tmp_path / long_name(250), tmp_path / long_name(252)
    ours, theirs = killed_save(model), killed_save(neighbour)
    built = run_wordvec(["build", royal_corpus_file, "-o", model, "-q", *BUILD_OPTIONS], tmp_path)
    assert built.returncode == 0, built.stderr
    assert sorted(os.listdir(tmp_path)) == sorted([model.name, theirs]), f"{ours} must go, {theirs} stay"


# -- docvec: lines as build reads them, and -o - -------------------------------------


def test_docvec_lines_are_builds_lines(runner, model_path, tmp_path):
    documents = tmp_path / "documents.txt.gz"
    documents.write_bytes(gzip.compress("\ufeffthe king rules\rthe queen rules\r\na dog runs\n".encode()))
    result = invoke(runner, ["docvec", documents, "-m", model_path, "-o", tmp_path / "rows.npy"])
    assert_ok(result)
    assert np.load(tmp_path / "rows.npy").shape == (2, 8)
    assert result.stdout.startswith("wrote 2 document vectors x 8 dims (sif)")


def test_docvec_counts_undecodable_bytes(runner, model_path, tmp_path):
    documents = tmp_path / "documents.txt"
    documents.write_bytes(b"the king \xff\xfe rules\n")
    result = invoke(runner, ["docvec", documents, "-m", model_path, "-o", tmp_path / "rows.npy"])
    assert_ok(result)
    assert result.stderr == "warning: 2 undecodable bytes were replaced (FILE is not all UTF-8)\n"


def test_docvec_to_standard_output_writes_the_npy_there(runner, model_path, royal_corpus_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "rows.npy"
    assert_ok(invoke(runner, ["docvec", royal_corpus_file, "-m", model_path, "-o", saved]))
    result = invoke(runner, ["docvec", royal_corpus_file, "-m", model_path, "-o", "-"])
    assert_ok(result)
    assert result.stdout_bytes == saved.read_bytes()
    assert result.stderr.startswith("wrote 360 document vectors x 8 dims (sif) to standard output;")
    assert not Path("-").exists()


def test_docvec_refuses_to_write_the_npy_to_a_terminal(model_path, royal_corpus_file, tmp_path):
    probe = (
        "import os, pty, subprocess, sys\n"
        "main, terminal = pty.openpty()\n"
        "ended = subprocess.run(sys.argv[1:], stdout=terminal, stderr=subprocess.PIPE, timeout=60)\n"
        "os.close(terminal)\n"
        "sys.stdout.write(f'{ended.returncode} {ended.stderr.decode()}')\n"
    )
    ended = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "wordvec.cli", "docvec",
                            str(royal_corpus_file), "-m", str(model_path), "-o", "-"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert ended.stdout == (
        "1 Error: -o - writes binary .npy data, not for a terminal: redirect standard output or name a file\n"
    )


def test_every_command_turns_user_errors_into_one_line():
    # One wrapper for the whole group (its command_class), not a decorator each command could forget.
    from wordvec.cli import _Command

    assert main.commands and all(isinstance(command, _Command) for command in main.commands.values())


# -- -q/--quiet: one meaning on every command ------------------------------------------


def test_quiet_has_one_meaning_and_one_help_on_every_command():
    from wordvec.cli import QUIET_HELP

    quiet = {name: next((p for p in command.params if p.name == "quiet"), None) for name, command in main.commands.items()}
    having = {name: option for name, option in quiet.items() if option is not None}
    assert {"build", "update", "evaluate"} <= set(having)
    for name, option in having.items():
        assert (option.opts, option.help) == (["-q", "--quiet"], QUIET_HELP), name


def run_with_a_terminal(args: list, cwd: Path) -> tuple[int, str, str]:
    """Run the command line with standard error on a terminal (a pty), as a user sees it: (status, stdout, terminal)."""
    import pty
    import threading

    main_end, terminal = pty.openpty()
    shown = []

    def read() -> None:
        while True:
            try:
                data = os.read(main_end, 65536)
            except OSError:  # EIO: the process and this test closed the terminal
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        ended = subprocess.run([sys.executable, "-m", "wordvec.cli", *[str(arg) for arg in args]], cwd=cwd,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal, timeout=120)
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(main_end)
    return ended.returncode, ended.stdout.decode(), b"".join(shown).decode(errors="replace")


@pytest.fixture
def corpus_with_bad_bytes(royal_corpus_file, tmp_path) -> Path:
    """The royal corpus with undecodable bytes in it: a build and an update warn of them."""
    path = tmp_path / "royal-bad.txt"
    path.write_bytes(royal_corpus_file.read_bytes().replace(b"\n", b" \xff\n", 5))
    return path


def test_quiet_build_and_update_print_nothing_even_on_a_terminal(corpus_with_bad_bytes, tmp_path):
    model = tmp_path / "model"
    status, stdout, shown = run_with_a_terminal(["build", corpus_with_bad_bytes, "-o", model, *BUILD_OPTIONS,
                                                 "--keep-counts"], tmp_path)
    assert status == 0 and stdout.startswith("built 106 words") and "5 undecodable bytes were replaced" in shown
    assert run_with_a_terminal(["build", corpus_with_bad_bytes, "-o", model, *BUILD_OPTIONS, "--keep-counts", "-q"],
                               tmp_path) == (0, "", "")
    assert run_with_a_terminal(["update", model, corpus_with_bad_bytes, "-q"], tmp_path) == (0, "", "")


def test_quiet_evaluate_prints_its_report_and_nothing_on_a_terminal(perfect_model_path, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(questions_text({"capitals": CAPITALS}), encoding="utf-8")
    args = ["evaluate", "-m", perfect_model_path, "--analogies", questions]
    status, report, shown = run_with_a_terminal(args, tmp_path)
    assert status == 0 and "answering analogies" in shown  # the progress bar the test must not see below
    assert run_with_a_terminal([*args, "-q"], tmp_path) == (0, report, "")
    status, printed, shown = run_with_a_terminal([*args, "-q", "--json"], tmp_path)
    assert status == 0 and json.loads(printed)["analogies"] and shown == ""


def test_quiet_evaluate_drops_warnings_as_build_does(runner, perfect_model_path, monkeypatch):
    import warnings

    import wordvec.evaluate

    evaluate_model = wordvec.evaluate.evaluate_model

    def warning_evaluation(*args, **kwargs):
        warnings.warn("a note the user need not see")
        return evaluate_model(*args, **kwargs)

    monkeypatch.setattr(wordvec.evaluate, "evaluate_model", warning_evaluation)
    loud = invoke(runner, ["evaluate", "-m", perfect_model_path, "--method", "add"])
    assert_ok(loud)
    assert loud.stderr == "warning: a note the user need not see\n"
    quiet = invoke(runner, ["evaluate", "-m", perfect_model_path, "--method", "add", "-q"])
    assert_ok(quiet)
    assert (quiet.stdout, quiet.stderr) == (loud.stdout, "")


# -- words outside the vocabulary -------------------------------------------------------

SUBWORD_TEXT = "\n".join(["the king rules the kingdom", "the queen rules the queendom", "kings and queens rule lands",
                          "a kingly queen and a queenly king", "the land of the kings"] * 30) + "\n"


@pytest.fixture(scope="module")
def subword_model_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subwords")
    (folder / "corpus.txt").write_text(SUBWORD_TEXT)
    result = CliRunner().invoke(main, ["build", str(folder / "corpus.txt"), "-o", str(folder / "model"), "--dim", "3",
                                       "--min-count", "1", "--window", "2", "--subsample", "0", "--subwords",
                                       "--analogy-view", "--buckets", "5000", "-q"])
    assert result.exit_code == 0, result.output
    return folder / "model"


def test_nearest_of_an_unseen_word_says_what_it_was_composed_from(runner, subword_model_path, tmp_path):
    import wordvec

    model = wordvec.load(subword_model_path)
    result = invoke(runner, ["nearest", "kingz", "queen", "-m", subword_model_path, "-k", "2"])
    assert result.exit_code == 0, result.output
    tables = parse_table(result.stdout)
    count = model.known_ngrams("kingz")
    assert tables[0][0] == f"kingz (not in the vocabulary: composed from {count} character n-grams)"
    assert [word for word, _ in tables[0][1]] == [word for word, _ in model.most_similar("kingz", topn=2)]
    assert tables[1][0] == "queen"
    as_json = json.loads(invoke(runner, ["nearest", "kingz", "-m", subword_model_path, "--json"]).stdout)
    assert as_json[0]["in_vocabulary"] is False and as_json[0]["ngrams"] == count and as_json[0]["word"] == "kingz"
    similar = json.loads(invoke(runner, ["similarity", "KINGZ", "queen", "-m", subword_model_path, "--json"]).stdout)
    assert similar["not_in_vocabulary"] == {"word1": {"word": "kingz", "in_vocabulary": False, "ngrams": count}}
    assert similar["similarity"] == pytest.approx(model.similarity("kingz", "queen"), abs=1e-6)
    process = run_wordvec(["nearest", "kingz", "-m", subword_model_path, "-k", "1"], tmp_path)
    assert process.returncode == 0 and process.stdout.startswith("kingz (not in the vocabulary: composed from")
    unknown = invoke(runner, ["nearest", "xyz", "-m", subword_model_path])
    cli_error(unknown, "Error: word 'xyz' is not in the vocabulary and none of its character n-grams is known")


def test_evaluate_oov_compose_answers_every_pair_it_can(runner, subword_model_path, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t8\nkingz\tqueen\t7\nland\tkingz\t2\nking\tland\t1\n")
    skip = json.loads(invoke(runner, ["evaluate", "-m", subword_model_path, "--pairs", pairs, "--json"]).stdout)
    compose = json.loads(invoke(runner, ["evaluate", "-m", subword_model_path, "--pairs", pairs, "--oov", "compose",
                                         "--json"]).stdout)
    assert (skip["word_pairs"][0]["scored"], compose["word_pairs"][0]["scored"]) == (2, 4)
    plain = tmp_path / "plain"
    assert invoke(runner, ["build", subword_model_path.parent / "corpus.txt", "-o", plain, "--dim", "3", "--min-count",
                           "1", "-q", "--subsample", "0", "--no-subwords"]).exit_code == 0
    refused = invoke(runner, ["evaluate", "-m", plain, "--pairs", pairs, "--oov", "compose"])
    cli_error(refused, "Error: oov='compose' needs a model with character n-grams: rebuild it without --no-subwords")


def test_info_shows_the_subword_settings_and_the_analogy_view(runner, subword_model_path):
    import wordvec

    table = wordvec.load(subword_model_path).analogy_view.subwords
    result = invoke(runner, ["info", "-m", subword_model_path])
    assert result.exit_code == 0, result.output
    assert re.search(r"^analogy view +U S\^0\.5 without context vectors$", result.stdout, re.MULTILINE)
    assert re.search(r"^subwords +character 3-6-grams, fasttext-fnv1a-32 into 5,000 buckets "
                     rf"\(known: analogy {len(table.bucket_ids):,}, similarity mapped from analogy\)$", result.stdout,
                     re.MULTILINE)


def test_export_and_convert_write_the_view_asked_for(runner, subword_model_path, royal_corpus_file, tmp_path):
    import wordvec

    model = wordvec.load(subword_model_path)
    for command in (["export", "-m", subword_model_path, "--format", "npy", "-o"], ["convert", subword_model_path]):
        for view, expected in (("similarity", model.vectors), ("analogy", model.analogy_view.vectors)):
            output = tmp_path / f"{command[0]}-{view}.npy"
            result = invoke(runner, [*command, output, "--view", view])
            assert result.exit_code == 0, result.output
            np.testing.assert_array_equal(np.load(output), expected)
    without = tmp_path / "without-view"
    assert_ok(invoke(runner, ["build", royal_corpus_file, "-o", without, "-q", *BUILD_OPTIONS, "--no-analogy-view"]))
    refused = invoke(runner, ["export", "-m", without, "-o", tmp_path / "x.vec", "--view", "analogy"])
    cli_error(refused, "Error: this model has no analogy view: rebuild it without --no-analogy-view")
    assert not (tmp_path / "x.vec").exists()


def test_similarity_and_analogy_say_which_words_were_composed(runner, subword_model_path):
    import wordvec

    model = wordvec.load(subword_model_path)
    count = model.known_ngrams("kingz")
    similar = invoke(runner, ["similarity", "kingz", "queen", "-m", subword_model_path])
    assert similar.exit_code == 0 and similar.stdout == f"{model.similarity('kingz', 'queen'):.4f}\n"
    assert similar.stderr == f"note: kingz (not in the vocabulary: composed from {count} character n-grams)\n"
    plain = invoke(runner, ["similarity", "king", "queen", "-m", subword_model_path])
    assert plain.stderr == ""
    analogy = invoke(runner, ["analogy", "kingz", "kings", "queen", "-m", subword_model_path, "-k", "2"])
    assert analogy.exit_code == 0, analogy.output
    title, rows = parse_table(analogy.stdout)[0]
    assert title == f"kingz (not in the vocabulary: composed from {count} character n-grams) : kings :: queen : ?"
    assert [word for word, _ in rows] == [word for word, _ in model.analogy("kingz", "kings", "queen", topn=2)]
