"""Shared fixtures: a small hand-written corpus (as lines and as a plain text file), corpus files, a fake stdin."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

# A test run started in the background (a CI script, `command &`) inherits SIGINT ignored, and so would
# every process it starts: the tests that press Ctrl-C on a build or a server need it as at a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

@pytest.fixture(scope="session", autouse=True)
def cache_outside_home(tmp_path_factory):
    """`wordvec compare` caches its fits under $WORDVEC_CACHE_DIR: a test never writes to the user's ~/.cache."""
    import os

    previous = os.environ.get("WORDVEC_CACHE_DIR")
    os.environ["WORDVEC_CACHE_DIR"] = str(tmp_path_factory.mktemp("wordvec-cache"))
    yield
    if previous is None:
        del os.environ["WORDVEC_CACHE_DIR"]
    else:
        os.environ["WORDVEC_CACHE_DIR"] = previous


ROYALTY = [
    "king", "queen", "prince", "princess", "duke", "duchess", "emperor", "empress", "baron", "baroness", "earl",
    "countess",
]
ROYAL_VERBS = ["rules", "governs", "commands", "guards", "visits", "leaves"]
ROYAL_PLACES = ["kingdom", "castle", "palace", "realm", "empire", "court", "throne", "crown"]
ROYAL_MANNERS = ["wisdom", "grace", "power", "honour", "justice", "mercy"]

ANIMALS = [
    "dog", "cat", "horse", "cow", "sheep", "wolf", "fox", "lion", "tiger", "bear", "rabbit", "mouse", "goat", "deer",
    "owl", "hawk",
]
ANIMAL_VERBS = ["runs", "sleeps", "hunts", "hides", "jumps", "rests", "wanders"]
ANIMAL_PLACES = ["forest", "field", "meadow", "barn", "river", "hill", "cave", "farm", "valley", "stable"]

FOODS = [
    "bread", "cheese", "apple", "pear", "soup", "rice", "cake", "plum", "honey", "butter", "salad", "pie", "fig", "melon",
]
FOOD_VERBS = ["bakes", "cooks", "serves", "tastes", "buys", "sells"]
COOKS = ["baker", "cook", "chef", "farmer", "grocer", "miller"]
FOOD_ADJECTIVES = ["fresh", "warm", "sweet", "salty", "ripe", "tasty", "crisp"]


def royal_corpus_lines(count: int = 360, seed: int = 7) -> list[str]:
    """A few hundred simple sentences in three topics (royalty, animals, food), > 100 distinct words."""
    rng = random.Random(seed)
    lines = []
    for number in range(count):
        topic = number % 3
        if topic == 0:
            lines.append(
                f"the {rng.choice(ROYALTY)} {rng.choice(ROYAL_VERBS)} the {rng.choice(ROYAL_PLACES)} "
                f"with {rng.choice(ROYAL_MANNERS)} and {rng.choice(ROYAL_MANNERS)}"
            )
        elif topic == 1:
            lines.append(
                f"a {rng.choice(ANIMALS)} {rng.choice(ANIMAL_VERBS)} in the {rng.choice(ANIMAL_PLACES)} "
                f"near a {rng.choice(ANIMALS)}"
            )
        else:
            lines.append(
                f"the {rng.choice(COOKS)} {rng.choice(FOOD_VERBS)} {rng.choice(FOOD_ADJECTIVES)} "
                f"{rng.choice(FOODS)} and {rng.choice(FOODS)} for dinner"
            )
    return lines


@pytest.fixture(scope="session")
def word_groups() -> dict[str, list[str]]:
    """The words of each topic of the royal corpus, by group name."""
    return {
        "royalty": ROYALTY, "royal_places": ROYAL_PLACES, "animals": ANIMALS, "animal_places": ANIMAL_PLACES,
        "foods": FOODS, "cooks": COOKS,
    }


@pytest.fixture(scope="session")
def royal_lines() -> list[str]:
    return royal_corpus_lines()


def _write_corpus(path: Path, data: bytes, compression: str | None = None) -> Path:
    """Write ``data`` to ``path``, or compressed to ``path`` plus the suffix of ``compression`` ("gz", "bz2", "xz")."""
    if compression is None:
        path.write_bytes(data)
        return path
    compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compression]
    target = path.with_name(f"{path.name}.{compression}")
    target.write_bytes(compress(data))
    return target


@pytest.fixture(scope="session")
def write_corpus():
    """``write_corpus(path, data, compression=None)`` writes a plain or compressed file and returns its path."""
    return _write_corpus


@pytest.fixture(scope="session")
def royal_corpus_file(tmp_path_factory, royal_lines) -> Path:
    """The royal corpus as a plain UTF-8 text file, alone in its directory."""
    directory = tmp_path_factory.mktemp("corpus")
    return _write_corpus(directory / "royal.txt", ("\n".join(royal_lines) + "\n").encode("utf-8"))


@pytest.fixture
def small_shards(monkeypatch):
    """Shards of a few KB, so that the small test corpora are read in several shards, in byte ranges."""
    import wordvec.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_SHARD_BYTES", 2000)


@pytest.fixture
def spawned(monkeypatch):
    """The kinds of counting passes (``InProcessPasses``, ``ShardedPasses``) that builds used, as they ask for them."""
    import wordvec.parallel as parallel

    used = []
    counting_passes = parallel.counting_passes

    def recording(source, workers):
        passes = counting_passes(source, workers)
        used.append(type(passes).__name__)
        return passes

    monkeypatch.setattr(parallel, "counting_passes", recording)
    return used


@pytest.fixture
def fake_stdin(monkeypatch):
    """``fake_stdin(data)`` makes ``sys.stdin.buffer`` a BytesIO holding ``data`` and returns that buffer."""

    def feed(data: bytes) -> io.BytesIO:
        buffer = io.BytesIO(data)
        monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=buffer))
        return buffer

    return feed


def assert_same_ranking(actual, expected):
    """(word, score) lists: the same words in the same order, scores equal up to float rounding."""
    actual, expected = list(actual), list(expected)
    assert [word for word, _ in actual] == [word for word, _ in expected]
    assert [score for _, score in actual] == pytest.approx([score for _, score in expected])


#: Options of the small models that the command-line tests build (no subsampling: on 3,240 tokens it leaves words no pair).
BUILD_OPTIONS = ["--dim", "8", "--min-count", "2", "--window", "4", "--subsample", "0"]


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, royal_corpus_file) -> Path:
    """A model built once per test module through the command line from the small plain-text corpus."""
    from click.testing import CliRunner

    from wordvec.cli import main

    path = tmp_path_factory.mktemp("cli") / "model"
    result = CliRunner().invoke(main, ["build", str(royal_corpus_file), "-o", str(path), "-q", *BUILD_OPTIONS])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def plain_model_path(tmp_path_factory, royal_corpus_file) -> Path:
    """As :func:`model_path`, built ``--no-subwords``: a word outside its vocabulary has no vector, only suggestions."""
    from click.testing import CliRunner

    from wordvec.cli import main

    path = tmp_path_factory.mktemp("cli") / "plain-model"
    result = CliRunner().invoke(main, ["build", str(royal_corpus_file), "-o", str(path), "-q", *BUILD_OPTIONS, "--no-subwords"])
    assert result.exit_code == 0, result.output
    return path


#: A word none of whose character n-grams the royal model knows: no vector can be composed for it.
UNCOMPOSABLE = "qxzv"


@pytest.fixture(scope="module")
def model(model_path):
    """The model of :func:`model_path`, loaded."""
    from wordvec.storage import load_model

    return load_model(model_path)
